//! Graceful shutdown: one watch channel that flips on SIGTERM or SIGINT. The daemon checks it
//! between messages and wakes from its sleeps on it, so the message in hand is finished first.

use tokio::sync::watch;

#[derive(Clone)]
pub struct Shutdown {
    rx: watch::Receiver<bool>,
    /// Held for a shutdown that never fires, so `changed()` pends instead of erroring.
    _never: Option<std::sync::Arc<watch::Sender<bool>>>,
}

impl Shutdown {
    /// Listen for SIGTERM and SIGINT from now on.
    pub fn on_signals() -> std::io::Result<Shutdown> {
        let (tx, rx) = watch::channel(false);
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::spawn(async move {
            tokio::select! {
                _ = term.recv() => tracing::info!("SIGTERM: finishing the message in hand, then stopping"),
                _ = tokio::signal::ctrl_c() => tracing::info!("interrupted: finishing the message in hand, then stopping"),
            }
            let _ = tx.send(true);
        });
        Ok(Shutdown { rx, _never: None })
    }

    /// A shutdown that never fires (`run --once`, tests).
    pub fn never() -> Shutdown {
        let (tx, rx) = watch::channel(false);
        Shutdown {
            rx,
            _never: Some(std::sync::Arc::new(tx)),
        }
    }

    pub fn is_requested(&self) -> bool {
        *self.rx.borrow()
    }

    /// Sleep for `d`, or less if shutdown comes first.
    pub async fn sleep(&mut self, d: std::time::Duration) {
        if self.is_requested() {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(d) => {}
            _ = self.rx.changed() => {}
        }
    }
}
