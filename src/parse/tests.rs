//! Unit tests of parsing, with small inline mails: headers, addresses, parts, bodies, limits and
//! broken framing.

use super::*;
use crate::model::Attachment;

const LIMIT: usize = 1024 * 1024;

fn parse_ok(raw: &str) -> Inbound {
    parse(raw.as_bytes(), LIMIT).unwrap()
}

#[test]
fn a_bare_address_without_brackets_is_found() {
    let m = parse_ok("From: Big Bug bb@bug.com\r\nSubject: x\r\n\r\nbody\r\n");
    let from = m.from.expect("from");
    assert_eq!(
        (from.email.as_str(), from.name.as_deref()),
        ("bb@bug.com", Some("Big Bug"))
    );
}

#[test]
fn plain_mail() {
    let m = parse_ok(
        "Return-Path: <jan@example.org>\r\n\
         From: \"Jan de Vries\" <jan@example.org>\r\n\
         To: helpdesk@desk.example, Group: a@example.org, b@example.org;\r\n\
         Cc: Piet <piet@example.org>\r\n\
         Subject: Printer\r\n  doet het niet\r\n\
         Date: Tue, 04 Mar 2025 10:15:00 +0100\r\n\
         Message-ID: <abc@example.org>\r\n\
         In-Reply-To: <x1@example.org>\r\n\
         References: <x0@example.org> <x1@example.org>\r\n\
         \r\n\
         Hallo,\r\n\r\n\r\n\r\nDe printer is stuk.  \r\n",
    );
    assert_eq!(m.message_id.as_deref(), Some("abc@example.org"));
    assert_eq!(m.in_reply_to, vec!["x1@example.org"]);
    assert_eq!(m.references, vec!["x0@example.org", "x1@example.org"]);
    let from = m.from.as_ref().unwrap();
    assert_eq!(from.email, "jan@example.org");
    assert_eq!(from.name.as_deref(), Some("Jan de Vries"));
    assert_eq!(m.return_path.as_deref(), Some("jan@example.org"));
    let to: Vec<_> = m.to.iter().map(|a| a.email.as_str()).collect();
    assert_eq!(
        to,
        ["helpdesk@desk.example", "a@example.org", "b@example.org"]
    );
    assert_eq!(m.cc[0].email, "piet@example.org");
    assert_eq!(m.subject, "Printer doet het niet");
    assert_eq!(m.date.unwrap().to_rfc3339(), "2025-03-04T09:15:00+00:00");
    assert_eq!(m.body, "Hallo,\n\nDe printer is stuk.");
    assert_eq!(m.header("subject"), Some("Printer doet het niet"));
    assert!(m.headers.iter().all(|(n, _)| n == &n.to_ascii_lowercase()));
    assert_eq!(m.content_type, "text/plain");
    assert_eq!(m.part_types, vec!["text/plain"]);
    assert!(m.attachments.is_empty());
    assert_eq!(m.report_type, None);
}

#[test]
fn null_return_path_and_missing_from() {
    let m = parse_ok("Return-Path: <>\nSubject: bounce\n\nbody\n");
    assert_eq!(m.return_path.as_deref(), Some(""));
    assert!(m.from.is_none());
}

#[test]
fn html_only() {
    let m = parse_ok(
        "From: a@example.org\nContent-Type: text/html; charset=utf-8\n\n\
         <html><head><title>t</title><style>p {color: red}</style></head><body>\
         <div>Hello&nbsp;there,</div><div>my <b>laptop</b> won&#39;t&nbsp;&nbsp;start.</div>\
         <p>R&amp;D &lt;team&gt;</p><table><tr><td>A</td><td>B</td></tr></table>\
         <!-- hidden --></body></html>",
    );
    assert_eq!(m.content_type, "text/html");
    assert_eq!(
        m.body,
        "Hello there,\nmy laptop won't start.\nR&D <team>\n\nA B"
    );
}

#[test]
fn multipart_alternative_prefers_plain() {
    let m = parse_ok(
        "From: a@example.org\nMIME-Version: 1.0\n\
         Content-Type: multipart/alternative; boundary=\"b1\"\n\n\
         --b1\nContent-Type: text/plain; charset=utf-8\n\nPlain version\n\
         --b1\nContent-Type: text/html; charset=utf-8\n\n<p>HTML version</p>\n\
         --b1--\n",
    );
    assert_eq!(m.content_type, "multipart/alternative");
    assert_eq!(m.body, "Plain version");
    assert_eq!(
        m.part_types,
        ["multipart/alternative", "text/plain", "text/html"]
    );
    assert!(m.attachments.is_empty());
}

#[test]
fn a_stored_prefix_still_reads_and_a_huge_subject_is_cut() {
    // the store keeps a large mail's first bytes: whatever reads it later (the agents'
    // handoff bundle) gets sender, subject and text from the cut message
    let mail = format!(
        "From: Jan <jan@example.com>\r\nSubject: {}\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
         Content-Type: text/plain\r\n\r\nZie de bijlage.\r\n--b\r\n\
         Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
        "x".repeat(5000),
        "JVBERi0xLjQK\r\n".repeat(1000)
    );
    let m = parse(&mail.as_bytes()[..mail.len() / 2], LIMIT).unwrap();
    assert_eq!(m.from.map(|f| f.email).as_deref(), Some("jan@example.com"));
    assert_eq!(m.subject.chars().count(), MAX_SUBJECT_CHARS);
    assert_eq!(m.body.trim(), "Zie de bijlage.");
}

