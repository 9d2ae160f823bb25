//! The requester's ticket page, as a person (or an attacker) meets it: the link from the actual
//! confirmation mail opens a page with the dates the mails promise; "add information" and "I no
//! longer need this" act as mail would (agents told, a wait ended, the ticket closed); a wrong
//! token, a missing form token, an oversized post and a bot's filled-in hidden field change
//! nothing. Real binary, real SQLite, HTTP on loopback.

mod common;
use common::http::{Response, get, post, post_form};
use common::web_desk::{between, form_confirmed, page_path, ticket_status, waiting_ticket};
use common::{Daemon, Desk};

fn csrf(page: &Response) -> String {
    between(&page.body, "name=\"csrf\" value=\"", "\"").to_string()
}

fn outbox(desk: &Desk) -> String {
    desk.ok(&["outbox", "list", "--json", "--all"])
}

#[test]
fn the_link_in_the_confirmation_opens_the_page_with_the_promised_dates_and_safe_headers() {
    let (desk, public, confirmation) = waiting_ticket();
    let path = page_path(&confirmation);
    assert!(
        confirmation.html.contains("SD-1000."),
        "the HTML part links too"
    );
    let daemon = Daemon::start(&desk.config);
    let page = get(public, &path);
    assert_eq!(page.status, 200, "{}", page.body);
    let target = between(&confirmation.text, "je melding uiterlijk ", " af te ronden");
    let promise = between(&confirmation.text, "in elk geval uiterlijk ", " van ons");
    assert!(page.body.contains(target), "target {target}: {}", page.body);
    assert!(
        page.body
            .contains(&format!("Je hoort uiterlijk {promise} van ons")),
        "promise {promise}: {}",
        page.body
    );
    assert!(page.body.contains("<html lang=\"nl\">"));
    assert!(page.body.contains("wacht op jouw reactie"), "{}", page.body);
    assert!(
        page.body.contains("een foto van het scherm"),
        "what we wait for"
    );
    // the conversation: the request and the desk's mails; never the agents' notices
    assert!(page.body.contains("Start niet."));
    assert!(page.body.contains("geregistreerd onder nummer SD-1000"));
    assert!(!page.body.contains("anna@example.org"), "no agent address");
    assert!(!page.body.contains("#status"), "no agent command");
    for (name, value) in [
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("x-content-type-options", "nosniff"),
    ] {
        assert_eq!(page.header(name), Some(value), "{name}");
    }
    let csp = page.header("content-security-policy").unwrap_or_default();
    assert!(
        csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(!page.body.contains("<script"));
    let css = get(public, "/static/page.css");
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));

    // a tampered token is the same 404 as a ticket that does not exist, or no page at all
    let mut tampered = path.clone();
    let last = tampered.pop().unwrap_or('0');
    tampered.push(if last == '0' { '1' } else { '0' });
    let token = path.rsplit_once('.').map(|p| p.1).unwrap_or_default();
    let answers: Vec<Response> = [
        tampered.as_str(),
        "/t/SD-1000",
        &format!("/t/SD-4711.{token}"),
        "/no/such/page",
    ]
    .iter()
    .map(|p| get(public, p))
    .collect();
    for a in &answers {
        assert_eq!((a.status, a.body.as_str()), (404, "not found\n"));
        assert_eq!(a.header("content-type"), answers[3].header("content-type"));
        assert_eq!(a.header("x-frame-options"), Some("DENY"));
    }
    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "{log}");
    assert!(!log.contains(token), "no token in the log");
}

