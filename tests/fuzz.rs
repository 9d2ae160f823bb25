//! A bounded mutation fuzzer over the pure path every inbound mail takes — parse → classify →
//! compose — run by `cargo test`, so CI keeps asking the question on every change instead of
//! once in a fuzzing campaign that nobody repeats.
//!
//! Why here and not cargo-fuzz: the mails a desk receives are hostile by accident (bounces,
//! broken MIME, strange charsets) and sometimes on purpose (a display name that smuggles a
//! `Bcc:`), and the promises that matter — no panic and no hang on one bad mail (the queue must
//! not stall), no extra header or recipient in anything we send, nothing from outside turning
//! into markup — must hold on every build, with no extra toolchain. The real-world corpus
//! (`../shared/corpus`) gives realistic starting points; the mutations aim at the places where
//! those promises are kept (header unfolding, encoded-word decoding, multipart framing).
//!
//! A failure is: a panic; an input without an outcome after [`HANG_LIMIT`]; a parse error or
//! decision without a reason; and for each mail composed, read back as a mail reader would:
//! header fields other than its kind's, or one twice; a recipient other than the intended one,
//! or any Cc/Bcc; a line break in a header value; markup from outside in the HTML part; a
//! Subject that reads differently from what we rendered (text from outside decoded once more);
//! our own mail, fed back in, not ignored as ours. Failures are grouped by check, so one bug
//! does not hide another.
//!
//! Determinism: every input is derived from the run's seed and its own index, so a failure is
//! reproduced by the seed and the index alone, and the input is also saved as a file. Knobs:
//! `DESKMAIL_FUZZ_SEED` (default [`DEFAULT_SEED`]), `DESKMAIL_FUZZ_ITERS` (mutated inputs after
//! one clean pass over the seeds; default [`DEFAULT_ITERS`]), `DESKMAIL_FUZZ_ONLY` (run just
//! that input index).

mod common;

use deskmail::agent::command::{self, Command, Parsed, StatusChange};
use deskmail::agent::proof::{self, TokenKey};
use deskmail::agent::quote;
use deskmail::classify::{self, Decision, IgnoreReason, Known, MachineKind, TicketHint};
use deskmail::compose::vars::{AnswerVars, HelpError, HelpVars};
use deskmail::compose::{self, Composer, MailKind, Outgoing, Templates};
use deskmail::config::Config;
use deskmail::model::{Address, Inbound, Lang, Status, Ticket, TicketRef, base_address};
use deskmail::parse::{self, ParseError};
use deskmail::schedule::{progress, sla};
use mail_parser::{MessageParser, PartType};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

/// The default seed; any other is given by `DESKMAIL_FUZZ_SEED` (decimal or 0x-hex).
const DEFAULT_SEED: u64 = 0xD35C_4A11_F022_2026;
/// Mutated inputs per run: about 30 s in a debug build on a 2-core machine, clean pass included.
const DEFAULT_ITERS: u64 = 4_500;
/// One input taking longer than this is a hang (not a speed test: a normal one takes ms).
const HANG_LIMIT: Duration = Duration::from_secs(10);
/// Inputs saved and shown per kind of failure; the first few tell the story.
const EXAMPLES_PER_CHECK: usize = 3;
/// Mutated inputs are cut to this size, so a run's length stays predictable.
const MAX_INPUT: usize = 1_500_000;
/// Lower than the default, so the fuzzer meets the "too large" outcome too.
const MAX_MESSAGE_BYTES: usize = 1_000_000;
const WORKER: &str = "fuzz-worker";

/// What an injected line break would add if it got through.
const EVIL_LINE: &str = "Bcc: evil@example.net";
/// The secret the fuzz desk signs agents' reply addresses with (the daemon keeps its own).
const TOKEN_SECRET: &[u8] = b"deskmail fuzz signing secret";
const SCRIPT: &str = "<script>alert(1)</script>";

// ---- the run -------------------------------------------------------------------------------

#[test]
fn parse_classify_compose_survive_mutated_corpus() {
    let seed = env_u64("DESKMAIL_FUZZ_SEED", DEFAULT_SEED);
    let iters = env_u64("DESKMAIL_FUZZ_ITERS", DEFAULT_ITERS);
    let only = std::env::var("DESKMAIL_FUZZ_ONLY")
        .ok()
        .map(|v| parse_u64(&v).expect("DESKMAIL_FUZZ_ONLY is an input index"));
    let seeds = seeds();
    let total = seeds.len() as u64 + iters;
    let indices: Vec<u64> = match only {
        Some(i) => vec![i],
        None => (0..total).collect(),
    };
    let dir = failure_dir(only.is_none());
    let in_flight = dir.join("in-flight.eml");
    println!(
        "fuzz: seed {seed:#x}, {} seed mails (clean pass) + {iters} mutated inputs; \
         if the process dies without a report, the input in flight is {}",
        seeds.len(),
        in_flight.display()
    );
    quiet_worker_panics();
    let start = Instant::now();
    // built here, so a config or template problem fails loudly on the test's own thread
    let worker = Worker::start(Pipeline::new());
    let mut tally = Tally::default();
    let mut failures = Failures::new(dir, seed);
    for i in indices {
        let input = make_input(seed, i, &seeds);
        std::fs::write(&in_flight, &input.raw).expect("write the in-flight input");
        let started = Instant::now();
        let verdict = worker.run(&input);
        tally.slowest = tally.slowest.max((started.elapsed(), i));
        match verdict {
            Ok(Ok(report)) => tally.add(report),
            Ok(Err(problem)) => {
                tally.failed += 1;
                failures.add(i, &input, problem);
            }
            Err(stuck) => {
                // the worker is stuck in that input: nothing after it can run
                tally.failed += 1;
                failures.add(i, &input, stuck);
                break;
            }
        }
    }
    let _ = std::fs::remove_file(&in_flight);
    println!("{}", tally.summary(start.elapsed()));
    failures.assert_none();
}

/// A broken promise: which check (stable, so repeats of one bug group together) and details.
struct Problem {
    check: String,
    detail: String,
}

impl Problem {
    fn new(check: impl Into<String>, detail: impl Into<String>) -> Problem {
        Problem {
            check: check.into(),
            detail: detail.into(),
        }
    }
}

/// Failing inputs grouped by check; the first few of each are saved for reproduction.
struct Failures {
    dir: PathBuf,
    seed: u64,
    by_check: BTreeMap<String, (usize, Vec<String>)>,
}

impl Failures {
    fn new(dir: PathBuf, seed: u64) -> Failures {
        Failures {
            dir,
            seed,
            by_check: BTreeMap::new(),
        }
    }

    fn add(&mut self, i: u64, input: &Input, problem: Problem) {
        let (count, examples) = self.by_check.entry(problem.check.clone()).or_default();
        *count += 1;
        if examples.len() < EXAMPLES_PER_CHECK {
            examples.push(save_failure(&self.dir, self.seed, i, input, &problem));
        }
    }

    fn assert_none(&self) {
        if self.by_check.is_empty() {
            return;
        }
        let report: Vec<String> = self
            .by_check
            .iter()
            .map(|(check, (count, examples))| {
                format!("== {check}: {count} input(s)\n{}", examples.join("\n"))
            })
            .collect();
        panic!(
            "fuzzing found {} kind(s) of failure (seed {:#x}):\n\n{}",
            self.by_check.len(),
            self.seed,
            report.join("\n\n")
        );
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => parse_u64(&v).unwrap_or_else(|| panic!("{name}={v:?} is not a number")),
        Err(_) => default,
    }
}

fn parse_u64(v: &str) -> Option<u64> {
    let v = v.trim().replace('_', "");
    match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => v.parse().ok(),
    }
}

/// Under the cargo target folder (CI keeps it with the build; `cargo clean` removes it); a full
/// run starts it empty, so what is there belongs to the last run.
fn failure_dir(fresh: bool) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures");
    if fresh && dir.is_dir() {
        std::fs::remove_dir_all(&dir).expect("empty the fuzz failure folder");
    }
    std::fs::create_dir_all(&dir).expect("create the fuzz failure folder");
    dir
}

