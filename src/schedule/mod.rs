//! Time, the desk's way: the business calendar, SLA target dates and the progress-mail schedule
//! (keep the requester informed, and keep every date once mailed to them: `promise`), all within the hours mail may go
//! (`window`). Its settings are its own (`settings`); `config` builds them from the file. All
//! pure: the daemon's tick and `deskmail schedule preview` call the same functions with
//! different clocks.

pub mod calendar;
pub mod digest;
pub mod progress;
pub mod promise;
pub mod settings;
pub mod sla;
pub mod window;

#[cfg(test)]
mod fixtures;

pub use calendar::{BusinessDuration, Calendar};
pub use progress::{Due, ProgressKind};
