//! The emergency brake's state: engaged (since when, why) or released (since when). One row.

use super::{Result, parse_time, time_text};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Brake {
    pub engaged: Option<DateTime<Utc>>,
    pub reason: Option<String>,
    /// The last `deskmail outbox resume`: mails sent before it do not count against the limit.
    pub released: Option<DateTime<Utc>>,
}

pub fn state(c: &Connection) -> Result<Brake> {
    let (engaged, reason, released): (Option<String>, Option<String>, Option<String>) = c
        .query_row(
            "SELECT engaged, reason, released FROM brake WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
    Ok(Brake {
        engaged: engaged.map(|t| parse_time(&t)).transpose()?,
        reason,
        released: released.map(|t| parse_time(&t)).transpose()?,
    })
}

pub fn engage(c: &Connection, now: DateTime<Utc>, reason: &str) -> Result<()> {
    c.execute(
        "UPDATE brake SET engaged = ?1, reason = ?2 WHERE id = 1",
        params![time_text(now), reason],
    )?;
    Ok(())
}

/// Release the brake; returns whether it was engaged.
pub fn release(c: &Connection, now: DateTime<Utc>) -> Result<bool> {
    let was = state(c)?.engaged.is_some();
    c.execute(
        "UPDATE brake SET engaged = NULL, reason = NULL, released = ?1 WHERE id = 1",
        [time_text(now)],
    )?;
    Ok(was)
}
