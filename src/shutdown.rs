//! Signals, turned into state the daemon loop checks between messages: SIGTERM/SIGINT ask it to
//! stop (after the message in hand), SIGHUP asks it to reload config and templates. Sleeps and
//! IDLE waits end early on either.

use std::sync::Arc;
use tokio::sync::watch;

#[derive(Clone)]
pub struct Shutdown {
    stop: watch::Receiver<bool>,
    reload: watch::Receiver<u64>,
    /// Senders held for a shutdown that never fires, so `changed()` pends instead of erroring.
    _never: Option<Arc<(watch::Sender<bool>, watch::Sender<u64>)>>,
}

impl Shutdown {
    /// Listen for SIGTERM, SIGINT and SIGHUP from now on.
    pub fn on_signals() -> std::io::Result<Shutdown> {
        use tokio::signal::unix::{SignalKind, signal};
        let (stop_tx, stop) = watch::channel(false);
        let (reload_tx, reload) = watch::channel(0u64);
        let mut term = signal(SignalKind::terminate())?;
        let mut hup = signal(SignalKind::hangup())?;
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = term.recv() => {
                        tracing::info!("SIGTERM: finishing the message in hand, then stopping");
                        break;
                    }
                    _ = tokio::signal::ctrl_c() => {
                        tracing::info!("interrupted: finishing the message in hand, then stopping");
                        break;
                    }
                    _ = hup.recv() => {
                        tracing::info!("SIGHUP: reloading configuration and templates");
                        reload_tx.send_modify(|n| *n += 1);
                    }
                }
            }
            let _ = stop_tx.send(true);
        });
        Ok(Shutdown {
            stop,
            reload,
            _never: None,
        })
    }

    /// A shutdown that never fires (`run --once`, tests).
    pub fn never() -> Shutdown {
        let (stop_tx, stop) = watch::channel(false);
        let (reload_tx, reload) = watch::channel(0u64);
        Shutdown {
            stop,
            reload,
            _never: Some(Arc::new((stop_tx, reload_tx))),
        }
    }

    pub fn is_requested(&self) -> bool {
        *self.stop.borrow()
    }

    /// Was a reload asked for since the last call?
    pub fn take_reload(&mut self) -> bool {
        self.reload.has_changed().unwrap_or(false) && {
            self.reload.borrow_and_update();
            true
        }
    }

    /// Resolves when a stop or a reload is requested.
    pub async fn interrupted(&mut self) {
        if self.is_requested() || self.reload.has_changed().unwrap_or(false) {
            return;
        }
        // a clone, so waiting here does not mark the reload as seen: `take_reload` must see it
        let mut reload = self.reload.clone();
        tokio::select! {
            r = self.stop.changed() => if r.is_err() { std::future::pending::<()>().await },
            r = reload.changed() => if r.is_err() { std::future::pending::<()>().await },
        }
    }

    /// Sleep for `d`, or less if a stop or reload comes first.
    pub async fn sleep(&mut self, d: std::time::Duration) {
        tokio::select! {
            _ = tokio::time::sleep(d) => {}
            _ = self.interrupted() => {}
        }
    }
}
