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
    let url = browser.url();
    assert!(url.ends_with("form.html?subject=Printer+jams"), "{url}");
    assert_eq!(browser.count("form"), 1);
    browser.assert_accessible("the form");
}
