//! The time deskmail acts at. Normally the system clock; `--now` shifts it (previews, tests,
//! "what would happen on Monday"), and the shifted clock still runs.

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy)]
pub struct Clock {
    offset: chrono::Duration,
}

impl Clock {
    pub fn system() -> Clock {
        Clock {
            offset: chrono::Duration::zero(),
        }
    }

    /// A clock that reads `start` now and runs on from there.
    pub fn starting_at(start: DateTime<Utc>) -> Clock {
        Clock {
            offset: start - Utc::now(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset
    }
}
