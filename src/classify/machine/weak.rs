//! Evidence that a person could also produce: subject words (out of office, delivery failure,
//! "your order"), newsletter footers, tracking images, role and mail-system senders, script
//! mailers, automatic forwarding, challenge-response wording. Each clue belongs to a family;
//! clues of different families add up (a weak clue 2, a supporting one 1). Three or more is
//! machine mail; exactly two is doubt, which goes to a person at the desk (`handoff`) rather
//! than getting a portal link; less is nothing. So one newsletter footer on a personal mail is
//! looked at by an agent, and "Your order" from `orders@shop` with a tracking image is ignored.
//!
//! The few combinations that no person writes (a delivery-failure subject from the mail
//! system, Lotus Notes' "AUTO: … is out of the office", an out-of-office subject over an
//! out-of-office text) are strong rules here too, registered with the others in `RULES`.

use super::senders::{
    auto_forwarded, mail_system_sender, role_sender, script_mailer, service_account,
};
use super::words::{
    BOUNCE_SUBJECT_WORDS, CHALLENGE, NO_REPLY_TEXT, OOO_BODY_PHRASES, OOO_SUBJECT_WORDS,
    TRANSACTIONAL_SUBJECT, UNSUBSCRIBE, VIEW_IN_BROWSER, WHY_RECEIVING,
};
use super::{MachineKind, MachineSignal, Mail, signal};

/// How much a clue is worth: a weak clue alone hands the mail to a person, a supporting one
/// counts only beside another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Weight {
    Weak = 2,
    Support = 1,
}

/// Where a clue comes from: two clues of one family are one piece of evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    OutOfOfficeSubject,
    OutOfOfficeText,
    BounceSubject,
    MailSystemSender,
    ViewInBrowser,
    Unsubscribe,
    WhyReceiving,
    NoReplyText,
    TrackingImage,
    Transactional,
    RoleSender,
    Challenge,
    ScriptMailer,
    AutoForwarded,
    Relay,
    ServiceAccount,
    NoOwnWords,
}

struct Clue {
    family: Family,
    weight: Weight,
    kind: MachineKind,
    evidence: String,
}

/// Sum of the clues (one per family) at which a mail counts as machine mail.
const MACHINE_SCORE: u8 = 3;
/// Sum at which a person at the desk should look instead of the bot answering.
const DOUBT_SCORE: u8 = 2;

/// What the weak evidence says: `Some((signal, true))` is machine mail, `Some((signal,
/// false))` doubt, `None` nothing worth mentioning.
pub(super) fn weigh(mail: &Mail) -> Option<(MachineSignal, bool)> {
    let mut clues: Vec<Clue> = Vec::new();
    for clue in clues_of(mail) {
        if !clues.iter().any(|c| c.family == clue.family) {
            clues.push(clue);
        }
    }
    let score: u8 = clues.iter().map(|c| c.weight as u8).sum();
    if score < DOUBT_SCORE {
        return None;
    }
    clues.sort_by_key(|c| std::cmp::Reverse(c.weight as u8));
    let kind = clues.first()?.kind.clone();
    let evidence = clues
        .iter()
        .map(|c| c.evidence.as_str())
        .collect::<Vec<_>>()
        .join(" + ");
    Some((MachineSignal { kind, evidence }, score >= MACHINE_SCORE))
}

