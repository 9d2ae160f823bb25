//! Pages as a person sees them, in a real headless Chromium (tests/common/browser.rs): each is
//! opened, read, screenshotted at phone and desktop width (target/screenshots/<test>/) and
//! checked by axe-core. First the HTML part of every mail, as `deskmail template preview`
//! renders it, in both languages.

mod common;
use common::Desk;
use common::browser::{Browser, DESKTOP, PHONE};
use deskmail::compose::templates::NAMES;

/// What `deskmail template preview NAME --lang LANG` shows: subject, text part, HTML part.
struct Preview {
    subject: String,
    text: String,
    html: String,
}

fn preview(desk: &Desk, name: &str, lang: &str) -> Preview {
    let out = desk.ok(&["template", "preview", name, "--lang", lang]);
    let (head, html) = out
        .split_once("\n----- HTML -----\n")
        .unwrap_or_else(|| panic!("no HTML part in the preview of {name}:\n{out}"));
    let (subject, text) = head.split_once("\n\n").unwrap_or((head, ""));
    Preview {
        subject: subject.trim_start_matches("Subject: ").to_owned(),
        text: text.to_owned(),
        html: html.to_owned(),
    }
}

/// The words (four letters or more, lower-cased) a person reads in `text`. Links are left out
/// (the text part spells out a URL where the HTML part has a button), and so is a field's label
/// at the start of a line (`Onderwerp: …`: the HTML part may show the subject by its look).
fn words(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.contains("://"))
        .map(|l| match l.trim_start().split_once(": ") {
            Some((label, rest)) if label.chars().all(char::is_alphabetic) => rest,
            _ => l,
        })
        .flat_map(tokens)
        .collect()
}

/// A line's words of four letters or more, lower-cased.
fn tokens(line: &str) -> Vec<String> {
    line.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 4)
        .map(str::to_lowercase)
        .collect()
}

/// Every mail's HTML part in `lang`: in that language, saying what its text part says, no sideways scrolling on a phone, no serious accessibility problem.
fn every_mail_reads_well(lang: &str) {
    let Some(mut browser) = Browser::start() else {
        return;
    };
    let desk = Desk::new();
    for name in NAMES {
        let mail = preview(&desk, name, lang);
        let file = desk.path(&format!("{name}.{lang}.html"));
        std::fs::write(&file, &mail.html).expect("write the HTML part");
        browser.open(&format!("file://{}", file.display()));
        let page = format!("{name} ({lang}, \"{}\")", mail.subject);

        assert_eq!(
            browser.attr("html", "lang").as_deref(),
            Some(lang),
            "{page}"
        );
        let shown = browser.text("body");
        // the mail's first line (its greeting) opens the HTML part too
        let first = mail
            .text
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        assert!(
            shown.starts_with(first.trim()),
            "{page} does not open with {first:?}:\n{shown}"
        );
        // and says all the text part says: a reader of either part learns the same
        let seen = tokens(&shown);
        let missing: Vec<String> = words(&mail.text)
            .into_iter()
            .filter(|w| !seen.contains(w))
            .collect();
        assert!(
            missing.is_empty(),
            "{page} shows less than its text part; missing {missing:?}:\n{shown}"
        );

        browser.screenshot(&format!("{name}.{lang}"), DESKTOP);
        browser.screenshot(&format!("{name}.{lang}"), PHONE);
        // a phone reader never scrolls sideways (long addresses and links wrap)
        let wide = browser.script("return document.documentElement.scrollWidth");
        assert!(
            wide.as_u64().is_some_and(|w| w <= u64::from(PHONE)),
            "{page} is {wide} px wide on a {PHONE} px phone"
        );
        browser.assert_accessible(&page);
    }
}

#[test]
fn every_mail_reads_well_in_a_browser_in_dutch() {
    every_mail_reads_well("nl");
}

#[test]
fn every_mail_reads_well_in_a_browser_in_english() {
    every_mail_reads_well("en");
}

#[test]
fn a_page_with_an_unlabelled_field_and_faint_text_fails_the_accessibility_check() {
    let Some(mut browser) = Browser::start() else {
        return;
    };
    let desk = Desk::new();
    let file = desk.path("bad.html");
    std::fs::write(
        &file,
        "<!DOCTYPE html><html><head><title>bad</title></head><body>\
         <p style=\"color:#ccc;background:#fff\">faint</p><input type=text></body></html>",
    )
    .expect("write the page");
    browser.open(&format!("file://{}", file.display()));
    let found: Vec<String> = browser
        .accessibility()
        .into_iter()
        .filter(|v| v.is_serious())
        .map(|v| v.rule)
        .collect();
    for rule in ["html-has-lang", "color-contrast", "label"] {
        assert!(
            found.iter().any(|r| r == rule),
            "{rule} not found in {found:?}"
        );
    }
    let shots = browser.screenshots("bad");
    assert_eq!(shots.len(), 2);
}

#[test]
fn a_form_is_filled_and_sent_as_a_person_would() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let desk = Desk::new();
    let file = desk.path("form.html");
    std::fs::write(
        &file,
        "<!DOCTYPE html><html lang=en><head><title>form</title></head><body><main>\
         <form method=get><label for=s>Subject</label><input id=s name=subject value=old>\
         <button type=submit>Send</button></form></main></body></html>",
    )
    .expect("write the page");
    browser.open(&format!("file://{}", file.display()));
    assert_eq!(browser.attr("#s", "value").as_deref(), Some("old"));
    browser.fill("#s", "Printer jams");
    browser.click("button");
    // a form sent by GET to itself: the typed text (not the old value) is in the address
    // (the click returns before the next page is there: wait for it)
    arrives_at(&browser, "form.html?subject=Printer+jams");
    assert_eq!(browser.count("form"), 1);
    browser.assert_accessible("the form");
}

