//! The agents' morning digest: which open tickets need attention today (target passed or near,
//! a promised contact due), worst first, per assignee (the queue gets the unassigned ones), and
//! which are so late that the requester deserves a phone call, open and honest about the options
//! (a mail alone is not enough once a ticket is days late).
//! Pure: the tick decides only whether today's digest went out already.

use super::calendar::Calendar;
use super::settings::Schedule;
use crate::model::Ticket;
use chrono::{DateTime, NaiveTime, Utc};

/// The digest goes in the morning: from the start of the sending window until noon (or three
/// hours after a late start). A daemon that was down all morning does not mail a "morning"
/// digest in the afternoon.
const UNTIL: NaiveTime = match NaiveTime::from_hms_opt(12, 0, 0) {
    Some(t) => t,
    None => panic!("noon is a time"),
};

/// Working days past the target from which the agent is asked to call the requester.
pub const CALL_AFTER_WORKING_DAYS: u32 = 2;

/// One ticket in a digest, with why it is there.
#[derive(Debug, Clone)]
pub struct Attention {
    pub ticket: Ticket,
    /// The target has passed.
    pub late: bool,
    /// Working days between the target's day and today (0 when not late or late today).
    pub working_days_late: u32,
    /// The promised contact date is today or has passed.
    pub promise_due: bool,
    /// Badly late: call the requester.
    pub call: bool,
}

/// Is now the time for today's digest (a working day's morning inside the sending window)?
pub fn due_now(now: DateTime<Utc>, cal: &Calendar, s: &Schedule) -> bool {
    let local = now.with_timezone(&cal.tz());
    // a desk whose window opens late still gets its digest in the first hours of it
    let until = UNTIL
        .max(s.send_from + chrono::Duration::hours(3))
        .min(s.send_until);
    cal.is_working_day(local.date_naive()) && local.time() >= s.send_from && local.time() < until
}

/// Why `t` needs attention today, if it does.
pub fn attention(
    t: &Ticket,
    now: DateTime<Utc>,
    cal: &Calendar,
    s: &Schedule,
) -> Option<Attention> {
    if t.status.is_done() {
        return None;
    }
    let today = cal.local_date(now);
    let late = now >= t.target;
    let near = now >= cal.sub_business(t.target, s.near_before);
    // the date to keep: the one the requester was told, when an agent moved the next later
    let promise_due = super::promise::keep_by(t).is_some_and(|d| d <= today);
    if !(late || near || promise_due) {
        return None;
    }
    let working_days_late = if late {
        working_days_between(cal, cal.local_date(t.target), today)
    } else {
        0
    };
    Some(Attention {
        ticket: t.clone(),
        late,
        working_days_late,
        promise_due,
        call: late && working_days_late >= CALL_AFTER_WORKING_DAYS,
    })
}

/// Working days after `from` up to and including `to`.
fn working_days_between(cal: &Calendar, from: chrono::NaiveDate, to: chrono::NaiveDate) -> u32 {
    from.iter_days()
        .skip(1)
        .take_while(|d| *d <= to)
        .take(800)
        .filter(|d| cal.is_working_day(*d))
        .count() as u32
}

