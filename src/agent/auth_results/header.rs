//! The `Authentication-Results` header (RFC 8601) read into its authserv-id and its results,
//! each `method=result` with its `ptype.property=value` pairs: comments (CFWS, nested, with
//! `;` and `=` inside) dropped, quoted strings unquoted, a missing authserv-id (Microsoft 365)
//! and noise such as `header.b=abc==` taken in stride. Hostile input yields fewer results,
//! never a panic.

/// One `Authentication-Results` header (RFC 8601), as far as proof needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct AuthResults {
    /// Empty when the header names none (Microsoft 365 writes it so).
    pub(super) authserv_id: String,
    pub(super) results: Vec<AuthResult>,
}

/// One `method=result` with its properties (`ptype.property`, lower-cased, → value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct AuthResult {
    pub(super) method: String,
    pub(super) result: String,
    pub(super) props: Vec<(String, String)>,
}

impl AuthResults {
    pub(super) fn parse(value: &str) -> AuthResults {
        let tokens = lex(value);
        let mut segments = tokens.split(|t| *t == Tok::Semi);
        let head = segments.next().unwrap_or(&[]);
        let mut results = Vec::new();
        let authserv_id = match head {
            // No authserv-id: the header starts with a result.
            [Tok::Word(_), Tok::Eq, ..] => {
                results.extend(AuthResult::parse(head));
                String::new()
            }
            // authserv-id [version]
            [Tok::Word(id), ..] => id.clone(),
            _ => String::new(),
        };
        // `none` and empty segments hold no `method=result` and drop out here.
        results.extend(segments.filter_map(AuthResult::parse));
        AuthResults {
            authserv_id,
            results,
        }
    }
}

impl AuthResult {
    fn parse(segment: &[Tok]) -> Option<AuthResult> {
        let mut pairs = pairs(segment).into_iter();
        let (method, result) = pairs.next()?;
        let method = method.split('/').next().unwrap_or_default().to_string();
        Some(AuthResult {
            method,
            result: result.to_ascii_lowercase(),
            props: pairs.collect(),
        })
    }
}

/// A header value's tokens, comments (CFWS) dropped, quoted strings unquoted.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Word(String),
    Eq,
    Semi,
}

fn lex(value: &str) -> Vec<Tok> {
    fn flush(word: &mut Option<String>, tokens: &mut Vec<Tok>) {
        if let Some(w) = word.take() {
            tokens.push(Tok::Word(w));
        }
    }
    let mut tokens = Vec::new();
    // A word runs on through quoted strings: `"a;b"@example.org` is one value.
    let mut word: Option<String> = None;
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '(' => {
                flush(&mut word, &mut tokens);
                skip_comment(&mut chars);
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => w.extend(chars.next()),
                        _ => w.push(q),
                    }
                }
            }
            ';' => {
                flush(&mut word, &mut tokens);
                tokens.push(Tok::Semi);
            }
            '=' => {
                flush(&mut word, &mut tokens);
                tokens.push(Tok::Eq);
            }
            c if c.is_whitespace() => flush(&mut word, &mut tokens),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    flush(&mut word, &mut tokens);
    tokens
}

/// Skips a comment after its '(' (nested comments and quoted pairs included).
fn skip_comment(chars: &mut std::str::Chars<'_>) {
    let mut depth = 1usize;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return;
                }
            }
            _ => {}
        }
    }
}

/// `key=value` pairs of one result, in order; the key is the word right before '=' (lower-cased).
fn pairs(segment: &[Tok]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut key: Option<&str> = None;
    let mut tokens = segment.iter().peekable();
    while let Some(t) = tokens.next() {
        match t {
            Tok::Word(w) => key = Some(w),
            // A '=' with no key before it (`header.b=abc==`) is noise.
            Tok::Eq => {
                if let Some(k) = key.take() {
                    let value = match tokens.next_if(|t| matches!(t, Tok::Word(_))) {
                        Some(Tok::Word(v)) => v.as_str(),
                        _ => "",
                    };
                    out.push((k.to_ascii_lowercase(), value.to_string()));
                }
            }
            Tok::Semi => key = None,
        }
    }
    out
}
