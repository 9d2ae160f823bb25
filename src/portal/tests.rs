use super::*;
use crate::config::{FieldNames, FormRule, Portal};
use crate::model::{Address, Inbound, Priority};
use crate::text::fit;

fn portal() -> Portal {
    Portal {
        form_url: "https://portal.example.org/form".into(),
        senders: vec!["portal@example.org".into()],
        excerpt_chars: 40,
        reply_interval_hours: 24,
        forms: vec![FormRule {
            category: "printer".into(),
            url: "https://portal.example.org/printer?src=mail".into(),
            keywords: vec!["printer".into(), "printen".into(), "toner".into()],
        }],
        fields: FieldNames::default(),
        prefill: Default::default(),
    }
}

#[test]
fn dutch_form_with_multiline_description() {
    let body = "Beste servicedesk,\n\nNaam: Jan de Vries\nE-mail: jan@example.org\nCategorie: Printer\n\
                Prioriteit: hoog\nOnderwerp: Printer  3e verdieping\nOmschrijving: Hij piept.\nEn geeft: geen papier.\n";
    let f = parse_form(body, &FieldNames::default()).unwrap();
    assert_eq!(f.name.as_deref(), Some("Jan de Vries"));
    assert_eq!(f.email, "jan@example.org");
    assert_eq!(f.category, "printer");
    assert_eq!(f.priority, Priority::High);
    assert_eq!(f.subject, "Printer 3e verdieping");
    assert_eq!(f.description, "Hij piept.\nEn geeft: geen papier.");
}

#[test]
fn english_form_is_case_insensitive_and_problems_are_named() {
    let body = "NAME: Ann\nemail: ann@example.org\ncategory: network\npriority: Critical\nsubject: VPN\ndescription: down";
    let f = parse_form(body, &FieldNames::default()).unwrap();
    assert_eq!(f.priority, Priority::Critical);
    assert_eq!(
        parse_form("Name: Ann\nSubject: x", &FieldNames::default()),
        Err(FormProblem::Missing(vec![
            "email",
            "category",
            "priority",
            "description"
        ]))
    );
    let bad = body.replace("ann@example.org", "ann@example.org\r\nBcc: x@y.z");
    assert!(parse_form(&bad, &FieldNames::default()).is_ok_and(|f| f.email == "ann@example.org"));
    let bad = body.replace("ann@example.org", "ann at example");
    assert!(matches!(
        parse_form(&bad, &FieldNames::default()),
        Err(FormProblem::BadEmail(_))
    ));
    let bad = body.replace("Critical", "asap");
    assert!(matches!(
        parse_form(&bad, &FieldNames::default()),
        Err(FormProblem::BadPriority(_))
    ));
}

#[test]
fn a_form_address_is_taken_exactly_when_sending_takes_it() {
    let body = "email: EMAIL\ncategory: network\npriority: low\nsubject: VPN\ndescription: down";
    for (email, valid) in crate::model::ADDRESS_CASES {
        let form = parse_form(&body.replace("EMAIL", email), &FieldNames::default());
        assert_eq!(form.is_ok(), *valid, "{email}: {form:?}");
        if let Ok(form) = form {
            assert!(crate::model::mail_address(&form.email).is_ok(), "{email}");
        }
    }
}

fn mail(subject: &str, body: &str) -> Inbound {
    Inbound {
        from: Some(Address::new(Some("Jan de Vries"), "jan@example.org")),
        subject: subject.into(),
        body: body.into(),
        ..Default::default()
    }
}

#[test]
fn keywords_pick_the_category_form() {
    let p = portal();
    assert_eq!(
        choose_form(&mail("Printers kapot", "help"), &p)
            .category
            .as_deref(),
        Some("printer")
    );
    assert_eq!(choose_form(&mail("VPN", "werkt niet"), &p).category, None);
    // a keyword inside another word does not count
    assert_eq!(choose_form(&mail("Sprinter", "x"), &p).category, None);
}

#[test]
fn prefill_is_url_encoded_and_bounded() {
    let p = portal();
    let m = mail(
        "Re: Printer & scanner?",
        "Mijn printer doet het niet meer sinds vanochtend, echt helemaal niets.\n-- \nJan",
    );
    let url = prefill_url(&choose_form(&m, &p), &m, &p);
    assert!(url.starts_with("https://portal.example.org/printer?src=mail&email=jan%40example.org&name=Jan%20de%20Vries&subject=Printer%20%26%20scanner%3F&description="), "{url}");
    assert!(
        url.ends_with("%E2%80%A6"),
        "excerpt is cut with an ellipsis: {url}"
    );
    assert!(!url.contains(' ') && !url.contains('\n'));
}

