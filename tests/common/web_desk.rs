//! A desk with `[web]` for the ticket-page tests (HTTP in tests/ticket_page.rs, a real browser
//! in tests/browser.rs): its addresses, the page link in a mail, a ticket that waits on its
//! requester.

use super::http::free_address;
use super::mails::{agent_reply, laptop_form, reply_to};
use super::{Desk, Sent};
use std::net::SocketAddr;

pub const BASE: &str = "https://desk.example.org/";

pub fn web_desk() -> (Desk, SocketAddr) {
    let public = free_address();
    let desk = Desk::with_config(&format!(
        "\n[web]\nlisten = \"{public}\"\nbase_url = \"{BASE}\"\nadmin_listen = \"{}\"\n",
        free_address()
    ));
    (desk, public)
}

/// The ticket page's path (`/t/SD-1000.<token>`) in a mail's text.
pub fn page_path(mail: &Sent) -> String {
    let start = mail
        .text
        .find(&format!("{BASE}t/"))
        .unwrap_or_else(|| panic!("no page link in the mail:\n{}", mail.text));
    let link: String = mail.text[start + BASE.len() - 1..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    link
}

/// The words between `before` and `after` in `text`.
pub fn between<'a>(text: &'a str, before: &str, after: &str) -> &'a str {
    let start = text
        .find(before)
        .unwrap_or_else(|| panic!("{before:?} not in {text}"))
        + before.len();
    let len = text[start..]
        .find(after)
        .unwrap_or_else(|| panic!("{after:?} not after {before:?} in {text}"));
    &text[start..start + len]
}

pub fn ticket_status(desk: &Desk) -> String {
    desk.tickets_json()[0]["status"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Fatima's portal form taken in by one run: ticket SD-1000 and the confirmation she gets.
pub fn form_confirmed(desk: &Desk) -> Sent {
    desk.deliver(&laptop_form(
        "form-1@portal.example.org",
        "fatima@example.com",
    ));
    desk.ok(&["run", "--once"]);
    desk.sent()
        .into_iter()
        .find(|s| s.to == ["fatima@example.com"])
        .expect("the confirmation")
}

/// A desk with ticket SD-1000 that waits on its requester, its confirmation and the page.
pub fn waiting_ticket() -> (Desk, SocketAddr, Sent) {
    let (desk, public) = web_desk();
    let confirmation = form_confirmed(&desk);
    let sent = desk.sent();
    let notice = sent
        .iter()
        .find(|s| s.to == ["agents@example.org"])
        .expect("the agents' notice");
    desk.deliver(&agent_reply(
        notice,
        &reply_to(notice),
        "",
        "#status waiting-customer een foto van het scherm",
    ));
    desk.ok(&["run", "--once"]);
    assert_eq!(ticket_status(&desk), "waiting_customer");
    (desk, public, confirmation)
}

/// A desk with `[web]` whose portal links point at deskmail's own form (`<base>form`, and
/// `<base>form/printer` for printer mail).
pub fn form_desk() -> (Desk, SocketAddr) {
    let public = free_address();
    let config = super::BASE_CONFIG
        .replace("https://portal.example.org/general", &format!("{BASE}form"))
        .replace(
            "https://portal.example.org/printer",
            &format!("{BASE}form/printer"),
        );
    let desk = Desk::with_full_config(&format!(
        "{config}\n[web]\nlisten = \"{public}\"\nbase_url = \"{BASE}\"\nadmin_listen = \"{}\"\n",
        free_address()
    ));
    (desk, public)
}

/// The form link in a portal reply (or a confirmation link in its mail), as a path with its
/// query: `/form/printer?email=…`.
pub fn form_link(mail: &Sent) -> String {
    let start = mail
        .text
        .find(&format!("{BASE}form"))
        .unwrap_or_else(|| panic!("no form link in the mail:\n{}", mail.text));
    mail.text[start + BASE.len() - 1..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect()
}

/// A value of a form field as the page shows it (`name="…" … value="…"`), escaped as HTML.
pub fn field_value(page: &str, name: &str) -> String {
    let at = page
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no field {name} in {page}"));
    between(&page[at..], "value=\"", "\"").to_string()
}

/// Jan's loose mail about the printer, answered with the portal reply; the reply.
pub fn portal_reply(desk: &Desk) -> Sent {
    desk.deliver(&super::person_mail(
        "Jan de Vries <jan@example.com>",
        "Printer op 3 doet het niet",
        "orig-1@mail.example.com",
        "Goedemorgen,\n\nDe printer op de derde verdieping geeft een papierstoring.\n\nGroet,\nJan",
    ));
    desk.run_once_at("2026-11-23T10:00:00+01:00");
    let sent = desk.sent();
    assert_eq!(sent.len(), 1, "{sent:#?}");
    sent[0].clone()
}
