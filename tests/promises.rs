//! Every mailed promise is kept (DESIGN), end to end: five weeks and a bit of a desk with
//! weekends and the Christmas holidays, fifteen portal tickets in Dutch and English, agents
//! steering ten of them by replying to the signed address (`#next` later, earlier, for a
//! day whose mail already went, with `#internal`; `#status`, `#target`, `#resolve`), a
//! requester reopening a resolved ticket, and the real binary run every two hours with
//! `run --once --now`. Then, from the mails actually written: every "you will hear from us by
//! <date>" that reached a requester is followed by a mail to them on or before that date
//! (progress mails only in the sending window, one a day per ticket); no mail promises a date
//! that has passed; tickets born on Friday night and on Saturday are promised the same day;
//! and every mail to the agents is in the desk's language, the statuses in the agents' words.

mod common;
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Timelike, Utc, Weekday};
use chrono_tz::Europe::Amsterdam;
use common::{Desk, Sent, agent_reply, person_mail, portal_mail, reply_to};
use std::collections::{BTreeMap, HashSet};

/// Christmas Friday and the Monday after are holidays in the test config.
const HOLIDAYS: [(u32, u32); 2] = [(12, 25), (12, 28)];

/// Local Amsterdam time (winter: no DST change in the run).
fn at(month: u32, day: u32, hour: u32) -> DateTime<Utc> {
    Amsterdam
        .with_ymd_and_hms(2026, month, day, hour, 0, 0)
        .single()
        .expect("a plain winter time")
        .with_timezone(&Utc)
}

fn local(t: DateTime<Utc>) -> chrono::DateTime<chrono_tz::Tz> {
    t.with_timezone(&Amsterdam)
}

fn is_working_day(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
        && !HOLIDAYS
            .iter()
            .any(|&(m, day)| d.month() == m && d.day() == day)
}

