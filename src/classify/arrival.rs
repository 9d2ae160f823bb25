//! Is a mail new enough to answer? A desk that points deskmail at its real mailbox must not
//! mail hundreds of people about things long solved, and a mail that waited two weeks (the
//! daemon was down, or someone moved it in from an archive) should not get a cheerful portal
//! link now. Pure: the source says when a mail arrived (IMAP UID and INTERNALDATE, a Maildir
//! file's delivery time), the store says when deskmail first ran, and this decides.

use crate::config::Since;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// Where and when a mail arrived, as far as its source knows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Arrival {
    /// IMAP INTERNALDATE, or the Maildir file's delivery (modification) time.
    pub time: Option<DateTime<Utc>>,
    /// The IMAP position, which orders mail exactly where clocks may disagree.
    pub uid: Option<UidPosition>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UidPosition {
    pub mailbox: String,
    pub uidvalidity: u32,
    pub uid: u32,
}

/// When deskmail first read its mailbox on this database, and the mailbox's UIDNEXT at that
/// moment: every UID below it was already there. Recorded at the first successful read, not at
/// the process start, so mail that came while the server could not be reached is new mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirstStart {
    pub at: DateTime<Utc>,
    #[serde(default)]
    pub mailboxes: Vec<MailboxStart>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxStart {
    pub mailbox: String,
    pub uidvalidity: u32,
    pub uidnext: u32,
}

impl FirstStart {
    /// Was a mail with this arrival already in the mailbox at the first start? By UID where
    /// the mailbox was seen then: exact, whatever the server's clock says. Otherwise (a
    /// Maildir, another UIDVALIDITY) by its delivery time.
    fn predates(&self, arrival: &Arrival) -> bool {
        let by_uid = arrival.uid.as_ref().and_then(|p| {
            self.mailboxes
                .iter()
                .find(|m| m.mailbox == p.mailbox && m.uidvalidity == p.uidvalidity)
                .map(|m| p.uid < m.uidnext)
        });
        by_uid.unwrap_or_else(|| arrival.time.is_some_and(|t| t < self.at))
    }
}

/// Why a mail is too old to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OldMail {
    /// It was in the mailbox before deskmail first ran on this database (`inbound.since`).
    BeforeFirstStart { first_start: DateTime<Utc> },
    /// It arrived before `inbound.since`.
    BeforeSince { since: NaiveDate },
    /// It waited longer than `inbound.max_age_days`: no portal reply, no ticket confirmation.
    TooOld {
        arrived: DateTime<Utc>,
        max_age_days: u32,
    },
}

impl OldMail {
    /// Mail deskmail does not take on at all stays at the source as the desk left it (flags,
    /// folder): it is only recorded, so it is not read again.
    pub fn untouched_at_source(&self) -> bool {
        !matches!(self, OldMail::TooOld { .. })
    }

    /// The stable name an operator counts by (`outbox list`, the store).
    pub fn code(&self) -> &'static str {
        match self {
            OldMail::BeforeFirstStart { .. } => "first_start",
            OldMail::BeforeSince { .. } => "since",
            OldMail::TooOld { .. } => "too_old",
        }
    }
}

impl std::fmt::Display for OldMail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let time = |t: &DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        match self {
            OldMail::BeforeFirstStart { first_start } => write!(
                f,
                "in the mailbox before deskmail first ran on this database ({}; inbound.since = \"first_start\"); recorded, not answered",
                time(first_start)
            ),
            OldMail::BeforeSince { since } => write!(
                f,
                "arrived before inbound.since ({since}); recorded, not answered"
            ),
            OldMail::TooOld {
                arrived,
                max_age_days,
            } => write!(
                f,
                "arrived {} (more than inbound.max_age_days = {max_age_days} days ago): no portal reply or confirmation this late; kept for the agents",
                time(arrived)
            ),
        }
    }
}

