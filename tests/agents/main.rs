//! Agents steer tickets by replying to deskmail's mails: commands at the top, text for the
//! requester below. Only a configured agent whose mail proves itself (the signed reply address
//! of that ticket, and where configured a passing `Authentication-Results` of the trusted
//! server) steers anything; forged, replayed and tampered mails are kept and change nothing.
//!
//! By theme: `steering` (the signed reply address, commands, answers, help and internal notes),
//! `proof` (forged, replayed and tampered mails; `Authentication-Results`), `digest` (the
//! morning digest of late tickets) and `requester` (what the requester gets, and what never
//! reaches them: commands, notes, tokens, the agent's address). Here: a desk with tickets.

#[path = "../common/mod.rs"]
mod common;
mod digest;
mod proof;
mod requester;
mod steering;

use common::{Desk, Sent, portal_mail};

const MONDAY_10: &str = "2026-11-23T10:00:00+01:00";
const MONDAY_11: &str = "2026-11-23T11:00:00+01:00";

/// A desk with one ticket from the portal; returns the agents' notice about it.
fn desk_with_ticket(extra: &str) -> (Desk, Sent) {
    let desk = Desk::with_config(extra);
    let notice = new_ticket(&desk, 0);
    (desk, notice)
}

/// Another ticket from the portal (`n` makes it distinct); returns the agents' notice.
fn new_ticket(desk: &Desk, n: usize) -> Sent {
    let before = desk.sent();
    desk.deliver(&portal_mail(
        &format!("form-{n}@portal.example.org"),
        &[
            ("Naam", "Fatima el Amrani"),
            ("E-mail", "fatima@example.com"),
            ("Categorie", "Hardware"),
            ("Prioriteit", "normaal"),
            ("Onderwerp", &format!("Laptop {n} start niet")),
            ("Omschrijving", "Hij blijft hangen op het logo."),
        ],
    ));
    desk.run_once_at(MONDAY_10);
    desk.sent_since(&before)
        .into_iter()
        .find(|s| s.to == ["agents@example.org"])
        .expect("a notice to the agents' queue")
}

fn show(desk: &Desk, reference: &str) -> serde_json::Value {
    serde_json::from_str(&desk.ok(&["tickets", "show", reference, "--json"]))
        .expect("tickets show --json is JSON")
}

fn event_kinds(shown: &serde_json::Value) -> Vec<String> {
    shown["events"]
        .as_array()
        .map(|events| {
            events
                .iter()
                .filter_map(|e| e["kind"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}