/// Writes the input and the problem beside each other; returns the report for the panic.
fn save_failure(dir: &Path, seed: u64, i: u64, input: &Input, problem: &Problem) -> String {
    let eml = dir.join(format!("{i}.eml"));
    std::fs::write(&eml, &input.raw).expect("write the failing input");
    let report = format!(
        "input {i} ({}): {}: {}\n  input file: {}\n  reproduce: DESKMAIL_FUZZ_SEED={seed:#x} \
         DESKMAIL_FUZZ_ONLY={i} cargo test --test fuzz -- --nocapture",
        input.origin,
        problem.check,
        problem.detail,
        eml.display()
    );
    std::fs::write(dir.join(format!("{i}.txt")), &report).expect("write the failure report");
    report
}

// ---- seeds ---------------------------------------------------------------------------------

/// Located as `tests/corpus.rs` does, and just as loud when it is missing: CI must not pass
/// by fuzzing nothing.
fn corpus() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    assert!(
        dir.join("labels.tsv").is_file(),
        "the labelled corpus is not beside the checkout ({}): this test needs ../shared/corpus",
        dir.display()
    );
    dir
}

struct Seed {
    name: String,
    raw: Vec<u8>,
}

/// Every corpus mail in a fixed order, then a few made here that reach what the corpus cannot:
/// portal form mails (new tickets), replies on a ticket, an agent's signed reply.
fn seeds() -> Vec<Seed> {
    let dir = corpus();
    let mut out = Vec::new();
    for folder in ["machine", "human", "malformed"] {
        let mut files = Vec::new();
        collect_files(&dir.join(folder), &mut files);
        assert!(
            !files.is_empty(),
            "{}: no mails in the corpus folder",
            dir.join(folder).display()
        );
        files.sort();
        for f in files {
            let raw = std::fs::read(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            let name = f.strip_prefix(&dir).unwrap_or(&f).display().to_string();
            out.push(Seed { name, raw });
        }
    }
    out.extend(made_seeds());
    out
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("corpus folder entry").path();
        if path.is_dir() {
            collect_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn made_seeds() -> Vec<Seed> {
    let form = [
        ("Naam", "Jan de Vries"),
        ("E-mail", "jan@example.com"),
        ("Categorie", "printer"),
        ("Prioriteit", "hoog"),
        ("Onderwerp", "Printer 3e verdieping"),
        ("Omschrijving", "Hij piept.\nEn geeft geen papier."),
    ];
    let mails = [
        (
            "made/portal-form",
            common::portal_mail("form-1@portal.example.org", &form),
        ),
        (
            "made/person",
            common::person_mail(
                "Jan de Vries <jan@example.com>",
                "Mijn printer doet het niet",
                "p-1@example.com",
                "Beste servicedesk,\n\nDe printer op de 3e verdieping is kapot.\n\nJan",
            ),
        ),
        (
            "made/ticket-reply",
            common::person_mail(
                "\"Vries, Jan de\" <jan@example.com>",
                "Re: [SD-1042] Printer 3e verdieping",
                "r-1@example.com",
                "Hij doet het nog steeds niet.\n\n> oude tekst\n",
            ),
        ),
        (
            "made/agent-reply",
            common::person_mail(
                "Anna <anna@example.org>",
                "Re: [SD-1042] Printer 3e verdieping",
                "a-1@example.org",
                "#status waiting-customer\n\nWelke printer precies?\n\n-- \nAnna",
            )
            .replace(
                "<servicedesk@example.org>",
                &format!("<{}>", signed_address()),
            ),
        ),
    ];
    mails
        .into_iter()
        .map(|(name, text)| Seed {
            name: name.to_string(),
            raw: text.replace('\n', "\r\n").into_bytes(),
        })
        .collect()
}

// ---- the random source ---------------------------------------------------------------------

/// xorshift64: tiny, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(splitmix(seed) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// 0..n (0 when n is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    /// lo..=hi
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    fn percent(&mut self, p: u64) -> bool {
        self.next() % 100 < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn byte(&mut self) -> u8 {
        self.next() as u8
    }
}

/// Spreads nearby seeds (seed, seed ^ 1, …) far apart.
fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

// ---- inputs and mutations ------------------------------------------------------------------

/// One input: its bytes, where it came from, and the seed for its per-input choices.
struct Input {
    raw: Vec<u8>,
    origin: String,
    choices: u64,
}

/// Input `i` of run `seed`: the seeds unchanged first, then mutated ones, each from its own RNG.
fn make_input(seed: u64, i: u64, seeds: &[Seed]) -> Input {
    let mut rng = Rng::new(seed ^ splitmix(i));
    let choices = rng.next();
    if let Some(s) = usize::try_from(i).ok().and_then(|i| seeds.get(i)) {
        return Input {
            raw: s.raw.clone(),
            origin: format!("seed {}", s.name),
            choices,
        };
    }
    let base = rng.pick(seeds);
    let mut raw = base.raw.clone();
    let mut applied = Vec::new();
    for _ in 0..rng.range(1, 4) {
        let (name, op) = *rng.pick(MUTATIONS);
        raw = op(&mut rng, raw, seeds);
        raw.truncate(MAX_INPUT);
        applied.push(name);
    }
    Input {
        raw,
        origin: format!("seed {} mutated by {}", base.name, applied.join(", ")),
        choices,
    }
}

type Mutation = fn(&mut Rng, Vec<u8>, &[Seed]) -> Vec<u8>;

/// Weighted by repetition: the injection and framing attacks come up most.
const MUTATIONS: &[(&str, Mutation)] = &[
    ("bit-flips", bit_flips),
    ("byte-insert", byte_insert),
    ("byte-delete", byte_delete),
    ("byte-replace", byte_replace),
    ("truncate", truncate),
    ("splice", splice),
    ("duplicate-header", duplicate_header),
    ("remove-header", remove_header),
    ("control-bytes", control_bytes),
    ("control-bytes", control_bytes),
    ("evil-from", evil_from),
    ("evil-from", evil_from),
    ("evil-from", evil_from),
    ("evil-subject", evil_subject),
    ("evil-subject", evil_subject),
    ("evil-subject", evil_subject),
    ("evil-body", evil_body),
    ("deep-nesting", deep_nesting),
    ("huge-header", huge_header),
    ("size-limit", size_limit),
    ("charset", random_charset),
    ("charset", random_charset),
    ("8bit-header", eight_bit_header),
    ("ticket-tag", ticket_tag),
    ("ticket-tag", ticket_tag),
    ("agent-sender", agent_sender),
    ("agent-reply", agent_reply),
    ("agent-reply", agent_reply),
    ("portal-form", portal_form),
    ("portal-form", portal_form),
    ("portal-form", portal_form),
];

fn bit_flips(rng: &mut Rng, mut raw: Vec<u8>, _: &[Seed]) -> Vec<u8> {
    for _ in 0..rng.range(1, 16) {
        if raw.is_empty() {
            break;
        }
        let at = rng.below(raw.len());
        raw[at] ^= 1 << rng.below(8);
    }
    raw
}

fn byte_insert(rng: &mut Rng, mut raw: Vec<u8>, _: &[Seed]) -> Vec<u8> {
    for _ in 0..rng.range(1, 16) {
        let at = rng.below(raw.len() + 1);
        let b = rng.byte();
        raw.insert(at, b);
    }
    raw
}

fn byte_delete(rng: &mut Rng, mut raw: Vec<u8>, _: &[Seed]) -> Vec<u8> {
    let at = rng.below(raw.len());
    let len = rng.range(1, 64).min(raw.len() - at.min(raw.len()));
    raw.drain(at..at + len);
    raw
}

fn byte_replace(rng: &mut Rng, mut raw: Vec<u8>, _: &[Seed]) -> Vec<u8> {
    for _ in 0..rng.range(1, 32) {
        if raw.is_empty() {
            break;
        }
        let at = rng.below(raw.len());
        raw[at] = rng.byte();
    }
    raw
}

fn truncate(rng: &mut Rng, mut raw: Vec<u8>, _: &[Seed]) -> Vec<u8> {
    let at = rng.below(raw.len() + 1);
    raw.truncate(at);
    raw
}

/// The front of this mail on the back of another: headers of one, body (or half a MIME tree)
/// of the other.
fn splice(rng: &mut Rng, raw: Vec<u8>, seeds: &[Seed]) -> Vec<u8> {
    let other = &rng.pick(seeds).raw;
    let cut = rng.below(raw.len() + 1);
    let from = rng.below(other.len() + 1);
    let mut out = raw[..cut].to_vec();
    out.extend_from_slice(&other[from..]);
    out
}

fn duplicate_header(rng: &mut Rng, raw: Vec<u8>, _: &[Seed]) -> Vec<u8> {
    let lines = header_lines(&raw);
    if lines.is_empty() {
        return raw;
    }
    let (s, e) = *rng.pick(&lines);
    let copy = raw[s..e].to_vec();
    let (at, _) = *rng.pick(&lines);
    splice_in(&raw, at, at, &copy)
}

fn remove_header(rng: &mut Rng, raw: Vec<u8>, _: &[Seed]) -> Vec<u8> {
    let lines = header_lines(&raw);
    if lines.is_empty() {
        return raw;
    }
    let (s, e) = *rng.pick(&lines);
    splice_in(&raw, s, e, b"")
}

const CONTROLS: [&[u8]; 6] = [b"\r", b"\n", b"\0", b"\r\n", b"\n\n", b"\r\r"];

/// CR, LF and NUL where they do the most harm: inside header lines.
fn control_bytes(rng: &mut Rng, mut raw: Vec<u8>, _: &[Seed]) -> Vec<u8> {
    let end = header_end(&raw).max(1);
    for _ in 0..rng.range(1, 8) {
        let at = rng.below(end.min(raw.len()) + 1);
        let bytes = rng.pick(&CONTROLS).to_vec();
        raw.splice(at..at, bytes);
    }
    raw
}

fn evil_from(rng: &mut Rng, raw: Vec<u8>, _: &[Seed]) -> Vec<u8> {
    let name = evil_text(rng);
    let address = *rng.pick(&[
        "eve@example.com",
        "eve+tag@example.com",
        "\"eve x\"@example.com",
        "eve@xn--exmple-cua.com",
        "evé@example.com",
        "eve@example.com, evil@example.net",
        "",
        // ourselves, in other spellings: never a portal link, never a loop
        "SERVICEDESK+SD-1042@Example.org",
        "agents@example.org",
        "Anna+x@example.org",
    ]);
    let value = match rng.below(4) {
        0 => format!("{name} <{address}>"),
        1 => format!("\"{name}\" <{address}>"),
        2 => format!("{address} ({name})"),
        _ => format!("{name} {address}"),
    };
    set_header(rng, raw, "From", value.as_bytes())
}

fn evil_subject(rng: &mut Rng, raw: Vec<u8>, _: &[Seed]) -> Vec<u8> {
    let mut subject = evil_text(rng);
    if rng.percent(30) {
        subject = format!("Re: [SD-1042] {subject}");
    }
    set_header(rng, raw, "Subject", subject.as_bytes())
}

fn evil_body(rng: &mut Rng, mut raw: Vec<u8>, _: &[Seed]) -> Vec<u8> {
    let text = format!(
        "{}\r\n{SCRIPT} & <b>bold</b> \"quoted\" 'single' <img src=x onerror=alert(2)>\r\n",
        evil_text(rng)
    );
    let at = if rng.percent(50) {
        raw.len()
    } else {
        header_end(&raw)
    };
    raw.splice(at..at, text.into_bytes());
    raw
}

/// Up to a thousand multipart (or message/rfc822) levels around the mail's own body, closed
/// or not.
fn deep_nesting(rng: &mut Rng, raw: Vec<u8>, _: &[Seed]) -> Vec<u8> {
    let depth = rng.range(2, 1000);
    let rfc822 = rng.percent(30);
    let end = header_end(&raw);
    let mut out = raw[..end].to_vec();
    let mut closing = Vec::new();
    for level in 0..depth {
        if rfc822 && rng.percent(50) {
            out.extend_from_slice(b"Content-Type: message/rfc822\r\n\r\n");
            continue;
        }
        let boundary = if rng.percent(10) {
            "same".to_string()
        } else {
            format!("b{level}")
        };
        out.extend_from_slice(
            format!(
                "Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n--{boundary}\r\n"
            )
            .as_bytes(),
        );
        closing.push(boundary);
    }
    out.extend_from_slice(b"Content-Type: text/plain\r\n\r\n");
    out.extend_from_slice(raw.get(end..).unwrap_or_default());
    if rng.percent(50) {
        for boundary in closing.iter().rev() {
            out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        }
    }
    out
}

/// One enormous header line (folded or not), or thousands of header lines.
fn huge_header(rng: &mut Rng, raw: Vec<u8>, _: &[Seed]) -> Vec<u8> {
    let len = rng.range(1_000, 300_000);
    match rng.below(4) {
        0 => {
            let value: String = "Printer kapot ".repeat(len / 14);
            set_header(rng, raw, "Subject", value.as_bytes())
        }
        1 => {
            let value = format!("{} <eve@example.com>", "E".repeat(len));
            set_header(rng, raw, "From", value.as_bytes())
        }
        2 => {
            let value = format!("=?utf-8?b?{}?=", base64(&"é".repeat(len / 4).into_bytes()));
            set_header(rng, raw, "Subject", value.as_bytes())
        }
        _ => {
            let lines: String = (0..len / 30)
                .map(|n| format!("X-Fuzz-{n}: filler\r\n"))
                .collect();
            splice_in(&raw, 0, 0, lines.as_bytes())
        }
    }
}

/// Padded to a byte around the size limit: just under, at, and just over it.
fn size_limit(rng: &mut Rng, mut raw: Vec<u8>, _: &[Seed]) -> Vec<u8> {
    let target = MAX_MESSAGE_BYTES - 1 + rng.below(3);
    raw.truncate(target);
    raw.resize(target, b'x');
    raw
}

fn random_charset(rng: &mut Rng, raw: Vec<u8>, _: &[Seed]) -> Vec<u8> {
    let charset = *rng.pick(CHARSETS);
    if rng.percent(50) {
        let ctype = format!("text/plain; charset=\"{charset}\"");
        let raw = set_header(rng, raw, "Content-Type", ctype.as_bytes());
        let cte = *rng.pick(&["8bit", "base64", "quoted-printable", "7bit", "x-uuencode"]);
        set_header(rng, raw, "Content-Transfer-Encoding", cte.as_bytes())
    } else {
        let bytes: Vec<u8> = (0..rng.range(1, 40)).map(|_| rng.byte()).collect();
        let enc = if rng.percent(50) {
            format!("=?{charset}?b?{}?=", base64(&bytes))
        } else {
            format!("=?{charset}?q?{}?=", q_encode(&bytes))
        };
        let header = *rng.pick(&["Subject", "From"]);
        let value = if header == "From" {
            format!("{enc} <eve@example.com>")
        } else {
            enc
        };
        set_header(rng, raw, header, value.as_bytes())
    }
}

const CHARSETS: &[&str] = &[
    "utf-8",
    "iso-8859-1",
    "windows-1252",
    "shift_jis",
    "iso-2022-jp",
    "utf-16",
    "utf-16le",
    "utf-7",
    "koi8-r",
    "gb18030",
    "big5",
    "euc-kr",
    "ks_c_5601-1987",
    "x-no-such-charset",
    "",
    "utf-8*nl",
];

fn eight_bit_header(rng: &mut Rng, mut raw: Vec<u8>, _: &[Seed]) -> Vec<u8> {
    let end = header_end(&raw);
    for _ in 0..rng.range(1, 32) {
        let at = rng.below(end.min(raw.len()) + 1);
        let b = 0x80 | rng.byte();
        raw.insert(at, b);
    }
    raw
}

/// Make the mail name ticket SD-1042 (subject tag, plus-address, or threading header), so the
/// known-ticket path is reached.
fn ticket_tag(rng: &mut Rng, raw: Vec<u8>, _: &[Seed]) -> Vec<u8> {
    match rng.below(3) {
        0 => {
            let subject = format!("Re: [SD-1042] {}", evil_text(rng));
            set_header(rng, raw, "Subject", subject.as_bytes())
        }
        1 => set_header(
            rng,
            raw,
            "To",
            b"Servicedesk <servicedesk+SD-1042@example.org>",
        ),
        _ => set_header(
            rng,
            raw,
            "In-Reply-To",
            b"<sd-1042.1.2.3@deskmail.example.org>",
        ),
    }
}

fn agent_sender(rng: &mut Rng, raw: Vec<u8>, _: &[Seed]) -> Vec<u8> {
    let value = format!("{} <anna@example.org>", evil_text(rng));
    set_header(rng, raw, "From", value.as_bytes())
}

/// A proven agent's reply on SD-1042 (signed reply address, as our mails to agents carry):
/// command lines, some broken, then text for the requester that tries to escape.
fn agent_reply(rng: &mut Rng, raw: Vec<u8>, _: &[Seed]) -> Vec<u8> {
    let name = evil_text(rng);
    let raw = set_header(
        rng,
        raw,
        "From",
        format!("{name} <anna@example.org>").as_bytes(),
    );
    let to = format!("Servicedesk <{}>", signed_address());
    let raw = set_header(rng, raw, "To", to.as_bytes());
    let subject = format!("Re: [SD-1042] {}", evil_text(rng));
    let mut out = set_header(rng, raw, "Subject", subject.as_bytes());
    out.truncate(header_end(&out));
    out.extend_from_slice(b"\r\n");
    for _ in 0..rng.range(0, 3) {
        let line = *rng.pick(AGENT_LINES);
        out.extend_from_slice(format!("{line}\r\n").as_bytes());
    }
    let text = format!(
        "\r\n{}\r\n{SCRIPT} & \"quoted\"\r\n\r\n-- \r\nAnna\r\n> quoted {}\r\n",
        evil_text(rng),
        evil_text(rng)
    );
    out.extend_from_slice(text.as_bytes());
    out
}

const AGENT_LINES: &[&str] = &[
    "#status resolved",
    "#resolve",
    "#status waiting-customer <script>alert(1)</script>",
    "#wacht-klant =?utf-8?b?RXZlDQpCY2M6IGV2aWxAZXhhbXBsZS5uZXQ=?=",
    "#internal",
    "#help",
    "#hulp",
    "#target 2026-12-04",
    "#next 31-12-2026",
    "#assign me",
    "#assign evil@example.net",
    "#interal",
    "#status <b>nonsense</b>",
    "#target 2026-13-45",
];

/// The reply address our mails to agents carry for SD-1042.
fn signed_address() -> String {
    let key = TokenKey::new(TOKEN_SECRET);
    proof::reply_address(
        "servicedesk@example.org",
        &TicketRef::new("SD-", 1042),
        &key,
    )
}

/// A portal form mail with hostile field values (the form's name and subject reach headers).
fn portal_form(rng: &mut Rng, raw: Vec<u8>, _: &[Seed]) -> Vec<u8> {
    let raw = set_header(rng, raw, "From", b"Portal <portal@example.org>");
    let end = header_end(&raw);
    let mut out = raw[..end].to_vec();
    if out.ends_with(b"\r\n") || out.ends_with(b"\n") || out.is_empty() {
        out.extend_from_slice(b"\r\n");
    } else {
        out.extend_from_slice(b"\r\n\r\n");
    }
    let email = *rng.pick(&[
        "jan@example.com",
        "<jan@example.com>",
        "jan+x@example.com",
        "jän@exämple.com",
        "jan@example",
        "\"jan\"@example.com",
        "jan@@example.com",
    ]);
    let priority = *rng.pick(&["hoog", "low", "Critical", "kritiek", "asap", ""]);
    let fields = [
        format!("Naam: {}", evil_text(rng)),
        format!("E-mail: {email}"),
        format!("Categorie: {}", evil_text(rng)),
        format!("Prioriteit: {priority}"),
        format!("Onderwerp: {}", evil_text(rng)),
        format!("Omschrijving: {}\r\n{SCRIPT}\r\nmore", evil_text(rng)),
    ];
    for f in fields {
        if rng.percent(95) {
            out.extend_from_slice(f.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}

/// Text that tries to become a header, a recipient or markup once decoded.
fn evil_text(rng: &mut Rng) -> String {
    let crlf_bcc = format!("Eve\r\n{EVIL_LINE}");
    let encoded = format!("=?utf-8?b?{}?=", base64(crlf_bcc.as_bytes()));
    match rng.below(17) {
        0 => encoded,
        // decodes to an encoded-word: harmless once, not if anything decodes it again
        16 => format!("=?utf-8?b?{}?=", base64(encoded.as_bytes())),
        1 => "=?utf-8?q?Eve=0D=0ABcc:_evil@example.net?=".into(),
        2 => "=?UTF-8?Q?Eve=0ABcc=3A_evil=40example.net?=".into(),
        3 => "=?iso-8859-1?q?Eve=0D=0ABcc:_evil@example.net?=".into(),
        // the break split over two encoded words, which decoders join
        4 => format!(
            "=?utf-8?b?{}?= =?utf-8?b?{}?=",
            base64(b"Eve\r"),
            base64(format!("\n{EVIL_LINE}").as_bytes())
        ),
        5 => "=?utf-8?q?a=0D?= =?utf-8?q?=0ABcc:_evil@example.net?=".into(),
        6 => crlf_bcc,
        7 => format!("Eve\r{EVIL_LINE}"),
        8 => format!("Eve\u{2028}{EVIL_LINE}\u{85}To: evil@example.net"),
        9 => format!("Eve\0{EVIL_LINE}"),
        10 => format!(
            "=?utf-8?b?{}?=",
            base64(format!("Eve\r\n\r\n{SCRIPT}").as_bytes())
        ),
        11 => SCRIPT.into(),
        12 => "=?utf-8?q?=3Cscript=3Ealert(1)=3C/script=3E?=".into(),
        13 => "\"><img src=x onerror=alert(1)> & </p><p>".into(),
        14 => format!("=?utf-8?b?{}?=", base64(format!("{SCRIPT}\"'&").as_bytes())),
        _ => "Jan =?utf-8?q?de_Vri=C3=ABs?= =?x-bogus?b?////?= =?utf-8?b?not base64?=".into(),
    }
}

/// The header block's end: the offset of the blank line (or the input's end).
fn header_end(raw: &[u8]) -> usize {
    let mut line_start = 0;
    while line_start < raw.len() {
        let line_end = raw[line_start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(raw.len(), |p| line_start + p + 1);
        let line = &raw[line_start..line_end];
        if line == b"\n" || line == b"\r\n" {
            return line_start;
        }
        line_start = line_end;
    }
    raw.len()
}

/// (start, end) of each physical line in the header block, line end included.
fn header_lines(raw: &[u8]) -> Vec<(usize, usize)> {
    let end = header_end(raw);
    let mut lines = Vec::new();
    let mut start = 0;
    while start < end {
        let stop = raw[start..end]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(end, |p| start + p + 1);
        lines.push((start, stop));
        start = stop;
    }
    lines
}

fn splice_in(raw: &[u8], start: usize, end: usize, bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + bytes.len());
    out.extend_from_slice(&raw[..start]);
    out.extend_from_slice(bytes);
    out.extend_from_slice(&raw[end..]);
    out
}

/// Replaces every `name:` field (with its continuation lines) by one new line, at the top or
/// where the first one was.
fn set_header(rng: &mut Rng, raw: Vec<u8>, name: &str, value: &[u8]) -> Vec<u8> {
    let lines = header_lines(&raw);
    let is_named = |&(s, e): &(usize, usize)| {
        let line = &raw[s..e];
        line.len() > name.len()
            && line[..name.len()].eq_ignore_ascii_case(name.as_bytes())
            && line[name.len()] == b':'
    };
    let mut keep = Vec::with_capacity(raw.len() + value.len());
    let mut dropping = false;
    let mut insert_at = None;
    for (s, e) in &lines {
        let continuation = matches!(raw[*s], b' ' | b'\t');
        if is_named(&(*s, *e)) {
            dropping = true;
            insert_at.get_or_insert(keep.len());
            continue;
        }
        if dropping && continuation {
            continue;
        }
        dropping = false;
        keep.extend_from_slice(&raw[*s..*e]);
    }
    let body_start = lines.last().map_or(0, |&(_, e)| e);
    let at = match insert_at {
        Some(at) if rng.percent(70) => at,
        _ => 0,
    };
    let mut field = format!("{name}: ").into_bytes();
    field.extend_from_slice(value);
    field.extend_from_slice(b"\r\n");
    keep.splice(at..at, field);
    if body_start == 0 && !raw.is_empty() {
        // a headerless input: keep the fragment as the body
        keep.extend_from_slice(b"\r\n");
    }
    keep.extend_from_slice(&raw[body_start..]);
    keep
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn q_encode(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("={b:02X}")
            }
        })
        .collect()
}

// ---- the worker and its watchdog -----------------------------------------------------------

type Verdict = Result<Report, Problem>;

/// Runs inputs on its own thread, so a hang is seen from outside and reported with its input.
struct Worker {
    jobs: mpsc::Sender<(Vec<u8>, u64)>,
    results: mpsc::Receiver<Verdict>,
}

impl Worker {
    fn start(pipeline: Pipeline) -> Worker {
        let (jobs, job_rx) = mpsc::channel::<(Vec<u8>, u64)>();
        let (result_tx, results) = mpsc::channel();
        std::thread::Builder::new()
            .name(WORKER.into())
            .spawn(move || {
                for (raw, choices) in job_rx {
                    if result_tx.send(pipeline.run_caught(&raw, choices)).is_err() {
                        break;
                    }
                }
            })
            .expect("start the fuzz worker");
        Worker { jobs, results }
    }

    /// The input's verdict; `Err` when there is none (a hang, or the worker died).
    fn run(&self, input: &Input) -> Result<Verdict, Problem> {
        let gone = || Problem::new("worker", "the fuzz worker died outside an input");
        self.jobs
            .send((input.raw.clone(), input.choices))
            .map_err(|_| gone())?;
        match self.results.recv_timeout(HANG_LIMIT) {
            Ok(verdict) => Ok(verdict),
            Err(RecvTimeoutError::Timeout) => Err(Problem::new(
                "hang",
                format!("no outcome after {HANG_LIMIT:?} (a normal input takes milliseconds)"),
            )),
            Err(RecvTimeoutError::Disconnected) => Err(gone()),
        }
    }
}

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Panics on the worker are caught and reported with their input; printing each one (the
/// parser's own caught fallbacks included) would bury the summary. Other threads print as usual.
fn quiet_worker_panics() {
    let default = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() == Some(WORKER) {
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(info.to_string()));
        } else {
            default(info);
        }
    }));
}

// ---- one input through the path -----------------------------------------------------------

/// What the daemon holds while it works: the checked config and the loaded templates, plus
/// what the checks compare against.
struct Pipeline {
    config: Config,
    templates: Templates,
    key: TokenKey,
    html: HtmlAllowed,
    now: chrono::DateTime<chrono::Utc>,
}

/// What one input did, for the summary.
#[derive(Default)]
struct Report {
    parse_error: Option<&'static str>,
    decisions: Vec<&'static str>,
    mails: Vec<&'static str>,
    refused: Vec<&'static str>,
    /// The largest mail composed, the size of the input it answered, and its kind.
    largest: (usize, usize, &'static str),
}

impl Pipeline {
    fn new() -> Pipeline {
        let text = common::BASE_CONFIG.replace(
            "path = \"inbox\"",
            &format!("path = \"inbox\"\nmax_message_bytes = {MAX_MESSAGE_BYTES}"),
        );
        let config = Config::from_toml(&text, Path::new("fuzz.toml"), Path::new("/tmp"))
            .expect("the fuzz config (tests/common BASE_CONFIG) is valid");
        assert_eq!(
            config.inbound.max_message_bytes, MAX_MESSAGE_BYTES,
            "BASE_CONFIG changed: set the fuzz desk's [inbound] max_message_bytes another way"
        );
        let templates =
            Templates::load(config.templates.path.as_deref()).expect("the built-in templates load");
        Pipeline {
            config,
            templates,
            key: TokenKey::new(TOKEN_SECRET),
            html: HtmlAllowed::from_templates(),
            now: "2026-11-23T09:00:00Z".parse().expect("a fixed time"),
        }
    }

    fn run_caught(&self, raw: &[u8], choices: u64) -> Verdict {
        LAST_PANIC.with(|p| p.borrow_mut().take());
        match panic::catch_unwind(AssertUnwindSafe(|| self.run(raw, choices))) {
            Ok(verdict) => verdict,
            Err(payload) => {
                let message = LAST_PANIC
                    .with(|p| p.borrow_mut().take())
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic without a message".into());
                // "panicked at src/x.rs:1:2:" names the place: one bug, one group
                let (place, detail) = message.split_once('\n').unwrap_or((&message, ""));
                Err(Problem::new(place.trim_end_matches(':'), detail))
            }
        }
    }

    /// The daemon's sequence (src/daemon/ingest.rs) minus the store: parse, hints, classify
    /// under each thing the store could know, compose what the decision sends, check each mail.
    fn run(&self, raw: &[u8], choices: u64) -> Verdict {
        let mut report = Report::default();
        let m = match parse::parse(raw, self.config.inbound.max_message_bytes) {
            Ok(m) => m,
            Err(e) => {
                if e.to_string().trim().is_empty() {
                    return Err(Problem::new(
                        "parse error without a reason",
                        format!("{e:?}"),
                    ));
                }
                report.parse_error = Some(match e {
                    ParseError::Empty => "empty",
                    ParseError::NotAMessage => "not a message",
                    ParseError::TooLarge { .. } => "too large",
                });
                return Ok(report);
            }
        };
        let hints = classify::ticket_hints(&m, &self.config);
        let mut rng = Rng::new(choices);
        for known in self.knowns(&m, &hints, &mut rng) {
            let decision = classify::classify(&m, &known, &self.config);
            if decision.reason().trim().is_empty() {
                return Err(Problem::new(
                    "decision without a reason",
                    format!("{decision:?}"),
                ));
            }
            report.decisions.push(decision.name());
            for (mail, expected_to) in self.compose(&m, &known, &decision, &mut rng)? {
                match self.check_mail(&m, &mail, &expected_to)? {
                    Some(size) => {
                        report.mails.push(mail.kind.as_str());
                        let this = (size, raw.len(), mail.kind.as_str());
                        report.largest = report.largest.max(this);
                    }
                    None => report.refused.push(mail.kind.as_str()),
                }
            }
        }
        Ok(report)
    }

    /// What the store may know: nothing, a recent portal reply, a copy seen before, and — when
    /// the mail names one — a ticket.
    fn knowns(&self, m: &Inbound, hints: &[TicketHint], rng: &mut Rng) -> Vec<Known> {
        let mut knowns = vec![
            Known::default(),
            Known {
                recent_portal_reply: Some(self.now - chrono::Duration::hours(2)),
                ..Known::default()
            },
        ];
        if m.message_id.is_some() {
            knowns.push(Known {
                duplicate: true,
                ..Known::default()
            });
        }
        if let Some(hint) = hints.first() {
            let reference = match hint {
                TicketHint::Reference(r) => r.clone(),
                TicketHint::MessageId(_) => TicketRef::new("SD-", 1042),
            };
            // the sender is the requester, or someone else; an agent is not their own requester
            let sender = m.from.as_ref().map(|f| f.email.clone());
            let requester = match sender {
                Some(s) if !self.config.is_agent(&s) && rng.percent(50) => s,
                _ => "jan@example.com".to_string(),
            };
            knowns.push(Known {
                agent_proof: self.agent_proof(m, &reference),
                ticket: Some((reference, requester)),
                ..Known::default()
            });
        }
        knowns
    }

    /// As `known` in ingest.rs: only a mail from an agent's address about a ticket is checked.
    fn agent_proof(
        &self,
        m: &Inbound,
        reference: &TicketRef,
    ) -> Option<Result<(), proof::Unproven>> {
        let c = &self.config;
        m.from.as_ref().filter(|f| c.is_agent(&f.email))?;
        Some(proof::check(
            m,
            reference,
            &self.key,
            &c.desk.address,
            &c.tickets.ref_prefix,
            c.agents.authserv_id.as_deref(),
        ))
    }

    /// The mails `act` in ingest.rs would queue for this decision, each with the one recipient
    /// it must go to.
    fn compose(
        &self,
        m: &Inbound,
        known: &Known,
        decision: &Decision,
        rng: &mut Rng,
    ) -> Result<Vec<(Outgoing, String)>, Problem> {
        let composer = Composer::new(&self.config, &self.templates).signing(&self.key);
        let render = |e: compose::TemplateError| Problem::new("template render", e.to_string());
        match decision {
            Decision::Ignore(_) => Ok(Vec::new()),
            Decision::PortalReply { form } => {
                let to = m.from.as_ref().ok_or_else(|| {
                    Problem::new("portal reply without a sender", format!("{decision:?}"))
                })?;
                let lang = deskmail::lang::guess(&format!("{}\n{}", m.subject, m.body))
                    .unwrap_or(self.config.desk.language);
                let url = deskmail::portal::prefill_url(form, m, &self.config.portal);
                let mail = composer
                    .portal_reply(m, to, form, &url, lang, self.now)
                    .map_err(render)?;
                Ok(vec![(mail, to.email.clone())])
            }
            Decision::NewTicket(form) => {
                let t = self.new_ticket(form);
                let confirmation = composer.confirmation(&t, self.now).map_err(render)?;
                let notice = composer.agent_new_ticket(&t, self.now).map_err(render)?;
                Ok(vec![
                    (confirmation, form.email.clone()),
                    (notice, self.config.agents.queue.clone()),
                ])
            }
            Decision::TicketReply { ticket, .. } => {
                let (_, requester) = known.ticket.as_ref().ok_or_else(|| {
                    Problem::new("reply on no known ticket", format!("{decision:?}"))
                })?;
                let t = self.stored_ticket(m, ticket, requester, rng);
                let to = t
                    .assignee
                    .clone()
                    .unwrap_or_else(|| self.config.agents.queue.clone());
                let mail = composer
                    .agent_ticket_reply(&t, m, self.now)
                    .map_err(render)?;
                Ok(vec![(mail, to)])
            }
            Decision::AgentCommand { ticket, parsed } => {
                let (_, requester) = known.ticket.as_ref().ok_or_else(|| {
                    Problem::new("agent command on no known ticket", format!("{decision:?}"))
                })?;
                let Some(from) = m.from.as_ref() else {
                    return Ok(Vec::new());
                };
                let t = self.stored_ticket(m, ticket, requester, rng);
                steer(&composer, &t, from, parsed, self.now).map_err(render)
            }
        }
    }

    /// The ticket `new_ticket` in ingest.rs stores for a form.
    fn new_ticket(&self, form: &deskmail::portal::FormRequest) -> Ticket {
        let config = &self.config;
        let lang = deskmail::lang::guess(&format!("{}\n{}", form.subject, form.description))
            .unwrap_or(config.desk.language);
        Ticket {
            id: 1,
            reference: TicketRef::new(&config.tickets.ref_prefix, config.tickets.first_number),
            requester: form.email.clone(),
            requester_name: form.name.clone(),
            lang,
            subject: form.subject.clone(),
            description: form.description.clone(),
            category: form.category.clone(),
            priority: form.priority,
            status: Status::Open,
            waiting_reason: None,
            assignee: None,
            created: self.now,
            target: sla::target_at(
                &config.calendar,
                &config.sla,
                self.now,
                form.priority,
                &form.category,
            ),
            next_contact: Some(progress::first_promise(
                self.now,
                &config.calendar,
                &config.schedule,
            )),
            near_sent: false,
            overdue_sent: false,
            requester_thread: None,
            agent_thread: None,
        }
    }

    /// A ticket as the store could hold it; its words came from earlier mail, so hostile too.
    fn stored_ticket(
        &self,
        m: &Inbound,
        reference: &TicketRef,
        requester: &str,
        rng: &mut Rng,
    ) -> Ticket {
        let created = self.now - chrono::Duration::days(3);
        Ticket {
            id: 1,
            reference: reference.clone(),
            requester: requester.to_string(),
            requester_name: m.from.as_ref().and_then(|f| f.name.clone()),
            lang: *rng.pick(&Lang::ALL),
            subject: m.subject.clone(),
            description: m.body.chars().take(2_000).collect(),
            category: "printer".into(),
            priority: deskmail::model::Priority::Normal,
            status: rng
                .pick(&[
                    Status::Open,
                    Status::WaitingCustomer,
                    Status::WaitingThirdParty,
                ])
                .clone(),
            waiting_reason: rng.percent(30).then(|| m.subject.clone()),
            assignee: rng.percent(50).then(|| "anna@example.org".to_string()),
            created,
            target: created + chrono::Duration::days(rng.range(1, 6) as i64),
            next_contact: Some(progress::first_promise(
                self.now,
                &self.config.calendar,
                &self.config.schedule,
            )),
            near_sent: false,
            overdue_sent: false,
            requester_thread: Some("sd-1042.1.2.3@deskmail.example.org".into()),
            agent_thread: Some("sd-1042.1.2.4@deskmail.example.org".into()),
        }
    }

    /// Serialises one mail as `enqueue` does and checks it from the outside, as a receiving
    /// MUA would read it; returns its size. `Ok(None)`: a requester's address the mail library
    /// refuses (the daemon records that instead of sending; a defined outcome).
    fn check_mail(
        &self,
        m: &Inbound,
        mail: &Outgoing,
        expected_to: &str,
    ) -> Result<Option<usize>, Problem> {
        let kind = mail.kind.as_str();
        let in_kind = |p: Problem| Problem {
            check: format!("{kind} mail: {}", p.check),
            detail: format!("{} (inbound subject {:?})", p.detail, m.subject),
        };
        let to: Vec<&str> = mail.to.iter().map(|a| a.email.as_str()).collect();
        if to != [expected_to] {
            let detail = format!("addressed to {to:?}, not [{expected_to:?}]");
            return Err(in_kind(Problem::new("wrong recipient", detail)));
        }
        if mail.kind == MailKind::PortalReply && self.is_ours(expected_to) {
            let detail = format!("{expected_to:?} is an agent, the portal or the desk");
            return Err(in_kind(Problem::new("portal link to ourselves", detail)));
        }
        let raw = match compose::to_bytes(mail, &self.config, self.now) {
            Ok(raw) => raw,
            Err(_) if to_requester(mail.kind) => return Ok(None),
            Err(e) => return Err(in_kind(Problem::new("not serialised", e.to_string()))),
        };
        check_raw(
            &raw,
            mail,
            expected_to,
            &self.config.desk.address,
            &self.html,
        )
        .map_err(in_kind)?;
        self.check_comes_back_ignored(&raw).map_err(in_kind)?;
        Ok(Some(raw.len()))
    }

    /// Our mail in our own inbox (a forward, a misrouted copy, an agent's Cc) must be known as
    /// ours and never answered: no loops.
    fn check_comes_back_ignored(&self, raw: &[u8]) -> Result<(), Problem> {
        let back = match parse::parse(raw, self.config.inbound.max_message_bytes) {
            Ok(back) => back,
            // quarantined unread: not answered either
            Err(ParseError::TooLarge { .. }) => return Ok(()),
            Err(e) => return Err(Problem::new("our mail does not parse", e.to_string())),
        };
        match classify::classify(&back, &Known::default(), &self.config) {
            Decision::Ignore(IgnoreReason::Machine(s)) if s.kind == MachineKind::Own => Ok(()),
            other => Err(Problem::new(
                "our own mail, read back, is not ignored as ours",
                other.reason(),
            )),
        }
    }

    fn is_ours(&self, address: &str) -> bool {
        let c = &self.config;
        c.is_agent(address)
            || c.is_portal_sender(address)
            || c.own_addresses()
                .iter()
                .any(|a| a.eq_ignore_ascii_case(&deskmail::model::base_address(address)))
    }
}

/// The mails `steer::apply` in src/daemon/steer.rs sends for a proven agent's mail: the help
/// (to the agent) when a line was not understood, else the answer (to the requester) unless it
/// is internal, and the help when asked for. Each with the one recipient it must go to.
fn steer(
    composer: &Composer,
    t: &Ticket,
    from: &Address,
    parsed: &Parsed,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<(Outgoing, String)>, compose::TemplateError> {
    let agent = base_address(&from.email).to_lowercase();
    let help = |errors, applied| HelpVars {
        errors,
        applied,
        syntax: command::SYNTAX.to_string(),
    };
    if !parsed.errors.is_empty() {
        let errors = parsed
            .errors
            .iter()
            .map(|e| HelpError {
                line: e.line.clone(),
                problem: e.problem.clone(),
            })
            .collect();
        let mail = composer.agent_help(t, &agent, help(errors, Vec::new()), now)?;
        return Ok(vec![(mail, agent)]);
    }
    let mut mails = Vec::new();
    let text = quote::strip(&parsed.text);
    let told = parsed.commands.iter().any(|c| {
        matches!(
            c,
            Command::Status(StatusChange::Resolved | StatusChange::WaitingCustomer(_))
        )
    });
    if !parsed.is_internal() && (!text.is_empty() || told) {
        let agent_name = from
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| from.local_part().to_string());
        let mail = composer.agent_answer(t, AnswerVars { text, agent_name }, now)?;
        mails.push((mail, t.requester.clone()));
    }
    if parsed.commands.contains(&Command::Help) {
        let applied = parsed.commands.iter().map(Command::describe).collect();
        let mail = composer.agent_help(t, &agent, help(Vec::new(), applied), now)?;
        mails.push((mail, agent));
    }
    Ok(mails)
}

fn to_requester(kind: MailKind) -> bool {
    matches!(
        kind,
        MailKind::PortalReply
            | MailKind::Confirmation
            | MailKind::Progress(_)
            | MailKind::AgentAnswer
    )
}

// ---- checks on a finished mail -------------------------------------------------------------

/// Every mail we send has these header fields, each once.
const ALWAYS: [&str; 11] = [
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "auto-submitted",
    "x-deskmail-loop",
    "x-auto-response-suppress",
    "content-language",
    "mime-version",
    "content-type",
];

/// The header names a mail of this kind must have: the fixed set, Reply-To on everything about
/// a ticket, and the threading fields exactly when there is a thread.
fn expected_headers(mail: &Outgoing) -> Result<BTreeSet<&'static str>, Problem> {
    let mut names: BTreeSet<&str> = ALWAYS.into_iter().collect();
    let about_ticket = mail.kind != MailKind::PortalReply;
    if about_ticket != mail.reply_to.is_some() {
        return Err(Problem::new(
            "Reply-To",
            format!("{:?} on a mail about_ticket={about_ticket}", mail.reply_to),
        ));
    }
    if about_ticket {
        names.insert("reply-to");
    }
    if mail.in_reply_to.is_some() {
        names.insert("in-reply-to");
    }
    if !mail.references.is_empty() {
        names.insert("references");
    }
    Ok(names)
}

fn check_raw(
    raw: &[u8],
    mail: &Outgoing,
    expected_to: &str,
    desk: &str,
    html: &HtmlAllowed,
) -> Result<(), Problem> {
    let expected = expected_headers(mail)?;
    // our own reading of the header block, independent of any parser's leniency
    let names = header_names(raw)?;
    same_names("header fields (as written)", &names, &expected)?;
    let msg = MessageParser::default()
        .parse(raw)
        .ok_or_else(|| Problem::new("unreadable", "mail-parser cannot read it"))?;
    let parsed: Vec<String> = msg
        .headers_raw()
        .map(|(n, _)| n.to_ascii_lowercase())
        .collect();
    same_names(
        "header fields (as mail-parser reads them)",
        &parsed,
        &expected,
    )?;
    for (name, value) in msg.headers_raw() {
        let value = value.strip_suffix("\r\n").unwrap_or(value);
        let unfolded = value.replace("\r\n ", " ").replace("\r\n\t", "\t");
        if unfolded.contains(['\r', '\n']) {
            return Err(Problem::new(
                "line break in a header value",
                format!("{name}: {value:?}"),
            ));
        }
    }
    check_recipients(&msg, expected_to, desk)?;
    let parts: Vec<&str> = msg
        .parts
        .iter()
        .filter_map(|p| match &p.body {
            PartType::Html(h) => Some(h.as_ref()),
            _ => None,
        })
        .collect();
    match parts.as_slice() {
        [one] => html.check(one)?,
        other => {
            let detail = format!("{} HTML parts, expected one", other.len());
            return Err(Problem::new("HTML part count", detail));
        }
    }
    check_subject(msg.subject().unwrap_or_default(), &mail.rendered.subject)
}

/// What a reader's mail program shows is what we rendered: one line, and no encoded-word in our
/// text that a decoder would turn into something else.
fn check_subject(decoded: &str, rendered: &str) -> Result<(), Problem> {
    if decoded.chars().any(char::is_control) {
        return Err(Problem::new(
            "control character in the decoded Subject",
            format!("reads {decoded:?}, rendered {rendered:?}"),
        ));
    }
    if decoded != rendered {
        return Err(Problem::new(
            "decoded Subject differs from the rendered one",
            format!("reads {decoded:?}, rendered {rendered:?}"),
        ));
    }
    Ok(())
}

/// Each name present once, and exactly the expected ones.
fn same_names(seen_by: &str, names: &[String], expected: &BTreeSet<&str>) -> Result<(), Problem> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for n in names {
        *counts.entry(n.as_str()).or_default() += 1;
    }
    let twice: Vec<&&str> = counts
        .iter()
        .filter(|(_, c)| **c > 1)
        .map(|(n, _)| n)
        .collect();
    let got: BTreeSet<&str> = counts.keys().copied().collect();
    if !twice.is_empty() || got != *expected {
        let extra: Vec<&&str> = got.difference(expected).collect();
        let missing: Vec<&&str> = expected.difference(&got).collect();
        return Err(Problem::new(
            seen_by,
            format!("{names:?}; extra {extra:?}, missing {missing:?}, twice {twice:?}"),
        ));
    }
    Ok(())
}

