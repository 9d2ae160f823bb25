//! The grammar of one command line, `#word arguments`, as [`super::parse`] hands it over
//! (a hash look-alike already read as `#`, see [`super::hash`]): English and Dutch words in any
//! case, dates the Dutch way too, and for what is not understood a sentence with the right
//! syntax.

use super::{Assignee, Command, StatusChange};
use crate::quote::clean;
use chrono::NaiveDate;

/// What one `#` line yields. Usually one of the two; `#internal` with words after it yields
/// both, so that a note never goes to the requester because of a slip on that line.
pub(super) struct Outcome {
    pub command: Option<Command>,
    pub problem: Option<String>,
}

impl Outcome {
    fn ok(command: Command) -> Self {
        Outcome {
            command: Some(command),
            problem: None,
        }
    }

    fn err(problem: String) -> Self {
        Outcome {
            command: None,
            problem: Some(problem),
        }
    }

    fn of(result: Result<Command, String>) -> Self {
        match result {
            Ok(command) => Outcome::ok(command),
            Err(problem) => Outcome::err(problem),
        }
    }
}

const STATUS_SYNTAX: &str = "#status open, #status waiting-customer [reason], #status waiting-third-party [reason] \
     or #status resolved";

/// `line` is trimmed and starts with `#`.
pub(super) fn parse_line(line: &str) -> Outcome {
    let after = clean(line.strip_prefix('#').unwrap_or(line));
    if after.is_empty() {
        return Outcome::err("a # alone is not a command; try #help".to_string());
    }
    let word_end = after
        .find(|c: char| c.is_whitespace() || c == ':')
        .unwrap_or(after.len());
    let (word, args) = after.split_at(word_end);
    let args = clean(args.trim_start_matches(|c: char| c.is_whitespace() || c == ':'));
    let word = word.to_lowercase().replace('_', "-");
    let shown = format!("#{word}");

    match word.as_str() {
        "status" => Outcome::of(parse_status(args).map(Command::Status)),
        "resolve" | "resolved" | "opgelost" => Outcome::of(no_args(
            &shown,
            args,
            Command::Status(StatusChange::Resolved),
        )),
        "open" | "reopen" | "heropen" | "heropenen" => {
            Outcome::of(no_args(&shown, args, Command::Status(StatusChange::Open)))
        }
        w if waits_on_customer(w) => {
            Outcome::ok(Command::Status(StatusChange::WaitingCustomer(reason(args))))
        }
        w if waits_on_third_party(w) => Outcome::ok(Command::Status(
            StatusChange::WaitingThirdParty(reason(args)),
        )),
        "target" | "streefdatum" | "doel" => {
            Outcome::of(parse_date(&shown, args).map(Command::Target))
        }
        "next" | "volgende" | "contact" => Outcome::of(parse_date(&shown, args).map(Command::Next)),
        "assign" | "toewijzen" => Outcome::of(parse_assignee(&shown, args).map(Command::Assign)),
        "internal" | "intern" | "notitie" | "note" => {
            if args.is_empty() {
                Outcome::ok(Command::Internal)
            } else {
                Outcome {
                    command: Some(Command::Internal),
                    problem: Some(format!(
                        "{shown} stands alone on its line; put the note below the command lines"
                    )),
                }
            }
        }
        "help" | "hulp" | "?" => Outcome::ok(Command::Help),
        w if w.starts_with(|c: char| c.is_ascii_digit()) => Outcome::err(format!(
            "{shown} is not a command: a line starting with # at the top of your mail is read \
             as a command; start your text with a word, or try #help"
        )),
        _ => Outcome::err(format!("unknown command {shown}; try #help")),
    }
}

fn no_args(shown: &str, args: &str, command: Command) -> Result<Command, String> {
    if args.is_empty() {
        Ok(command)
    } else {
        Err(format!(
            "{shown} takes nothing after it; write it alone on its line and explain below the \
             command lines"
        ))
    }
}

fn waits_on_customer(word: &str) -> bool {
    matches!(
        word,
        "waiting-customer"
            | "waiting-on-customer"
            | "waiting-for-customer"
            | "wacht-klant"
            | "wacht-op-klant"
            | "wachten-op-klant"
    )
}

