//! deskmail's own request form, as a person (or someone abusing it) meets it: the link in an
//! actual portal reply opens the form prefilled, and sending it makes the ticket with its
//! confirmation and agent notice; an address the link was not mailed to gets only a link to
//! confirm, and following it makes the ticket; a post without its form token, an oversized
//! post and a bot's filled-in hidden field make nothing. Real binary, real SQLite, HTTP on
//! loopback.

mod common;
use common::http::{Response, get, post, post_form};
use common::web_desk::{field_value, form_desk, form_link, portal_reply};
use common::{Daemon, Desk};

fn csrf(page: &Response) -> String {
    field_value(&page.body, "csrf")
}

fn tickets(desk: &Desk) -> Vec<serde_json::Value> {
    desk.tickets_json().as_array().cloned().unwrap_or_default()
}

#[test]
fn the_portal_replys_link_opens_our_form_prefilled_and_sending_it_makes_the_ticket() {
    let (desk, public) = form_desk();
    let reply = portal_reply(&desk);
    let link = form_link(&reply);
    assert!(link.starts_with("/form/printer?"), "{link}");
    assert!(
        link.contains("&proof="),
        "the link proves its address: {link}"
    );
    let daemon = Daemon::start(&desk.config);
    let page = get(public, &link);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<html lang=\"nl\">"));
    assert_eq!(field_value(&page.body, "email"), "jan@example.com");
    assert_eq!(field_value(&page.body, "name"), "Jan de Vries");
    assert_eq!(
        field_value(&page.body, "subject"),
        "Printer op 3 doet het niet"
    );
    assert!(page.body.contains("papierstoring"), "the description");
    assert!(page.body.contains("<option value=\"printer\" selected>"));
    assert!(page.body.contains("<label for=\"description\">"));
    assert!(!page.body.contains("<script"));
    let csp = page.header("content-security-policy").unwrap_or_default();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    assert!(link.contains("&lang=nl"), "in the reply's language: {link}");
    let english = get(public, &link.replace("&lang=nl", "&lang=en"));
    assert!(english.body.contains("<html lang=\"en\">"));
    assert!(english.body.contains("Your email address"));

    let proof = field_value(&page.body, "proof");
    let token = csrf(&page);
    let fields = [
        ("csrf", token.as_str()),
        ("proof", &proof),
        ("lang", "nl"),
        ("name", "Jan de Vries"),
        ("email", "jan@example.com"),
        ("category", "printer"),
        ("subject", "Printer op 3 doet het niet"),
        (
            "description",
            "Papierstoring in lade 2, al twee keer gereset.",
        ),
    ];
    let incomplete = post_form(public, "/form/printer", &fields[..7]);
    assert_eq!(incomplete.status, 400);
    assert!(incomplete.body.contains("Vul nog in: de beschrijving."));
    assert_eq!(field_value(&incomplete.body, "email"), "jan@example.com");
    assert!(tickets(&desk).is_empty());

    let sent = post_form(public, "/form/printer", &fields);
    assert_eq!(sent.status, 303, "{}", sent.body);
    let thanks = sent.header("location").unwrap_or_default().to_string();
    assert!(thanks.starts_with("/form/thanks/SD-1000."), "{thanks}");
    let shown = get(public, &thanks);
    assert_eq!(shown.status, 200);
    assert!(shown.body.contains("SD-1000"), "{}", shown.body);
    assert!(shown.body.contains("Bedankt, je melding is geregistreerd"));
    let all = tickets(&desk);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["requester"], "jan@example.com");
    assert_eq!(all[0]["category"], "printer");
    assert_eq!(all[0]["priority"], "normal");

    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "{log}");
    assert!(!log.contains("lade 2"), "no request text in the log");
    let sent = desk.sent();
    let confirmation = sent
        .iter()
        .find(|s| s.to == ["jan@example.com"] && s.text.contains("SD-1000"))
        .expect("the ticket's confirmation");
    assert!(confirmation.text.contains("/t/SD-1000."));
    let notice = sent
        .iter()
        .find(|s| s.to == ["agents@example.org"])
        .expect("the agents' notice");
    assert!(notice.text.contains("lade 2"), "{}", notice.text);
}

