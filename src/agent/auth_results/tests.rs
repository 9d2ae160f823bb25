//! Unit tests of the header parser and the alignment verdict, with the headers Gmail, Microsoft
//! 365 and Postfix write, forgeries below the topmost header, and garbage.

use super::*;
use crate::model::Address;

const TRUSTED: &str = "mx.example.org";

/// A mail from anna@it.example.org with these Authentication-Results, top first.
fn authed(results: &[&str]) -> Inbound {
    Inbound {
        from: Some(Address::new(Some("Anna Agent"), "anna@it.example.org")),
        headers: results
            .iter()
            .map(|v| ("authentication-results".to_string(), v.to_string()))
            .collect(),
        ..Inbound::default()
    }
}

fn failed(r: Result<(), AuthProblem>) -> String {
    match r {
        Err(AuthProblem::Failed { detail }) => detail,
        other => panic!("expected AuthFailed, got {other:?}"),
    }
}

#[test]
fn dkim_pass_aligned_with_parent_domain() {
    let m = authed(&["mx.example.org; dkim=pass header.d=example.org header.s=sel"]);
    assert_eq!(check(&m, TRUSTED), Ok(()));
    // authserv-id compared case-insensitively
    assert_eq!(check(&m, "MX.Example.Org"), Ok(()));
}

#[test]
fn spf_pass_aligned() {
    let m = authed(&["mx.example.org; dkim=none; spf=pass smtp.mailfrom=bounce@it.example.org"]);
    assert_eq!(check(&m, TRUSTED), Ok(()));
}

#[test]
fn dmarc_pass_needs_the_from_domain_itself() {
    let m = authed(&["mx.example.org; dmarc=pass header.from=it.example.org"]);
    assert_eq!(check(&m, TRUSTED), Ok(()));
    let m = authed(&["mx.example.org; dmarc=pass header.from=example.org"]);
    failed(check(&m, TRUSTED));
}

#[test]
fn dkim_pass_for_another_domain_fails() {
    let m = authed(&[
        "mx.example.org; dkim=pass header.d=evil.example; spf=softfail smtp.mailfrom=x@evil.example",
    ]);
    assert_eq!(
        failed(check(&m, TRUSTED)),
        "dkim=pass header.d=evil.example; spf=softfail smtp.mailfrom=x@evil.example"
    );
    // Look-alikes and subdomains of the From domain do not align; its parents do.
    for d in [
        "xample.org",
        "t.example.org",
        "sub.it.example.org",
        "it.example.org.evil.example",
        "",
    ] {
        let m = authed(&[&format!("mx.example.org; dkim=pass header.d={d}")]);
        failed(check(&m, TRUSTED));
    }
    let m = authed(&["mx.example.org; dkim=pass header.d=IT.Example.org."]);
    assert_eq!(check(&m, TRUSTED), Ok(()));
}

#[test]
fn only_the_topmost_header_counts() {
    // Topmost from another server; the sender's forged one below names our server.
    let m = authed(&[
        "other.example.net; dkim=pass header.d=example.org",
        "mx.example.org; dkim=pass header.d=example.org",
    ]);
    assert_eq!(
        check(&m, TRUSTED),
        Err(AuthProblem::NoResults {
            authserv_id: TRUSTED.into()
        })
    );
    // Our server says fail; a forged pass below changes nothing.
    let m = authed(&[
        "mx.example.org; dkim=fail header.d=example.org",
        "mx.example.org; dkim=pass header.d=example.org",
    ]);
    assert_eq!(failed(check(&m, TRUSTED)), "dkim=fail header.d=example.org");
}

#[test]
fn comments_may_hold_semicolons_and_equals() {
    let m = authed(&[
        "mx.example.org (Postfix; policyd=1); dkim=fail (bad sig; header.d=it.example.org) \
         header.d=evil.example; spf=neutral (dkim=pass; (nested; smtp.mailfrom=it.example.org) \\) x) \
         smtp.mailfrom=evil.example",
    ]);
    assert_eq!(
        failed(check(&m, TRUSTED)),
        "dkim=fail header.d=evil.example; spf=neutral smtp.mailfrom=evil.example"
    );
    let m =
        authed(&["mx.example.org; spf=pass (sender; is=ok (really)) smtp.mailfrom=it.example.org"]);
    assert_eq!(check(&m, TRUSTED), Ok(()));
}

#[test]
fn none_proves_nothing() {
    let m = authed(&["mx.example.org 1; none"]);
    assert_eq!(failed(check(&m, TRUSTED)), "none");
    let m = authed(&["mx.example.org"]);
    assert_eq!(failed(check(&m, TRUSTED)), "none");
}

