//! Plain domain values shared by the pure core and the edges: what a parsed mail looks like,
//! what a ticket is, and the small vocabularies (priority, status, language) that travel
//! between config, store, templates and the CLI. No I/O here.

mod event;
pub use event::EventKind;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// One mailbox from an address header. `email` is kept as written; compare with
/// [`Address::is`] which ignores case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Address {
    pub name: Option<String>,
    pub email: String,
}

impl Address {
    pub fn new(name: Option<&str>, email: &str) -> Self {
        Address {
            name: name.map(str::to_string).filter(|n| !n.trim().is_empty()),
            email: email.trim().to_string(),
        }
    }

    /// Case-insensitive comparison of the address part, ignoring a `+tag`.
    pub fn is(&self, other: &str) -> bool {
        base_address(&self.email).eq_ignore_ascii_case(&base_address(other))
    }

    pub fn local_part(&self) -> &str {
        self.email
            .rsplit_once('@')
            .map_or(self.email.as_str(), |(l, _)| l)
    }

    pub fn domain(&self) -> &str {
        self.email.rsplit_once('@').map_or("", |(_, d)| d)
    }

    /// First name for a personal greeting: the first word of the display name, unless the
    /// name looks like "Last, First" or is just the address again.
    pub fn first_name(&self) -> Option<String> {
        let name = self.name.as_deref()?.trim().trim_matches('"').trim();
        if name.is_empty() || name.contains('@') {
            return None;
        }
        let first = match name.split_once(',') {
            Some((_, rest)) if !rest.trim().is_empty() => rest.split_whitespace().next(),
            _ => name.split_whitespace().next(),
        }?;
        let clean: String = first
            .chars()
            .filter(|c| c.is_alphabetic() || *c == '-' || *c == '\'')
            .collect();
        (!clean.is_empty()).then_some(clean)
    }
}

/// `user+tag@example.org` → `user@example.org`.
pub fn base_address(email: &str) -> String {
    match email.trim().rsplit_once('@') {
        Some((local, domain)) => {
            let local = local.split_once('+').map_or(local, |(l, _)| l);
            format!("{local}@{domain}")
        }
        None => email.trim().to_string(),
    }
}

/// The one address rule, for every address deskmail takes in to write to later (a portal form's
/// requester, a sender it answers, the config's addresses, an agent's `#assign`) and for every
/// address it writes to: what lettre, which sends the mail, parses, so an address accepted now
/// is never refused when the mail goes out. On top, a plain local part (no quoted string such
/// as `"jan de vries"@example.org`: deskmail splits, folds and plus-tags addresses as plain
/// words) and a domain name, not an `[address literal]`. A domain without a dot is a local host
/// name: unusual, but real mail comes from such addresses and lettre sends to them.
pub fn mail_address(email: &str) -> Result<lettre::Address, String> {
    let address: lettre::Address = email
        .parse()
        .map_err(|e: lettre::address::AddressError| e.to_string())?;
    if address.user().starts_with('"') {
        return Err("a quoted local part".into());
    }
    if address.domain().starts_with('[') {
        return Err("an address literal instead of a domain".into());
    }
    Ok(address)
}

/// Whether `email` passes [`mail_address`].
pub fn valid_address(email: &str) -> bool {
    mail_address(email).is_ok()
}

/// An attachment as the requester sent it: enough for an agent to know what is there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    pub name: String,
    pub content_type: String,
    pub size: usize,
}

/// A parsed inbound mail: everything classification and composition need, nothing more.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Inbound {
    /// Message-ID without angle brackets.
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    pub from: Option<Address>,
    /// `Return-Path` as given; `Some("")` for the null sender `<>`.
    pub return_path: Option<String>,
    pub reply_to: Option<Address>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub subject: String,
    pub date: Option<DateTime<Utc>>,
    /// Plain text body (HTML-only mail converted to text), without attachments.
    pub body: String,
    /// Every header, name lower-cased, value unfolded and trimmed (raw, not decoded).
    pub headers: Vec<(String, String)>,
    /// Top-level MIME type, lower-cased, e.g. `multipart/report`.
    pub content_type: String,
    /// `report-type` parameter of a multipart/report, lower-cased.
    pub report_type: Option<String>,
    /// MIME types of all parts, lower-cased (e.g. `message/delivery-status`).
    pub part_types: Vec<String>,
    pub attachments: Vec<Attachment>,
    /// iTIP method of a calendar part (`request`, `cancel`, `reply`, …), lower-cased: an
    /// invitation or its answer, which a portal link does not answer.
    pub calendar_method: Option<String>,
    /// Images in the HTML that nobody can see (1×1 or hidden): bulk senders' open tracking.
    pub tracking_images: usize,
    /// Size of the raw message in bytes.
    pub size: usize,
}

