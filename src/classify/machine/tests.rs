//! Unit tests of the machine-mail rules, with small inline mails, by what gives a machine away:
//! `headers` (header markers, senders, our own mail; and a person is still answered), `text`
//! (subjects and body lines in the layouts machines write, in many languages), `weighed`
//! (evidence a person could also produce, weighed into a doubt or a machine verdict). Here: the
//! mail a person writes and the ways to ask for a verdict.

mod headers;
mod text;
mod weighed;

use super::*;
use crate::model::Address;

const OUR: &[&str] = &["helpdesk@desk.example"];

fn person(subject: &str, headers: &[(&str, &str)], body: &str) -> Inbound {
    Inbound {
        from: Some(Address::new(Some("Jan"), "jan@example.org")),
        return_path: Some("jan@example.org".into()),
        subject: subject.into(),
        body: body.into(),
        content_type: "text/plain".into(),
        part_types: vec!["text/plain".into()],
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.to_string()))
            .collect(),
        ..Inbound::default()
    }
}

fn kind(m: &Inbound) -> Option<MachineKind> {
    let addresses: Vec<String> = OUR.iter().map(|a| a.to_string()).collect();
    let own = OwnIdentity {
        addresses: &addresses,
        message_id_domain: "desk.example",
        loop_header: "X-Deskmail-Loop",
    };
    machine_signal(m, &own).map(|s| s.kind)
}

fn verdict_of(m: &Inbound) -> Verdict {
    let addresses: Vec<String> = OUR.iter().map(|a| a.to_string()).collect();
    let own = OwnIdentity {
        addresses: &addresses,
        message_id_domain: "desk.example",
        loop_header: "X-Deskmail-Loop",
    };
    verdict(m, &own)
}

fn is_machine(m: &Inbound) -> bool {
    matches!(verdict_of(m), Verdict::Machine(_))
}

fn is_doubt(m: &Inbound) -> bool {
    matches!(verdict_of(m), Verdict::Doubt(_))
}

fn from(mut m: Inbound, name: Option<&str>, email: &str) -> Inbound {
    m.from = Some(Address::new(name, email));
    m
}