#[test]
fn any_aligned_pass_among_several_results_counts() {
    let m = authed(&[
        "mx.example.org; dkim=pass header.d=mailchannel.example header.s=a; \
         dkim=fail header.d=example.org; dkim=pass header.i=@it.example.org header.s=b",
    ]);
    assert_eq!(check(&m, TRUSTED), Ok(()));
}

#[test]
fn quoted_strings_and_version() {
    let m = authed(&["\"mx.example.org\" 1; spf=pass smtp.mailfrom=\"odd;local\"@it.example.org"]);
    assert_eq!(check(&m, TRUSTED), Ok(()));
    let ar = AuthResults::parse(
        "a.example 1; dkim/1=PASS reason=\"x; y\" header.b=abc== header.d=d.example",
    );
    assert_eq!(ar.authserv_id, "a.example");
    assert_eq!(
        ar.results,
        vec![AuthResult {
            method: "dkim".into(),
            result: "pass".into(),
            props: vec![
                ("reason".into(), "x; y".into()),
                ("header.b".into(), "abc".into()),
                ("header.d".into(), "d.example".into()),
            ],
        }]
    );
}

#[test]
fn no_from_address_fails() {
    let mut m = authed(&["mx.example.org; dkim=pass header.d=example.org"]);
    m.from = None;
    assert_eq!(
        failed(check(&m, TRUSTED)),
        "dkim=pass header.d=example.org (the mail has no From domain)"
    );
}

#[test]
fn gmail() {
    let m = authed(&[
        "mx.google.com; dkim=pass header.i=@it.example.org header.s=20230601 header.b=Ab+Cd/12; \
         spf=pass (google.com: domain of anna@it.example.org designates 203.0.113.5 as permitted sender) \
         smtp.mailfrom=anna@it.example.org; dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=it.example.org",
        "mx.example.org; dkim=fail",
    ]);
    assert_eq!(check(&m, "mx.google.com"), Ok(()));
    assert_eq!(
        check(&m, TRUSTED),
        Err(AuthProblem::NoResults {
            authserv_id: TRUSTED.into()
        })
    );
    let ar = AuthResults::parse(&m.headers[0].1);
    let summary: Vec<(&str, &str)> = ar
        .results
        .iter()
        .map(|r| (r.method.as_str(), r.result.as_str()))
        .collect();
    assert_eq!(
        summary,
        [("dkim", "pass"), ("spf", "pass"), ("dmarc", "pass")]
    );
}

#[test]
fn microsoft_365_writes_no_authserv_id() {
    let header = "spf=pass (sender IP is 203.0.113.5) smtp.mailfrom=it.example.org; \
                  dkim=pass (signature was verified) header.d=example.org;dmarc=pass action=none \
                  header.from=it.example.org;compauth=pass reason=100";
    let ar = AuthResults::parse(header);
    assert_eq!(ar.authserv_id, "");
    let summary: Vec<(&str, &str)> = ar
        .results
        .iter()
        .map(|r| (r.method.as_str(), r.result.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("spf", "pass"),
            ("dkim", "pass"),
            ("dmarc", "pass"),
            ("compauth", "pass")
        ]
    );
    let m = authed(&[header]);
    // An id-less header is trusted only when the configured id is empty.
    assert_eq!(check(&m, ""), Ok(()));
    assert_eq!(
        check(&m, "spf"),
        Err(AuthProblem::NoResults {
            authserv_id: "spf".into()
        })
    );
    let bad = authed(&[
        "spf=fail (sender IP is 198.51.100.1) smtp.mailfrom=it.example.org; dkim=none \
         (message not signed) header.d=none;dmarc=fail action=quarantine \
         header.from=it.example.org;compauth=fail reason=000",
    ]);
    assert_eq!(
        failed(check(&bad, "")),
        "spf=fail smtp.mailfrom=it.example.org; dkim=none header.d=none; \
         dmarc=fail header.from=it.example.org; compauth=fail"
    );
}

#[test]
fn garbage_does_not_panic_or_pass() {
    for v in [
        "",
        ";",
        "=",
        "==;;==",
        "mx.example.org; dkim=pass (unterminated",
        "mx.example.org; dkim=\"pass",
        "mx.example.org; =pass header.d=it.example.org",
        "mx.example.org; dkim header.d=it.example.org",
        "mx.example.org; dkim=pass header.d",
        "mx.example.org; dkim=pass header.d=",
        "mx.example.org; dkim=pass \\",
        "mx.example.org; spf=pass smtp.mailfrom=@",
        "mx.example.org; dmarc=pass header.from=é.example",
    ] {
        let m = authed(&[v]);
        assert!(check(&m, TRUSTED).is_err(), "{v:?}");
    }
}