impl Inbound {
    /// First value of a header (name is matched case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn has_header(&self, name: &str) -> bool {
        self.header(name).is_some()
    }

    /// What makes two copies of one mail the same mail: its sender and its text. A Message-ID
    /// alone is chosen by whoever sends, so an outsider (or a list that rewrote the mail) can
    /// send a different mail under someone else's id first; only a copy from the same sender
    /// with the same text counts as a copy. Whitespace is folded: a relay may rewrap lines.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let sender = self
            .from
            .as_ref()
            .map(|f| f.email.to_lowercase())
            .unwrap_or_default();
        let text: Vec<&str> = self.body.split_whitespace().collect();
        let digest = Sha256::new()
            .chain_update(sender.as_bytes())
            .chain_update([0u8])
            .chain_update(self.subject.trim().as_bytes())
            .chain_update([0u8])
            .chain_update(text.join(" ").as_bytes())
            .finalize();
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Every message id this mail refers to, newest first (In-Reply-To, then References
    /// from the end).
    pub fn referenced_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self.in_reply_to.iter().map(String::as_str).collect();
        ids.extend(self.references.iter().rev().map(String::as_str));
        ids.dedup();
        ids
    }
}

/// Language of a requester's mail and of our templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Nl,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Nl, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
        }
    }
}

impl FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "nl" | "nl-nl" | "nl-be" | "dutch" | "nederlands" => Ok(Lang::Nl),
            "en" | "en-gb" | "en-us" | "english" | "engels" => Ok(Lang::En),
            other => Err(format!("unknown language {other:?} (use \"nl\" or \"en\")")),
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.code())
    }
}

/// Ticket priority as the portal form gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Low,
    Normal,
    High,
    Critical,
}

impl Priority {
    pub const ALL: [Priority; 4] = [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Critical => "critical",
        }
    }
}