/// What happens at a moment of the simulation, before deskmail runs.
enum Act {
    /// A portal form: ticket `n` (SD-1000 + n), its language and priority.
    Form(usize, Lang, &'static str),
    /// Anna replies to the agents' notice of ticket `n` with this body.
    Agent(usize, &'static str),
    /// The requester of ticket `n` replies on it.
    Requester(usize, &'static str),
}

#[derive(Clone, Copy, PartialEq)]
enum Lang {
    Nl,
    En,
}

fn requester(n: usize) -> String {
    format!("requester{n}@example.com")
}

fn reference(n: usize) -> String {
    format!("SD-{}", 1000 + n)
}

fn form(n: usize, lang: Lang, priority: &str) -> String {
    let (subject, description) = match lang {
        Lang::Nl => (
            format!("Printer {n} op de gang"),
            "De printer geeft een papierstoring, ook na het openen van alle laden.",
        ),
        Lang::En => (
            format!("Laptop {n} does not start"),
            "The laptop hangs on the logo, also after a restart with the charger in.",
        ),
    };
    portal_mail(
        &format!("form-{n}@portal.example.org"),
        &[
            ("Naam", &format!("Persoon {n}")),
            ("E-mail", &requester(n)),
            ("Categorie", "hardware"),
            ("Prioriteit", priority),
            ("Onderwerp", &subject),
            ("Omschrijving", description),
        ],
    )
}

/// The script: who does what when. Every moment is on the two-hour grid of the clock.
fn script() -> Vec<(DateTime<Utc>, Act)> {
    use Act::*;
    vec![
        // low priority: target next Monday, so only the promise brings Wednesday's mail; the
        // agent moves the next contact later without a word to the requester
        (at(11, 23, 9), Form(0, Lang::Nl, "laag")),
        (at(11, 23, 11), Agent(0, "#next 2026-12-02")),
        (at(11, 23, 13), Form(1, Lang::En, "hoog")),
        (
            at(11, 23, 15),
            Agent(
                1,
                "#status waiting-third-party the supplier\n\nThe new battery is on order.",
            ),
        ),
        // the agent promises "today" after today's progress mail went out
        (at(11, 24, 15), Form(2, Lang::Nl, "normaal")),
        (
            at(11, 26, 13),
            Agent(2, "#next 2026-11-26\n\nWe zijn ermee bezig."),
        ),
        // Friday night and Saturday: the same promise
        (at(11, 27, 23), Form(3, Lang::Nl, "normaal")),
        (at(11, 28, 11), Form(4, Lang::Nl, "normaal")),
        (at(11, 29, 15), Form(5, Lang::En, "laag")),
        // resolved, reopened by the requester on Sunday, answered on Sunday night
        (at(11, 30, 9), Form(6, Lang::Nl, "normaal")),
        (
            at(11, 30, 11),
            Agent(6, "#resolve\n\nDe printer doet het weer."),
        ),
        (
            at(12, 6, 19),
            Requester(6, "Hij geeft weer een papierstoring."),
        ),
        (at(12, 6, 21), Agent(6, "Ik kom dinsdag langs.")),
        // an internal note that moves the next contact later
        (at(12, 1, 9), Form(7, Lang::En, "laag")),
        (
            at(12, 1, 11),
            Agent(
                7,
                "#intern\n#next 2026-12-09\n\nWacht op budget van de afdeling.",
            ),
        ),
        // waiting for the requester: the digest says so in the agents' words
        (at(12, 2, 13), Form(8, Lang::Nl, "kritiek")),
        (
            at(12, 2, 15),
            Agent(
                8,
                "#wacht-klant een foto van het scherm\n\nKun je een foto sturen?",
            ),
        ),
        (at(12, 3, 13), Requester(8, "Hierbij de foto.")),
        (at(12, 3, 17), Form(9, Lang::Nl, "normaal")),
        (at(12, 3, 19), Agent(9, "#assign me")),
        (at(12, 4, 21), Form(10, Lang::En, "normaal")),
        // a later target and a later next contact, both without a word
        (at(12, 7, 9), Form(11, Lang::Nl, "laag")),
        (
            at(12, 7, 11),
            Agent(11, "#target 2026-12-18\n#next 2026-12-16"),
        ),
        (at(12, 10, 11), Form(12, Lang::Nl, "normaal")),
        (
            at(12, 15, 13),
            Agent(12, "#opgelost\n\nDe toner is vervangen."),
        ),
        (at(12, 14, 13), Form(13, Lang::Nl, "normaal")),
        // an earlier next contact on a Sunday, around Christmas
        (at(12, 23, 15), Form(14, Lang::En, "normaal")),
        (at(12, 24, 9), Agent(14, "#next 2026-12-27")),
    ]
}

/// One mail deskmail wrote, with the moment of the run that wrote it.
struct Written {
    at: DateTime<Utc>,
    mail: Sent,
}

/// The date a mail promises the requester hears from us by: a date in words followed by the
/// promise's words (a target date is followed by its time instead).
fn promised(text: &str) -> Option<NaiveDate> {
    let words: Vec<&str> = text.split_whitespace().collect();
    (0..words.len().saturating_sub(4)).find_map(|i| {
        let date = date_in_words(&words[i..i + 4])?;
        let next = words.get(i + 4..).unwrap_or_default();
        match next {
            ["weer", ..] | ["van", "ons", ..] | ["at", "the", ..] => Some(date),
            _ => None,
        }
    })
}

const MONTHS: [[&str; 2]; 12] = [
    ["januari", "january"],
    ["februari", "february"],
    ["maart", "march"],
    ["april", "april"],
    ["mei", "may"],
    ["juni", "june"],
    ["juli", "july"],
    ["augustus", "august"],
    ["september", "september"],
    ["oktober", "october"],
    ["november", "november"],
    ["december", "december"],
];
const EN_DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const NL_DAYS: [&str; 7] = [
    "maandag",
    "dinsdag",
    "woensdag",
    "donderdag",
    "vrijdag",
    "zaterdag",
    "zondag",
];

/// "donderdag 26 november 2026" or "Thursday 26 November 2026".
fn date_in_words(w: &[&str]) -> Option<NaiveDate> {
    let day_name = w[0].to_lowercase();
    if !NL_DAYS.contains(&day_name.as_str())
        && !EN_DAYS.iter().any(|d| d.eq_ignore_ascii_case(&day_name))
    {
        return None;
    }
    let month = MONTHS
        .iter()
        .position(|m| m.contains(&w[2].to_lowercase().as_str()))?;
    let year = w[3].trim_end_matches(['.', ',', ')']).parse().ok()?;
    NaiveDate::from_ymd_opt(year, month as u32 + 1, w[1].parse().ok()?)
}

/// Run the script over five weeks and a bit, the clock moved every two hours.
fn simulate(desk: &Desk) -> Vec<Written> {
    let mut script = script();
    script.sort_by_key(|(t, _)| *t);
    let mut script = script.into_iter().peekable();
    let mut notices: BTreeMap<usize, Sent> = BTreeMap::new();
    let mut seen = HashSet::new();
    let mut written = Vec::new();
    let (start, end) = (at(11, 23, 7), at(12, 31, 7));
    let mut now = start;
    while now <= end {
        while let Some((_, act)) = script.next_if(|(t, _)| *t == now) {
            match act {
                Act::Form(n, lang, priority) => {
                    desk.deliver(&form(n, lang, priority));
                }
                Act::Agent(n, body) => {
                    let notice = notices.get(&n).expect("the agents' notice came first");
                    desk.deliver(&agent_reply(notice, &reply_to(notice), "", body));
                }
                Act::Requester(n, body) => {
                    desk.deliver(&person_mail(
                        &format!("Persoon {n} <{}>", requester(n)),
                        &format!("Re: [{}] Printer {n} op de gang", reference(n)),
                        &format!("reply-{n}-{}@example.com", common::unique()),
                        body,
                    ));
                }
            }
        }
        desk.run_once_at(&now.to_rfc3339());
        for mail in desk.sent_new(&mut seen) {
            // the first mail to the agents about a ticket is its notice
            if mail.to == ["agents@example.org"]
                && let Some(n) = ticket_of(&mail)
            {
                notices.entry(n).or_insert_with(|| mail.clone());
            }
            written.push(Written { at: now, mail });
        }
        now += chrono::Duration::hours(2);
    }
    assert!(script.peek().is_none(), "every act is on the clock's grid");
    written
}

/// The ticket a mail is about, from its `[SD-n]` subject tag.
fn ticket_of(mail: &Sent) -> Option<usize> {
    (0..15).find(|n| mail.subject.contains(&format!("[{}]", reference(*n))))
}

#[test]
fn every_promise_that_reached_a_requester_is_kept() {
    let desk = Desk::new();
    let written = simulate(&desk);
    let end_day = local(at(12, 31, 7)).date_naive();

    let mut problems = Vec::new();
    let (mut kept, mut due) = (0, 0);
    for n in 0..15 {
        let to_requester: Vec<&Written> = written
            .iter()
            .filter(|w| w.mail.to == [requester(n)] && ticket_of(&w.mail) == Some(n))
            .collect();
        assert!(!to_requester.is_empty(), "{}: no mail at all", reference(n));
        let mut per_day: BTreeMap<NaiveDate, usize> = BTreeMap::new();
        for (i, w) in to_requester.iter().enumerate() {
            let sent_on = local(w.at).date_naive();
            if w.mail.header("Auto-Submitted").as_deref() == Some("auto-generated") {
                // a progress mail: in the sending window on a working day, one a day
                let hour = local(w.at).hour();
                if !is_working_day(sent_on) || !(8..18).contains(&hour) {
                    problems.push(format!(
                        "{}: progress mail at {}",
                        reference(n),
                        local(w.at)
                    ));
                }
                *per_day.entry(sent_on).or_default() += 1;
            }
            let Some(promise) = promised(&w.mail.text) else {
                continue;
            };
            if promise < sent_on {
                problems.push(format!(
                    "{}: the mail of {} promises {promise}, a date that has passed",
                    reference(n),
                    local(w.at)
                ));
            }
            let next = to_requester.get(i + 1);
            if promise >= end_day && next.is_none() {
                continue; // not due yet when the simulation ends
            }
            due += 1;
            match next {
                Some(next) if local(next.at).date_naive() <= promise => kept += 1,
                _ => problems.push(format!(
                    "{}: the mail of {} promised {promise}; the next came {}",
                    reference(n),
                    local(w.at),
                    next.map_or("never".to_string(), |x| local(x.at).to_string())
                )),
            }
        }
        for (day, count) in per_day.iter().filter(|(_, c)| **c > 1) {
            problems.push(format!("{}: {count} progress mails on {day}", reference(n)));
        }
    }
    println!("promises kept: {kept} of {due}");
    assert!(due > 100, "a simulation that promises something: {due}");
    assert!(
        problems.is_empty(),
        "{kept} of {due} kept:\n{}",
        problems.join("\n")
    );

    // "#next today" after today's progress mail is refused: the agent hears the first date
    // that can be kept, the requester nothing
    let help = written
        .iter()
        .find(|w| w.mail.to == ["anna@example.org"] && ticket_of(&w.mail) == Some(2))
        .expect("the agent hears why SD-1002's #next was refused");
    assert!(help.mail.text.contains("2026-11-27"), "{}", help.mail.text);

    // "within two working days" counts from the working day the mail goes out
    let confirmation = |n: usize| {
        written
            .iter()
            .find(|w| w.mail.to == [requester(n)])
            .and_then(|w| promised(&w.mail.text))
    };
    assert_eq!(
        confirmation(4),
        confirmation(3),
        "a Saturday ticket is promised what a Friday-night one is"
    );
    assert_eq!(confirmation(3), NaiveDate::from_ymd_opt(2026, 12, 1));

    // mails to agents are in the desk's language (Dutch), statuses in the agents' words
    let to_agents: Vec<&Written> = written
        .iter()
        .filter(|w| w.mail.to.iter().any(|a| a.ends_with("@example.org")))
        .collect();
    let mut english: Vec<String> = EN_DAYS.iter().map(|d| d.to_string()).collect();
    english.extend(["November", "December", "January"].map(String::from));
    english.extend(["high", "normal", "low", "critical"].map(|p| format!("Prioriteit: {p}")));
    english.extend(["(high)", "(normal)", "(low)", "(critical)"].map(String::from)); // subjects
    english.extend(["jouw reactie", "your reply"].map(String::from)); // the requester's voice
    for w in &to_agents {
        let mail = format!("{}\n{}", w.mail.subject, w.mail.text);
        if let Some(word) = english.iter().find(|e| mail.contains(e.as_str())) {
            panic!("{word} in a mail to agents: {mail}");
        }
    }
    assert!(
        to_agents
            .iter()
            .any(|w| w.mail.text.contains("status: wacht op de aanmelder")),
        "the digest words the wait for agents"
    );
}