/// The header names of a raw mail, read line by line: CRLF only, every line a field or a
/// continuation.
fn header_names(raw: &[u8]) -> Result<Vec<String>, Problem> {
    let framing = |detail: String| Problem::new("header framing", detail);
    let text = std::str::from_utf8(raw).map_err(|e| framing(format!("not UTF-8: {e}")))?;
    let (head, _) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| framing("no blank line after the headers".into()))?;
    let mut names = Vec::new();
    for line in head.split("\r\n") {
        if line.contains(['\r', '\n', '\0']) {
            return Err(framing(format!("a bare CR, LF or NUL in {line:?}")));
        }
        if line.starts_with([' ', '\t']) && !names.is_empty() {
            continue;
        }
        let name = line
            .split_once(':')
            .map(|(n, _)| n)
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_graphic()))
            .ok_or_else(|| framing(format!("{line:?} is not a header field")))?;
        names.push(name.to_ascii_lowercase());
    }
    Ok(names)
}

fn addresses(list: Option<&mail_parser::Address<'_>>) -> Vec<String> {
    list.map(|a| {
        a.iter()
            .filter_map(|m| m.address())
            .map(str::to_string)
            .collect()
    })
    .unwrap_or_default()
}

fn check_recipients(
    msg: &mail_parser::Message<'_>,
    expected_to: &str,
    desk: &str,
) -> Result<(), Problem> {
    let to = addresses(msg.to());
    if to != [expected_to] {
        return Err(Problem::new(
            "To is not the intended recipient",
            format!("{to:?}, expected [{expected_to:?}]"),
        ));
    }
    if msg.cc().is_some() || msg.bcc().is_some() {
        let detail = format!(
            "Cc {:?}, Bcc {:?}",
            addresses(msg.cc()),
            addresses(msg.bcc())
        );
        return Err(Problem::new("a Cc or Bcc", detail));
    }
    let from = addresses(msg.from());
    if from != [desk] {
        return Err(Problem::new(
            "From is not the desk",
            format!("{from:?}, expected [{desk:?}]"),
        ));
    }
    let names = [msg.to(), msg.from(), msg.reply_to()]
        .into_iter()
        .flatten()
        .flat_map(|a| a.iter())
        .filter_map(|m| m.name());
    for name in names {
        if name.chars().any(char::is_control) {
            return Err(Problem::new(
                "control character in a decoded display name",
                format!("{name:?}"),
            ));
        }
    }
    Ok(())
}

