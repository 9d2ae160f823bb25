//! Loop safety: decides whether an inbound mail was sent by a machine (bounce, auto-reply,
//! list traffic, other automated mail, or our own mail coming back) and so must never be
//! answered. Header markers (RFC 3834, RFC 3464, RFC 2369, vendor practice) decide first;
//! subjects and body text count only in layouts that no person writes. Evidence that a
//! person could also produce is weighed in `weak`; where it is not enough to ignore a mail
//! but too much to answer it, the verdict is [`Verdict::Doubt`] and a person at the desk
//! decides. Sibling modules: `words` (word lists in many languages), `bulk` (bulk-mail
//! services, loop headers, reports), `weak` (weighed evidence).

mod bulk;
#[cfg(test)]
mod tests;
mod weak;
mod words;

use crate::model::Inbound;
use words::{AUTOREPLY_PREFIXES, BODY_OPENINGS, BOUNCE_SUBJECTS, WEAK_AUTOREPLY_PREFIXES};

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

fn own_mail(mail: &Mail) -> Option<MachineSignal> {
    let (m, own) = (mail.m, mail.own);
    let from_us = m
        .from
        .as_ref()
        .is_some_and(|f| own.addresses.iter().any(|a| f.is(a)));
    let domain = own.message_id_domain;
    let our_id = !domain.is_empty()
        && m.message_id.as_deref().is_some_and(|id| {
            id.rsplit_once('@')
                .is_some_and(|(_, d)| d.eq_ignore_ascii_case(domain))
        });
    let looped = !own.loop_header.is_empty() && m.has_header(own.loop_header);
    if from_us || our_id || looped {
        return signal(MachineKind::Own, "our own mail");
    }
    None
}

/// RFC 6522 reports and their machine-readable parts (top level only: a person
/// forwarding a bounce as an attachment is still a person).
fn report_structure(mail: &Mail) -> Option<MachineSignal> {
    let m = mail.m;
    let part_signal = m.part_types.iter().find_map(|t| match t.as_str() {
        "message/delivery-status" | "message/global-delivery-status" => {
            signal(MachineKind::Bounce, format!("{t} part"))
        }
        "message/disposition-notification"
        | "message/global-disposition-notification"
        | "message/feedback-report" => signal(MachineKind::OtherAuto, format!("{t} part")),
        _ => None,
    });
    if part_signal.is_some() || m.content_type != "multipart/report" {
        return part_signal;
    }
    let rt = m.report_type.as_deref()?;
    let kind = match rt {
        "delivery-status" | "global-delivery-status" => MachineKind::Bounce,
        "disposition-notification" | "feedback-report" | "tlsrpt" => MachineKind::OtherAuto,
        _ => return None,
    };
    signal(kind, format!("multipart/report; report-type={rt}"))
}

/// A report of a type we do not know (or with none): surely a machine, but the sender
/// and subject rules above may know better which kind.
fn any_report(mail: &Mail) -> Option<MachineSignal> {
    let m = mail.m;
    if m.content_type != "multipart/report" {
        return None;
    }
    let rt = m.report_type.as_deref().unwrap_or("(none)");
    signal(
        MachineKind::OtherAuto,
        format!("multipart/report; report-type={rt}"),
    )
}

fn bounce_headers(mail: &Mail) -> Option<MachineSignal> {
    let m = mail.m;
    if m.has_header("x-failed-recipients") {
        return signal(MachineKind::Bounce, "X-Failed-Recipients");
    }
    if m.has_header("x-ms-exchange-message-is-ndr") {
        return signal(MachineKind::Bounce, "X-MS-Exchange-Message-Is-Ndr");
    }
    daemon_sender(m).and_then(|who| signal(MachineKind::Bounce, format!("From {who}")))
}

const DAEMON_LOCALS: &[&str] = &["mailerdaemon", "maildaemon", "postmaster"];

