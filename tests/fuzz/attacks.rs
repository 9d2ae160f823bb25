//! The targeted mutations: text that tries to become a header, a recipient or markup once
//! decoded, in the places it reaches (From, Subject, body), and the shapes that reach the
//! ticket, agent and portal paths.

use crate::pipeline::signed_address;
use crate::rawmail::{base64, header_end, set_header};
use crate::rng::Rng;
use crate::seeds::Seed;

/// What an injected line break would add if it got through.
const EVIL_LINE: &str = "Bcc: evil@example.net";
const SCRIPT: &str = "<script>alert(1)</script>";

pub fn evil_from(rng: &mut Rng, raw: Vec<u8>, _: &[Seed]) -> Vec<u8> {
    let name = evil_text(rng);
    let address = *rng.pick(&[
        "eve@example.com",
        "eve+tag@example.com",
        "\"eve x\"@example.com",
        "eve@xn--exmple-cua.com",
        "evé@example.com",
        "eve@example.com, evil@example.net",
        "",
        // ourselves, in other spellings: never a portal link, never a loop
        "SERVICEDESK+SD-1042@Example.org",
        "agents@example.org",
        "Anna+x@example.org",
    ]);
    let value = match rng.below(4) {
        0 => format!("{name} <{address}>"),
        1 => format!("\"{name}\" <{address}>"),
        2 => format!("{address} ({name})"),
        _ => format!("{name} {address}"),
    };
    set_header(rng, raw, "From", value.as_bytes())
}

pub fn evil_subject(rng: &mut Rng, raw: Vec<u8>, _: &[Seed]) -> Vec<u8> {
    let mut subject = evil_text(rng);
    if rng.percent(30) {
        subject = format!("Re: [SD-1042] {subject}");
    }
    set_header(rng, raw, "Subject", subject.as_bytes())
}

pub fn evil_body(rng: &mut Rng, mut raw: Vec<u8>, _: &[Seed]) -> Vec<u8> {
    let text = format!(
        "{}\r\n{SCRIPT} & <b>bold</b> \"quoted\" 'single' <img src=x onerror=alert(2)>\r\n",
        evil_text(rng)
    );
    let at = if rng.percent(50) {
        raw.len()
    } else {
        header_end(&raw)
    };
    raw.splice(at..at, text.into_bytes());
    raw
}

/// Make the mail name ticket SD-1042 (subject tag, plus-address, or threading header), so the
/// known-ticket path is reached.
pub fn ticket_tag(rng: &mut Rng, raw: Vec<u8>, _: &[Seed]) -> Vec<u8> {
    match rng.below(3) {
        0 => {
            let subject = format!("Re: [SD-1042] {}", evil_text(rng));
            set_header(rng, raw, "Subject", subject.as_bytes())
        }
        1 => set_header(
            rng,
            raw,
            "To",
            b"Servicedesk <servicedesk+SD-1042@example.org>",
        ),
        _ => set_header(
            rng,
            raw,
            "In-Reply-To",
            b"<sd-1042.1.2.3@deskmail.example.org>",
        ),
    }
}

pub fn agent_sender(rng: &mut Rng, raw: Vec<u8>, _: &[Seed]) -> Vec<u8> {
    let value = format!("{} <anna@example.org>", evil_text(rng));
    set_header(rng, raw, "From", value.as_bytes())
}

/// A proven agent's reply on SD-1042 (signed reply address, as our mails to agents carry):
/// command lines, some broken, then text for the requester that tries to escape.
pub fn agent_reply(rng: &mut Rng, raw: Vec<u8>, _: &[Seed]) -> Vec<u8> {
    let name = evil_text(rng);
    let raw = set_header(
        rng,
        raw,
        "From",
        format!("{name} <anna@example.org>").as_bytes(),
    );
    let to = format!("Servicedesk <{}>", signed_address());
    let raw = set_header(rng, raw, "To", to.as_bytes());
    let subject = format!("Re: [SD-1042] {}", evil_text(rng));
    let mut out = set_header(rng, raw, "Subject", subject.as_bytes());
    out.truncate(header_end(&out));
    out.extend_from_slice(b"\r\n");
    for _ in 0..rng.range(0, 3) {
        let line = *rng.pick(AGENT_LINES);
        out.extend_from_slice(format!("{line}\r\n").as_bytes());
    }
    let text = format!(
        "\r\n{}\r\n{SCRIPT} & \"quoted\"\r\n\r\n-- \r\nAnna\r\n> quoted {}\r\n",
        evil_text(rng),
        evil_text(rng)
    );
    out.extend_from_slice(text.as_bytes());
    out
}