impl FromStr for Priority {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_lowercase().as_str() {
            "low" | "laag" => Ok(Priority::Low),
            "normal" | "medium" | "normaal" | "gemiddeld" => Ok(Priority::Normal),
            "high" | "hoog" => Ok(Priority::High),
            "critical" | "urgent" | "kritiek" | "kritisch" => Ok(Priority::Critical),
            other => Err(format!(
                "unknown priority {other:?} (use low, normal, high or critical; laag, normaal, hoog or kritiek)"
            )),
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// Where a ticket stands. The JSON and database spelling is the contract of `tickets list --json`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Open,
    WaitingCustomer,
    WaitingThirdParty,
    Resolved,
    Closed,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Open,
        Status::WaitingCustomer,
        Status::WaitingThirdParty,
        Status::Resolved,
        Status::Closed,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::WaitingCustomer => "waiting_customer",
            Status::WaitingThirdParty => "waiting_third_party",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
        }
    }

    /// Resolved and closed tickets get no more progress mails.
    pub fn is_done(&self) -> bool {
        matches!(self, Status::Resolved | Status::Closed)
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_lowercase().replace('-', "_").as_str() {
            "open" => Ok(Status::Open),
            "waiting_customer" => Ok(Status::WaitingCustomer),
            "waiting_third_party" => Ok(Status::WaitingThirdParty),
            "resolved" => Ok(Status::Resolved),
            "closed" => Ok(Status::Closed),
            other => Err(format!("unknown status {other:?}")),
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A ticket's human reference, e.g. `SD-1042`: prefix plus number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct TicketRef(pub String);

impl TicketRef {
    pub fn new(prefix: &str, number: i64) -> Self {
        TicketRef(format!("{prefix}{number}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `SD-1042` (any case; `prefix` is the config's `tickets.ref_prefix`) → the reference;
    /// anything else, also absurdly long numbers, → None.
    pub fn parse(word: &str, prefix: &str) -> Option<TicketRef> {
        let head = word.get(..prefix.len())?;
        let digits = word.get(prefix.len()..)?;
        if head.eq_ignore_ascii_case(prefix)
            && !digits.is_empty()
            && digits.len() <= 12
            && digits.bytes().all(|b| b.is_ascii_digit())
        {
            Some(TicketRef::new(prefix, digits.parse().ok()?))
        } else {
            None
        }
    }
}

impl fmt::Display for TicketRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

/// A ticket as the store keeps it and the scheduler and templates read it.
#[derive(Debug, Clone, Serialize)]
pub struct Ticket {
    pub id: i64,
    #[serde(rename = "ref")]
    pub reference: TicketRef,
    pub requester: String,
    pub requester_name: Option<String>,
    pub lang: Lang,
    pub subject: String,
    pub description: String,
    pub category: String,
    pub priority: Priority,
    pub status: Status,
    /// What we are waiting for, in words, when the status is a waiting one.
    pub waiting_reason: Option<String>,
    pub assignee: Option<String>,
    pub created: DateTime<Utc>,
    pub target: DateTime<Utc>,
    /// The date by which the requester hears from us next (desk time zone): what the next
    /// mail to them will name, and what the scheduler keeps.
    pub next_contact: Option<NaiveDate>,
    /// The date the requester was last told they hear from us by (the last mail to them that
    /// named one); None when nothing is promised (a new or resolved ticket). A promise once
    /// mailed is kept even when `next_contact` moves later without a word to the requester.
    pub promised: Option<NaiveDate>,
    /// Whether the "target date is near" mail went out.
    pub near_sent: bool,
    /// Whether the "target date has passed" mail went out.
    pub overdue_sent: bool,
    /// Message-ID of our first mail to the requester: later mails thread under it.
    pub requester_thread: Option<String>,
    /// Message-ID of our first mail to the agents about this ticket.
    pub agent_thread: Option<String>,
}

/// An open ticket for unit tests elsewhere in the crate: change what the test is about.
#[cfg(test)]
impl Ticket {
    pub(crate) fn for_test(id: i64, created: DateTime<Utc>, target: DateTime<Utc>) -> Ticket {
        Ticket {
            id,
            reference: TicketRef::new("SD-", 999 + id),
            requester: "jan@example.com".into(),
            requester_name: None,
            lang: Lang::Nl,
            subject: "Printer".into(),
            description: String::new(),
            category: "printer".into(),
            priority: Priority::Normal,
            status: Status::Open,
            waiting_reason: None,
            assignee: None,
            created,
            target,
            next_contact: None,
            promised: None,
            near_sent: false,
            overdue_sent: false,
            requester_thread: None,
            agent_thread: None,
        }
    }
}

/// Addresses on which the old rules (the portal's, the config check's, `#assign`'s and lettre's
/// at sending) disagreed, with the one rule's verdict.
#[cfg(test)]
pub(crate) const ADDRESS_CASES: &[(&str, bool)] = &[
    ("jan@example.org", true),
    ("Jan.de-Vries+it@Example.ORG", true),
    ("o'brien@example.org", true),
    ("zoë@exämple.org", true),
    // portal, config and #assign took these; sending refused them
    ("jan..x@example.org", false),
    ("jan.@example.org", false),
    (".jan@example.org", false),
    ("jan@-example.org", false),
    ("jan@example.org.", false),
    ("jan@example..org", false),
    // the portal and sending took a bare host name; config and #assign did not
    ("jan@localhost", true),
    // config and sending took an address literal; the portal and #assign did not
    ("jan@[192.168.1.1]", false),
    // sending took a quoted local part; nothing else did
    ("\"jan de vries\"@example.org", false),
    ("\"jan\"@example.org", false),
    // nobody took these
    ("jan", false),
    ("@example.org", false),
    ("jan@@example.org", false),
    ("jan@exa mple.org", false),
    ("jan,piet@example.org", false),
];

#[cfg(test)]
mod address_tests {
    use super::*;

    #[test]
    fn one_rule_for_every_address() {
        for (email, valid) in ADDRESS_CASES {
            assert_eq!(valid_address(email), *valid, "{email}");
            // the rule never takes what lettre, which sends, refuses
            if *valid {
                assert!(email.parse::<lettre::Address>().is_ok(), "{email}");
            }
        }
        assert_eq!(
            mail_address("jan@[192.168.1.1]"),
            Err("an address literal instead of a domain".into())
        );
    }
}