/// Delivery agents' sender names. The raw header is read too, because an unqualified
/// `From: MAILER-DAEMON` yields no parsed address.
fn daemon_sender(m: &Inbound) -> Option<String> {
    const NAMES: &[&str] = &[
        "mail delivery subsystem",
        "mail delivery system",
        "mail delivery service",
        "mailer-daemon",
        "mailer_daemon",
    ];
    if let Some(from) = &m.from
        && DAEMON_LOCALS.contains(&compact_local(from.local_part()).as_str())
    {
        return Some(from.email.clone());
    }
    let raw = m.header("from")?;
    let lower = raw.to_lowercase();
    let bare_daemon =
        m.from.is_none() && DAEMON_LOCALS.contains(&compact_local(&bare_address(raw)).as_str());
    NAMES
        .iter()
        .find(|n| lower.contains(*n))
        .map(|n| n.to_string())
        .or_else(|| bare_daemon.then(|| raw.to_string()))
}

/// Exim's delay warning: "Warning: message 1abc-00 delayed 24 hours".
fn is_delay_warning(subject: &str) -> bool {
    subject
        .strip_prefix("warning: message ")
        .is_some_and(|rest| rest.contains(" delayed ") && rest.ends_with(" hours"))
}

fn bounce_subject(mail: &Mail) -> Option<MachineSignal> {
    let s = mail.subject.as_str();
    let hit = BOUNCE_SUBJECTS.iter().any(|p| s.starts_with(p))
        || s == "failure notice"
        || s == "undeliverable message"
        || is_delay_warning(s);
    hit.then(|| {
        signal(
            MachineKind::Bounce,
            format!("subject \"{}\"", mail.m.subject),
        )
    })?
}

/// Vendor headers that name the kind outright (Apple, CommuniGate, FirstClass, Mailtraq,
/// qmail, Amazon, the Unix vacation program).
fn vendor_markers(mail: &Mail) -> Option<MachineSignal> {
    let m = mail.m;
    let has = |name: &str, needle: &str| header_lc(m, name).is_some_and(|v| v.contains(needle));
    let autoreply = [
        ("x-apple-action", "vacation", "X-Apple-Action: VACATION"),
        ("x-autogenerated", "reply", "X-AutoGenerated: Reply"),
        (
            "x-post-messageclass",
            "autoresponder",
            "X-POST-MessageClass: Autoresponder",
        ),
        (
            "delivered-to",
            "autoresponder",
            "Delivered-To: Autoresponder",
        ),
        ("x-amazon-auto-reply", "", "X-Amazon-Auto-Reply"),
        ("x-mailer", "vacation", "X-Mailer: vacation"),
    ];
    if let Some((_, _, evidence)) = autoreply.iter().find(|(h, n, _)| has(h, n)) {
        return signal(MachineKind::AutoReply, *evidence);
    }
    let other = [
        (
            "x-apple-unsubscribe",
            "",
            "X-Apple-Unsubscribe (Mail's automatic unsubscribe)",
        ),
        ("x-autogenerated", "", "X-AutoGenerated"),
        (
            "x-fc-machinegenerated",
            "true",
            "X-FC-MachineGenerated: true",
        ),
    ];
    let (_, _, evidence) = other.iter().find(|(h, n, _)| has(h, n))?;
    signal(MachineKind::OtherAuto, *evidence)
}

/// RFC 3834: any value but `no` is automatic.
fn auto_submitted(mail: &Mail) -> Option<MachineSignal> {
    let value = header_lc(mail.m, "auto-submitted")?;
    let token = value
        .split([';', '('])
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    let kind = match token.as_str() {
        "no" | "" => return None,
        "auto-replied" => MachineKind::AutoReply,
        _ if token.contains("vacation") => MachineKind::AutoReply,
        _ => MachineKind::OtherAuto,
    };
    signal(kind, format!("Auto-Submitted: {token}"))
}