/// The tags and attributes our templates write; anything else in an HTML part came from
/// outside unescaped.
struct HtmlAllowed {
    tags: BTreeSet<String>,
    attributes: BTreeSet<(String, String)>,
}

impl HtmlAllowed {
    fn from_templates() -> HtmlAllowed {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut files = Vec::new();
        collect_files(&dir, &mut files);
        let mut allowed = HtmlAllowed {
            tags: BTreeSet::new(),
            attributes: BTreeSet::new(),
        };
        for f in files
            .iter()
            .filter(|f| f.extension().is_some_and(|e| e == "html"))
        {
            let text = std::fs::read_to_string(f).expect("read a template");
            let tags = html_tags(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            for (tag, attrs) in tags {
                for (name, _) in attrs {
                    allowed.attributes.insert((tag.clone(), name));
                }
                allowed.tags.insert(tag);
            }
        }
        assert!(
            allowed.tags.contains("p"),
            "no HTML templates found in {}",
            dir.display()
        );
        allowed
    }

    fn check(&self, html: &str) -> Result<(), Problem> {
        let markup = |detail: String| Problem::new("markup from outside in the HTML part", detail);
        if html.to_ascii_lowercase().contains("<script") {
            return Err(markup("a <script".into()));
        }
        for (tag, attrs) in html_tags(html).map_err(markup)? {
            if !self.tags.contains(&tag) {
                return Err(markup(format!("tag <{tag}> is not one of ours")));
            }
            for (name, value) in attrs {
                if !self.attributes.contains(&(tag.clone(), name.clone())) {
                    return Err(markup(format!("attribute {name} on <{tag}> is not ours")));
                }
                let safe = ["https://", "http://", "mailto:"];
                let link = unescape(&value);
                if name == "href" && !safe.iter().any(|s| link.starts_with(s)) {
                    return Err(markup(format!("a link to {link:?}")));
                }
            }
        }
        Ok(())
    }
}

/// The entities Tera's escaping writes, back to text (enough to read a link's scheme).
fn unescape(value: &str) -> String {
    [
        ("&#x2F;", "/"),
        ("&quot;", "\""),
        ("&#x27;", "'"),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&amp;", "&"),
    ]
    .iter()
    .fold(value.to_string(), |v, (entity, text)| {
        v.replace(entity, text)
    })
}

/// Name and value of each attribute.
type Attributes = Vec<(String, String)>;
type Tag = (String, Attributes);

/// A small tag reader: each `<` must open a tag (or a doctype or comment), each tag is a name
/// and attributes with quoted or bare values. A `<` that opens nothing is text from outside
/// that escaped escaping.
fn html_tags(html: &str) -> Result<Vec<Tag>, String> {
    let mut tags = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        if let Some(comment) = after.strip_prefix("!--") {
            let close = comment.find("-->").ok_or("an unclosed comment")?;
            rest = &comment[close + 3..];
            continue;
        }
        let body = after.strip_prefix('/').unwrap_or(after);
        let body = body.strip_prefix('!').unwrap_or(body);
        let name_len = body
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(body.len());
        if name_len == 0 {
            let context: String = after.chars().take(40).collect();
            return Err(format!("an unescaped '<' before {context:?}"));
        }
        let name = body[..name_len].to_ascii_lowercase();
        let (attrs, tail) = html_attributes(&body[name_len..])?;
        tags.push((name, attrs));
        rest = tail;
    }
    Ok(tags)
}

