//! Classification: one decision, with its reason, for each inbound mail. A pure function of
//! the parsed mail, the config and what the store already knows about the thread ([`Known`]);
//! the store looks up the hints from [`ticket_hints`] before calling [`classify`].

pub mod arrival;
pub mod limits;
pub mod machine;

use crate::agent::proof::Unproven;
use crate::agent::{command, token};
use crate::config::Config;
use crate::model::{Inbound, TicketRef};
use crate::portal::{self, FormChoice, FormProblem, FormRequest};
use crate::quote;
pub use arrival::OldMail;
pub use machine::{MachineKind, MachineSignal, OwnIdentity, Verdict};
use serde::Serialize;

/// Who wrote a reply on a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Author {
    Requester,
    Agent,
    Other,
}

/// Why a mail gets no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IgnoreReason {
    /// Bounces, auto-replies, lists, notifications, our own mail: never answered (no loops).
    Machine(MachineSignal),
    /// No usable sender address: nobody to answer.
    NoSender,
    /// The same Message-ID was processed before (a copy, or a redelivery).
    Duplicate { message_id: String },
    /// A mail from the portal that does not hold a readable form.
    PortalForm(FormProblem),
    /// An agent's mail that names no ticket: agents are not sent portal links.
    AgentWithoutTicket,
    /// The sender had a portal reply recently; one is enough (and a loop cannot start here).
    RateLimited { last: chrono::DateTime<chrono::Utc> },
    /// From an agent's address, but the mail does not prove it: kept, not acted on, and not
    /// answered (the From line may be forged; an answer would be backscatter).
    UnprovenAgent { ticket: TicketRef, why: Unproven },
    /// From the portal's address, but the trusted server does not vouch for it: a forged
    /// form would make tickets and mail whoever it names.
    UnprovenPortal { why: Unproven },
    /// A portal form that names the desk, its queue or an agent as the requester.
    DeskAsRequester { address: String },
    /// Already in the mailbox before deskmail first ran, before `inbound.since`, or waiting
    /// longer than `inbound.max_age_days`: kept, never answered this late.
    Old(OldMail),
}

impl std::fmt::Display for IgnoreReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IgnoreReason::Machine(s) => write!(
                f,
                "machine mail ({}): {}",
                machine_label(&s.kind),
                s.evidence
            ),
            IgnoreReason::NoSender => f.write_str("no usable sender address"),
            IgnoreReason::Duplicate { message_id } => {
                write!(
                    f,
                    "a copy: already processed a mail with Message-ID <{message_id}> from the same sender with the same text"
                )
            }
            IgnoreReason::PortalForm(p) => write!(f, "{p}"),
            IgnoreReason::AgentWithoutTicket => {
                f.write_str("mail from an agent that names no ticket")
            }
            IgnoreReason::UnprovenAgent { ticket, why } => write!(
                f,
                "from an agent's address about {ticket}, but not proven: {why}; not acted on"
            ),
            IgnoreReason::Old(old) => write!(f, "{old}"),
            IgnoreReason::UnprovenPortal { why } => write!(
                f,
                "from the portal's address, but not proven: {why}; no ticket, nobody mailed"
            ),
            IgnoreReason::DeskAsRequester { address } => write!(
                f,
                "the portal form names {address} — the desk, its queue or an agent — as the requester; no ticket (it would mail the desk itself)"
            ),
            IgnoreReason::RateLimited { last } => write!(
                f,
                "the sender already got a portal reply at {} (portal.reply_interval_hours)",
                last.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
        }
    }
}

/// Why a mail goes to a person at the desk instead of being answered or ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandoffReason {
    /// A calendar invitation or its answer (iTIP `method`, lower-cased; empty for a bare
    /// `.ics`): a person sent it, but nobody wants a portal link for a meeting.
    Calendar { method: String },
    /// Some machine evidence, too little to ignore the mail: a person may have written it.
    Doubt(MachineSignal),
    /// An answer would break a limit (a loop or a flood): a person at the desk decides.
    Flood(limits::Flood),
    /// Waited longer than `inbound.max_age_days`: too late for a portal link or a
    /// confirmation, but a person asked.
    Old(OldMail),
    /// A proven agent's mail that repeats, word for word, their earlier text on the ticket:
    /// most likely an autoresponder, so it is not passed to the requester; the agents see it.
    AgentRepeats { ticket: TicketRef },
}

