//! The worker and its watchdog: inputs run on their own thread, so a hang is seen from outside,
//! and a panic is caught and reported with its input.

use crate::mutate::Input;
use crate::pipeline::{Pipeline, Report};
use crate::report::Problem;
use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

/// One input taking longer than this is a hang (not a speed test: a normal one takes ms).
pub const HANG_LIMIT: Duration = Duration::from_secs(10);
const WORKER: &str = "fuzz-worker";

pub type Verdict = Result<Report, Problem>;

/// Runs inputs on its own thread, so a hang is seen from outside and reported with its input.
pub struct Worker {
    jobs: mpsc::Sender<(Vec<u8>, u64)>,
    results: mpsc::Receiver<Verdict>,
}

impl Worker {
    pub fn start(pipeline: Pipeline) -> Worker {
        let (jobs, job_rx) = mpsc::channel::<(Vec<u8>, u64)>();
        let (result_tx, results) = mpsc::channel();
        std::thread::Builder::new()
            .name(WORKER.into())
            .spawn(move || {
                for (raw, choices) in job_rx {
                    if result_tx
                        .send(run_caught(&pipeline, &raw, choices))
                        .is_err()
                    {
                        break;
                    }
                }
            })
            .expect("start the fuzz worker");
        Worker { jobs, results }
    }

    /// The input's verdict; `Err` when there is none (a hang, or the worker died).
    pub fn run(&self, input: &Input) -> Result<Verdict, Problem> {
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
pub fn quiet_worker_panics() {
    let default = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() == Some(WORKER) {
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(info.to_string()));
        } else {
            default(info);
        }
    }));
}

/// One input through the pipeline, a panic caught and turned into a problem named by its place.
fn run_caught(pipeline: &Pipeline, raw: &[u8], choices: u64) -> Verdict {
    LAST_PANIC.with(|p| p.borrow_mut().take());
    match panic::catch_unwind(AssertUnwindSafe(|| pipeline.run(raw, choices))) {
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