/// Attributes up to the tag's `>`; returns them and the text after the tag.
fn html_attributes(mut s: &str) -> Result<(Attributes, &str), String> {
    let mut attrs = Vec::new();
    loop {
        s = s.trim_start();
        if let Some(tail) = s.strip_prefix('>').or_else(|| s.strip_prefix("/>")) {
            return Ok((attrs, tail));
        }
        let name_len = s
            .find(|c: char| c.is_whitespace() || "=>/".contains(c))
            .ok_or("an unclosed tag")?;
        if name_len == 0 {
            return Err(format!(
                "a stray character in a tag: {:?}",
                s.chars().take(40).collect::<String>()
            ));
        }
        let name = s[..name_len].to_ascii_lowercase();
        s = s[name_len..].trim_start();
        let mut value = String::new();
        if let Some(v) = s.strip_prefix('=') {
            let v = v.trim_start();
            let (text, tail) = match v.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let inner = &v[1..];
                    let end = inner.find(q).ok_or("an unclosed attribute value")?;
                    (&inner[..end], &inner[end + 1..])
                }
                _ => {
                    let end = v
                        .find(|c: char| c.is_whitespace() || c == '>')
                        .unwrap_or(v.len());
                    (&v[..end], &v[end..])
                }
            };
            value = text.to_string();
            s = tail;
        }
        attrs.push((name, value));
    }
}

