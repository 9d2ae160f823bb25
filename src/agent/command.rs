//! Agents steer a ticket from whatever mail client is at hand, often a phone, so the grammar is
//! what a person types in a hurry: `#` lines, English or Dutch words in any case, dates the
//! Dutch way too. A command line is either understood or reported back as a [`CommandError`]
//! with the right syntax — never silently dropped, and never passed on as text for the
//! requester. Which lines are command lines (`hash`): at the top of the reply every line
//! that starts with `#` (or a look-alike such as `＃`, `﹟`, `♯`); further down, where `#1` or
//! `#` starts ordinary sentences, each one whose hash is followed by a word — so a `#internal`
//! under "Hi Anna," still makes the mail internal, and `#interal` there still stops it. A
//! hashtag inside a sentence is text. The grammar of one line is `grammar`. Pure: the daemon
//! decides what to do with the result.

mod grammar;
mod hash;

use crate::quote::clean;
use chrono::NaiveDate;
use grammar::parse_line;
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
    let mut text: Vec<&str> = Vec::new();
    // at the top every `#` line is a command line; after the first line of text only the ones
    // with a word after the hash
    let mut at_top = true;
    // a command line taken out of the text leaves one blank line where it stood, not two
    let mut after_command = false;
    for raw in &lines {
        let line = clean(raw);
        match hash::read(line) {
            Some(hashed) if at_top || hashed.has_word => {
                let outcome = parse_line(&hashed.folded);
                commands.extend(outcome.command);
                if let Some(problem) = outcome.problem {
                    errors.push(CommandError {
                        line: line.to_string(),
                        problem,
                    });
                }
                after_command = true;
                continue;
            }
            _ => {}
        }
        if line.is_empty() {
            let doubled = after_command && text.last().is_some_and(|l| clean(l).is_empty());
            if !doubled {
                text.push(raw);
            }
            continue;
        }
        at_top = false;
        after_command = false;
        text.push(raw);
    }
    Parsed {
        commands,
        errors,
        text: without_blank_edges(&text).join("\n"),
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
            // quoted: the agent's own words, which a log line leaves out
            Some(reason) => format!("{what} (\"{reason}\")"),
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
    fn errors_keep_the_block_going() {
        let p = parse(
            "#stauts open\n#target 2026-12-04\n#1 priority\n#\n#status closed\n#resolve now\n\
             #next soon\nHello\n#1 priority\n#\n",
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
        // below the text, a `#` without a word after it starts a sentence
        assert_eq!(p.text, "Hello\n#1 priority\n#");
    }

    #[test]
    fn a_command_word_below_the_text_is_a_command_too() {
        let p = parse("Hi Anna,\n\n#internal\n\nThe laptop was reported stolen.\n");
        assert_eq!(p.commands, vec![Command::Internal]);
        assert!(p.is_internal());
        assert_eq!(p.text, "Hi Anna,\n\nThe laptop was reported stolen.");
        let p = parse("Hello Jan,\nThe toner is on order.\n#resolve\n#target 2026-12-04\nAnna");
        assert_eq!(
            p.commands,
            vec![
                Command::Status(StatusChange::Resolved),
                Command::Target(date(2026, 12, 4))
            ]
        );
        assert_eq!(p.text, "Hello Jan,\nThe toner is on order.\nAnna");
        // not understood there either: the mail stops, nothing of it is text
        let p = parse("Hi Anna,\n#interal\nSecret.");
        assert_eq!(p.errors.len(), 1);
        assert_eq!(p.errors[0].line, "#interal");
        assert_eq!(p.text, "Hi Anna,\nSecret.");
        let p = parse("Hi,\n# Summary\nAll well.");
        assert_eq!(p.errors.len(), 1, "a heading reads as a command: {p:?}");
    }

    #[test]
    fn hash_look_alikes_are_hashes() {
        for body in [
            "\u{ff03}internal\n\nSecret.",
            "\u{fe5f}internal\n\nSecret.",
            "\u{266f}internal\n\nSecret.",
            "\u{ff03}\u{ff49}\u{ff4e}\u{ff54}\u{ff45}\u{ff52}\u{ff4e}\n\nSecret.",
            "#\u{fe0f}\u{20e3}intern\n\nSecret.",
            "Hoi Anna,\n  \u{ff03} Notitie\nSecret.",
            "Hoi Anna,\n\u{200b}\u{266f}INTERNAL\nSecret.",
        ] {
            let p = parse(body);
            assert!(p.is_internal(), "{body:?}: {p:?}");
            assert!(p.errors.is_empty(), "{body:?}: {p:?}");
            assert!(
                !p.text.contains("nternal") && !p.text.contains("otitie"),
                "{body:?}"
            );
        }
        let p = parse("\u{ff03}\u{ff53}\u{ff54}\u{ff41}\u{ff54}\u{ff55}\u{ff53}\u{3000}open");
        assert_eq!(p.commands, vec![Command::Status(StatusChange::Open)]);
        // an unknown word behind a look-alike stops the mail as any unknown line does
        let p = parse("Hoi,\n\u{266f}\u{0456}nternal\nSecret.");
        assert_eq!(p.errors.len(), 1, "{p:?}");
        assert_eq!(p.errors[0].line, "\u{266f}\u{0456}nternal");
    }

    #[test]
    fn a_quote_or_a_hashtag_in_a_sentence_is_no_command() {
        let p = parse("#resolve\n> #status open\n");
        assert_eq!(p.commands, vec![Command::Status(StatusChange::Resolved)]);
        assert_eq!(p.text, "> #status open");
        let p = parse("Hi #resolve");
        assert!(p.commands.is_empty());
        assert_eq!(p.text, "Hi #resolve");
        let p =
            parse("Hi Jan,\nYour laptop is our #1 priority. #internal #thanks\n#2: the screen.");
        assert!(p.commands.is_empty() && p.errors.is_empty(), "{p:?}");
        assert_eq!(
            p.text,
            "Hi Jan,\nYour laptop is our #1 priority. #internal #thanks\n#2: the screen."
        );
    }

    #[test]
    fn describe_for_the_event_log() {
        let cases = [
            (
                Command::Status(StatusChange::WaitingThirdParty(Some(
                    "supplier delivers Thursday".into(),
                ))),
                "status → waiting on third party (\"supplier delivers Thursday\")",
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
}