/// De-facto auto-responder headers. `X-Auto-Response-Suppress` alone is not among them:
/// Outlook and Exchange put it on ordinary person-written mail too (helpdesk vendors that
/// filtered on it lost real requests), so it only counts together with the inbox-rule
/// loop marker that Exchange adds to out-of-office replies.
fn autoreply_headers(mail: &Mail) -> Option<MachineSignal> {
    const MARKERS: &[(&str, &str)] = &[
        ("x-autoreply", "X-Autoreply"),
        ("x-autorespond", "X-Autorespond"),
        ("x-autoresponder", "X-Autoresponder"),
        ("x-autoresponse", "X-Autoresponse"),
        ("x-autoreply-from", "X-AutoReply-From"),
        ("x-mail-autoreply", "X-Mail-Autoreply"),
        ("x-vacation", "X-Vacation"),
    ];
    let m = mail.m;
    let negative = |v: &str| matches!(v, "no" | "false" | "0");
    if let Some((_, name)) = MARKERS
        .iter()
        .find(|(h, _)| header_lc(m, h).is_some_and(|v| !negative(&v)))
    {
        return signal(MachineKind::AutoReply, *name);
    }
    if suppresses_replies(m) && m.has_header("x-ms-exchange-inbox-rules-loop") {
        return signal(
            MachineKind::AutoReply,
            "X-Auto-Response-Suppress with X-MS-Exchange-Inbox-Rules-Loop",
        );
    }
    None
}

fn suppresses_replies(m: &Inbound) -> bool {
    header_lc(m, "x-auto-response-suppress")
        .is_some_and(|v| ["all", "oof", "autoreply"].iter().any(|k| v.contains(k)))
}

fn autoreply_subject(mail: &Mail) -> Option<MachineSignal> {
    let s = mail.subject.as_str();
    let strong = AUTOREPLY_PREFIXES.iter().any(|p| s.starts_with(p));
    let weak = WEAK_AUTOREPLY_PREFIXES.iter().any(|p| s.starts_with(p));
    if strong || (weak && autoreply_backing(mail.m)) {
        return signal(
            MachineKind::AutoReply,
            format!("subject \"{}\"", mail.m.subject),
        );
    }
    None
}

/// Header hints too weak alone but typical of responders (RFC 3834 §3.3 null sender).
fn autoreply_backing(m: &Inbound) -> bool {
    let bulk = |name| {
        header_lc(m, name).is_some_and(|p| matches!(p.as_str(), "bulk" | "junk" | "auto_reply"))
    };
    m.return_path.as_deref() == Some("")
        || suppresses_replies(m)
        || m.has_header("x-ms-exchange-inbox-rules-loop")
        || bulk("precedence")
        || bulk("x-precedence")
}

const LIST_HEADERS: &[(&str, &str)] = &[
    ("list-id", "List-Id"),
    ("list-unsubscribe", "List-Unsubscribe"),
    ("list-post", "List-Post"),
    ("list-help", "List-Help"),
    ("list-subscribe", "List-Subscribe"),
    ("list-owner", "List-Owner"),
    ("list-archive", "List-Archive"),
    ("mailing-list", "Mailing-List"),
    ("x-mailman-version", "X-Mailman-Version"),
    ("x-beenthere", "X-BeenThere"),
    ("x-ml-name", "X-ML-Name"),
    ("x-mailing-list", "X-Mailing-List"),
    ("x-mlserver", "X-MLServer"),
    ("x-ml-info", "X-ML-Info"),
    ("x-list-administrivia", "X-List-Administrivia"),
];

fn list_headers(mail: &Mail) -> Option<MachineSignal> {
    if desk_is_the_list(mail) {
        return None;
    }
    let (_, name) = LIST_HEADERS.iter().find(|(h, _)| mail.m.has_header(h))?;
    signal(MachineKind::List, format!("{name} header"))
}

/// A desk address run as a group (Google Groups, Mailman alias) stamps list headers on
/// every request people send to it; that list is us, not third-party traffic.
fn desk_is_the_list(mail: &Mail) -> bool {
    let m = mail.m;
    let post = m.header("list-post").map(bare_address).unwrap_or_default();
    let id = m.header("list-id").map(bare_address).unwrap_or_default();
    mail.own.addresses.iter().any(|a| {
        let a = a.trim().to_ascii_lowercase();
        !a.is_empty() && (post == a || id == a.replace('@', "."))
    })
}

fn precedence(mail: &Mail) -> Option<MachineSignal> {
    let (name, value) = ["precedence", "x-precedence"]
        .iter()
        .find_map(|h| header_lc(mail.m, h).map(|v| (*h, v)))?;
    let kind = match value.as_str() {
        "list" if desk_is_the_list(mail) => return None,
        "list" => MachineKind::List,
        "bulk" | "junk" => MachineKind::OtherAuto,
        "auto_reply" | "auto-reply" => MachineKind::AutoReply,
        _ => return None,
    };
    let label = if name == "precedence" {
        "Precedence"
    } else {
        "X-Precedence"
    };
    signal(kind, format!("{label}: {value}"))
}

