//! Agents steer a ticket from whatever mail client is at hand, often a phone, so the grammar is
//! what a person types in a hurry: `#` lines at the top of the reply, English or Dutch words in
//! any case, dates the Dutch way too. A `#` line in that block is either understood or reported
//! back as a [`CommandError`] with the right syntax — never silently dropped, and never passed
//! on as text for the requester. Pure: the daemon decides what to do with the result.

use crate::quote::clean;
use chrono::NaiveDate;
use std::fmt;

/// The help listing sent in answer to `#help` (and with every error report).
pub const SYNTAX: &str = "\
#status open                          reopen the ticket
#status waiting-customer [reason]     wait for the requester; the reason is optional
#status waiting-third-party [reason]  wait for a supplier or another party; the reason is optional
#status resolved                      mark the ticket resolved
#resolve                              the same as #status resolved
#waiting-customer [reason]            the same as #status waiting-customer
#waiting-third-party [reason]         the same as #status waiting-third-party
#target YYYY-MM-DD                    set the target date
#next YYYY-MM-DD                      the next date by which the requester hears from us
#assign me                            assign the ticket to yourself
#assign name@example.org              assign the ticket to a colleague
#internal                             the text is an internal note; nothing goes to the requester
#help                                 send this list

Dates may also be written DD-MM-YYYY, e.g. #target 04-12-2026. Command words may be in any case.

Nederlands (Dutch aliases):
#opgelost                             = #resolve
#status open | wacht-klant | wacht-op-klant | wacht-leverancier | wacht-derde | opgelost
#wacht-klant [reden]                  = #status waiting-customer
#wacht-leverancier [reden]            = #status waiting-third-party (ook #wacht-derde)
#streefdatum, #doel DD-MM-JJJJ        = #target
#volgende, #contact DD-MM-JJJJ        = #next
#toewijzen mij | naam@example.org     = #assign (ook #assign mij)
#intern, #notitie                     = #internal
#hulp                                 = #help
";

/// A new status for the ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusChange {
    Open,
    WaitingCustomer(Option<String>),
    WaitingThirdParty(Option<String>),
    Resolved,
}

/// Who the ticket goes to: the agent who sent the mail, or a colleague by address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assignee {
    Me,
    /// Lower-cased address.
    Address(String),
}

/// One understood command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Status(StatusChange),
    Target(NaiveDate),
    Next(NaiveDate),
    Assign(Assignee),
    Internal,
    Help,
}

/// A `#` line in the command block that was not understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandError {
    /// The line as written, trimmed.
    pub line: String,
    /// What is wrong and the right syntax, as an English sentence.
    pub problem: String,
}

/// An agent's reply, split into its command block and the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// In the order written.
    pub commands: Vec<Command>,
    pub errors: Vec<CommandError>,
    /// Everything after the command block, without surrounding blank lines, `\n` line ends.
    /// Quoted history and signatures are still in it (see [`crate::quote::strip`]).
    pub text: String,
}

impl Parsed {
    /// True when the text is meant for the agents only.
    pub fn is_internal(&self) -> bool {
        self.commands.contains(&Command::Internal)
    }
}

/// Splits an agent's reply body into commands, errors and the remaining text.
pub fn parse(body: &str) -> Parsed {
    let lines: Vec<&str> = body
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let mut commands = Vec::new();
    let mut errors = Vec::new();
    let mut text_start = lines.len();
    for (i, raw) in lines.iter().enumerate() {
        let line = clean(raw);
        if line.is_empty() {
            continue;
        }
        if !line.starts_with('#') {
            text_start = i;
            break;
        }
        let outcome = parse_line(line);
        commands.extend(outcome.command);
        if let Some(problem) = outcome.problem {
            errors.push(CommandError {
                line: line.to_string(),
                problem,
            });
        }
    }
    Parsed {
        commands,
        errors,
        text: without_blank_edges(&lines[text_start..]).join("\n"),
    }
}