/// The link for a mail from "Zoë" about `subject`, with `body`, on the form at `form_url`.
fn link(form_url: &str, prefill: crate::config::PrefillNames, subject: &str) -> String {
    let p = Portal {
        form_url: form_url.into(),
        forms: Vec::new(),
        prefill,
        ..portal()
    };
    let mut m = mail(subject, "Kapot.");
    m.from = Some(Address::new(Some("Zoë d'Ancona"), "zoe+it@example.org"));
    prefill_url(&choose_form(&m, &p), &m, &p)
}

#[test]
fn the_prefill_goes_before_a_fragment() {
    let url = link(
        "https://portal.example.org/form#nieuw",
        Default::default(),
        "VPN",
    );
    assert_eq!(
        url,
        "https://portal.example.org/form?email=zoe%2Bit%40example.org&name=Zo%C3%AB%20d%27Ancona\
         &subject=VPN&description=Kapot.#nieuw"
    );
}

#[test]
fn a_form_query_is_kept_and_added_to() {
    let url = link(
        "https://portal.example.org/form?src=mail&lang=nl#top",
        Default::default(),
        "VPN",
    );
    assert!(
        url.starts_with("https://portal.example.org/form?src=mail&lang=nl&email=zoe%2Bit%40"),
        "{url}"
    );
    assert!(url.ends_with("&description=Kapot.#top"), "{url}");
    // an empty query or a trailing `&` gives no empty parameter
    for form in [
        "https://portal.example.org/form?",
        "https://portal.example.org/form?src=mail&",
    ] {
        let url = link(form, Default::default(), "VPN");
        assert!(!url.contains("?&") && !url.contains("&&"), "{url}");
    }
}

#[test]
fn values_and_names_with_url_syntax_come_back_as_they_were() {
    let prefill = crate::config::PrefillNames {
        email: "e-mail adres".into(),
        name: "naam[0]".into(),
        subject: "onderwerp&titel".into(),
        description: "omschrijving=tekst".into(),
    };
    let subject = "Café #3 & 4 + 5 = 50% ?/";
    let url = link(
        "https://portal.example.org/form?src=mail#nieuw",
        prefill,
        subject,
    );
    let parsed = url::Url::parse(&url).expect("a URL");
    assert_eq!(parsed.fragment(), Some("nieuw"));
    let pairs: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
    let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
    assert_eq!(
        pairs,
        [
            pair("src", "mail"),
            pair("e-mail adres", "zoe+it@example.org"),
            pair("naam[0]", "Zoë d'Ancona"),
            pair("onderwerp&titel", subject),
            pair("omschrijving=tekst", "Kapot."),
        ]
    );
    assert!(url.is_ascii() && !url.contains(' '), "{url}");
}

#[test]
fn excerpt_drops_quotes_and_signature() {
    let body = "Graag hulp.\n\nOp 1 jan. 2026 schreef Piet:\n> oud\n";
    assert_eq!(excerpt(body, 100), "Graag hulp.");
    assert_eq!(excerpt("a\n> quoted\nb\n-- \nsig", 100), "a\nb");
}

#[test]
fn reply_prefixes_are_stripped() {
    assert_eq!(
        strip_reply_prefixes("RE: Fwd:  AW: Hallo  daar"),
        "Hallo daar"
    );
}

#[test]
fn a_huge_subject_or_name_does_not_make_a_huge_link() {
    let m = Inbound {
        from: Some(crate::model::Address::new(
            Some(&"N".repeat(5000)),
            "jan@example.org",
        )),
        subject: "S".repeat(100_000),
        body: "B ".repeat(100_000),
        ..Inbound::default()
    };
    let portal = crate::config::test_config("").portal;
    let url = prefill_url(&choose_form(&m, &portal), &m, &portal);
    assert!(url.len() < 4000, "{} bytes", url.len());
    assert_eq!(fit("kort", 10), "kort");
    assert_eq!(fit("langer dan tien", 10), "langer da…");
}
