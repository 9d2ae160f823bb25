//! The self-service portal, both ways: reading the `Field: value` lines of a portal form mail
//! into a ticket request, and building the prefilled form link for a loose mail (seed 000:
//! nobody retypes, nobody jumps the queue). Pure functions.

use crate::config::{FieldNames, FormRule, Portal};
use crate::model::{Inbound, Priority};
use crate::text::{fit, fold_whitespace};

/// A ticket request as the portal form mail states it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FormRequest {
    pub name: Option<String>,
    pub email: String,
    pub category: String,
    pub priority: Priority,
    pub subject: String,
    pub description: String,
}

/// Why a portal mail could not be read as a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormProblem {
    Missing(Vec<&'static str>),
    BadEmail(String),
    BadPriority(String),
}

impl std::fmt::Display for FormProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FormProblem::Missing(fields) => {
                write!(f, "portal form lacks field(s): {}", fields.join(", "))
            }
            FormProblem::BadEmail(v) => {
                write!(f, "portal form has no usable requester address: {v:?}")
            }
            FormProblem::BadPriority(v) => write!(f, "portal form has an unknown priority: {v:?}"),
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Field {
    Name,
    Email,
    Category,
    Priority,
    Subject,
    Description,
}

fn field_of(label: &str, names: &FieldNames) -> Option<Field> {
    let label = label.trim();
    let is = |list: &[String]| list.iter().any(|n| n.eq_ignore_ascii_case(label));
    [
        (&names.name, Field::Name),
        (&names.email, Field::Email),
        (&names.category, Field::Category),
        (&names.priority, Field::Priority),
        (&names.subject, Field::Subject),
        (&names.description, Field::Description),
    ]
    .into_iter()
    .find_map(|(list, f)| is(list).then_some(f))
}

/// Read a portal form mail body: one `Field: value` per line; the description runs from its
/// line to the end of the body.
pub fn parse_form(body: &str, names: &FieldNames) -> Result<FormRequest, FormProblem> {
    let (mut name, mut email, mut category, mut priority, mut subject) =
        (None, None, None, None, None);
    let mut description: Option<String> = None;
    let lines: Vec<&str> = body.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let Some((label, value)) = line.split_once(':') else {
            continue;
        };
        let Some(field) = field_of(label, names) else {
            continue;
        };
        let value = value.trim().to_string();
        match field {
            Field::Name => name = Some(value),
            Field::Email => email = Some(value),
            Field::Category => category = Some(value),
            Field::Priority => priority = Some(value),
            Field::Subject => subject = Some(fit(&value, MAX_SUBJECT_CHARS)),
            Field::Description => {
                let mut text = value;
                for rest in &lines[i + 1..] {
                    text.push('\n');
                    text.push_str(rest);
                }
                description = Some(text.trim().to_string());
                break;
            }
        }
    }
    let mut missing = Vec::new();
    for (v, label) in [
        (&email, "email"),
        (&category, "category"),
        (&priority, "priority"),
        (&subject, "subject"),
        (&description, "description"),
    ] {
        if v.as_deref().is_none_or(|s| s.trim().is_empty()) {
            missing.push(label);
        }
    }
    if !missing.is_empty() {
        return Err(FormProblem::Missing(missing));
    }
    let email = email.unwrap_or_default();
    let email = email.trim_matches(|c| c == '<' || c == '>').to_string();
    if !crate::model::valid_address(&email) {
        return Err(FormProblem::BadEmail(email));
    }
    let priority_text = priority.unwrap_or_default();
    let priority = priority_text
        .parse()
        .map_err(|_| FormProblem::BadPriority(priority_text))?;
    Ok(FormRequest {
        name: name.filter(|n| !n.is_empty()).map(|n| fold_whitespace(&n)),
        email,
        category: fold_whitespace(&category.unwrap_or_default()).to_lowercase(),
        priority,
        subject: fold_whitespace(&subject.unwrap_or_default()),
        description: description.unwrap_or_default(),
    })
}

/// The portal form a loose mail is pointed at.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FormChoice {
    /// The category of a keyword rule that matched; None for the general form.
    pub category: Option<String>,
    pub url: String,
}