/// The digests of the day: per recipient (the assignee, else `queue`), worst first — the
/// latest target first, then due promises, then the nearest target.
pub fn digests(
    open: &[Ticket],
    queue: &str,
    now: DateTime<Utc>,
    cal: &Calendar,
    s: &Schedule,
) -> Vec<(String, Vec<Attention>)> {
    let mut by_recipient: Vec<(String, Vec<Attention>)> = Vec::new();
    for a in open.iter().filter_map(|t| attention(t, now, cal, s)) {
        let to = a
            .ticket
            .assignee
            .as_deref()
            .unwrap_or(queue)
            .to_ascii_lowercase();
        match by_recipient.iter_mut().find(|(r, _)| *r == to) {
            Some((_, list)) => list.push(a),
            None => by_recipient.push((to, vec![a])),
        }
    }
    for (_, list) in &mut by_recipient {
        list.sort_by_key(|a| (!a.late, !a.promise_due, a.ticket.target, a.ticket.id));
    }
    by_recipient.sort_by(|a, b| a.0.cmp(&b.0));
    by_recipient
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::schedule::BusinessDuration;
    use chrono::{NaiveDate, TimeZone};
    use chrono_tz::Europe::Amsterdam;

    fn cal() -> Calendar {
        Calendar::new(
            Amsterdam,
            NaiveTime::from_hms_opt(8, 30, 0).expect("time"),
            NaiveTime::from_hms_opt(17, 0, 0).expect("time"),
            &[
                chrono::Weekday::Mon,
                chrono::Weekday::Tue,
                chrono::Weekday::Wed,
                chrono::Weekday::Thu,
                chrono::Weekday::Fri,
            ],
            &[NaiveDate::from_ymd_opt(2026, 12, 25).expect("date")],
        )
        .expect("calendar")
    }

    fn sched() -> Schedule {
        Schedule {
            near_before: BusinessDuration::Hours(8),
            update_every_days: 2,
            max_per_ticket_per_day: 2,
            send_from: NaiveTime::from_hms_opt(8, 0, 0).expect("time"),
            send_until: NaiveTime::from_hms_opt(18, 0, 0).expect("time"),
            tick_seconds: 60,
        }
    }

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Amsterdam
            .with_ymd_and_hms(2026, 11, d, h, 0, 0)
            .single()
            .expect("time")
            .with_timezone(&Utc)
    }

    fn ticket(id: i64, target: DateTime<Utc>, assignee: Option<&str>) -> Ticket {
        Ticket {
            assignee: assignee.map(str::to_string),
            ..Ticket::for_test(id, at(2, 9), target)
        }
    }

    #[test]
    fn the_digest_goes_on_working_mornings_only() {
        let (c, s) = (cal(), sched());
        assert!(due_now(at(23, 8), &c, &s), "Monday 08:00");
        assert!(due_now(at(23, 11), &c, &s));
        assert!(!due_now(at(23, 12), &c, &s), "not in the afternoon");
        assert!(!due_now(at(23, 7), &c, &s), "not before the window");
        assert!(!due_now(at(28, 9), &c, &s), "not on Saturday");
    }

    #[test]
    fn worst_first_per_assignee_and_a_call_when_badly_late() {
        let (c, s) = (cal(), sched());
        let now = at(25, 9); // Wednesday
        // told "by the 25th"; an agent's bare #next moved the next contact to December
        let mut promised = ticket(4, at(30, 12), None);
        promised.promised = NaiveDate::from_ymd_opt(2026, 11, 25);
        promised.next_contact = NaiveDate::from_ymd_opt(2026, 12, 2);
        let mut resolved = ticket(5, at(20, 12), None);
        resolved.status = Status::Resolved;
        let open = vec![
            ticket(1, at(24, 12), None),              // late since yesterday
            ticket(2, at(20, 12), None),              // late since Friday: 3 working days
            ticket(3, at(25, 15), Some("anna@x.nl")), // near: today
            promised,
            resolved,
            ticket(6, at(30, 12), None), // fine
        ];
        let d = digests(&open, "queue@x.nl", now, &c, &s);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].0, "anna@x.nl");
        assert_eq!(d[0].1.len(), 1);
        assert!(!d[0].1[0].late && !d[0].1[0].call);
        let queue: Vec<i64> = d[1].1.iter().map(|a| a.ticket.id).collect();
        assert_eq!(queue, [2, 1, 4], "the latest first, then the promise");
        assert_eq!(d[1].1[0].working_days_late, 3);
        assert!(d[1].1[0].call, "three working days late: call");
        assert_eq!(d[1].1[1].working_days_late, 1);
        assert!(!d[1].1[1].call);
        assert!(d[1].1[2].promise_due);
    }
}