const AGENT_LINES: &[&str] = &[
    "#status resolved",
    "#resolve",
    "#status waiting-customer <script>alert(1)</script>",
    "#wacht-klant =?utf-8?b?RXZlDQpCY2M6IGV2aWxAZXhhbXBsZS5uZXQ=?=",
    "#internal",
    "#help",
    "#hulp",
    "#target 2026-12-04",
    "#next 31-12-2026",
    "#assign me",
    "#assign evil@example.net",
    "#interal",
    "#status <b>nonsense</b>",
    "#target 2026-13-45",
];

/// A portal form mail with hostile field values (the form's name and subject reach headers).
pub fn portal_form(rng: &mut Rng, raw: Vec<u8>, _: &[Seed]) -> Vec<u8> {
    let raw = set_header(rng, raw, "From", b"Portal <portal@example.org>");
    let end = header_end(&raw);
    let mut out = raw[..end].to_vec();
    if out.ends_with(b"\r\n") || out.ends_with(b"\n") || out.is_empty() {
        out.extend_from_slice(b"\r\n");
    } else {
        out.extend_from_slice(b"\r\n\r\n");
    }
    let email = *rng.pick(&[
        "jan@example.com",
        "<jan@example.com>",
        "jan+x@example.com",
        "jän@exämple.com",
        "jan@example",
        "\"jan\"@example.com",
        "jan@@example.com",
    ]);
    let priority = *rng.pick(&["hoog", "low", "Critical", "kritiek", "asap", ""]);
    let fields = [
        format!("Naam: {}", evil_text(rng)),
        format!("E-mail: {email}"),
        format!("Categorie: {}", evil_text(rng)),
        format!("Prioriteit: {priority}"),
        format!("Onderwerp: {}", evil_text(rng)),
        format!("Omschrijving: {}\r\n{SCRIPT}\r\nmore", evil_text(rng)),
    ];
    for f in fields {
        if rng.percent(95) {
            out.extend_from_slice(f.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}

/// Text that tries to become a header, a recipient or markup once decoded.
fn evil_text(rng: &mut Rng) -> String {
    let crlf_bcc = format!("Eve\r\n{EVIL_LINE}");
    let encoded = format!("=?utf-8?b?{}?=", base64(crlf_bcc.as_bytes()));
    match rng.below(17) {
        0 => encoded,
        // decodes to an encoded-word: harmless once, not if anything decodes it again
        16 => format!("=?utf-8?b?{}?=", base64(encoded.as_bytes())),
        1 => "=?utf-8?q?Eve=0D=0ABcc:_evil@example.net?=".into(),
        2 => "=?UTF-8?Q?Eve=0ABcc=3A_evil=40example.net?=".into(),
        3 => "=?iso-8859-1?q?Eve=0D=0ABcc:_evil@example.net?=".into(),
        // the break split over two encoded words, which decoders join
        4 => format!(
            "=?utf-8?b?{}?= =?utf-8?b?{}?=",
            base64(b"Eve\r"),
            base64(format!("\n{EVIL_LINE}").as_bytes())
        ),
        5 => "=?utf-8?q?a=0D?= =?utf-8?q?=0ABcc:_evil@example.net?=".into(),
        6 => crlf_bcc,
        7 => format!("Eve\r{EVIL_LINE}"),
        8 => format!("Eve\u{2028}{EVIL_LINE}\u{85}To: evil@example.net"),
        9 => format!("Eve\0{EVIL_LINE}"),
        10 => format!(
            "=?utf-8?b?{}?=",
            base64(format!("Eve\r\n\r\n{SCRIPT}").as_bytes())
        ),
        11 => SCRIPT.into(),
        12 => "=?utf-8?q?=3Cscript=3Ealert(1)=3C/script=3E?=".into(),
        13 => "\"><img src=x onerror=alert(1)> & </p><p>".into(),
        14 => format!("=?utf-8?b?{}?=", base64(format!("{SCRIPT}\"'&").as_bytes())),
        _ => "Jan =?utf-8?q?de_Vri=C3=ABs?= =?x-bogus?b?////?= =?utf-8?b?not base64?=".into(),
    }
}