/// The verdict for one mail: `None` when it is new enough to be answered.
pub fn judge(
    arrival: &Arrival,
    first_start: Option<&FirstStart>,
    since: Since,
    max_age_days: u32,
    tz: Tz,
    now: DateTime<Utc>,
) -> Option<OldMail> {
    match since {
        Since::All => {}
        Since::FirstStart => {
            if let Some(first) = first_start.filter(|f| f.predates(arrival)) {
                return Some(OldMail::BeforeFirstStart {
                    first_start: first.at,
                });
            }
        }
        Since::Date(day) => {
            // the first moment of that day; where midnight falls in a DST gap, the first
            // hour that exists
            let start = (0..3)
                .filter_map(|h| day.and_hms_opt(h, 0, 0))
                .find_map(|t| t.and_local_timezone(tz).earliest())
                .map(|t| t.with_timezone(&Utc));
            if let (Some(t), Some(start)) = (arrival.time, start)
                && t < start
            {
                return Some(OldMail::BeforeSince { since: day });
            }
        }
    }
    match arrival.time {
        Some(arrived)
            if max_age_days > 0
                && now - arrived > chrono::Duration::days(i64::from(max_age_days)) =>
        {
            Some(OldMail::TooOld {
                arrived,
                max_age_days,
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn tz() -> Tz {
        chrono_tz::Europe::Amsterdam
    }

    fn imap(uid: u32, time: &str) -> Arrival {
        Arrival {
            time: Some(at(time)),
            uid: Some(UidPosition {
                mailbox: "INBOX".into(),
                uidvalidity: 7,
                uid,
            }),
        }
    }

    fn first() -> FirstStart {
        FirstStart {
            at: at("2026-11-30T09:00:00Z"),
            mailboxes: vec![MailboxStart {
                mailbox: "INBOX".into(),
                uidvalidity: 7,
                uidnext: 101,
            }],
        }
    }

    const NOW: &str = "2026-11-30T10:00:00Z";

    #[test]
    fn mail_below_the_first_uidnext_was_there_before_the_first_start() {
        let f = first();
        let old = judge(
            &imap(100, "2026-11-29T12:00:00Z"),
            Some(&f),
            Since::FirstStart,
            7,
            tz(),
            at(NOW),
        );
        assert_eq!(old, Some(OldMail::BeforeFirstStart { first_start: f.at }));
        assert!(old.is_some_and(|o| o.untouched_at_source()));
        let new = judge(
            &imap(101, "2026-11-30T09:30:00Z"),
            Some(&f),
            Since::FirstStart,
            7,
            tz(),
            at(NOW),
        );
        assert_eq!(new, None);
    }

    #[test]
    fn the_uid_wins_over_a_server_clock_that_runs_ahead() {
        // the server stamped it after our start, yet its UID was handed out before
        let f = first();
        let later_stamp = imap(99, "2026-11-30T09:02:00Z");
        assert!(judge(&later_stamp, Some(&f), Since::FirstStart, 7, tz(), at(NOW)).is_some());
        // a new UID with a stamp from before the start (clock behind) is new mail
        let behind = imap(150, "2026-11-30T08:58:00Z");
        assert_eq!(
            judge(&behind, Some(&f), Since::FirstStart, 7, tz(), at(NOW)),
            None
        );
    }

    #[test]
    fn without_a_uid_record_the_delivery_time_decides() {
        let f = FirstStart {
            at: at("2026-11-30T09:00:00Z"),
            mailboxes: vec![],
        };
        let maildir = |t: &str| Arrival {
            time: Some(at(t)),
            uid: None,
        };
        assert!(
            judge(
                &maildir("2019-03-01T10:00:00Z"),
                Some(&f),
                Since::FirstStart,
                0,
                tz(),
                at(NOW)
            )
            .is_some()
        );
        assert_eq!(
            judge(
                &maildir("2026-11-30T09:00:01Z"),
                Some(&f),
                Since::FirstStart,
                7,
                tz(),
                at(NOW)
            ),
            None
        );
        // another UIDVALIDITY: the old UIDs say nothing, the time does
        let moved = Arrival {
            time: Some(at("2026-11-30T09:30:00Z")),
            uid: Some(UidPosition {
                mailbox: "INBOX".into(),
                uidvalidity: 8,
                uid: 3,
            }),
        };
        assert_eq!(
            judge(&moved, Some(&first()), Since::FirstStart, 7, tz(), at(NOW)),
            None
        );
    }

    #[test]
    fn since_all_takes_everything_and_a_date_counts_in_the_desks_time_zone() {
        let f = first();
        let old = imap(5, "2026-11-20T10:00:00Z");
        assert_eq!(judge(&old, Some(&f), Since::All, 0, tz(), at(NOW)), None);
        let day = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
        // 23:30 UTC on the 24th is 00:30 on the 25th in Amsterdam: on the day, so taken
        let just_after = imap(6, "2026-11-24T23:30:00Z");
        assert_eq!(
            judge(&just_after, Some(&f), Since::Date(day), 0, tz(), at(NOW)),
            None
        );
        let before = imap(6, "2026-11-24T22:30:00Z");
        assert_eq!(
            judge(&before, Some(&f), Since::Date(day), 0, tz(), at(NOW)),
            Some(OldMail::BeforeSince { since: day })
        );
    }

    #[test]
    fn mail_older_than_max_age_is_too_old_but_handled_at_the_source() {
        let eight_days = imap(500, "2026-11-22T09:00:00Z");
        let old = judge(
            &eight_days,
            Some(&first()),
            Since::FirstStart,
            7,
            tz(),
            at(NOW),
        );
        assert!(
            matches!(
                old,
                Some(OldMail::TooOld {
                    max_age_days: 7,
                    ..
                })
            ),
            "{old:?}"
        );
        assert!(old.is_some_and(|o| !o.untouched_at_source()));
        // 0 switches the age limit off
        assert_eq!(
            judge(
                &eight_days,
                Some(&first()),
                Since::FirstStart,
                0,
                tz(),
                at(NOW)
            ),
            None
        );
        // no arrival time known: not judged old
        assert_eq!(
            judge(
                &Arrival::default(),
                None,
                Since::FirstStart,
                7,
                tz(),
                at(NOW)
            ),
            None
        );
    }
}
