//! One input through the path every inbound mail takes, as `src/daemon/ingest.rs` minus the
//! store: parse, hints, classify under each thing the store could know, compose what the
//! decision sends (`outgoing`), check each mail (`checks`).

use crate::checks::check_raw;
use crate::common;
use crate::html::HtmlAllowed;
use crate::report::Problem;
use crate::rng::Rng;
use crate::worker::Verdict;
use deskmail::agent::proof;
use deskmail::agent::token::{self, TokenKey};
use deskmail::classify::{self, Decision, IgnoreReason, Known, MachineKind, TicketHint};
use deskmail::compose::{self, MailKind, Outgoing, Templates};
use deskmail::config::Config;
use deskmail::model::{Inbound, TicketRef};
use deskmail::parse::{self, ParseError};
use std::path::Path;

/// Lower than the default, so the fuzzer meets the "too large" outcome too.
pub const MAX_MESSAGE_BYTES: usize = 1_000_000;
/// The secret the fuzz desk signs agents' reply addresses with (the daemon keeps its own).
const TOKEN_SECRET: &[u8] = b"deskmail fuzz signing secret";

/// What the daemon holds while it works: the checked config and the loaded templates, plus
/// what the checks compare against.
pub struct Pipeline {
    pub config: Config,
    pub templates: Templates,
    pub key: TokenKey,
    html: HtmlAllowed,
    pub now: chrono::DateTime<chrono::Utc>,
}

/// What one input did, for the summary.
#[derive(Default)]
pub struct Report {
    pub parse_error: Option<&'static str>,
    pub decisions: Vec<&'static str>,
    pub mails: Vec<&'static str>,
    pub refused: Vec<&'static str>,
    /// The largest mail composed, the size of the input it answered, and its kind.
    pub largest: (usize, usize, &'static str),
}

impl Pipeline {
    pub fn new() -> Pipeline {
        let text = common::BASE_CONFIG.replace(
            "path = \"inbox\"",
            &format!("path = \"inbox\"\nmax_message_bytes = {MAX_MESSAGE_BYTES}"),
        );
        let config = Config::from_toml(&text, Path::new("fuzz.toml"), Path::new("/tmp"))
            .expect("the fuzz config (tests/common BASE_CONFIG) is valid");
        assert_eq!(
            config.inbound.max_message_bytes, MAX_MESSAGE_BYTES,
            "BASE_CONFIG changed: set the fuzz desk's [inbound] max_message_bytes another way"
        );
        let templates =
            Templates::load(config.templates.path.as_deref()).expect("the built-in templates load");
        Pipeline {
            config,
            templates,
            key: TokenKey::new(TOKEN_SECRET),
            html: HtmlAllowed::from_templates(),
            now: "2026-11-23T09:00:00Z".parse().expect("a fixed time"),
        }
    }

    /// The daemon's sequence (src/daemon/ingest.rs) minus the store: parse, hints, classify
    /// under each thing the store could know, compose what the decision sends, check each mail.
    pub fn run(&self, raw: &[u8], choices: u64) -> Verdict {
        let mut report = Report::default();
        let m = match parse::parse(raw, self.config.inbound.max_message_bytes) {
            Ok(m) => m,
            Err(e) => {
                if e.to_string().trim().is_empty() {
                    return Err(Problem::new(
                        "parse error without a reason",
                        format!("{e:?}"),
                    ));
                }
                report.parse_error = Some(match e {
                    ParseError::Empty => "empty",
                    ParseError::NotAMessage => "not a message",
                    ParseError::TooLarge { .. } => "too large",
                });
                return Ok(report);
            }
        };
        let hints = classify::ticket_hints(&m, &self.config);
        let mut rng = Rng::new(choices);
        for known in self.knowns(&m, &hints, &mut rng) {
            let decision = classify::classify(&m, &known, &self.config);
            if decision.reason().trim().is_empty() {
                return Err(Problem::new(
                    "decision without a reason",
                    format!("{decision:?}"),
                ));
            }
            report.decisions.push(decision.name());
            for (mail, expected_to) in self.compose(&m, &known, &decision, &mut rng)? {
                match self.check_mail(&m, &mail, &expected_to)? {
                    Some(size) => {
                        report.mails.push(mail.kind.as_str());
                        let this = (size, raw.len(), mail.kind.as_str());
                        report.largest = report.largest.max(this);
                    }
                    None => report.refused.push(mail.kind.as_str()),
                }
            }
        }
        Ok(report)
    }

