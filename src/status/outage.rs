//! When the agents hear that the mailbox is away: once, when it has been away (a refused login
//! or a server that cannot be reached) for `status.mailbox_down_notice_minutes`, and once when
//! it answers again — only if they were told it was away. The log alone reaches nobody.

use crate::store::daemon_state::DaemonState;
use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// Away for `after` or longer, and the agents do not know yet.
    Down,
    /// Answering again after the agents were told it was away.
    Back,
}

/// The notice due now, if any, from the daemon's record of the mailbox.
pub fn due(state: &DaemonState, now: DateTime<Utc>, after: Duration) -> Option<Notice> {
    match (state.error_since, state.down_told) {
        (Some(since), None) if now - since >= after => Some(Notice::Down),
        (None, Some(_)) => Some(Notice::Back),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn told_once_when_away_long_enough_and_once_when_back() {
        let t0 = Utc::now();
        let after = Duration::minutes(15);
        let mut s = DaemonState {
            error_since: Some(t0),
            ..Default::default()
        };
        assert_eq!(due(&s, t0 + Duration::minutes(14), after), None, "not yet");
        assert_eq!(
            due(&s, t0 + Duration::minutes(15), after),
            Some(Notice::Down)
        );
        s.down_told = Some(t0 + Duration::minutes(15));
        assert_eq!(due(&s, t0 + Duration::hours(5), after), None, "told once");
        s.error_since = None;
        assert_eq!(due(&s, t0 + Duration::hours(6), after), Some(Notice::Back));
        s.down_told = None;
        assert_eq!(due(&s, t0 + Duration::hours(7), after), None, "all quiet");
        // a short outage the agents never heard of needs no all-clear
        assert_eq!(due(&DaemonState::default(), t0, after), None);
        let at_once = DaemonState {
            error_since: Some(t0),
            ..Default::default()
        };
        assert_eq!(
            due(&at_once, t0, Duration::zero()),
            Some(Notice::Down),
            "0: at the first failure"
        );
    }
}