#[test]
fn encoded_subject_cannot_inject_lines() {
    let m = parse_ok("From: a@example.org\nSubject: =?utf-8?q?hi=0D=0ABcc:_x@y?=\n\nx\n");
    assert_eq!(m.subject, "hi Bcc: x@y");
    assert!(!m.subject.contains(['\r', '\n']));
    let m = parse_ok("From: a@example.org\nSubject: =?utf-8?B?w6lsw6k=?= =?utf-8?q?_ok?=\n\nx\n");
    assert_eq!(m.subject, "élé ok");
}

#[test]
fn attachment_is_listed_not_in_body() {
    let m = parse_ok(
        "From: a@example.org\nContent-Type: multipart/mixed; boundary=b\n\n\
         --b\nContent-Type: text/plain\n\nSee attached.\n\
         --b\nContent-Type: application/pdf; name=\"=?utf-8?q?factuur_=C3=A9.pdf?=\"\n\
         Content-Disposition: attachment\nContent-Transfer-Encoding: base64\n\nSGVsbG8=\n\
         --b\nContent-Type: image/png\nContent-Disposition: attachment\n\nxyz\n\
         --b--\n",
    );
    assert_eq!(m.body, "See attached.");
    assert_eq!(
        m.attachments,
        vec![
            Attachment {
                name: "factuur é.pdf".into(),
                content_type: "application/pdf".into(),
                size: 5
            },
            Attachment {
                name: "unnamed".into(),
                content_type: "image/png".into(),
                size: 3
            },
        ]
    );
}

#[test]
fn report_type_and_parts() {
    let m = parse_ok(
        "From: MAILER-DAEMON@example.org\n\
         Content-Type: multipart/report; report-type=Delivery-Status; boundary=r\n\n\
         --r\nContent-Type: text/plain\n\nDelivery failed.\n\
         --r\nContent-Type: message/delivery-status\n\nStatus: 5.1.1\n\
         --r--\n",
    );
    assert_eq!(m.report_type.as_deref(), Some("delivery-status"));
    assert!(m.part_types.iter().any(|t| t == "message/delivery-status"));
}

#[test]
fn body_is_capped_at_a_char_boundary() {
    let body = "é".repeat(MAX_BODY_BYTES);
    let m = parse_ok(&format!("From: a@example.org\n\n{body}"));
    assert!(m.body.len() <= MAX_BODY_BYTES && m.body.len() > MAX_BODY_BYTES - 4);
}

#[test]
fn oversize_is_refused_with_sizes() {
    let err = parse(&[b'a'; 100], 10).unwrap_err();
    assert!(matches!(
        err,
        ParseError::TooLarge {
            size: 100,
            limit: 10
        }
    ));
    assert!(err.to_string().contains("max_message_bytes"));
}

#[test]
fn empty_and_garbage() {
    assert!(matches!(parse(b"", LIMIT), Err(ParseError::Empty)));
    assert!(matches!(parse(b" \r\n", LIMIT), Err(ParseError::Empty)));
    assert!(matches!(
        parse(b"\xff\xfe\x00", LIMIT),
        Err(ParseError::NotAMessage)
    ));
    assert!(matches!(parse(b"abc", LIMIT), Err(ParseError::NotAMessage)));
    let prose = b"Hello there, can you help: my printer\nis broken\n";
    assert!(matches!(parse(prose, LIMIT), Err(ParseError::NotAMessage)));
}

#[test]
fn parser_panic_falls_back_to_headers() {
    // Nested message/rfc822 parts in a report trip a debug assertion in mail-parser.
    let raw = "Content-Type: multipart/report; report-type=delivery-status;\n\
               \tboundary=\"b\"\n\n--b\nContent-Type: message/rfc822\n\n\
               Content-Type: message/rfc822\n\n\n--b--";
    let m = parse_ok(raw);
    assert_eq!(m.content_type, "multipart/report");
    assert_eq!(m.report_type.as_deref(), Some("delivery-status"));
}

#[test]
fn framing_repairs() {
    let m = parse_ok("\r\n\r\nFrom: a@example.org\r\nSubject: late start\r\n\r\nbody");
    assert_eq!(m.subject, "late start");
    let m = parse_ok("From a@example.org Tue Mar  4 10:15:00 2025\nFrom: a@example.org\n\nx");
    assert_eq!(m.headers.len(), 1);
    let m = parse_ok("From : old@example.org\nSubject: obsolete syntax\n\nx");
    assert_eq!(m.from.map(|f| f.email).as_deref(), Some("old@example.org"));
    let m = parse_ok("From: a@example.org\rSubject: old mac\r\rbody\r");
    assert_eq!((m.subject.as_str(), m.body.as_str()), ("old mac", "body"));
}

#[test]
fn header_values_are_raw_and_unfolded() {
    let m =
        parse_ok("From: a@example.org\nX-Long: one\n\ttwo\n   three \nSubject: =?utf-8?q?x?=\n\nb");
    assert_eq!(m.header("x-long"), Some("one two three"));
    assert_eq!(m.header("subject"), Some("=?utf-8?q?x?="));
}
