//! A portal form mail read into a ticket request: one `Field: value` per line under the
//! names the config gives each field, the description running to the end of the body.

use super::MAX_SUBJECT_CHARS;
use crate::config::FieldNames;
use crate::model::Priority;
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
            Field::Subject => subject = Some(value),
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
    check(Fields {
        name,
        email,
        category,
        priority,
        subject,
        description,
    })
}

/// A form's fields as given, before they are checked: from a portal form mail's lines or from
/// deskmail's own form (`web::form`), so both are held to the same rules.
#[derive(Debug, Clone, Default)]
pub struct Fields {
    pub name: Option<String>,
    pub email: Option<String>,
    pub category: Option<String>,
    pub priority: Option<String>,
    pub subject: Option<String>,
    pub description: Option<String>,
}

/// The ticket request the fields make: every field but the name present, one usable address,
/// a known priority.
pub fn check(f: Fields) -> Result<FormRequest, FormProblem> {
    let Fields {
        name,
        email,
        category,
        priority,
        subject,
        description,
    } = f;
    let subject = subject.map(|s| fit(&s, MAX_SUBJECT_CHARS));
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
