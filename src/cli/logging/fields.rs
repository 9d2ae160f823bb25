//! An event's fields as the readable text form writes them — the message, then `name=value`
//! pairs — and as the journal gets them, one value per field. A value that holds a space, a
//! quote, `=` or a line break is quoted, so that `reason="too old: 9 days"` reads as one value
//! and no value can start a log line of its own.

use std::fmt::{self, Write as _};
use tracing::field::{Field, Visit};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::FormatFields;
use tracing_subscriber::fmt::format::Writer;

/// The field that raises an event's journal priority above its level's: `priority = "crit"`.
pub const PRIORITY_FIELD: &str = "priority";

/// How a value came in: text is always quoted (as tracing-subscriber's own text form does, so
/// the lines read as before), a `%`/`?` value only when it would not read as one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Formatted,
    Number,
}

/// One field of an event, by its tracing name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    pub name: &'static str,
    pub text: String,
    pub kind: Kind,
}

/// The fields of one event, in the order they were given; the message apart.
#[derive(Debug, Default)]
pub struct EventFields {
    pub message: String,
    pub values: Vec<Value>,
}

impl EventFields {
    pub fn of(fields: impl RecordFields) -> EventFields {
        let mut collected = EventFields::default();
        fields.record(&mut collected);
        collected
    }

    /// The value of a field, by its tracing name.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|v| v.name == name)
            .map(|v| v.text.as_str())
    }

    /// `message name=value name="a value"`: the readable line without time and level.
    pub fn line(&self) -> String {
        let mut line = self.message.clone();
        for v in &self.values {
            if !line.is_empty() {
                line.push(' ');
            }
            // writing to a String cannot fail
            let _ = write!(line, "{}={}", v.name, shown(&v.text, v.kind));
        }
        line
    }

    fn push(&mut self, field: &Field, text: String, kind: Kind) {
        if field.name() == "message" {
            self.message = text;
        } else {
            self.values.push(Value {
                name: field.name(),
                text,
                kind,
            });
        }
    }
}

impl Visit for EventFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.push(field, value.to_string(), Kind::Text);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.push(field, value.to_string(), Kind::Number);
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.push(field, value.to_string(), Kind::Number);
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.push(field, value.to_string(), Kind::Number);
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.push(field, value.to_string(), Kind::Number);
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.push(field, format!("{value:?}"), Kind::Formatted);
    }
}

/// A value as the text form shows it.
pub fn shown(text: &str, kind: Kind) -> String {
    let needs_quotes = match kind {
        Kind::Text => true,
        Kind::Number => false,
        Kind::Formatted => {
            text.is_empty()
                || text
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '=' | '\\'))
        }
    };
    if needs_quotes {
        // Rust's string literal form: quotes and backslashes escaped, line breaks as \n
        format!("{text:?}")
    } else {
        text.to_string()
    }
}

/// The text layer's field formatter: [`EventFields::line`].
pub struct QuotedFields;

impl<'writer> FormatFields<'writer> for QuotedFields {
    fn format_fields<R: RecordFields>(
        &self,
        mut writer: Writer<'writer>,
        fields: R,
    ) -> fmt::Result {
        writer.write_str(&EventFields::of(fields).line())
    }
}

#[cfg(test)]
mod tests {
    use super::{Kind, shown};

    #[test]
    fn a_formatted_value_with_a_space_is_quoted() {
        assert_eq!(
            shown("too old: 9 days", Kind::Formatted),
            r#""too old: 9 days""#
        );
    }

    #[test]
    fn a_formatted_value_without_one_is_not() {
        assert_eq!(
            shown("1700000000.M0P1.test", Kind::Formatted),
            "1700000000.M0P1.test"
        );
        assert_eq!(shown("<a@b.c>", Kind::Formatted), "<a@b.c>");
    }

    #[test]
    fn quotes_backslashes_equals_and_line_breaks_stay_inside_one_value() {
        assert_eq!(shown("a \"b\"\nc", Kind::Formatted), r#""a \"b\"\nc""#);
        assert_eq!(shown("a=b", Kind::Formatted), r#""a=b""#);
        assert_eq!(shown(r"C:\x", Kind::Formatted), r#""C:\\x""#);
        assert_eq!(shown("", Kind::Formatted), r#""""#);
    }

    #[test]
    fn text_is_quoted_as_before_and_numbers_never() {
        assert_eq!(shown("portal_reply", Kind::Text), r#""portal_reply""#);
        assert_eq!(shown("42", Kind::Number), "42");
        assert_eq!(shown("true", Kind::Number), "true");
    }
}