fn clues_of(mail: &Mail) -> Vec<Clue> {
    let clue = |family, weight, kind, evidence: String| Clue {
        family,
        weight,
        kind,
        evidence,
    };
    let mut out = Vec::new();
    let s = mail.subject.as_str();
    let forward = is_reply_or_forward(s);
    if !forward {
        if let Some(w) = find(s, OOO_SUBJECT_WORDS) {
            // "Fuera de la oficina: <original subject>" is a responder's prefix
            let weight = if s.starts_with(w) && s[w.len()..].trim_start().starts_with(':') {
                Weight::Weak
            } else {
                Weight::Support
            };
            out.push(clue(
                Family::OutOfOfficeSubject,
                weight,
                MachineKind::AutoReply,
                format!("out-of-office subject ({w})"),
            ));
        }
        if let Some(w) = find(s, BOUNCE_SUBJECT_WORDS) {
            out.push(clue(
                Family::BounceSubject,
                Weight::Support,
                MachineKind::Bounce,
                format!("delivery-report subject ({w})"),
            ));
        }
        if let Some(w) = find(s, TRANSACTIONAL_SUBJECT) {
            out.push(clue(
                Family::Transactional,
                Weight::Support,
                MachineKind::OtherAuto,
                format!("notification subject ({w})"),
            ));
        }
        if mail.m.tracking_images > 0 {
            out.push(clue(
                Family::TrackingImage,
                Weight::Weak,
                MachineKind::OtherAuto,
                "invisible tracking image".into(),
            ));
        }
    }
    if let Some(w) = find(s, CHALLENGE) {
        out.push(clue(
            Family::Challenge,
            Weight::Weak,
            MachineKind::OtherAuto,
            format!("challenge-response subject ({w})"),
        ));
    }
    let own = own_text(mail);
    let opening = lower_prefix(&own, 600);
    if let Some(w) = find(&opening, OOO_BODY_PHRASES) {
        out.push(clue(
            Family::OutOfOfficeText,
            Weight::Weak,
            MachineKind::AutoReply,
            format!("out-of-office text ({w})"),
        ));
    }
    if let Some(w) = find(&lower_prefix(&own, 2000), CHALLENGE) {
        out.push(clue(
            Family::Challenge,
            Weight::Weak,
            MachineKind::OtherAuto,
            format!("challenge-response text ({w})"),
        ));
    }
    // footers of bulk mail often stand below a signature delimiter ("-- "): that part is
    // still the sender's, unlike a quoted or forwarded mail
    let sender = sender_text(mail);
    let whole = collapse(&sender);
    let tail = lower_suffix(&sender, 2500);
    let footers = [
        (
            Family::ViewInBrowser,
            VIEW_IN_BROWSER,
            &whole,
            "view-in-browser line",
        ),
        (
            Family::Unsubscribe,
            UNSUBSCRIBE,
            &tail,
            "unsubscribe footer",
        ),
        (
            Family::WhyReceiving,
            WHY_RECEIVING,
            &whole,
            "why-you-get-this line",
        ),
        (
            Family::NoReplyText,
            NO_REPLY_TEXT,
            &whole,
            "do-not-reply line",
        ),
    ];
    for (family, words, text, what) in footers {
        if let Some(w) = find(text, words) {
            out.push(clue(
                family,
                Weight::Weak,
                MachineKind::OtherAuto,
                format!("{what} ({w})"),
            ));
        }
    }
    if let Some(who) = mail_system_sender(mail) {
        out.push(clue(
            Family::MailSystemSender,
            Weight::Support,
            MachineKind::Bounce,
            format!("mail-system sender {who}"),
        ));
    } else if let Some(who) = service_account(mail) {
        out.push(clue(
            Family::ServiceAccount,
            Weight::Weak,
            MachineKind::OtherAuto,
            format!("server account {who}"),
        ));
    } else if let Some(who) = role_sender(mail) {
        out.push(clue(
            Family::RoleSender,
            Weight::Support,
            MachineKind::OtherAuto,
            format!("role sender {who}"),
        ));
    }
    // a scheduled report: an attached file and not a word about it
    if own.trim().is_empty() && !mail.m.attachments.is_empty() {
        out.push(clue(
            Family::NoOwnWords,
            Weight::Support,
            MachineKind::OtherAuto,
            "attachments without a word of text".into(),
        ));
    }
    if let Some(tool) = script_mailer(mail) {
        out.push(clue(
            Family::ScriptMailer,
            Weight::Weak,
            MachineKind::OtherAuto,
            format!("script mailer ({tool})"),
        ));
    }
    if let Some(what) = super::bulk::relay(mail) {
        out.push(clue(
            Family::Relay,
            Weight::Weak,
            MachineKind::OtherAuto,
            format!("bulk-mail relay ({what})"),
        ));
    }
    if let Some(rp) = auto_forwarded(mail) {
        out.push(clue(
            Family::AutoForwarded,
            Weight::Support,
            MachineKind::OtherAuto,
            format!("forwarded automatically (Return-Path {rp})"),
        ));
    }
    out
}

