//! Strange input, each with a defined outcome (seen through `deskmail explain --json`, which runs
//! the real parser and classifier): oversized, deeply nested, attachments only, empty, unknown
//! charset, raw 8-bit headers, a From without an address.

mod common;
use common::Desk;

fn explain(desk: &Desk, raw: &[u8]) -> serde_json::Value {
    let file = desk.path("input.eml");
    std::fs::write(&file, raw).expect("write");
    let out = desk.ok(&["explain", "--json", &file.to_string_lossy()]);
    serde_json::from_str(&out).expect("one JSON object")
}

const HEAD: &str = "From: Jan <jan@example.com>\r\nTo: servicedesk@example.org\r\nMessage-ID: <in@example.com>\r\n";

#[test]
fn each_kind_of_strange_mail_has_a_defined_outcome() {
    let desk = Desk::with_full_config(&common::BASE_CONFIG.replace(
        "path = \"inbox\"",
        "path = \"inbox\"\nmax_message_bytes = 100000",
    ));
    // oversized: kept in quarantine, the reason names the limit and the key
    let big = format!("{HEAD}Subject: big\r\n\r\n{}", "x".repeat(200_000));
    let d = explain(&desk, big.as_bytes());
    assert_eq!(d["decision"], "quarantine");
    assert!(
        d["reason"]
            .as_str()
            .is_some_and(|r| r.contains("100000") && r.contains("max_message_bytes")),
        "{d}"
    );

    // 300 levels of nested multiparts: read without a crash, answered as a person's mail
    let mut nested = format!("{HEAD}Subject: nested\r\nMIME-Version: 1.0\r\n");
    for i in 0..300 {
        nested.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n"
        ));
    }
    nested.push_str("Content-Type: text/plain\r\n\r\nDeep inside.\r\n");
    let d = explain(&desk, nested.as_bytes());
    assert!(
        d["decision"] == "portal_reply" || d["decision"] == "quarantine",
        "{d}"
    );

    // attachments only: a person sending a file is still a person
    let attach = format!(
        "{HEAD}Subject: scan\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"z\"\r\n\r\n--z\r\n\
         Content-Type: application/pdf; name=\"scan.pdf\"\r\nContent-Disposition: attachment; filename=\"scan.pdf\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--z--\r\n"
    );
    assert_eq!(
        explain(&desk, attach.as_bytes())["decision"],
        "portal_reply"
    );

    // empty body
    assert_eq!(
        explain(&desk, format!("{HEAD}Subject: empty\r\n\r\n").as_bytes())["decision"],
        "portal_reply"
    );

    // an unknown charset: decoded as well as possible
    let unknown = format!(
        "{HEAD}Subject: charset\r\nContent-Type: text/plain; charset=x-no-such-charset\r\n\r\nHallo daar\r\n"
    );
    assert_eq!(
        explain(&desk, unknown.as_bytes())["decision"],
        "portal_reply"
    );

    // raw 8-bit UTF-8 in a header
    let eight = format!("{HEAD}Subject: Printer op de 3e verdieping – kapot ✓\r\n\r\nHelp.\r\n");
    let d = explain(&desk, eight.as_bytes());
    assert_eq!(d["decision"], "portal_reply");
    assert_eq!(d["subject"], "Printer op de 3e verdieping – kapot ✓");

    // a From without an address: nobody to answer
    let no_address = "From: undisclosed-recipients:;\r\nSubject: hi\r\nMessage-ID: <na@example.com>\r\n\r\nHello\r\n";
    let d = explain(&desk, no_address.as_bytes());
    assert_eq!(d["decision"], "ignore");
    assert_eq!(d["reason"], "no usable sender address");

    // no headers at all, and an empty file
    assert_eq!(
        explain(&desk, b"just some words\r\n")["decision"],
        "quarantine"
    );
    assert_eq!(explain(&desk, b"")["decision"], "quarantine");
}
