//! The strong rules: markers that no person's mail program writes (RFC 3834, RFC 3464,
//! RFC 2369, vendor practice), robot senders, and subjects and report openings in the exact
//! form machines write them. One is enough to ignore a mail; `RULES` in the parent lists
//! them strongest first.

use super::words::{
    AUTOMATED_SUBJECT_TAGS, AUTOREPLY_PREFIXES, BODY_OPENINGS, BOUNCE_SUBJECTS,
    WEAK_AUTOREPLY_PREFIXES,
};
use super::{MachineKind, MachineSignal, Mail, bare_address, compact_local, header_lc, signal};
use crate::model::Inbound;

pub(super) fn own_mail(mail: &Mail) -> Option<MachineSignal> {
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
pub(super) fn report_structure(mail: &Mail) -> Option<MachineSignal> {
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
pub(super) fn any_report(mail: &Mail) -> Option<MachineSignal> {
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

pub(super) fn bounce_headers(mail: &Mail) -> Option<MachineSignal> {
    let m = mail.m;
    if m.has_header("x-failed-recipients") {
        return signal(MachineKind::Bounce, "X-Failed-Recipients");
    }
    if m.has_header("x-ms-exchange-message-is-ndr") {
        return signal(MachineKind::Bounce, "X-MS-Exchange-Message-Is-Ndr");
    }
    daemon_sender(m).and_then(|who| signal(MachineKind::Bounce, format!("From {who}")))
}

pub(super) const DAEMON_LOCALS: &[&str] = &["mailerdaemon", "maildaemon", "postmaster"];

/// Delivery agents' sender names. The raw header is read too, because an unqualified
/// `From: MAILER-DAEMON` yields no parsed address.
pub(super) fn daemon_sender(m: &Inbound) -> Option<String> {
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
pub(super) fn is_delay_warning(subject: &str) -> bool {
    subject
        .strip_prefix("warning: message ")
        .is_some_and(|rest| rest.contains(" delayed ") && rest.ends_with(" hours"))
}

pub(super) fn bounce_subject(mail: &Mail) -> Option<MachineSignal> {
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
pub(super) fn vendor_markers(mail: &Mail) -> Option<MachineSignal> {
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

/// RFC 3834: any value but `no` is automatic. Except on a meeting invitation or its answer:
/// calendar software (Google Calendar, CalDAV servers' iMIP) stamps `auto-generated` on the
/// invitations it sends in the organizer's name, and a person behind those gets a look from
/// the agents (the calendar handoff); a no-reply or list sender still makes it machine mail.
pub(super) fn auto_submitted(mail: &Mail) -> Option<MachineSignal> {
    let value = header_lc(mail.m, "auto-submitted")?;
    let token = value
        .split([';', '('])
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    let kind = match token.as_str() {
        "no" | "" => return None,
        "auto-generated" if is_itip(mail.m) => return None,
        "auto-replied" => MachineKind::AutoReply,
        _ if token.contains("vacation") => MachineKind::AutoReply,
        _ => MachineKind::OtherAuto,
    };
    signal(kind, format!("Auto-Submitted: {token}"))
}

/// A calendar part with an iTIP method that asks or answers a person (not PUBLISH, which
/// event shops and newsletters use, and not a bare .ics file, which reports attach).
fn is_itip(m: &Inbound) -> bool {
    m.calendar_method
        .as_deref()
        .is_some_and(|method| !method.is_empty() && method != "publish")
}

/// De-facto auto-responder headers. `X-Auto-Response-Suppress` alone is not among them:
/// Outlook and Exchange put it on ordinary person-written mail too (helpdesk vendors that
/// filtered on it lost real requests), so it only counts together with the inbox-rule
/// loop marker that Exchange adds to out-of-office replies.
pub(super) fn autoreply_headers(mail: &Mail) -> Option<MachineSignal> {
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

pub(super) fn suppresses_replies(m: &Inbound) -> bool {
    header_lc(m, "x-auto-response-suppress")
        .is_some_and(|v| ["all", "oof", "autoreply"].iter().any(|k| v.contains(k)))
}

pub(super) fn autoreply_subject(mail: &Mail) -> Option<MachineSignal> {
    let s = mail.subject.as_str();
    let strong = AUTOREPLY_PREFIXES
        .iter()
        .any(|p| s.starts_with(p) || is_bracketed_tag(s, p));
    let weak = WEAK_AUTOREPLY_PREFIXES.iter().any(|p| s.starts_with(p));
    if strong || (weak && autoreply_backing(mail.m)) {
        return signal(
            MachineKind::AutoReply,
            format!("subject \"{}\"", mail.m.subject),
        );
    }
    None
}

/// Responders that put their prefix in brackets instead of before a colon:
/// "[Automatyczna odpowiedź] test", "[Auto-Reply] Printer".
fn is_bracketed_tag(subject: &str, prefix: &str) -> bool {
    let word = prefix.trim_end_matches(':');
    subject
        .strip_prefix('[')
        .and_then(|rest| rest.strip_prefix(word))
        .is_some_and(|rest| rest.starts_with(']'))
}

/// Tags automated senders put before a subject ("[AUTO GENERATED] Nightly report"); a
/// person's own subject never opens with one, a person's reply or forward opens with "Re:".
pub(super) fn automated_subject_tag(mail: &Mail) -> Option<MachineSignal> {
    let tag = AUTOMATED_SUBJECT_TAGS
        .iter()
        .find(|t| mail.subject.starts_with(*t))?;
    signal(MachineKind::OtherAuto, format!("subject tag {tag}"))
}

/// Header hints too weak alone but typical of responders (RFC 3834 §3.3 null sender).
pub(super) fn autoreply_backing(m: &Inbound) -> bool {
    let bulk = |name| {
        header_lc(m, name).is_some_and(|p| matches!(p.as_str(), "bulk" | "junk" | "auto_reply"))
    };
    m.return_path.as_deref() == Some("")
        || suppresses_replies(m)
        || m.has_header("x-ms-exchange-inbox-rules-loop")
        || bulk("precedence")
        || bulk("x-precedence")
}

pub(super) const LIST_HEADERS: &[(&str, &str)] = &[
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

pub(super) fn list_headers(mail: &Mail) -> Option<MachineSignal> {
    if desk_is_the_list(mail) {
        return None;
    }
    let (_, name) = LIST_HEADERS.iter().find(|(h, _)| mail.m.has_header(h))?;
    signal(MachineKind::List, format!("{name} header"))
}

/// A desk address run as a group (Google Groups, Mailman alias) stamps list headers on
/// every request people send to it; that list is us, not third-party traffic.
pub(super) fn desk_is_the_list(mail: &Mail) -> bool {
    let m = mail.m;
    let post = m.header("list-post").map(bare_address).unwrap_or_default();
    let id = m.header("list-id").map(bare_address).unwrap_or_default();
    mail.own.addresses.iter().any(|a| {
        let a = a.trim().to_ascii_lowercase();
        !a.is_empty() && (post == a || id == a.replace('@', "."))
    })
}

pub(super) fn precedence(mail: &Mail) -> Option<MachineSignal> {
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
pub(super) fn null_sender(mail: &Mail) -> Option<MachineSignal> {
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
pub(super) fn returned_original(mail: &Mail) -> Option<MachineSignal> {
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

pub(super) fn automated_sender(mail: &Mail) -> Option<MachineSignal> {
    let from = mail.m.from.as_ref()?;
    let local = from.local_part().to_ascii_lowercase();
    (is_noreply(&local) || is_list_robot(&local))
        .then(|| signal(MachineKind::OtherAuto, format!("From {}", from.email)))?
}

pub(super) fn is_noreply(local: &str) -> bool {
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
        || is_daemon_name(base)
}

/// Unix names a program's account `<program>-daemon` (`bugzilla-daemon`, `gitlab_daemon`):
/// the account of a service, never of a person.
fn is_daemon_name(base: &str) -> bool {
    ["-daemon", "_daemon", ".daemon"]
        .iter()
        .any(|s| base.len() > s.len() && base.ends_with(s))
}

/// RFC 2142 and list-manager conventions: `owner-list`, `list-owner`, `list-request`,
/// `list+owner`, `listserv`, `majordomo` are robots (or route to one), never requesters.
pub(super) fn is_list_robot(local: &str) -> bool {
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
pub(super) fn complaint_feed(mail: &Mail) -> Option<MachineSignal> {
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

pub(super) fn machine_body(mail: &Mail) -> Option<MachineSignal> {
    let opening = body_opening(&mail.m.body);
    let (text, kind) = BODY_OPENINGS.iter().find(|(p, _)| opening.starts_with(p))?;
    signal(kind.clone(), format!("body starts \"{text}\""))
}

/// First ~300 chars of the body, lower-cased, whitespace collapsed.
pub(super) fn body_opening(body: &str) -> String {
    let head: String = body.chars().take(300).collect();
    crate::text::fold_whitespace(&head).to_lowercase()
}
