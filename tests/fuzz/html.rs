//! Markup from outside in an HTML part: only the tags and attributes our templates write may
//! appear, and links only to http(s) or mailto.

use crate::report::Problem;
use crate::seeds::collect_files;
use std::collections::BTreeSet;
use std::path::Path;

/// The tags and attributes our templates write; anything else in an HTML part came from
/// outside unescaped.
pub struct HtmlAllowed {
    tags: BTreeSet<String>,
    attributes: BTreeSet<(String, String)>,
}

impl HtmlAllowed {
    pub fn from_templates() -> HtmlAllowed {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut files = Vec::new();
        collect_files(&dir, &mut files);
        let mut allowed = HtmlAllowed {
            tags: BTreeSet::new(),
            attributes: BTreeSet::new(),
        };
        for f in files
            .iter()
            .filter(|f| f.extension().is_some_and(|e| e == "html"))
        {
            let text = std::fs::read_to_string(f).expect("read a template");
            let tags = html_tags(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            for (tag, attrs) in tags {
                for (name, _) in attrs {
                    allowed.attributes.insert((tag.clone(), name));
                }
                allowed.tags.insert(tag);
            }
        }
        assert!(
            allowed.tags.contains("p"),
            "no HTML templates found in {}",
            dir.display()
        );
        allowed
    }

    pub fn check(&self, html: &str) -> Result<(), Problem> {
        let markup = |detail: String| Problem::new("markup from outside in the HTML part", detail);
        if html.to_ascii_lowercase().contains("<script") {
            return Err(markup("a <script".into()));
        }
        for (tag, attrs) in html_tags(html).map_err(markup)? {
            if !self.tags.contains(&tag) {
                return Err(markup(format!("tag <{tag}> is not one of ours")));
            }
            for (name, value) in attrs {
                if !self.attributes.contains(&(tag.clone(), name.clone())) {
                    return Err(markup(format!("attribute {name} on <{tag}> is not ours")));
                }
                let safe = ["https://", "http://", "mailto:"];
                let link = unescape(&value);
                if name == "href" && !safe.iter().any(|s| link.starts_with(s)) {
                    return Err(markup(format!("a link to {link:?}")));
                }
            }
        }
        Ok(())
    }
}

/// The entities Tera's escaping writes, back to text (enough to read a link's scheme).
fn unescape(value: &str) -> String {
    [
        ("&#x2F;", "/"),
        ("&quot;", "\""),
        ("&#x27;", "'"),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&amp;", "&"),
    ]
    .iter()
    .fold(value.to_string(), |v, (entity, text)| {
        v.replace(entity, text)
    })
}

/// Name and value of each attribute.
type Attributes = Vec<(String, String)>;
type Tag = (String, Attributes);

/// A small tag reader: each `<` must open a tag (or a doctype or comment), each tag is a name
/// and attributes with quoted or bare values. A `<` that opens nothing is text from outside
/// that escaped escaping.
fn html_tags(html: &str) -> Result<Vec<Tag>, String> {
    let mut tags = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        if let Some(comment) = after.strip_prefix("!--") {
            let close = comment.find("-->").ok_or("an unclosed comment")?;
            rest = &comment[close + 3..];
            continue;
        }
        let body = after.strip_prefix('/').unwrap_or(after);
        let body = body.strip_prefix('!').unwrap_or(body);
        let name_len = body
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(body.len());
        if name_len == 0 {
            let context: String = after.chars().take(40).collect();
            return Err(format!("an unescaped '<' before {context:?}"));
        }
        let name = body[..name_len].to_ascii_lowercase();
        let (attrs, tail) = html_attributes(&body[name_len..])?;
        tags.push((name, attrs));
        rest = tail;
    }
    Ok(tags)
}

/// Attributes up to the tag's `>`; returns them and the text after the tag.
fn html_attributes(mut s: &str) -> Result<(Attributes, &str), String> {
    let mut attrs = Vec::new();
    loop {
        s = s.trim_start();
        if let Some(tail) = s.strip_prefix('>').or_else(|| s.strip_prefix("/>")) {
            return Ok((attrs, tail));
        }
        let name_len = s
            .find(|c: char| c.is_whitespace() || "=>/".contains(c))
            .ok_or("an unclosed tag")?;
        if name_len == 0 {
            return Err(format!(
                "a stray character in a tag: {:?}",
                s.chars().take(40).collect::<String>()
            ));
        }
        let name = s[..name_len].to_ascii_lowercase();
        s = s[name_len..].trim_start();
        let mut value = String::new();
        if let Some(v) = s.strip_prefix('=') {
            let v = v.trim_start();
            let (text, tail) = match v.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let inner = &v[1..];
                    let end = inner.find(q).ok_or("an unclosed attribute value")?;
                    (&inner[..end], &inner[end + 1..])
                }
                _ => {
                    let end = v
                        .find(|c: char| c.is_whitespace() || c == '>')
                        .unwrap_or(v.len());
                    (&v[..end], &v[end..])
                }
            };
            value = text.to_string();
            s = tail;
        }
        attrs.push((name, value));
    }
}