/// Pick the form: the first keyword rule with a word in the subject or body, else the general one.
pub fn choose_form(inbound: &Inbound, portal: &Portal) -> FormChoice {
    let text = format!("{}\n{}", inbound.subject, inbound.body).to_lowercase();
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .filter(|w| !w.is_empty())
        .collect();
    let hit = |rule: &FormRule| {
        rule.keywords.iter().any(|k| {
            let k = k.trim().to_lowercase();
            // a keyword matches a word that starts with it: "printer" finds "printers", "printen" finds "printende"
            !k.is_empty()
                && (words.iter().any(|w| w.starts_with(&k))
                    || (k.contains(' ') && text.contains(&k)))
        })
    };
    portal
        .forms
        .iter()
        .find(|rule| hit(rule))
        .map(|rule| FormChoice {
            category: Some(rule.category.clone()),
            url: rule.url.clone(),
        })
        .unwrap_or_else(|| FormChoice {
            category: None,
            url: portal.form_url.clone(),
        })
}

/// The form link with the sender's address, name, subject and a bounded excerpt prefilled.
pub fn prefill_url(form: &FormChoice, inbound: &Inbound, portal: &Portal) -> String {
    let from = inbound.from.as_ref();
    let mut params: Vec<(&str, String)> = Vec::new();
    if let Some(f) = from {
        params.push((&portal.prefill.email, f.email.clone()));
        if let Some(n) = &f.name {
            params.push((
                &portal.prefill.name,
                fit(&fold_whitespace(n), MAX_NAME_CHARS),
            ));
        }
    }
    let subject = fit(&strip_reply_prefixes(&inbound.subject), MAX_SUBJECT_CHARS);
    if !subject.is_empty() {
        params.push((&portal.prefill.subject, subject));
    }
    let excerpt = excerpt(&inbound.body, portal.excerpt_chars);
    if !excerpt.is_empty() {
        params.push((&portal.prefill.description, excerpt));
    }
    let added = params
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)));
    with_query(&form.url, added)
}

/// `url` with `pairs` (already encoded) after its own query and before its `#fragment`. A URL
/// that does not parse (the config check refuses those) is given back as it is: a link without
/// prefill still leads to the form.
fn with_query(url: &str, pairs: impl Iterator<Item = String>) -> String {
    let Ok(mut url) = url::Url::parse(url) else {
        return url.to_string();
    };
    let own = url.query().map(|q| q.trim_end_matches('&').to_string());
    let query: Vec<String> = own
        .into_iter()
        .chain(pairs)
        .filter(|p| !p.is_empty())
        .collect();
    if !query.is_empty() {
        url.set_query(Some(&query.join("&")));
    }
    url.into()
}

/// Longest subject and name carried over from a mail: a link must stay a link (browsers and
/// portals refuse URLs of many kilobytes), and nobody types a 10,000-character subject.
pub const MAX_SUBJECT_CHARS: usize = 200;
const MAX_NAME_CHARS: usize = 100;

/// The start of the body without quoted history and signature, cut at a word boundary.
pub fn excerpt(body: &str, max_chars: usize) -> String {
    let text = crate::quote::strip(body);
    if text.chars().count() <= max_chars {
        return text;
    }
    let cut: String = text.chars().take(max_chars).collect();
    let cut = match cut.rfind(char::is_whitespace) {
        Some(i) if i > max_chars / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{} …", cut.trim_end())
}

/// `Re: Fwd: AW: subject` → `subject`.
pub fn strip_reply_prefixes(subject: &str) -> String {
    let mut s = subject.trim();
    loop {
        let lower = s.to_lowercase();
        let prefix = [
            "re:", "fw:", "fwd:", "aw:", "wg:", "antw:", "doorst:", "sv:",
        ]
        .iter()
        .find(|p| lower.starts_with(*p));
        match prefix {
            Some(p) => s = s[p.len()..].trim_start(),
            None => return fold_whitespace(s),
        }
    }
}

/// RFC 3986 percent-encoding of everything but unreserved characters.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Address;

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
        assert!(
            parse_form(&bad, &FieldNames::default()).is_ok_and(|f| f.email == "ann@example.org")
        );
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
        let body =
            "email: EMAIL\ncategory: network\npriority: low\nsubject: VPN\ndescription: down";
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
}
