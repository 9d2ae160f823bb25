//! Machine mail told by its subject or its text: out-of-office replies in many languages,
//! delivery reports, DMARC and TLS reports, challenges, bracketed tags, "why you get this" and
//! "do not reply" lines; the same words in a person's question are answered.

use super::*;

#[test]
fn out_of_office_in_many_languages() {
    for subject in [
        "Respuesta automática: impresora",
        "Risposta automatica: stampante",
        "Automatisk svar: skrivare",
        "Automatická odpověď: tiskárna",
        "Otomatik yanıt: yazıcı",
        "自动回复：打印机",
        "Автоматический ответ: принтер",
    ] {
        assert_eq!(
            kind(&person(subject, &[], "")),
            Some(MachineKind::AutoReply),
            "{subject}"
        );
    }
    let lotus = person(
        "AUTO: Jan Jansen is out of the office (returning 12/08/2024)",
        &[],
        "I will be out of the office starting 01/08/2024.",
    );
    assert_eq!(kind(&lotus), Some(MachineKind::AutoReply));
    let es = person(
        "Fuera de la oficina",
        &[],
        "Estoy fuera de la oficina hasta el lunes.",
    );
    assert_eq!(kind(&es), Some(MachineKind::AutoReply));
    // a person asking about their out-of-office: handed to an agent at most, never ignored
    let asking = person("Out of office: not working", &[], "Can you switch it on?");
    assert!(!is_machine(&asking));
}

#[test]
fn delivery_reports_by_subject_need_a_mail_system_sender() {
    for (subject, sender) in [
        (
            "Returned mail: see transcript",
            "administrator@mx.example.org",
        ),
        ("Delivery failure notification", "antivirus@gw.example.org"),
        ("Mail Delivery Warning", "mailscanner@example.org"),
        ("Message non remis", "admin@example.fr"),
    ] {
        let m = from(person(subject, &[], "x"), None, sender);
        assert_eq!(kind(&m), Some(MachineKind::Bounce), "{subject}");
    }
    let m = from(
        person("Undeliverable mail", &[], "x"),
        Some("System Administrator"),
        "it@example.org",
    );
    assert_eq!(kind(&m), Some(MachineKind::Bounce));
    // a person's question with the same words is answered
    let m = person("Returned mail when I write to a customer", &[], "Help?");
    assert_eq!(verdict_of(&m), Verdict::Person);
}

#[test]
fn reports_and_challenges() {
    let m = person(
        "Report Domain: example.org Submitter: google.com Report-ID: 123",
        &[],
        "",
    );
    assert!(is_machine(&m));
    let mut m = person("DMARC", &[], "");
    m.attachments.push(crate::model::Attachment {
        name: "google.com!example.org!1700000000!1700086399.zip".into(),
        content_type: "application/zip".into(),
        size: 1,
    });
    assert!(is_machine(&m));
    let mut m = person("Report", &[], "");
    m.part_types.push("application/tlsrpt+gzip".into());
    assert!(is_machine(&m));
    let m = from(person("Please confirm", &[], "x"), None, "verify@boxbe.com");
    assert!(is_machine(&m));
    let m = person(
        "Please confirm your message",
        &[],
        "I use a spam filter that requires you to confirm you are a human: click the link below to confirm.",
    );
    assert!(is_machine(&m));
}

#[test]
fn bracketed_automation_tags_are_machine_mail() {
    for subject in [
        "[AUTO GENERATED] Some subject",
        "[Auto-Generated] Nightly backup report",
        "[Automated] Password expires in 5 days",
        "[Automatisch generiert] Zählerstand",
        "[Message automatique] Votre demande",
    ] {
        assert_eq!(
            kind(&person(subject, &[], "Report attached.")),
            Some(MachineKind::OtherAuto),
            "{subject}"
        );
    }
    for subject in [
        "Automated backup fails since Monday",
        "Re: [Automated] Password expires in 5 days",
        "Question about [automated] tests",
    ] {
        assert_eq!(kind(&person(subject, &[], "Help?")), None, "{subject}");
    }
}

#[test]
fn bracketed_responder_prefixes_are_autoreplies() {
    for subject in [
        "[Automatyczna odpowiedź] test",
        "[Auto-Reply] Printer",
        "[Automatic reply] VPN",
        "[Réponse automatique] Imprimante",
    ] {
        assert_eq!(
            kind(&person(subject, &[], "Thanks.")),
            Some(MachineKind::AutoReply),
            "{subject}"
        );
    }
    // a person's own bracket with more words after the responder word
    assert_eq!(kind(&person("[Auto reply rules] broken", &[], "Hi")), None);
}

#[test]
fn why_you_get_this_in_its_usual_wordings() {
    for why in [
        "You receive this e-mail because you are listed in our database.",
        "You have received this email because you bought a licence.",
        "You're getting this email because you signed up.",
        "You are receiving this message because you are a customer.",
    ] {
        let body = format!("Licensing update.\n\n{why} Click here to unsubscribe.");
        assert!(
            is_machine(&person("Licensing information", &[], &body)),
            "{why}"
        );
    }
    // a person explaining why they write is not a footer
    let body = "I'm sending this email because you asked me to report the VPN error.";
    assert_eq!(verdict_of(&person("VPN", &[], body)), Verdict::Person);
}

#[test]
fn do_not_reply_lines() {
    // with a why-you-get-this line: a notification, whatever the language
    for body in [
        "Do not reply to this email. You can add comments at\nhttps://bugs.example.org/1\n\n-- \nYou are receiving this mail because:\nYou reported the bug.",
        "Ihre Bestellung ist unterwegs.\nDiese E-Mail wurde automatisch erstellt, bitte antworten Sie nicht auf diese Nachricht.\nSie erhalten diese E-Mail, weil Sie bei uns bestellt haben.",
        "Votre colis est en route.\nMerci de ne pas répondre à ce message.\nVous recevez cet e-mail car vous avez passé commande.",
    ] {
        assert!(is_machine(&person("Status", &[], body)), "{body}");
    }
    // alone, a person at the desk looks at it
    for body in [
        "Your package has been shipped.\n\nThis is an automatically generated message, please do not reply.",
        "Su pedido ha sido enviado. Por favor, no responda a este correo.",
        "Il tuo ordine è stato spedito. Messaggio generato automaticamente, non rispondere a questa e-mail.",
        "Uw pakket is onderweg. Dit is een automatisch gegenereerd bericht.",
    ] {
        assert!(is_doubt(&person("Status", &[], body)), "{body}");
    }
    // a person quoting such a notification below their own question is answered
    let quoted = "Hi, I never got the parcel, can you check?\n\n> Your package has been shipped.\n> Please do not reply to this email.";
    assert_eq!(
        verdict_of(&person("Re: Status", &[], quoted)),
        Verdict::Person
    );
}
