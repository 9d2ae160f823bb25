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
//! A failure is: a panic; an input without an outcome after
//! [`HANG_LIMIT`](worker::HANG_LIMIT); a parse error or decision without a reason; and for each
//! mail composed, read back as a mail reader would: header fields other than its kind's, or one
//! twice; a recipient other than the intended one, or any Cc/Bcc; a line break in a header
//! value; markup from outside in the HTML part; a Subject that reads differently from what we
//! rendered (text from outside decoded once more); our own mail, fed back in, not ignored as
//! ours. Failures are grouped by check, so one bug does not hide another.
//!
//! Determinism: every input is derived from the run's seed and its own index, so a failure is
//! reproduced by the seed and the index alone, and the input is also saved as a file. Knobs:
//! `DESKMAIL_FUZZ_SEED` (default [`DEFAULT_SEED`]), `DESKMAIL_FUZZ_ITERS` (mutated inputs after
//! one clean pass over the seeds; default [`DEFAULT_ITERS`]), `DESKMAIL_FUZZ_ONLY` (run just
//! that input index).
//!
//! Layout: `rng` (the random source), `seeds` (the corpus and the mails made here), `mutate`
//! (inputs and the generic mutations), `attacks` (hostile text and the ticket, agent and portal
//! shapes), `rawmail` (editing a raw header block, encoders), `worker` (a thread with a watchdog
//! and caught panics), `pipeline` (parse → classify → compose, as `src/daemon/ingest.rs`),
//! `outgoing` (the mails a decision sends), `checks` (the promises on each composed mail),
//! `html` (markup from outside), `report` (failure files and the failure report); the run and
//! its summary are here.

#[path = "../common/mod.rs"]
mod common;

mod attacks;
mod checks;
mod html;
mod mutate;
mod outgoing;
mod pipeline;
mod rawmail;
mod report;
mod rng;
mod seeds;
mod worker;

use mutate::make_input;
use pipeline::{Pipeline, Report};
use report::{Failures, failure_dir};
use seeds::seeds;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use worker::{Worker, quiet_worker_panics};

/// The default seed; any other is given by `DESKMAIL_FUZZ_SEED` (decimal or 0x-hex).
const DEFAULT_SEED: u64 = 0xD35C_4A11_F022_2026;
/// Mutated inputs per run: about 30 s in a debug build on a 2-core machine, clean pass included.
const DEFAULT_ITERS: u64 = 4_500;

#[test]
fn parse_classify_compose_survive_mutated_corpus() {
    let seed = env_u64("DESKMAIL_FUZZ_SEED", DEFAULT_SEED);
    let iters = env_u64("DESKMAIL_FUZZ_ITERS", DEFAULT_ITERS);
    let only = std::env::var("DESKMAIL_FUZZ_ONLY")
        .ok()
        .map(|v| parse_u64(&v).expect("DESKMAIL_FUZZ_ONLY is an input index"));
    let Some(seeds) = seeds() else { return };
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
    /// The slowest input and its index: how far from [`HANG_LIMIT`](worker::HANG_LIMIT) the
    /// worst one was.
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