impl Command {
    /// Short English words for the ticket's event log.
    pub fn describe(&self) -> String {
        match self {
            Command::Status(status) => format!("status → {}", status.describe()),
            Command::Target(date) => format!("target → {}", date.format("%Y-%m-%d")),
            Command::Next(date) => format!("next contact → {}", date.format("%Y-%m-%d")),
            Command::Assign(Assignee::Me) => "assigned to the sender".to_string(),
            Command::Assign(Assignee::Address(address)) => format!("assigned to {address}"),
            Command::Internal => "internal note".to_string(),
            Command::Help => "help requested".to_string(),
        }
    }
}

impl StatusChange {
    fn describe(&self) -> String {
        let with_reason = |what: &str, reason: &Option<String>| match reason {
            Some(reason) => format!("{what} ({reason})"),
            None => what.to_string(),
        };
        match self {
            StatusChange::Open => "open".to_string(),
            StatusChange::WaitingCustomer(reason) => with_reason("waiting on customer", reason),
            StatusChange::WaitingThirdParty(reason) => {
                with_reason("waiting on third party", reason)
            }
            StatusChange::Resolved => "resolved".to_string(),
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.line, self.problem)
    }
}

/// What one `#` line yields. Usually one of the two; `#internal` with words after it yields
/// both, so that a note never goes to the requester because of a slip on that line.
struct Outcome {
    command: Option<Command>,
    problem: Option<String>,
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
fn parse_line(line: &str) -> Outcome {
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

/// A lower-cased, plausible address from `anna@example.org`, `<anna@example.org>`,
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
    let (local, domain) = candidate.split_once('@')?;
    let labels_ok = domain.contains('.') && domain.split('.').all(|label| !label.is_empty());
    let chars_ok = candidate
        .chars()
        .all(|c| !c.is_whitespace() && !c.is_control() && !"<>()[],;:\"\\".contains(c));
    (!local.is_empty() && !domain.contains('@') && labels_ok && chars_ok).then_some(candidate)
}

fn without_blank_edges<'a>(lines: &'a [&'a str]) -> &'a [&'a str] {
    let start = lines
        .iter()
        .position(|l| !clean(l).is_empty())
        .unwrap_or(lines.len());
    let end = lines
        .iter()
        .rposition(|l| !clean(l).is_empty())
        .map_or(start, |i| i + 1);
    &lines[start..end.max(start)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn commands_then_text() {
        let p = parse(
            "#status waiting-third-party supplier delivers Thursday\n#target 2026-12-04\n\n\
             Hello Jan,\n\nThe toner is on order.\n\nAnna\n\n",
        );
        assert_eq!(
            p.commands,
            vec![
                Command::Status(StatusChange::WaitingThirdParty(Some(
                    "supplier delivers Thursday".into()
                ))),
                Command::Target(date(2026, 12, 4)),
            ]
        );
        assert!(p.errors.is_empty());
        assert_eq!(p.text, "Hello Jan,\n\nThe toner is on order.\n\nAnna");
    }

    #[test]
    fn no_commands_means_all_text() {
        let p = parse("\n\nHello Jan,\n#1 priority for us.\n");
        assert!(p.commands.is_empty());
        assert!(p.errors.is_empty());
        assert_eq!(p.text, "Hello Jan,\n#1 priority for us.");
        assert_eq!(parse("").text, "");
        assert_eq!(parse("\r\n \r\n").text, "");
    }

    #[test]
    fn crlf_indent_nbsp_and_blank_lines_between_commands() {
        let p = parse(
            "\r\n  #resolve\r\n\r\n\u{a0}#NEXT 2026-12-07\u{a0}\r\n\u{feff}#Assign ME\r\n\r\nDone.\r\nBye\r\n",
        );
        assert_eq!(
            p.commands,
            vec![
                Command::Status(StatusChange::Resolved),
                Command::Next(date(2026, 12, 7)),
                Command::Assign(Assignee::Me),
            ]
        );
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.text, "Done.\nBye");
    }

    #[test]
    fn only_commands_leaves_empty_text() {
        let p = parse("#resolve\n#internal\n");
        assert_eq!(
            p.commands,
            vec![Command::Status(StatusChange::Resolved), Command::Internal]
        );
        assert_eq!(p.text, "");
        assert!(p.is_internal());
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
            "#assign anna@localhost",
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
    fn errors_keep_the_block_going() {
        let p = parse(
            "#stauts open\n#target 2026-12-04\n#1 priority\n#\n#status closed\n#resolve now\n\
             #next soon\nHello\n#resolve\n",
        );
        assert_eq!(p.commands, vec![Command::Target(date(2026, 12, 4))]);
        let lines: Vec<&str> = p.errors.iter().map(|e| e.line.as_str()).collect();
        assert_eq!(
            lines,
            [
                "#stauts open",
                "#1 priority",
                "#",
                "#status closed",
                "#resolve now",
                "#next soon"
            ]
        );
        assert_eq!(p.errors[0].problem, "unknown command #stauts; try #help");
        assert!(p.errors[3].problem.contains("unknown status closed"));
        assert!(
            p.errors[3]
                .problem
                .contains("#status waiting-third-party [reason]")
        );
        // after the block, a `#` line is plain text
        assert_eq!(p.text, "Hello\n#resolve");
    }

    #[test]
    fn internal_with_words_after_it_stays_internal() {
        let p = parse("#intern printer ligt bij de leverancier\nGraag bellen.");
        assert_eq!(p.commands, vec![Command::Internal]);
        assert_eq!(p.errors.len(), 1);
        assert!(p.is_internal());
    }

    #[test]
    fn a_quote_or_text_ends_the_block() {
        let p = parse("#resolve\n> #status open\n");
        assert_eq!(p.commands, vec![Command::Status(StatusChange::Resolved)]);
        assert_eq!(p.text, "> #status open");
        let p = parse("Hi #resolve");
        assert!(p.commands.is_empty());
        assert_eq!(p.text, "Hi #resolve");
    }

    #[test]
    fn describe_for_the_event_log() {
        let cases = [
            (
                Command::Status(StatusChange::WaitingThirdParty(Some(
                    "supplier delivers Thursday".into(),
                ))),
                "status → waiting on third party (supplier delivers Thursday)",
            ),
            (
                Command::Status(StatusChange::WaitingCustomer(None)),
                "status → waiting on customer",
            ),
            (Command::Status(StatusChange::Open), "status → open"),
            (Command::Status(StatusChange::Resolved), "status → resolved"),
            (Command::Target(date(2026, 12, 4)), "target → 2026-12-04"),
            (
                Command::Next(date(2026, 12, 7)),
                "next contact → 2026-12-07",
            ),
            (
                Command::Assign(Assignee::Address("anna@example.org".into())),
                "assigned to anna@example.org",
            ),
            (Command::Assign(Assignee::Me), "assigned to the sender"),
            (Command::Internal, "internal note"),
            (Command::Help, "help requested"),
        ];
        for (command, want) in cases {
            assert_eq!(command.describe(), want);
        }
    }

    #[test]
    fn syntax_lists_every_command() {
        for word in [
            "#status",
            "#resolve",
            "#target",
            "#next",
            "#assign",
            "#internal",
            "#help",
            "#opgelost",
            "#wacht-klant",
            "#wacht-leverancier",
            "#streefdatum",
            "#doel",
            "#volgende",
            "#contact",
            "#toewijzen",
            "#intern",
            "#notitie",
            "#hulp",
            "waiting-customer",
            "waiting-third-party",
            "wacht-derde",
            "wacht-op-klant",
        ] {
            assert!(SYNTAX.contains(word), "{word} missing from SYNTAX");
        }
        // every example line in the listing parses
        for line in SYNTAX.lines().filter(|l| l.starts_with('#')) {
            let example = line.split("  ").next().unwrap_or(line).trim();
            if example.contains('|') || example.contains('[') || example.contains(',') {
                continue;
            }
            let example = example
                .replace("YYYY-MM-DD", "2026-12-04")
                .replace("DD-MM-JJJJ", "04-12-2026");
            let p = parse(&example);
            assert!(p.errors.is_empty(), "{example}: {:?}", p.errors);
        }
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