// ---- the summary ---------------------------------------------------------------------------

#[derive(Default)]
struct Tally {
    /// Inputs that passed every check, and inputs that failed one.
    inputs: usize,
    failed: usize,
    parse_errors: BTreeMap<&'static str, usize>,
    decisions: BTreeMap<&'static str, usize>,
    mails: BTreeMap<&'static str, usize>,
    refused: BTreeMap<&'static str, usize>,
    largest: (usize, usize, &'static str),
    /// The slowest input and its index: how far from [`HANG_LIMIT`] the worst one was.
    slowest: (Duration, u64),
}

impl Tally {
    fn add(&mut self, r: Report) {
        self.inputs += 1;
        self.largest = self.largest.max(r.largest);
        if let Some(e) = r.parse_error {
            *self.parse_errors.entry(e).or_default() += 1;
        }
        for (map, names) in [
            (&mut self.decisions, r.decisions),
            (&mut self.mails, r.mails),
            (&mut self.refused, r.refused),
        ] {
            for n in names {
                *map.entry(n).or_default() += 1;
            }
        }
    }

    fn summary(&self, elapsed: Duration) -> String {
        let line = |m: &BTreeMap<&str, usize>| {
            let counts: Vec<String> = m.iter().map(|(k, v)| format!("{k} {v}")).collect();
            if counts.is_empty() {
                "none".to_string()
            } else {
                counts.join(", ")
            }
        };
        format!(
            "fuzz: {} inputs ({} failed) in {:.1} s\n  parse errors: {}\n  decisions (per known-state \
             variant): {}\n  mails checked: {}\n  mails refused by address (defined outcome): {}\n  \
             largest mail composed: {} bytes ({}), for an input of {} bytes\n  \
             slowest input: {:?} (input {})",
            self.inputs + self.failed,
            self.failed,
            elapsed.as_secs_f64(),
            line(&self.parse_errors),
            line(&self.decisions),
            line(&self.mails),
            line(&self.refused),
            self.largest.0,
            self.largest.2,
            self.largest.1,
            self.slowest.0,
            self.slowest.1
        )
    }
}