#[test]
fn a_foreign_address_gets_only_a_link_to_confirm_and_following_it_makes_the_ticket() {
    let (desk, public) = form_desk();
    let reply = portal_reply(&desk);
    let daemon = Daemon::start(&desk.config);
    // Jan's own proof does not vouch for another address
    let page = get(public, &form_link(&reply));
    let proof = field_value(&page.body, "proof");
    let token = csrf(&page);
    let held = post_form(
        public,
        "/form",
        &[
            ("csrf", &token),
            ("proof", &proof),
            ("email", "victim@example.net"),
            ("category", "general"),
            ("subject", "Koop nu goedkope horloges"),
            ("description", "Klik hier"),
        ],
    );
    assert_eq!(held.status, 200, "{}", held.body);
    assert!(held.body.contains("Kijk in je mail"), "{}", held.body);
    assert!(
        tickets(&desk).is_empty(),
        "no ticket before the address confirms"
    );
    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "{log}");
    let sent = desk.sent();
    assert_eq!(sent.len(), 2, "the portal reply and one link: {sent:#?}");
    let link_mail = &sent[1];
    assert_eq!(link_mail.to, ["victim@example.net"]);
    assert!(
        link_mail.subject.starts_with("Bevestig je melding"),
        "{}",
        link_mail.subject
    );
    assert!(link_mail.text.contains("Klik om je melding te versturen"));
    assert!(
        !link_mail.text.contains("Klik hier"),
        "the stranger's text is not mailed on"
    );
    let confirm = form_link(link_mail);
    assert!(confirm.starts_with("/form/confirm/"), "{confirm}");

    let daemon = Daemon::start(&desk.config);
    let mut tampered = confirm.replace("?lang=nl", "");
    let last = tampered.pop().unwrap_or('0');
    tampered.push(if last == '0' { '1' } else { '0' });
    assert_eq!(get(public, &tampered).status, 404);
    let page = get(public, &confirm);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Koop nu goedkope horloges"));
    let action = confirm.split('?').next().unwrap_or_default();
    assert_eq!(post_form(public, action, &[("csrf", "")]).status, 403);
    assert!(tickets(&desk).is_empty());
    let made = post_form(public, action, &[("csrf", &csrf(&page))]);
    assert_eq!(made.status, 303, "{}", made.body);
    assert!(
        made.header("location")
            .unwrap_or_default()
            .starts_with("/form/thanks/SD-1000.")
    );
    let all = tickets(&desk);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["requester"], "victim@example.net");
    let again = get(public, &confirm);
    assert_eq!(again.status, 404, "a link makes one ticket");
    assert!(again.body.contains("werkt niet meer"));
    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "{log}");
    let sent = desk.sent();
    assert!(
        sent.iter()
            .any(|s| s.to == ["victim@example.net"] && s.text.contains("SD-1000"))
    );
    assert!(sent.iter().any(|s| s.to == ["agents@example.org"]));
}

#[test]
fn forged_oversized_bot_and_repeated_posts_make_nothing() {
    let (desk, public) = form_desk();
    let daemon = Daemon::start(&desk.config);
    let page = get(public, "/form?email=x%40example.net");
    assert_eq!(page.status, 200);
    assert_eq!(field_value(&page.body, "email"), "x@example.net");
    let token = csrf(&page);
    let request = |csrf: &str, email: &str, website: &str| {
        post_form(
            public,
            "/form",
            &[
                ("csrf", csrf),
                ("email", email),
                ("subject", "Hallo"),
                ("description", "Iets"),
                ("website", website),
            ],
        )
    };
    assert_eq!(
        request("", "x@example.net", "").status,
        403,
        "no form token"
    );
    let big = format!(
        "csrf={token}&email=x%40example.net&description={}",
        "a".repeat(70_000)
    );
    assert_eq!(
        post(public, "/form", "application/x-www-form-urlencoded", &big).status,
        413
    );
    let bot = request(&token, "x@example.net", "http://spam.example");
    assert_eq!(bot.status, 200, "a bot is answered as if it worked");
    assert!(bot.body.contains("Kijk in je mail"));
    // one address gets at most three links a day, however often the form names it
    for _ in 0..4 {
        assert_eq!(request(&token, "y@example.net", "").status, 200);
    }
    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "{log}");
    assert!(tickets(&desk).is_empty());
    let sent = desk.sent();
    assert!(sent.iter().all(|s| s.to == ["y@example.net"]), "{sent:#?}");
    assert_eq!(sent.len(), 3);
}
