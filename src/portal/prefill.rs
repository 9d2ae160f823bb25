//! The other way round: a loose mail is pointed at a portal form, picked by keyword, with a
//! link that carries the sender's address, name, subject and an excerpt, so nobody retypes.

use super::MAX_SUBJECT_CHARS;
use crate::config::{FormRule, Portal};
use crate::model::Inbound;
use crate::text::{fit, fold_whitespace};

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

/// The query parameter that carries the proof that the link was mailed to its `email`
/// (`requester::token::PageKey::address_proof`): only on links to deskmail's own form.
pub const PROOF_PARAM: &str = "proof";

/// `url` with one more parameter `name=value`.
pub fn with_param(url: &str, name: &str, value: &str) -> String {
    with_query(
        url,
        std::iter::once(format!(
            "{}={}",
            percent_encode(name),
            percent_encode(value)
        )),
    )
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

/// Longest name carried over from a mail, for the same reason as [`MAX_SUBJECT_CHARS`].
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