fn waits_on_third_party(word: &str) -> bool {
    matches!(
        word,
        "waiting-third-party"
            | "waiting-on-third-party"
            | "waiting-for-third-party"
            | "waiting-supplier"
            | "waiting-on-supplier"
            | "wacht-leverancier"
            | "wacht-op-leverancier"
            | "wachten-op-leverancier"
            | "wacht-derde"
            | "wacht-derden"
            | "wacht-op-derde"
            | "wacht-op-derden"
    )
}

fn parse_status(args: &str) -> Result<StatusChange, String> {
    if args.is_empty() {
        return Err(format!("#status needs a status: {STATUS_SYNTAX}"));
    }
    let value_end = args.find(char::is_whitespace).unwrap_or(args.len());
    let (value, rest) = args.split_at(value_end);
    let value = value.trim_end_matches(':').to_lowercase().replace('_', "-");
    let rest = clean(rest);
    let plain = |status: StatusChange| {
        if rest.is_empty() {
            Ok(status)
        } else {
            Err(format!(
                "#status {value} takes no reason; write the explanation below the command lines"
            ))
        }
    };
    match value.as_str() {
        "open" | "reopen" | "heropen" | "heropend" => plain(StatusChange::Open),
        "resolved" | "resolve" | "opgelost" => plain(StatusChange::Resolved),
        w if waits_on_customer(w) => Ok(StatusChange::WaitingCustomer(reason(rest))),
        w if waits_on_third_party(w) => Ok(StatusChange::WaitingThirdParty(reason(rest))),
        _ => Err(format!("unknown status {value}; use {STATUS_SYNTAX}")),
    }
}

/// The free text after a waiting status, without separators or wrapping brackets.
fn reason(text: &str) -> Option<String> {
    let text = clean(
        text.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, ':' | '-' | '–' | '—')),
    );
    let unwrapped = [('(', ')'), ('"', '"'), ('\'', '\''), ('“', '”')]
        .iter()
        .find_map(|(open, close)| {
            text.strip_prefix(*open)?
                .strip_suffix(*close)
                .filter(|inner| !inner.contains(*open) && !inner.contains(*close))
        })
        .map_or(text, clean);
    (!unwrapped.is_empty()).then(|| unwrapped.to_string())
}

