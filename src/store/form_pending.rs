//! Requests made on deskmail's own form for an address that has not proven itself: held until
//! the address follows the link mailed to it (then taken, once), or until they expire. Expired
//! rows are deleted whenever a new one is added: what a stranger typed is not kept.

use super::{Result, parse_time, time_text};
use crate::model::Priority;
use crate::portal::FormRequest;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

/// Hold `form` until `expires`; returns the row's id.
pub fn insert(
    c: &Connection,
    form: &FormRequest,
    now: DateTime<Utc>,
    expires: DateTime<Utc>,
) -> Result<i64> {
    c.execute(
        "DELETE FROM form_pending WHERE expires <= ?1",
        [time_text(now)],
    )?;
    c.execute(
        "INSERT INTO form_pending (email, name, category, priority, subject, description, created, expires)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            form.email.to_lowercase(),
            form.name,
            form.category,
            form.priority.as_str(),
            form.subject,
            form.description,
            time_text(now),
            time_text(expires),
        ],
    )?;
    Ok(c.last_insert_rowid())
}

/// How many requests for `email` were held since `since` (the per-address limit).
pub fn count_since(c: &Connection, email: &str, since: DateTime<Utc>) -> Result<i64> {
    Ok(c.query_row(
        "SELECT count(*) FROM form_pending WHERE email = ?1 AND created > ?2",
        params![email.to_lowercase(), time_text(since)],
        |r| r.get(0),
    )?)
}

/// The request held under `id`, unless it expired.
pub fn get(c: &Connection, id: i64, now: DateTime<Utc>) -> Result<Option<FormRequest>> {
    let row = c
        .query_row(
            "SELECT email, name, category, priority, subject, description, expires
             FROM form_pending WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    FormRequest {
                        email: r.get(0)?,
                        name: r.get(1)?,
                        category: r.get(2)?,
                        priority: r.get::<_, String>(3)?.parse().unwrap_or(Priority::Normal),
                        subject: r.get(4)?,
                        description: r.get(5)?,
                    },
                    r.get::<_, String>(6)?,
                ))
            },
        )
        .optional()?;
    let Some((form, expires)) = row else {
        return Ok(None);
    };
    Ok((parse_time(&expires)? > now).then_some(form))
}

/// Take the request out (it becomes a ticket once): whether it was still there.
pub fn take(c: &Connection, id: i64) -> Result<bool> {
    Ok(c.execute("DELETE FROM form_pending WHERE id = ?1", [id])? == 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use chrono::TimeZone;

    #[test]
    fn a_held_request_is_taken_once_and_expires() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("d.db")).unwrap();
        let c = store.conn();
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
        let form = FormRequest {
            name: None,
            email: "Ann@Example.com".into(),
            category: "general".into(),
            priority: Priority::Normal,
            subject: "s".into(),
            description: "d".into(),
        };
        let id = insert(c, &form, now, now + chrono::Duration::hours(24)).unwrap();
        assert_eq!(
            count_since(c, "ann@example.com", now - chrono::Duration::hours(1)).unwrap(),
            1
        );
        let back = get(c, id, now).unwrap().unwrap();
        assert_eq!(
            (back.email.as_str(), back.subject.as_str()),
            ("ann@example.com", "s")
        );
        assert!(
            get(c, id, now + chrono::Duration::hours(25))
                .unwrap()
                .is_none()
        );
        assert!(take(c, id).unwrap() && !take(c, id).unwrap());
    }

    #[test]
    fn forget_takes_a_persons_held_requests_and_leaves_the_others() {
        use crate::privacy::Person;
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("d.db")).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
        let form = |email: &str| FormRequest {
            name: Some("Ann Smit".into()),
            email: email.into(),
            category: "general".into(),
            priority: Priority::Normal,
            subject: "Printer".into(),
            description: "Mijn geheime printerverhaal".into(),
        };
        let later = now + chrono::Duration::hours(24);
        let ann = insert(store.conn(), &form("ann+web@example.com"), now, later).unwrap();
        let bob = insert(store.conn(), &form("bob@example.com"), now, later).unwrap();
        let mut person = Person::new("Ann@example.com").unwrap();
        let held = crate::store::privacy::find(store.conn(), &mut person).unwrap();
        crate::store::privacy::forget(&mut store, &person, &held, now).unwrap();
        assert!(get(store.conn(), ann, now).unwrap().is_none());
        assert!(get(store.conn(), bob, now).unwrap().is_some());
    }
}