impl std::fmt::Display for HandoffReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HandoffReason::Calendar { method } if method.is_empty() => {
                f.write_str("a calendar file (.ics): passed to the agents, not answered")
            }
            HandoffReason::Calendar { method } => write!(
                f,
                "a calendar {} (method {}): passed to the agents, not answered",
                match method.as_str() {
                    "request" => "invitation",
                    "cancel" => "cancellation",
                    "reply" | "counter" => "answer",
                    _ => "message",
                },
                method.to_ascii_uppercase()
            ),
            HandoffReason::Flood(flood) => {
                write!(f, "{flood}; passed to the agents, not answered")
            }
            HandoffReason::Old(old) => write!(f, "{old}; passed to the agents"),
            HandoffReason::AgentRepeats { ticket } => write!(
                f,
                "from an agent's address on {ticket}, with the same text as their earlier mail on it: most likely an automatic reply; not passed to the requester, shown to the agents"
            ),
            HandoffReason::Doubt(s) => write!(
                f,
                "perhaps machine mail ({}): {}; passed to the agents, not answered",
                machine_label(&s.kind),
                s.evidence
            ),
        }
    }
}

/// The one thing to do with an inbound mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Ignore(IgnoreReason),
    /// A loose mail from a person: answer with a link to the (prefilled) portal form.
    PortalReply {
        form: FormChoice,
    },
    /// A portal form mail: make a ticket.
    NewTicket(FormRequest),
    /// A mail about a known ticket. `quiet`: the ticket ran into a limit (a loop or a flood):
    /// the mail is kept on the ticket as usual, but the agents hear of it in the hourly bundle
    /// instead of one notice each.
    TicketReply {
        ticket: TicketRef,
        author: Author,
        quiet: Option<limits::Flood>,
    },
    /// A proven agent's reply: commands for the ticket, and text for the requester.
    AgentCommand {
        ticket: TicketRef,
        parsed: command::Parsed,
    },
    /// Neither clearly a person's request nor clearly machine mail: not answered, passed to
    /// the agents' queue.
    Handoff(HandoffReason),
}

impl Decision {
    /// The contract name of the decision (`deskmail explain --json`, the store, the log).
    pub fn name(&self) -> &'static str {
        match self {
            Decision::Ignore(_) => "ignore",
            Decision::PortalReply { .. } => "portal_reply",
            Decision::NewTicket(_) => "new_ticket",
            Decision::TicketReply { .. } => "ticket_reply",
            Decision::AgentCommand { .. } => "agent_command",
            Decision::Handoff(_) => "handoff",
        }
    }

    /// The reason in words, for the log and for `explain`.
    pub fn reason(&self) -> String {
        match self {
            Decision::Ignore(r) => r.to_string(),
            Decision::Handoff(r) => r.to_string(),
            Decision::PortalReply { form } => match &form.category {
                Some(c) => format!("loose mail from a person; keywords point at the {c} form"),
                None => "loose mail from a person; pointed at the general form".into(),
            },
            Decision::NewTicket(f) => format!(
                "portal form from {} ({} priority, category \"{}\")",
                f.email, f.priority, f.category
            ),
            Decision::TicketReply {
                ticket,
                author,
                quiet: None,
            } => format!("reply on ticket {ticket} by the {}", author_word(*author)),
            Decision::TicketReply {
                ticket,
                author,
                quiet: Some(flood),
            } => format!(
                "reply on ticket {ticket} by the {}, kept on it; {flood}, so the agents see it in the hourly bundle",
                author_word(*author)
            ),
            Decision::AgentCommand { ticket, parsed } => {
                let mut parts: Vec<String> = parsed.commands.iter().map(|c| c.describe()).collect();
                if !parsed.errors.is_empty() {
                    parts.push(format!("{} line(s) not understood", parsed.errors.len()));
                }
                if parts.is_empty() {
                    parts.push("an answer".into());
                }
                format!("proven agent mail on {ticket}: {}", parts.join("; "))
            }
        }
    }
}

/// A reason as a log line may carry it: whatever a reason quotes from the mail itself (a
/// subject, the start of a text, an agent's words, a form's value — always in double quotes)
/// is left out, because the log names a mail, it does not repeat it.
pub fn log_safe(reason: &str) -> String {
    // the quoted text is not escaped (a subject may hold quotes of its own), so nothing after
    // the first quote can be trusted to be ours: the line ends there
    match reason.split_once('"') {
        Some((before, _)) => format!("{before}\"…\""),
        None => reason.to_string(),
    }
}