/// `YYYY-MM-DD`, or `DD-MM-YYYY` as Dutch people write it; day and month may be one digit.
fn parse_date(shown: &str, args: &str) -> Result<NaiveDate, String> {
    let syntax = format!("{shown} YYYY-MM-DD (or DD-MM-YYYY), e.g. {shown} 2026-12-04");
    if args.is_empty() {
        return Err(format!("{shown} needs a date: {syntax}"));
    }
    let value = args.trim_end_matches(['.', ',', ';']);
    let parts: Vec<&str> = value.split('-').collect();
    let numeric = |s: &str, min: usize, max: usize| {
        (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    let (year, month, day) = match parts.as_slice() {
        [y, m, d] if numeric(y, 4, 4) && numeric(m, 1, 2) && numeric(d, 1, 2) => (y, m, d),
        [d, m, y] if numeric(y, 4, 4) && numeric(m, 1, 2) && numeric(d, 1, 2) => (y, m, d),
        _ => return Err(format!("{args} is not a date; write {syntax}")),
    };
    match (year.parse(), month.parse(), day.parse()) {
        (Ok(y), Ok(m), Ok(d)) => NaiveDate::from_ymd_opt(y, m, d)
            .ok_or_else(|| format!("{args} is not a day in the calendar; write {syntax}")),
        _ => Err(format!("{args} is not a date; write {syntax}")),
    }
}

fn parse_assignee(shown: &str, args: &str) -> Result<Assignee, String> {
    let syntax = format!("{shown} me or {shown} name@example.org");
    let lower = args.to_lowercase();
    let target = ["to ", "aan "]
        .iter()
        .find_map(|p| lower.strip_prefix(p))
        .map_or(lower.as_str(), clean);
    match target {
        "" => Err(format!("{shown} needs who: {syntax}")),
        "me" | "mij" | "myself" | "mezelf" | "ik" => Ok(Assignee::Me),
        _ => address(target)
            .map(Assignee::Address)
            .ok_or_else(|| format!("{args} is not an email address; write {syntax}")),
    }
}

/// A lower-cased address ([`crate::model::valid_address`]) from `anna@example.org`, `<anna@example.org>`,
/// `Anna <anna@example.org>` or Outlook's `anna@example.org<mailto:anna@example.org>`.
fn address(text: &str) -> Option<String> {
    let inner = match (text.find('<'), text.rfind('>')) {
        (Some(open), Some(close)) if open < close => {
            let bracketed = &text[open + 1..close];
            let before = clean(&text[..open]);
            if before.contains('@') {
                before
            } else {
                bracketed
            }
        }
        _ => text,
    };
    let candidate = clean(inner.strip_prefix("mailto:").unwrap_or(inner)).to_lowercase();
    crate::model::valid_address(&candidate).then_some(candidate)
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }
    #[test]
    fn assign_takes_the_one_address_rule() {
        for (email, valid) in crate::model::ADDRESS_CASES {
            assert_eq!(address(email).is_some(), *valid, "{email}");
        }
    }

    #[test]
    fn every_status_form() {
        let cases: &[(&str, StatusChange)] = &[
            ("#status open", StatusChange::Open),
            ("#Status Resolved", StatusChange::Resolved),
            (
                "#status waiting-customer",
                StatusChange::WaitingCustomer(None),
            ),
            (
                "#status waiting-customer need a screenshot",
                StatusChange::WaitingCustomer(Some("need a screenshot".into())),
            ),
            (
                "#status waiting-third-party",
                StatusChange::WaitingThirdParty(None),
            ),
            (
                "#status: waiting_third_party: (HP sends a part)",
                StatusChange::WaitingThirdParty(Some("HP sends a part".into())),
            ),
            ("#resolve", StatusChange::Resolved),
            ("#waiting-customer", StatusChange::WaitingCustomer(None)),
            (
                "#waiting-third-party - order 4411",
                StatusChange::WaitingThirdParty(Some("order 4411".into())),
            ),
            ("#opgelost", StatusChange::Resolved),
            ("#status opgelost", StatusChange::Resolved),
            ("#status wacht-klant", StatusChange::WaitingCustomer(None)),
            (
                "#status wacht-op-klant foto van de foutmelding",
                StatusChange::WaitingCustomer(Some("foto van de foutmelding".into())),
            ),
            (
                "#status wacht-leverancier levert donderdag",
                StatusChange::WaitingThirdParty(Some("levert donderdag".into())),
            ),
            ("#status wacht-derde", StatusChange::WaitingThirdParty(None)),
            (
                "#wacht-klant akkoord manager",
                StatusChange::WaitingCustomer(Some("akkoord manager".into())),
            ),
            (
                "#Wacht-Leverancier \"Dell, ticket 88\"",
                StatusChange::WaitingThirdParty(Some("Dell, ticket 88".into())),
            ),
        ];
        for (line, want) in cases {
            let p = parse(line);
            assert!(p.errors.is_empty(), "{line}: {:?}", p.errors);
            assert_eq!(p.commands, vec![Command::Status(want.clone())], "{line}");
        }
    }

    #[test]
    fn dutch_aliases() {
        let p = parse(
            "#streefdatum 4-12-2026\n#doel 2026-12-05\n#volgende 07-12-2026\n#contact 2026-12-08\n\
             #toewijzen mij\n#assign mij\n#toewijzen Piet@Example.ORG\n#intern\n#notitie\n#hulp\n",
        );
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(
            p.commands,
            vec![
                Command::Target(date(2026, 12, 4)),
                Command::Target(date(2026, 12, 5)),
                Command::Next(date(2026, 12, 7)),
                Command::Next(date(2026, 12, 8)),
                Command::Assign(Assignee::Me),
                Command::Assign(Assignee::Me),
                Command::Assign(Assignee::Address("piet@example.org".into())),
                Command::Internal,
                Command::Internal,
                Command::Help,
            ]
        );
    }

    #[test]
    fn dates() {
        let ok = |arg: &str| parse_date("#target", arg);
        assert_eq!(ok("2026-12-04"), Ok(date(2026, 12, 4)));
        assert_eq!(ok("04-12-2026"), Ok(date(2026, 12, 4)));
        assert_eq!(ok("4-12-2026"), Ok(date(2026, 12, 4)));
        assert_eq!(ok("2026-12-04."), Ok(date(2026, 12, 4)));
        for bad in [
            "",
            "2026/12/04",
            "04.12.2026",
            "12/4/2026",
            "26-12-04",
            "2026-13-01",
            "2026-02-30",
            "31-04-2026",
            "tomorrow",
            "2026-12-04 noon",
            "+2026-12-04",
            "2026-1２-04",
        ] {
            assert!(ok(bad).is_err(), "{bad:?} should be refused");
        }
        let p = parse("#target 2026-02-30");
        assert!(p.commands.is_empty());
        assert_eq!(p.errors.len(), 1);
        assert!(p.errors[0].problem.contains("YYYY-MM-DD"), "{:?}", p.errors);
        let p = parse("#next");
        assert!(p.errors[0].problem.contains("#next needs a date"));
    }

    #[test]
    fn assign() {
        let one = |line: &str| parse(line);
        assert_eq!(
            one("#assign anna@example.org").commands,
            vec![Command::Assign(Assignee::Address(
                "anna@example.org".into()
            ))]
        );
        assert_eq!(
            one("#assign Anna.Jansen@Desk.Example.org").commands,
            vec![Command::Assign(Assignee::Address(
                "anna.jansen@desk.example.org".into()
            ))]
        );
        assert_eq!(
            one("#assign to <anna@example.org>").commands,
            vec![Command::Assign(Assignee::Address(
                "anna@example.org".into()
            ))]
        );
        assert_eq!(
            one("#toewijzen aan anna@example.org<mailto:anna@example.org>").commands,
            vec![Command::Assign(Assignee::Address(
                "anna@example.org".into()
            ))]
        );
        assert_eq!(
            one("#assign Anna Jansen <anna@example.org>").commands,
            vec![Command::Assign(Assignee::Address(
                "anna@example.org".into()
            ))]
        );
        assert_eq!(
            one("#assign me").commands,
            vec![Command::Assign(Assignee::Me)]
        );
        for bad in [
            "#assign",
            "#assign anna",
            "#assign @example.org",
            "#assign anna@[192.168.1.1]",
            "#assign anna@@example.org",
            "#assign anna@example..org",
            "#assign anna@example.org.",
            "#assign anna jansen@example.org",
            "#assign anna@example.org, piet@example.org",
        ] {
            let p = parse(bad);
            assert!(p.commands.is_empty(), "{bad}: {:?}", p.commands);
            assert_eq!(p.errors.len(), 1, "{bad}");
            assert!(p.errors[0].problem.contains("#assign me"), "{bad}");
        }
    }

    #[test]
    fn internal_with_words_after_it_stays_internal() {
        let p = parse("#intern printer ligt bij de leverancier\nGraag bellen.");
        assert_eq!(p.commands, vec![Command::Internal]);
        assert_eq!(p.errors.len(), 1);
        assert!(p.is_internal());
    }

    #[test]
    fn odd_input_does_not_panic() {
        for body in [
            "#",
            "##",
            "#:",
            "# ",
            "#\u{a0}",
            "#status",
            "#status \u{a0}",
            "#assign <>",
            "#assign <",
            "#assign >a@b.c<",
            "#target --",
            "#target 9999999999-1-1",
            "#wacht-klant ()",
            "#wacht-klant \"",
            "#é",
            "\u{feff}",
            "#ﬁx",
        ] {
            let p = parse(body);
            assert!(p.commands.len() + p.errors.len() <= 1, "{body}");
        }
        assert_eq!(
            parse("#wacht-klant ()").commands,
            vec![Command::Status(StatusChange::WaitingCustomer(None))]
        );
    }
}