#[test]
fn adding_information_ends_the_wait_and_tells_the_agents_as_a_mail_would() {
    let (desk, public, confirmation) = waiting_ticket();
    let path = page_path(&confirmation);
    let daemon = Daemon::start(&desk.config);
    let page = get(public, &path);
    let token = csrf(&page);
    let text = "Hier is de foto: het scherm blijft zwart <b>na</b> het logo.";

    // no form token, a wrong one, a post for another ticket's token: refused, nothing changes
    for bad in [
        vec![("do", "add"), ("text", text)],
        vec![
            ("do", "add"),
            ("text", text),
            ("csrf", "00112233445566778899aabbccddeeff"),
        ],
    ] {
        assert_eq!(post_form(public, &path, &bad).status, 403);
    }
    // more than 64 KiB: refused before it is read
    let big = format!("csrf={token}&do=add&text={}", "a".repeat(70 * 1024));
    assert_eq!(
        post(public, &path, "application/x-www-form-urlencoded", &big).status,
        413
    );
    // a bot fills in the hidden field: answered as if it worked, nothing done
    let bot = post_form(
        public,
        &path,
        &[
            ("csrf", &token),
            ("do", "add"),
            ("text", "spam"),
            ("website", "http://spam.example"),
        ],
    );
    assert_eq!(bot.status, 303);
    assert_eq!(ticket_status(&desk), "waiting_customer");
    assert!(!outbox(&desk).contains("agent_ticket_reply"));

    let added = post_form(
        public,
        &path,
        &[("csrf", &token), ("do", "add"), ("text", text)],
    );
    assert_eq!(added.status, 303, "{}", added.body);
    assert!(
        added
            .header("location")
            .unwrap_or_default()
            .ends_with("?done=added")
    );
    assert_eq!(
        ticket_status(&desk),
        "open",
        "the wait on the requester ended"
    );
    let shown = get(public, &format!("{path}?done=added"));
    assert!(shown.body.contains("Dank je"), "{}", shown.body);
    // the requester's text is shown as text, never as markup
    assert!(
        shown.body.contains("&lt;b&gt;na&lt;&#x2F;b&gt;"),
        "{}",
        shown.body
    );
    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "{log}");
    assert!(
        !log.contains("het scherm blijft zwart"),
        "no text in the log"
    );
    let notice = desk
        .sent()
        .into_iter()
        .find(|s| s.subject.starts_with("[SD-1000] Reactie op"))
        .expect("the agents' notice of the reply");
    assert_eq!(notice.to, ["agents@example.org"]);
    assert!(
        notice.text.contains("het scherm blijft zwart <b>na</b>"),
        "{}",
        notice.text
    );
    assert!(notice.text.contains("fatima@example.com"));
}

#[test]
fn i_no_longer_need_this_closes_the_ticket_and_tells_the_agents() {
    let (desk, public, confirmation) = waiting_ticket();
    let path = page_path(&confirmation);
    let daemon = Daemon::start(&desk.config);
    let token = csrf(&get(public, &path));
    assert_eq!(
        post_form(public, &path, &[("do", "close"), ("csrf", "")]).status,
        403
    );
    assert_eq!(ticket_status(&desk), "waiting_customer");
    let closed = post_form(public, &path, &[("csrf", &token), ("do", "close")]);
    assert_eq!(closed.status, 303, "{}", closed.body);
    assert_eq!(ticket_status(&desk), "closed");
    assert!(outbox(&desk).contains("agent_requester_closed"));
    let page = get(public, &format!("{path}?done=closed"));
    assert!(page.body.contains("gesloten"), "{}", page.body);
    assert!(
        !page.body.contains("name=\"do\""),
        "no more actions on a closed ticket"
    );
    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "{log}");
    let told = desk
        .sent()
        .into_iter()
        .find(|s| {
            s.subject
                .starts_with("[SD-1000] Gesloten door de aanmelder")
        })
        .expect("the agents are told");
    assert_eq!(told.to, ["agents@example.org"]);
}

#[test]
fn without_a_web_section_no_mail_links_to_a_page() {
    let desk = Desk::new();
    let confirmation = form_confirmed(&desk);
    assert!(
        !confirmation.text.contains("/t/SD-"),
        "{}",
        confirmation.text
    );
    assert!(!confirmation.html.contains("&#x2F;t&#x2F;SD-"));
    assert!(!confirmation.html.contains("/t/SD-"));
}