/// The corpus label family of a machine mail, as logs and `explain` show it.
pub fn machine_label(kind: &MachineKind) -> &'static str {
    match kind {
        MachineKind::Bounce => "bounce",
        MachineKind::AutoReply => "autoreply",
        MachineKind::List => "list",
        MachineKind::OtherAuto => "other-auto",
        MachineKind::Own => "own",
    }
}

fn author_word(a: Author) -> &'static str {
    match a {
        Author::Requester => "requester",
        Author::Agent => "agent",
        Author::Other => "another participant",
    }
}

/// What a mail says about the ticket it belongs to; the store resolves these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketHint {
    /// `[SD-1042]` in the subject or `desk+SD-1042@` as recipient.
    Reference(TicketRef),
    /// A Message-ID it replies to.
    MessageId(String),
}

/// What the store knows about this mail's thread and history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Known {
    /// The ticket the hints lead to, with its requester's address.
    pub ticket: Option<(TicketRef, String)>,
    /// Message-ID already processed from another source position.
    pub duplicate: bool,
    /// When this sender last got a portal reply, if within `portal.reply_interval_hours`.
    pub recent_portal_reply: Option<chrono::DateTime<chrono::Utc>>,
    /// For a mail from an agent's address about the ticket: whether it proves itself (a signed
    /// reply address for this ticket, and the trusted `Authentication-Results` where set).
    pub agent_proof: Option<Result<(), Unproven>>,
    /// For a mail from the portal's address, where `agents.authserv_id` is set: whether the
    /// trusted server vouches for the portal's domain.
    pub portal_proof: Option<Result<(), Unproven>>,
    /// A proven agent's mail whose own text (quotes and signature gone) they already sent on
    /// this ticket in the last week.
    pub agent_repeats: bool,
    /// Whether the mail is too old to answer ([`arrival::judge`]).
    pub old: Option<OldMail>,
}

/// Hints in order of strength: explicit references first, then threading headers.
pub fn ticket_hints(m: &Inbound, config: &Config) -> Vec<TicketHint> {
    let prefix = &config.tickets.ref_prefix;
    let mut hints: Vec<TicketHint> = subject_refs(&m.subject, prefix)
        .into_iter()
        .map(TicketHint::Reference)
        .collect();
    // `desk+SD-1042@` or, signed for agents, `desk+SD-1042.TOKEN@`
    hints.extend(
        m.to.iter()
            .chain(&m.cc)
            .filter_map(|r| token::addressed_ticket(&r.email, &config.desk.address, prefix))
            .map(TicketHint::Reference),
    );
    hints.extend(
        m.referenced_ids()
            .into_iter()
            .map(|id| TicketHint::MessageId(id.to_string())),
    );
    hints
}

/// Every `PREFIX123` in a subject (the tag is `[SD-1042]`, but a bare reference counts too).
pub fn subject_refs(subject: &str, prefix: &str) -> Vec<TicketRef> {
    subject
        .split(|c: char| c.is_whitespace() || "[](){}:;,#".contains(c))
        .filter_map(|w| TicketRef::parse(w, prefix))
        .collect()
}

/// The decision for one mail.
pub fn classify(m: &Inbound, known: &Known, config: &Config) -> Decision {
    let decision = decide(m, known, config);
    match &known.old {
        // our own mail coming back is worth its own reason; the rest of the old mail is not
        // taken on at all
        Some(old)
            if old.untouched_at_source()
                && !matches!(&decision, Decision::Ignore(IgnoreReason::Machine(s)) if s.kind == MachineKind::Own) =>
        {
            Decision::Ignore(IgnoreReason::Old(old.clone()))
        }
        // too late for a portal link or a confirmation, but a person asked: an agent looks
        // (the hourly bundle); replies on tickets still reach the agents, and an agent's
        // commands still count
        Some(old @ OldMail::TooOld { .. })
            if matches!(
                decision,
                Decision::PortalReply { .. } | Decision::NewTicket(_)
            ) =>
        {
            Decision::Handoff(HandoffReason::Old(old.clone()))
        }
        _ => decision,
    }
}

