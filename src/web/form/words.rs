//! The form's words and choices, pure: the page's language, the categories offered, what is
//! wrong with a post.

use super::{Choice, GENERAL};
use crate::model::Lang;
use crate::portal::FormProblem;
use axum::http::{HeaderMap, header};

/// The page's language: the `lang` asked for, else the browser's first of nl/en, else the
/// desk's.
pub(super) fn language(asked: Option<&str>, accept: Option<&str>, desk: Lang) -> Lang {
    if let Some(lang) = asked.and_then(|l| l.parse().ok()) {
        return lang;
    }
    accept
        .into_iter()
        .flat_map(|a| a.split(','))
        .filter_map(|part| part.split(';').next())
        .find_map(|tag| tag.trim().split('-').next()?.parse().ok())
        .unwrap_or(desk)
}

pub(super) fn accept_language(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
}

/// The desk's form categories (those of `portal.forms`), then "something else".
pub(super) fn categories(config: &crate::config::Config, lang: Lang) -> Vec<Choice> {
    let mut choices: Vec<Choice> = Vec::new();
    for rule in &config.portal.forms {
        if !choices.iter().any(|c| c.value == rule.category) {
            choices.push(Choice {
                value: rule.category.clone(),
                label: rule.category.clone(),
            });
        }
    }
    let other = match lang {
        Lang::Nl => "Iets anders",
        Lang::En => "Something else",
    };
    choices.push(Choice {
        value: GENERAL.into(),
        label: other.into(),
    });
    choices
}

/// What is wrong with a post, in the page's language.
pub(super) fn problem_text(problem: &FormProblem, lang: Lang) -> String {
    let word = |field: &str| match (lang, field) {
        (Lang::Nl, "email") => "je e-mailadres",
        (Lang::Nl, "category") => "waar het over gaat",
        (Lang::Nl, "subject") => "het onderwerp",
        (Lang::Nl, "description") => "de beschrijving",
        (Lang::En, "email") => "your email address",
        (Lang::En, "category") => "what it is about",
        (Lang::En, "subject") => "the subject",
        (Lang::En, "description") => "the description",
        _ => "?",
    };
    match (problem, lang) {
        (FormProblem::Missing(fields), Lang::Nl) => format!(
            "Vul nog in: {}.",
            fields
                .iter()
                .map(|f| word(f))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        (FormProblem::Missing(fields), Lang::En) => format!(
            "Please fill in {}.",
            fields
                .iter()
                .map(|f| word(f))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        (_, Lang::Nl) => "Dat e-mailadres klopt niet; kijk het nog eens na.".into(),
        (_, Lang::En) => "That email address does not look right; please check it.".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_is_the_asked_one_else_the_browsers_else_the_desks() {
        assert_eq!(language(Some("en"), Some("nl"), Lang::Nl), Lang::En);
        assert_eq!(language(Some("fr"), None, Lang::Nl), Lang::Nl);
        assert_eq!(
            language(None, Some("de-DE,en-GB;q=0.8,nl;q=0.5"), Lang::Nl),
            Lang::En
        );
        assert_eq!(language(None, Some("nl-BE"), Lang::En), Lang::Nl);
        assert_eq!(language(None, Some("fr, de"), Lang::En), Lang::En);
    }

    #[test]
    fn a_missing_field_is_named_in_the_pages_language() {
        let p = FormProblem::Missing(vec!["subject", "description"]);
        assert_eq!(
            problem_text(&p, Lang::En),
            "Please fill in the subject, the description."
        );
        assert!(problem_text(&p, Lang::Nl).contains("het onderwerp"));
    }
}
