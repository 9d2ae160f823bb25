//! Inputs: the seeds unchanged, then mutated ones. The generic mutations are here (bytes,
//! framing, nesting, size, charsets); the targeted ones (hostile text, tickets, agents, the
//! portal) are in `attacks`.

use crate::attacks::{
    agent_reply, agent_sender, evil_body, evil_from, evil_subject, portal_form, ticket_tag,
};
use crate::pipeline::MAX_MESSAGE_BYTES;
use crate::rawmail::{base64, header_end, header_lines, q_encode, set_header, splice_in};
use crate::rng::{Rng, splitmix};
use crate::seeds::Seed;

/// Mutated inputs are cut to this size, so a run's length stays predictable.
const MAX_INPUT: usize = 1_500_000;

/// One input: its bytes, where it came from, and the seed for its per-input choices.
pub struct Input {
    pub raw: Vec<u8>,
    pub origin: String,
    pub choices: u64,
}

/// Input `i` of run `seed`: the seeds unchanged first, then mutated ones, each from its own RNG.
pub fn make_input(seed: u64, i: u64, seeds: &[Seed]) -> Input {
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