/// Wait (up to 10 s) until the browser shows an address with `end` in it: a click posts a
/// form, and the page it leads to comes a moment later.
fn arrives_at(browser: &Browser, end: &str) {
    let start = std::time::Instant::now();
    while !browser.url().contains(end) {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "still at {} instead of …{end}",
            browser.url()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// The requester's ticket page, as the requester meets it: the link from the actual
/// confirmation mail opens the page with the dates the mail promised; "add information" and "I
/// no longer need this" work by clicking, without JavaScript; each state is screenshotted and
/// checked for accessibility.
#[test]
fn the_ticket_page_from_the_confirmation_mail_works_in_a_browser() {
    use common::web_desk::{between, page_path, ticket_status, waiting_ticket};
    let Some(mut browser) = Browser::start() else {
        return;
    };
    let (desk, public, confirmation) = waiting_ticket();
    let daemon = common::Daemon::start(&desk.config);
    // the mail links to the desk's public address; here that is the daemon's own listener
    let url = format!("http://{public}{}", page_path(&confirmation));
    browser.open(&url);
    assert_eq!(browser.attr("html", "lang").as_deref(), Some("nl"));
    assert!(
        browser.text("h1").contains("SD-1000"),
        "{}",
        browser.text("h1")
    );
    let shown = browser.text("body");
    // the same dates the mail gave: the target and the promised next contact
    let target = between(&confirmation.text, "je melding uiterlijk ", " af te ronden");
    let promise = between(&confirmation.text, "in elk geval uiterlijk ", " van ons");
    assert!(
        shown.contains(target),
        "target {target:?} not on the page:\n{shown}"
    );
    assert!(
        shown.contains(promise),
        "promise {promise:?} not on the page:\n{shown}"
    );
    assert!(
        shown.contains("een foto van het scherm"),
        "what we wait for:\n{shown}"
    );
    browser.screenshots("ticket-waiting");
    browser.assert_accessible("the ticket page");

    // add information: type, click, see it on the page and the wait ended
    browser.fill(
        "#text",
        "Hier is de foto: het scherm blijft zwart na het logo.",
    );
    browser.click("form:has(#text) button[type=submit]");
    arrives_at(&browser, "?done=added");
    assert!(browser.text("[role=status]").starts_with("Dank je"));
    assert!(
        browser
            .text(".conversation")
            .contains("het scherm blijft zwart")
    );
    assert_eq!(ticket_status(&desk), "open");
    browser.screenshots("ticket-added");
    browser.assert_accessible("the ticket page after adding information");

    // I no longer need this: the ticket closes and the actions are gone
    browser.click("form:has(input[value=close]) button[type=submit]");
    arrives_at(&browser, "?done=closed");
    assert_eq!(ticket_status(&desk), "closed");
    assert_eq!(
        browser.count("textarea"),
        0,
        "no more actions on a closed ticket"
    );
    browser.screenshots("ticket-closed");
    browser.assert_accessible("the closed ticket page");

    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "{log}");
    // the agents heard of both, by mail
    let subjects: Vec<String> = desk.sent().into_iter().map(|s| s.subject).collect();
    assert!(
        subjects
            .iter()
            .any(|s| s.starts_with("[SD-1000] Reactie op")),
        "{subjects:?}"
    );
    assert!(
        subjects
            .iter()
            .any(|s| s.starts_with("[SD-1000] Gesloten door de aanmelder")),
        "{subjects:?}"
    );
}

/// deskmail's own form, as a person meets it from the portal reply to their loose mail: the
/// link opens the form filled in with what they wrote; one click sends it, and the thank-you
/// page names the ticket; the confirmation and the agents' notice go out.
#[test]
fn the_prefilled_form_from_a_portal_reply_makes_a_ticket_in_a_browser() {
    use common::web_desk::{form_desk, form_link, portal_reply};
    let Some(mut browser) = Browser::start() else {
        return;
    };
    let (desk, public) = form_desk();
    let reply = portal_reply(&desk);
    let daemon = common::Daemon::start(&desk.config);
    browser.open(&format!("http://{public}{}", form_link(&reply)));
    assert_eq!(browser.attr("html", "lang").as_deref(), Some("nl"));
    assert_eq!(
        browser.attr("#email", "value").as_deref(),
        Some("jan@example.com")
    );
    assert_eq!(
        browser.attr("#subject", "value").as_deref(),
        Some("Printer op 3 doet het niet")
    );
    assert!(browser.text("#description").contains("papierstoring"));
    browser.screenshots("form-prefilled");
    browser.assert_accessible("the prefilled form");

    browser.click("form button[type=submit]");
    arrives_at(&browser, "/form/thanks/SD-1000.");
    assert!(
        browser.text("h1").contains("SD-1000"),
        "{}",
        browser.text("h1")
    );
    assert!(
        browser
            .text("main")
            .contains("Bekijk hoe je melding ervoor staat")
    );
    browser.screenshots("form-thanks");
    browser.assert_accessible("the thank-you page");

    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "{log}");
    let sent = desk.sent();
    assert!(
        sent.iter()
            .any(|s| s.to == ["jan@example.com"] && s.text.contains("SD-1000")),
        "the confirmation"
    );
    assert!(
        sent.iter().any(|s| s.to == ["agents@example.org"]),
        "the agents' notice"
    );
}
