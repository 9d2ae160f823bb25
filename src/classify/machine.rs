//! Loop safety: decides whether an inbound mail was sent by a machine (bounce, auto-reply,
//! list traffic, other automated mail, or our own mail coming back) and so must never be
//! answered. Header markers (RFC 3834, RFC 3464, RFC 2369, vendor practice) decide first;
//! subjects and body text count only in layouts that no person writes. Evidence that a
//! person could also produce is weighed in `weak`; where it is not enough to ignore a mail
//! but too much to answer it, the verdict is [`Verdict::Doubt`] and a person at the desk
//! decides. Sibling modules: `strong` (header markers, robot senders, machine subjects),
//! `bulk` (bulk-mail services, loop headers, reports), `weak` (weighed evidence), `senders`
//! (who sent it: mail systems, shops, server accounts, scripts), `words` and
//! `responder_words` (word lists in many languages).

mod bulk;
mod responder_words;
mod senders;
mod strong;
#[cfg(test)]
mod tests;
mod weak;
mod words;

use crate::model::Inbound;
use strong::{
    any_report, auto_submitted, automated_sender, automated_subject_tag, autoreply_headers,
    autoreply_subject, bounce_headers, bounce_subject, complaint_feed, list_headers, machine_body,
    null_sender, own_mail, precedence, report_structure, returned_original, vendor_markers,
};
// siblings reach these through `super::`
use strong::{desk_is_the_list, is_noreply};

/// Why a mail is machine mail and must never be answered.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum MachineKind {
    Bounce,
    AutoReply,
    List,
    OtherAuto,
    /// Our own mail came back (a forwarding loop or misrouting): worth its own log line.
    Own,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineSignal {
    pub kind: MachineKind,
    /// Short human text naming the marker, e.g. `Auto-Submitted: auto-replied`.
    pub evidence: String,
}

/// Our own identity, so our own mails are recognised.
pub struct OwnIdentity<'a> {
    pub addresses: &'a [String],
    pub message_id_domain: &'a str,
    pub loop_header: &'a str,
}

/// What every rule looks at, prepared once.
struct Mail<'a> {
    m: &'a Inbound,
    own: &'a OwnIdentity<'a>,
    /// Lower-cased, whitespace collapsed, `" :"` → `":"` (French typography), full-width
    /// colon → `":"` (Chinese and Japanese responders).
    subject: String,
}

type Rule = fn(&Mail) -> Option<MachineSignal>;

/// Strongest evidence first. Bounces often also carry `Auto-Submitted: auto-replied` and
/// `Precedence: bulk`, and auto-replies a null Return-Path, so the specific markers must
/// win over the generic ones.
const RULES: &[Rule] = &[
    own_mail,
    report_structure,
    bounce_headers,
    bounce_subject,
    any_report,
    returned_original,
    vendor_markers,
    auto_submitted,
    autoreply_headers,
    autoreply_subject,
    automated_subject_tag,
    list_headers,
    precedence,
    null_sender,
    automated_sender,
    complaint_feed,
    machine_body,
    // after the rules above, so that their kinds win for the mails they know
    bulk::esp_headers,
    bulk::bulk_mailer,
    bulk::dmarc_tls_report,
    bulk::loop_headers,
    bulk::google_group,
    bulk::challenge_vendor,
    weak::bounce_from_mail_system,
    weak::lotus_auto,
    weak::ooo_subject_and_text,
    bulk::noreply_reply_to,
    bulk::cron,
];

/// What the evidence says about who sent a mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Surely a machine: never answered.
    Machine(MachineSignal),
    /// Some machine evidence, too little to ignore the mail and too much to answer it: a
    /// person at the desk looks (a missed person still reaches a human, a machine gets no
    /// answer).
    Doubt(MachineSignal),
    /// No machine evidence worth mentioning.
    Person,
}

/// Strong evidence first; then the weak clues, weighed together.
pub fn verdict(m: &Inbound, own: &OwnIdentity) -> Verdict {
    let mail = prepare(m, own);
    if let Some(s) = RULES.iter().find_map(|rule| rule(&mail)) {
        return Verdict::Machine(s);
    }
    match weak::weigh(&mail) {
        Some((s, true)) => Verdict::Machine(s),
        Some((s, false)) => Verdict::Doubt(s),
        None => Verdict::Person,
    }
}

fn prepare<'a>(m: &'a Inbound, own: &'a OwnIdentity<'a>) -> Mail<'a> {
    Mail {
        m,
        own,
        subject: normalize_subject(&m.subject),
    }
}

/// The strongest machine signal, or `None` for mail a person wrote. Mail without any From
/// gets a signal only if it carries a marker; the caller decides about the missing sender.
pub fn machine_signal(m: &Inbound, own: &OwnIdentity) -> Option<MachineSignal> {
    machine_signals(m, own).into_iter().next()
}

/// Every rule that fires, strongest first: for logs and for tuning the rules.
pub fn machine_signals(m: &Inbound, own: &OwnIdentity) -> Vec<MachineSignal> {
    let mail = prepare(m, own);
    RULES.iter().filter_map(|rule| rule(&mail)).collect()
}

fn normalize_subject(subject: &str) -> String {
    subject
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('\u{FF1A}', ":")
        .replace(" :", ":")
        .to_lowercase()
}

fn signal(kind: MachineKind, evidence: impl Into<String>) -> Option<MachineSignal> {
    Some(MachineSignal {
        kind,
        evidence: evidence.into(),
    })
}

/// Header value, lower-cased and trimmed, for token comparisons.
fn header_lc(m: &Inbound, name: &str) -> Option<String> {
    m.header(name).map(|v| v.trim().to_ascii_lowercase())
}

/// `<a@b>` / `a@b (comment)` → `a@b`, lower-cased.
fn bare_address(value: &str) -> String {
    let inner = match value.split_once('<') {
        Some((_, rest)) => rest.split('>').next().unwrap_or_default(),
        None => value.split_whitespace().next().unwrap_or_default(),
    };
    let inner = inner.trim().to_ascii_lowercase();
    inner.trim_start_matches("mailto:").to_string()
}

/// Local part with separators dropped: `Mailer_Daemon` → `mailerdaemon`.
fn compact_local(local: &str) -> String {
    local
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase()
}