/// The decision on the mail itself, whatever its age.
fn decide(m: &Inbound, known: &Known, config: &Config) -> Decision {
    let own_addresses = config.own_addresses();
    let own = OwnIdentity {
        addresses: &own_addresses,
        message_id_domain: &config.desk.message_id_domain,
        loop_header: crate::compose::LOOP_HEADER,
    };
    let verdict = machine::verdict(m, &own);
    if let Verdict::Machine(s) = &verdict
        && s.kind == MachineKind::Own
    {
        return Decision::Ignore(IgnoreReason::Machine(s.clone()));
    }
    if known.duplicate
        && let Some(id) = &m.message_id
    {
        return Decision::Ignore(IgnoreReason::Duplicate {
            message_id: id.clone(),
        });
    }
    // the portal is a machine too: its form mails may carry Auto-Submitted or a noreply sender
    if m.from
        .as_ref()
        .is_some_and(|f| config.is_portal_sender(&f.email))
    {
        // anyone can write the portal's From line: where the desk trusts its server's
        // Authentication-Results, a form counts only with a pass for the portal's domain
        if let Some(Err(why)) = &known.portal_proof {
            return Decision::Ignore(IgnoreReason::UnprovenPortal { why: why.clone() });
        }
        return match portal::parse_form(&m.body, &config.portal.fields) {
            // the desk, its queue and its agents are never requesters: a ticket for them
            // would mail the desk itself, and a loop could start there
            Ok(form) if is_desk_side(config, &form.email) => {
                Decision::Ignore(IgnoreReason::DeskAsRequester {
                    address: form.email,
                })
            }
            Ok(form) => Decision::NewTicket(form),
            Err(problem) => Decision::Ignore(IgnoreReason::PortalForm(problem)),
        };
    }
    // then machine mail: a bounce quoting a ticket's subject must not count as a reply
    let doubt = match verdict {
        Verdict::Machine(signal) => return Decision::Ignore(IgnoreReason::Machine(signal)),
        Verdict::Doubt(signal) => Some(signal),
        Verdict::Person => None,
    };
    let Some(from) = m
        .from
        .as_ref()
        .filter(|f| crate::model::valid_address(&f.email))
    else {
        return Decision::Ignore(IgnoreReason::NoSender);
    };
    if let Some((ticket, requester)) = &known.ticket {
        let author = if from.is(requester) {
            Author::Requester
        } else if config.is_agent(&from.email) {
            Author::Agent
        } else {
            Author::Other
        };
        if author == Author::Agent {
            return match &known.agent_proof {
                // the same words again on the same ticket: an autoresponder answering our
                // notice, not an agent; passing it on would start a loop with the requester's
                Some(Ok(())) if known.agent_repeats => {
                    Decision::Handoff(HandoffReason::AgentRepeats {
                        ticket: ticket.clone(),
                    })
                }
                Some(Ok(())) => Decision::AgentCommand {
                    ticket: ticket.clone(),
                    // quoted history first: a bottom-posted reply has its commands below it
                    parsed: command::parse(&quote::strip(&m.body)),
                },
                Some(Err(why)) => Decision::Ignore(IgnoreReason::UnprovenAgent {
                    ticket: ticket.clone(),
                    why: why.clone(),
                }),
                None => Decision::Ignore(IgnoreReason::UnprovenAgent {
                    ticket: ticket.clone(),
                    why: Unproven::NoToken,
                }),
            };
        }
        return Decision::TicketReply {
            ticket: ticket.clone(),
            author,
            quiet: None,
        };
    }
    if config.is_agent(&from.email) {
        return Decision::Ignore(IgnoreReason::AgentWithoutTicket);
    }
    // a person may be behind these, so an agent looks; the rate limit is for portal links
    if let Some(method) = &m.calendar_method {
        return Decision::Handoff(HandoffReason::Calendar {
            method: method.clone(),
        });
    }
    if let Some(signal) = doubt {
        return Decision::Handoff(HandoffReason::Doubt(signal));
    }
    if let Some(last) = known.recent_portal_reply {
        return Decision::Ignore(IgnoreReason::RateLimited { last });
    }
    Decision::PortalReply {
        form: portal::choose_form(m, &config.portal),
    }
}

/// The desk's own address, its queue and its agents: never requesters (any `+tag`, case
/// or trailing dot, as the limits count addresses).
fn is_desk_side(config: &Config, email: &str) -> bool {
    let address = limits::folded(email);
    std::iter::once(&config.desk.address)
        .chain(std::iter::once(&config.agents.queue))
        .chain(&config.agents.addresses)
        .any(|a| limits::folded(a) == address)
}

#[cfg(test)]
mod tests;