/// RFC 5321 null reverse-path (or a daemon as envelope sender): only delivery reports
/// use it, besides responders, which the rules above already caught.
fn null_sender(mail: &Mail) -> Option<MachineSignal> {
    let rp = mail.m.return_path.as_deref()?;
    if rp.is_empty() {
        return signal(MachineKind::OtherAuto, "Return-Path: <>");
    }
    let local = rp.rsplit_once('@').map_or(rp, |(l, _)| l);
    DAEMON_LOCALS
        .contains(&compact_local(local).as_str())
        .then(|| signal(MachineKind::Bounce, format!("Return-Path: <{rp}>")))?
}

/// A robot (no-reply, a mailer daemon, the null sender) sending back an attached message: a
/// delivery report in a provider's own format (KDDI and others word it in the body only).
fn returned_original(mail: &Mail) -> Option<MachineSignal> {
    let attached = mail
        .m
        .part_types
        .iter()
        .any(|t| t == "message/rfc822" || t == "text/rfc822-headers");
    let robot = mail.m.return_path.as_deref() == Some("")
        || mail.m.from.as_ref().is_some_and(|f| {
            let local = f.local_part().to_ascii_lowercase();
            is_noreply(&local) || DAEMON_LOCALS.contains(&compact_local(&local).as_str())
        });
    (attached && robot).then(|| {
        signal(
            MachineKind::Bounce,
            "a robot sender returning an attached message",
        )
    })?
}

fn automated_sender(mail: &Mail) -> Option<MachineSignal> {
    let from = mail.m.from.as_ref()?;
    let local = from.local_part().to_ascii_lowercase();
    (is_noreply(&local) || is_list_robot(&local))
        .then(|| signal(MachineKind::OtherAuto, format!("From {}", from.email)))?
}

fn is_noreply(local: &str) -> bool {
    const EXACT: &[&str] = &[
        "bounce",
        "bounces",
        "notification",
        "notifications",
        "notify",
        "mailer",
        "daemon",
        "autoreply",
        "auto-reply",
    ];
    let base = local.split('+').next().unwrap_or_default();
    let compact = compact_local(base);
    compact.contains("noreply")
        || compact.contains("donotreply")
        || compact.contains("dontreply")
        || EXACT.contains(&base)
        || base.starts_with("bounce-")
        || base.starts_with("bounces-")
}

/// RFC 2142 and list-manager conventions: `owner-list`, `list-owner`, `list-request`,
/// `list+owner`, `listserv`, `majordomo` are robots (or route to one), never requesters.
fn is_list_robot(local: &str) -> bool {
    const ROBOTS: &[&str] = &[
        "listserv",
        "majordomo",
        "mailman",
        "sympa",
        "ezmlm",
        "mlmmj",
    ];
    ROBOTS.contains(&local)
        || local.starts_with("owner-")
        || ["-owner", "+owner", "-request", "+request", "-bounces"]
            .iter()
            .any(|s| local.ends_with(s))
        || local.contains("+bounces")
}

/// Hotmail/Outlook.com JMRP complaints: fixed subject with the sending IP, the offending
/// mail attached, no text of their own.
fn complaint_feed(mail: &Mail) -> Option<MachineSignal> {
    let rest = mail.subject.strip_prefix("complaint about message from ")?;
    let ip_like = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_hexdigit() || matches!(c, '.' | ':' | 'x'));
    ip_like.then(|| {
        signal(
            MachineKind::OtherAuto,
            format!("subject \"{}\"", mail.m.subject),
        )
    })?
}

fn machine_body(mail: &Mail) -> Option<MachineSignal> {
    let opening = body_opening(&mail.m.body);
    let (text, kind) = BODY_OPENINGS.iter().find(|(p, _)| opening.starts_with(p))?;
    signal(kind.clone(), format!("body starts \"{text}\""))
}

/// First ~300 chars of the body, lower-cased, whitespace collapsed.
fn body_opening(body: &str) -> String {
    let head: String = body.chars().take(300).collect();
    head.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}
