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
            // keep both senders alive: a closed channel would wake waiters with an error
            let _keep = reload_tx;
            std::future::pending::<()>().await;
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
        // a clone, so waiting here does not mark the reload as seen: `take_reload` must see it.
        // Either branch ending (even with a closed channel) ends the wait; the caller then looks
        // at is_requested() and take_reload().
        let mut reload = self.reload.clone();
        tokio::select! {
            _ = self.stop.changed() => {}
            _ = reload.changed() => {}
        }
    }

    /// Resolves when a stop is requested (not on a reload): for tasks beside the loop, such
    /// as the web server, that end with the daemon.
    pub async fn stopped(mut self) {
        while !self.is_requested() {
            if self.stop.changed().await.is_err() {
                // the sender is gone: nobody can ask for a stop any more
                std::future::pending::<()>().await;
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A shutdown whose senders the test holds, as the signal task would.
    fn channels() -> (Shutdown, watch::Sender<bool>, watch::Sender<u64>) {
        let (stop_tx, stop) = watch::channel(false);
        let (reload_tx, reload) = watch::channel(0u64);
        let s = Shutdown {
            stop,
            reload,
            _never: None,
        };
        (s, stop_tx, reload_tx)
    }

    #[tokio::test]
    async fn a_stop_ends_waits_even_when_the_signal_side_is_gone() {
        let (mut s, stop_tx, reload_tx) = channels();
        // the way the signal task ends: stop first, then both senders dropped
        stop_tx.send(true).unwrap();
        drop(stop_tx);
        drop(reload_tx);
        tokio::time::timeout(Duration::from_secs(1), s.sleep(Duration::from_secs(3600)))
            .await
            .expect("the sleep ends at once");
        assert!(s.is_requested());
    }

    #[tokio::test]
    async fn a_reload_wakes_a_sleep_and_is_taken_once() {
        let (mut s, stop_tx, reload_tx) = channels();
        let waker = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            reload_tx.send_modify(|n| *n += 1);
            tokio::time::sleep(Duration::from_secs(5)).await;
            drop((stop_tx, reload_tx));
        });
        tokio::time::timeout(Duration::from_secs(2), s.sleep(Duration::from_secs(3600)))
            .await
            .expect("woken by the reload");
        assert!(!s.is_requested());
        assert!(s.take_reload());
        assert!(!s.take_reload());
        waker.abort();
    }
}