    /// What the store may know: nothing, a recent portal reply, a copy seen before, and — when
    /// the mail names one — a ticket.
    fn knowns(&self, m: &Inbound, hints: &[TicketHint], rng: &mut Rng) -> Vec<Known> {
        let mut knowns = vec![
            Known::default(),
            Known {
                recent_portal_reply: Some(self.now - chrono::Duration::hours(2)),
                ..Known::default()
            },
        ];
        if m.message_id.is_some() {
            knowns.push(Known {
                duplicate: true,
                ..Known::default()
            });
        }
        if let Some(hint) = hints.first() {
            let reference = match hint {
                TicketHint::Reference(r) => r.clone(),
                TicketHint::MessageId(_) => TicketRef::new("SD-", 1042),
            };
            // the sender is the requester, or someone else; an agent is not their own requester
            let sender = m.from.as_ref().map(|f| f.email.clone());
            let requester = match sender {
                Some(s) if !self.config.is_agent(&s) && rng.percent(50) => s,
                _ => "jan@example.com".to_string(),
            };
            knowns.push(Known {
                agent_proof: self.agent_proof(m, &reference),
                ticket: Some((reference, requester)),
                ..Known::default()
            });
        }
        knowns
    }

    /// As `known` in daemon/decide.rs: only a mail from an agent's address about a ticket is checked.
    fn agent_proof(
        &self,
        m: &Inbound,
        reference: &TicketRef,
    ) -> Option<Result<(), proof::Unproven>> {
        let c = &self.config;
        m.from.as_ref().filter(|f| c.is_agent(&f.email))?;
        Some(proof::check(
            m,
            reference,
            &self.key,
            &c.desk.address,
            &c.tickets.ref_prefix,
            c.agents.authserv_id.as_deref(),
        ))
    }

    /// Serialises one mail as `enqueue` does and checks it from the outside, as a receiving
    /// MUA would read it; returns its size. `Ok(None)`: a requester's address the mail library
    /// refuses (the daemon records that instead of sending; a defined outcome).
    fn check_mail(
        &self,
        m: &Inbound,
        mail: &Outgoing,
        expected_to: &str,
    ) -> Result<Option<usize>, Problem> {
        let kind = mail.kind.as_str();
        let in_kind = |p: Problem| Problem {
            check: format!("{kind} mail: {}", p.check),
            detail: format!("{} (inbound subject {:?})", p.detail, m.subject),
        };
        let to: Vec<&str> = mail.to.iter().map(|a| a.email.as_str()).collect();
        if to != [expected_to] {
            let detail = format!("addressed to {to:?}, not [{expected_to:?}]");
            return Err(in_kind(Problem::new("wrong recipient", detail)));
        }
        if mail.kind == MailKind::PortalReply && self.is_ours(expected_to) {
            let detail = format!("{expected_to:?} is an agent, the portal or the desk");
            return Err(in_kind(Problem::new("portal link to ourselves", detail)));
        }
        let raw = match compose::to_bytes(mail, &self.config, self.now) {
            Ok(raw) => raw,
            Err(_) if to_requester(mail.kind) => return Ok(None),
            Err(e) => return Err(in_kind(Problem::new("not serialised", e.to_string()))),
        };
        check_raw(
            &raw,
            mail,
            expected_to,
            &self.config.desk.address,
            &self.html,
        )
        .map_err(in_kind)?;
        self.check_comes_back_ignored(&raw).map_err(in_kind)?;
        Ok(Some(raw.len()))
    }

    /// Our mail in our own inbox (a forward, a misrouted copy, an agent's Cc) must be known as
    /// ours and never answered: no loops.
    fn check_comes_back_ignored(&self, raw: &[u8]) -> Result<(), Problem> {
        let back = match parse::parse(raw, self.config.inbound.max_message_bytes) {
            Ok(back) => back,
            // quarantined unread: not answered either
            Err(ParseError::TooLarge { .. }) => return Ok(()),
            Err(e) => return Err(Problem::new("our mail does not parse", e.to_string())),
        };
        match classify::classify(&back, &Known::default(), &self.config) {
            Decision::Ignore(IgnoreReason::Machine(s)) if s.kind == MachineKind::Own => Ok(()),
            other => Err(Problem::new(
                "our own mail, read back, is not ignored as ours",
                other.reason(),
            )),
        }
    }

    fn is_ours(&self, address: &str) -> bool {
        let c = &self.config;
        c.is_agent(address)
            || c.is_portal_sender(address)
            || c.own_addresses()
                .iter()
                .any(|a| a.eq_ignore_ascii_case(&deskmail::model::base_address(address)))
    }
}

/// The reply address our mails to agents carry for SD-1042.
pub fn signed_address() -> String {
    let key = TokenKey::new(TOKEN_SECRET);
    token::reply_address(
        "servicedesk@example.org",
        &TicketRef::new("SD-", 1042),
        &key,
    )
}

fn to_requester(kind: MailKind) -> bool {
    matches!(
        kind,
        MailKind::PortalReply
            | MailKind::Confirmation
            | MailKind::Progress(_)
            | MailKind::AgentAnswer
    )
}
