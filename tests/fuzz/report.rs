//! A failure: what broke (grouped by check, so one bug does not hide another), and the input
//! saved beside a report that says how to reproduce it.

use crate::mutate::Input;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Inputs saved and shown per kind of failure; the first few tell the story.
const EXAMPLES_PER_CHECK: usize = 3;

/// A broken promise: which check (stable, so repeats of one bug group together) and details.
pub struct Problem {
    pub check: String,
    pub detail: String,
}

impl Problem {
    pub fn new(check: impl Into<String>, detail: impl Into<String>) -> Problem {
        Problem {
            check: check.into(),
            detail: detail.into(),
        }
    }
}

/// Failing inputs grouped by check; the first few of each are saved for reproduction.
pub struct Failures {
    dir: PathBuf,
    seed: u64,
    by_check: BTreeMap<String, (usize, Vec<String>)>,
}

impl Failures {
    pub fn new(dir: PathBuf, seed: u64) -> Failures {
        Failures {
            dir,
            seed,
            by_check: BTreeMap::new(),
        }
    }

    pub fn add(&mut self, i: u64, input: &Input, problem: Problem) {
        let (count, examples) = self.by_check.entry(problem.check.clone()).or_default();
        *count += 1;
        if examples.len() < EXAMPLES_PER_CHECK {
            examples.push(save_failure(&self.dir, self.seed, i, input, &problem));
        }
    }

    pub fn assert_none(&self) {
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

/// Under the cargo target folder (CI keeps it with the build; `cargo clean` removes it); a full
/// run starts it empty, so what is there belongs to the last run.
pub fn failure_dir(fresh: bool) -> PathBuf {
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