fn find<'w>(text: &str, words: &[&'w str]) -> Option<&'w str> {
    words.iter().find(|w| text.contains(*w)).copied()
}

/// A person's reply or forward may quote a newsletter or a responder below their own words.
fn is_reply_or_forward(subject: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "re:",
        "aw:",
        "sv:",
        "vs:",
        "antw:",
        "odp:",
        "ynt:",
        "fwd:",
        "fw:",
        "wg:",
        "tr:",
        "rv:",
        "enc:",
        "i:",
        "vb:",
        "doorgestuurd:",
        "[fwd:",
    ];
    PREFIXES.iter().any(|p| subject.starts_with(p))
}

/// The sender's own words, without a quoted or forwarded mail below them (also when the
/// subject does not say so: Outlook's "From: … Sent: …" block); the whole body if that
/// leaves nothing.
fn own_text(mail: &Mail) -> String {
    let own = crate::quote::strip(&mail.m.body);
    if own.trim().is_empty() {
        mail.m.body.clone()
    } else {
        own
    }
}

/// Like `own_text`, but with the signature block kept.
fn sender_text(mail: &Mail) -> String {
    let body: String = mail
        .m
        .body
        .split('\n')
        .map(|l| if l.trim() == "--" { "" } else { l })
        .collect::<Vec<_>>()
        .join("\n");
    let own = crate::quote::strip(&body);
    if own.trim().is_empty() {
        mail.m.body.clone()
    } else {
        own
    }
}

fn lower_prefix(text: &str, chars: usize) -> String {
    collapse(&text.chars().take(chars).collect::<String>())
}

fn lower_suffix(text: &str, chars: usize) -> String {
    let count = text.chars().count();
    collapse(
        &text
            .chars()
            .skip(count.saturating_sub(chars))
            .collect::<String>(),
    )
}

fn collapse(text: &str) -> String {
    crate::text::fold_whitespace(text).to_lowercase()
}

/// Lotus Notes and Domino: "AUTO: Jan Jansen is out of the office (returning 12/08/2024)".
pub(super) fn lotus_auto(mail: &Mail) -> Option<MachineSignal> {
    let rest = mail.subject.strip_prefix("auto:")?;
    let states = [
        "is out",
        "returning",
        "zurück",
        "retour",
        "absent",
        "abwesend",
    ];
    let hit = find(rest, OOO_SUBJECT_WORDS).is_some() || states.iter().any(|w| rest.contains(w));
    hit.then(|| {
        signal(
            MachineKind::AutoReply,
            format!("subject \"{}\" (Lotus Notes responder)", mail.m.subject),
        )
    })?
}

/// An out-of-office subject over a text that opens like a responder's.
pub(super) fn ooo_subject_and_text(mail: &Mail) -> Option<MachineSignal> {
    if is_reply_or_forward(&mail.subject) {
        return None;
    }
    let word = find(&mail.subject, OOO_SUBJECT_WORDS)?;
    let phrase = find(&lower_prefix(&mail.m.body, 600), OOO_BODY_PHRASES)?;
    signal(
        MachineKind::AutoReply,
        format!("out-of-office subject ({word}) and text ({phrase})"),
    )
}

/// A delivery-failure subject from a mail system, gateway or virus scanner (or from nobody).
pub(super) fn bounce_from_mail_system(mail: &Mail) -> Option<MachineSignal> {
    if is_reply_or_forward(&mail.subject) {
        return None;
    }
    let word = find(&mail.subject, BOUNCE_SUBJECT_WORDS)?;
    let who = match mail.m.from.as_ref() {
        None => "no sender".to_string(),
        Some(_) => mail_system_sender(mail).or_else(|| service_account(mail))?,
    };
    signal(
        MachineKind::Bounce,
        format!("delivery-report subject ({word}) from {who}"),
    )
}
