//! An agent's reply may change a ticket, so a From header alone is not enough: anyone can
//! write one. Each mail to agents carries a Reply-To signed for its ticket, so a reply proves
//! it answers *that* ticket's mail (no reuse for another ticket); and where the desk trusts its
//! receiving server, that server's own `Authentication-Results` (the topmost; lower ones may be
//! the sender's forgeries) must vouch for the From domain. Pure: the daemon supplies the mail,
//! the key and the config.

use crate::model::{Inbound, TicketRef};
use hmac::digest::Key;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use std::fmt;

type HmacSha256 = Hmac<Sha256>;

/// Bytes of the HMAC kept in the token: 80 bits, 20 hex characters.
const TOKEN_BYTES: usize = 10;

/// Longest `AuthFailed` detail kept (the log and `tickets show` need the gist, not a novel).
const MAX_DETAIL: usize = 300;

/// The secret that signs reply addresses.
#[derive(Clone)]
pub struct TokenKey {
    /// The key as HMAC uses it (RFC 2104 K0: padded to the block size, or hashed first when
    /// longer), so making a MAC can never fail.
    key: Key<HmacSha256>,
}

impl TokenKey {
    pub fn new(secret: &[u8]) -> TokenKey {
        let mut key = Key::<HmacSha256>::default();
        let hashed;
        let bytes = if secret.len() > key.len() {
            hashed = Sha256::digest(secret);
            hashed.as_slice()
        } else {
            secret
        };
        for (k, b) in key.iter_mut().zip(bytes) {
            *k = *b;
        }
        TokenKey { key }
    }

    fn mac(&self, reference: &TicketRef) -> HmacSha256 {
        let mut mac = HmacSha256::new(&self.key);
        mac.update(reference.as_str().trim().to_ascii_uppercase().as_bytes());
        mac
    }

    /// The token for a ticket: 20 lowercase hex characters.
    pub fn token(&self, reference: &TicketRef) -> String {
        let tag = self.mac(reference).finalize().into_bytes();
        tag.iter()
            .take(TOKEN_BYTES)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Whether `token` (either case) is the token for `reference`, compared in constant time.
    pub fn verify(&self, reference: &TicketRef, token: &str) -> bool {
        match decode_hex(token.trim()) {
            Some(tag) if tag.len() == TOKEN_BYTES => {
                self.mac(reference).verify_truncated_left(&tag).is_ok()
            }
            _ => false,
        }
    }
}

impl fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenKey(..)")
    }
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    let bytes = text.as_bytes();
    if bytes.is_empty() || !bytes.len().is_multiple_of(2) {
        return None;
    }
    bytes
        .chunks_exact(2)
        .map(|pair| match pair {
            [hi, lo] => Some(nibble(*hi)? << 4 | nibble(*lo)?),
            _ => None,
        })
        .collect()
}

/// The desk address as (local part without any `+tag`, domain).
fn desk_parts(desk_address: &str) -> Option<(&str, &str)> {
    let (local, domain) = desk_address.trim().rsplit_once('@')?;
    let local = local.split_once('+').map_or(local, |(l, _)| l);
    Some((local, domain))
}

/// The signed reply address for a ticket: "servicedesk+SD-1042.0a1b…@example.org".
pub fn reply_address(desk_address: &str, reference: &TicketRef, key: &TokenKey) -> String {
    let token = key.token(reference);
    match desk_parts(desk_address) {
        Some((local, domain)) => format!("{local}+{reference}.{token}@{domain}"),
        None => format!("{}+{reference}.{token}", desk_address.trim()),
    }
}

/// `text` with every signed reply address (`desk+REF.TOKEN@domain`) made unsigned
/// (`desk+REF@domain`): an agent's text goes to the requester, and a token in their hands
/// would let them steer their own ticket with a forged From line.
pub fn redact(text: &str, desk_address: &str) -> String {
    let Some((local, domain)) = desk_parts(desk_address) else {
        return text.to_string();
    };
    let needle = format!("{}+", local.to_ascii_lowercase());
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    let mut from = 0;
    while let Some(found) = lower[from..].find(&needle) {
        let start = from + found;
        let tag_start = start + needle.len();
        // the tag runs to the '@'; a token is the part after its last '.'
        let tag_end = lower[tag_start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)))
            .map_or(lower.len(), |e| tag_start + e);
        let at_domain = lower[tag_end..].starts_with('@')
            && lower[tag_end + 1..].starts_with(&domain.to_ascii_lowercase());
        let word_start =
            start == 0 || !lower[..start].ends_with(|c: char| c.is_ascii_alphanumeric());
        if at_domain
            && word_start
            && let Some(dot) = lower[tag_start..tag_end].rfind('.')
        {
            out.push_str(&text[done..tag_start + dot]);
            done = tag_end;
        }
        from = tag_end.max(start + 1);
    }
    out.push_str(&text[done..]);
    out
}

/// Every `desk+REF.TOKEN@` address among the mail's recipients (To, Cc, Delivered-To,
/// X-Original-To) — REF parsed with the given prefix (e.g. "SD-"), case-insensitive, returned
/// as TicketRef::new(prefix, n) — with its token text.
pub fn signed_recipients(
    m: &Inbound,
    desk_address: &str,
    prefix: &str,
) -> Vec<(TicketRef, String)> {
    let Some((desk_local, desk_domain)) = desk_parts(desk_address) else {
        return Vec::new();
    };
    let delivered = m
        .headers
        .iter()
        .filter(|(n, _)| {
            n.eq_ignore_ascii_case("delivered-to") || n.eq_ignore_ascii_case("x-original-to")
        })
        .flat_map(|(_, v)| v.split([',', ' ', '\t']));
    let candidates =
        m.to.iter()
            .chain(&m.cc)
            .map(|a| a.email.as_str())
            .chain(delivered);
    let mut found: Vec<(TicketRef, String)> = Vec::new();
    for address in candidates {
        if let Some((reference, token)) = signed_tag(address, desk_local, desk_domain, prefix)
            && !found
                .iter()
                .any(|(r, t)| *r == reference && t.eq_ignore_ascii_case(&token))
        {
            found.push((reference, token));
        }
    }
    found
}

fn signed_tag(
    address: &str,
    desk_local: &str,
    desk_domain: &str,
    prefix: &str,
) -> Option<(TicketRef, String)> {
    let address = address.trim().trim_start_matches('<').trim_end_matches('>');
    let (local, domain) = address.rsplit_once('@')?;
    let (base, tag) = local.split_once('+')?;
    if !base.eq_ignore_ascii_case(desk_local) || !domain.eq_ignore_ascii_case(desk_domain) {
        return None;
    }
    // The prefix may hold a '.', the token never does.
    let (reference, token) = tag.rsplit_once('.')?;
    if token.is_empty() {
        return None;
    }
    Some((TicketRef::parse(reference, prefix)?, token.to_string()))
}

/// Why an agent's mail does not count as commands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unproven {
    /// No signed address for any ticket.
    NoToken,
    /// A valid-looking address, but for another ticket (replay).
    TokenForAnotherTicket { named: TicketRef },
    /// Address for this ticket, token does not verify (tampered).
    BadToken,
    /// Trusted authserv-id configured, topmost A-R header missing or another id.
    NoAuthResults { authserv_id: String },
    /// Topmost trusted A-R header has no aligned pass; detail says what it said.
    AuthFailed { detail: String },
}

impl fmt::Display for Unproven {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unproven::NoToken => f.write_str(
                "the mail was not sent to a signed reply address of a ticket (desk+REF.TOKEN@)",
            ),
            Unproven::TokenForAnotherTicket { named } => write!(
                f,
                "the signed reply address is for ticket {named}, not for this one \
                 (a reply address reused from another ticket's mail)"
            ),
            Unproven::BadToken => {
                f.write_str("the reply address token does not match the ticket it names (tampered)")
            }
            Unproven::NoAuthResults { authserv_id } if authserv_id.is_empty() => f.write_str(
                "the topmost Authentication-Results header is missing or names an authserv-id \
                 (trusted: a header without one, as Microsoft 365 writes it)",
            ),
            Unproven::NoAuthResults { authserv_id } => write!(
                f,
                "no Authentication-Results header from the trusted server {authserv_id} on top \
                 of the mail (missing, or the topmost one names another server)"
            ),
            Unproven::AuthFailed { detail } => write!(
                f,
                "the trusted server's Authentication-Results shows no pass aligned with the \
                 From domain: {detail}"
            ),
        }
    }
}

/// Whether this mail proves itself for `ticket`. `authserv_id` None = only the token is checked.
pub fn check(
    m: &Inbound,
    ticket: &TicketRef,
    key: &TokenKey,
    desk_address: &str,
    prefix: &str,
    authserv_id: Option<&str>,
) -> Result<(), Unproven> {
    check_token(m, ticket, key, desk_address, prefix)?;
    match authserv_id {
        Some(id) => check_auth(m, id.trim()),
        None => Ok(()),
    }
}

fn check_token(
    m: &Inbound,
    ticket: &TicketRef,
    key: &TokenKey,
    desk_address: &str,
    prefix: &str,
) -> Result<(), Unproven> {
    let found = signed_recipients(m, desk_address, prefix);
    let this = |r: &TicketRef| r.as_str().eq_ignore_ascii_case(ticket.as_str().trim());
    if found.iter().any(|(r, t)| this(r) && key.verify(ticket, t)) {
        return Ok(());
    }
    if found.iter().any(|(r, _)| this(r)) {
        return Err(Unproven::BadToken);
    }
    // Name a genuine address of another ticket if there is one: that is the replay.
    let other = found
        .iter()
        .find(|(r, t)| key.verify(r, t))
        .or_else(|| found.first());
    match other {
        Some((named, _)) => Err(Unproven::TokenForAnotherTicket {
            named: named.clone(),
        }),
        None => Err(Unproven::NoToken),
    }
}

fn check_auth(m: &Inbound, authserv_id: &str) -> Result<(), Unproven> {
    let no_results = || Unproven::NoAuthResults {
        authserv_id: authserv_id.to_string(),
    };
    let topmost = m
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("authentication-results"))
        .ok_or_else(no_results)?;
    let ar = AuthResults::parse(&topmost.1);
    if !ar.authserv_id.eq_ignore_ascii_case(authserv_id) {
        return Err(no_results());
    }
    let from = m
        .from
        .as_ref()
        .map(|a| norm_domain(a.domain()))
        .unwrap_or_default();
    if !from.is_empty() && ar.results.iter().any(|r| r.proves(&from)) {
        return Ok(());
    }
    let mut detail = ar.describe();
    if from.is_empty() {
        detail.push_str(" (the mail has no From domain)");
    }
    Err(Unproven::AuthFailed { detail })
}

/// One `Authentication-Results` header (RFC 8601), as far as proof needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AuthResults {
    /// Empty when the header names none (Microsoft 365 writes it so).
    authserv_id: String,
    results: Vec<AuthResult>,
}

/// One `method=result` with its properties (`ptype.property`, lower-cased, → value).
#[derive(Debug, Clone, PartialEq, Eq)]
struct AuthResult {
    method: String,
    result: String,
    props: Vec<(String, String)>,
}

/// The properties worth showing in a failure: the ones alignment looks at.
const SHOWN: [&str; 4] = ["header.d", "header.i", "smtp.mailfrom", "header.from"];

impl AuthResults {
    fn parse(value: &str) -> AuthResults {
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

    /// What the header said, briefly: "dkim=fail header.d=evil.example; spf=softfail".
    fn describe(&self) -> String {
        if self.results.is_empty() {
            return "none".to_string();
        }
        let text = self
            .results
            .iter()
            .map(|r| {
                let mut s = format!("{}={}", r.method, r.result);
                for (k, v) in r.props.iter().filter(|(k, _)| SHOWN.contains(&k.as_str())) {
                    s.push_str(&format!(" {k}={v}"));
                }
                s
            })
            .collect::<Vec<_>>()
            .join("; ");
        let mut clean: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(MAX_DETAIL)
            .collect();
        if text.chars().count() > MAX_DETAIL {
            clean.push('…');
        }
        clean
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

    fn props<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.props
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A pass that vouches for the (normalised, non-empty) From domain.
    fn proves(&self, from: &str) -> bool {
        if self.result != "pass" {
            return false;
        }
        match self.method.as_str() {
            "dkim" => {
                self.props("header.d").any(|d| aligned(d, from))
                    || self.props("header.i").any(|i| aligned(domain_of(i), from))
            }
            "spf" => self
                .props("smtp.mailfrom")
                .any(|v| aligned(domain_of(v), from)),
            "dmarc" => self
                .props("header.from")
                .any(|v| norm_domain(domain_of(v)) == from),
            _ => false,
        }
    }
}

/// The From domain is the signer's domain or one of its subdomains.
fn aligned(signer: &str, from: &str) -> bool {
    let signer = norm_domain(signer);
    !signer.is_empty()
        && !from.is_empty()
        && (from == signer
            || from
                .strip_suffix(signer.as_str())
                .is_some_and(|rest| rest.ends_with('.')))
}

fn domain_of(value: &str) -> &str {
    value.rsplit_once('@').map_or(value, |(_, d)| d)
}

fn norm_domain(domain: &str) -> String {
    domain
        .trim()
        .trim_matches(|c| c == '<' || c == '>')
        .trim_end_matches('.')
        .to_ascii_lowercase()
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

#[cfg(test)]
mod redact_tests {
    use super::*;

    #[test]
    fn tokens_are_taken_out_of_text_for_the_requester() {
        let key = TokenKey::new(b"a key of sixteen bytes or more");
        let signed = reply_address("servicedesk@example.org", &TicketRef::new("SD-", 7), &key);
        let text = format!(
            "Mail {signed} or <{}>; servicedesk+SD-7@example.org stays; \
             myservicedesk+x.y@example.org is not ours.",
            signed.to_uppercase()
        );
        let out = redact(&text, "servicedesk@example.org");
        assert!(
            !out.contains(&key.token(&TicketRef::new("SD-", 7))),
            "{out}"
        );
        assert!(
            !out.to_lowercase()
                .contains(&key.token(&TicketRef::new("SD-", 7))),
            "{out}"
        );
        assert!(
            out.starts_with("Mail servicedesk+SD-7@example.org or <SERVICEDESK+SD-7@EXAMPLE.ORG>;"),
            "{out}"
        );
        assert!(out.contains("myservicedesk+x.y@example.org"), "{out}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Address;

    const DESK: &str = "servicedesk@example.org";
    const TRUSTED: &str = "mx.example.org";

    fn key() -> TokenKey {
        TokenKey::new(b"a test secret, not the real one")
    }

    fn sd(n: i64) -> TicketRef {
        TicketRef::new("SD-", n)
    }

    fn signed(n: i64) -> String {
        reply_address(DESK, &sd(n), &key())
    }

    fn mail(to: &[&str], headers: &[(&str, &str)]) -> Inbound {
        Inbound {
            from: Some(Address::new(Some("Anna Agent"), "anna@it.example.org")),
            to: to.iter().map(|a| Address::new(None, a)).collect(),
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_ascii_lowercase(), v.to_string()))
                .collect(),
            ..Inbound::default()
        }
    }

    /// A mail to the signed address of SD-1042 with these Authentication-Results, top first.
    fn authed(results: &[&str]) -> Inbound {
        let to = signed(1042);
        let headers: Vec<(&str, &str)> = results
            .iter()
            .map(|v| ("Authentication-Results", *v))
            .collect();
        mail(&[&to], &headers)
    }

    fn check_auth_with(m: &Inbound, authserv_id: Option<&str>) -> Result<(), Unproven> {
        check(m, &sd(1042), &key(), DESK, "SD-", authserv_id)
    }

    fn failed(r: Result<(), Unproven>) -> String {
        match r {
            Err(Unproven::AuthFailed { detail }) => detail,
            other => panic!("expected AuthFailed, got {other:?}"),
        }
    }

    #[test]
    fn token_round_trip() {
        let k = key();
        let t = k.token(&sd(1042));
        assert_eq!(t.len(), 20);
        assert!(
            t.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        assert!(k.verify(&sd(1042), &t));
    }

    #[test]
    fn token_is_hmac_sha256_of_the_upper_case_reference() {
        // python3: hmac.new(b'Jefe', b'SD-1042', hashlib.sha256).hexdigest()[:20]
        let k = TokenKey::new(b"Jefe");
        assert_eq!(k.token(&sd(1042)), "43cadc9392be7ea03b19");
        assert_eq!(
            k.token(&TicketRef("sd-1042".into())),
            "43cadc9392be7ea03b19"
        );
        assert!(k.verify(&TicketRef("sd-1042".into()), "43cadc9392be7ea03b19"));
        // Keys longer than SHA-256's block are hashed first, as HMAC does.
        let long = TokenKey::new(&[b'k'; 100]);
        assert_eq!(long.token(&sd(7)), "66555fe61f4b77eab0cf");
    }

    #[test]
    fn token_for_one_ticket_does_not_verify_another() {
        let k = key();
        assert!(!k.verify(&sd(2), &k.token(&sd(1))));
        assert!(!TokenKey::new(b"other key").verify(&sd(1), &k.token(&sd(1))));
    }

    #[test]
    fn tampered_token_fails() {
        let k = key();
        let t = k.token(&sd(1042));
        for i in 0..t.len() {
            let mut bytes = t.clone().into_bytes();
            bytes[i] = if bytes[i] == b'0' { b'1' } else { b'0' };
            let tampered = String::from_utf8(bytes).unwrap();
            assert!(!k.verify(&sd(1042), &tampered), "{tampered}");
        }
    }

    #[test]
    fn malformed_tokens_fail() {
        let k = key();
        let t = k.token(&sd(1042));
        for bad in [
            "",
            &t[..2],           // a shorter prefix of the right MAC
            &t[..18],          //
            &format!("{t}00"), // longer
            "zz",
            &t.replacen(|c: char| c.is_ascii_hexdigit(), "g", 1),
            "é1",
        ] {
            assert!(!k.verify(&sd(1042), bad), "{bad:?}");
        }
    }

    #[test]
    fn upper_case_token_verifies() {
        let k = key();
        let t = k.token(&sd(1042)).to_ascii_uppercase();
        assert!(k.verify(&sd(1042), &t));
    }

    #[test]
    fn reply_address_format() {
        let k = key();
        let t = k.token(&sd(1042));
        assert_eq!(
            reply_address("servicedesk@example.org", &sd(1042), &k),
            format!("servicedesk+SD-1042.{t}@example.org")
        );
        // A tag on the configured address is not doubled.
        assert_eq!(
            reply_address(" servicedesk+x@example.org ", &sd(1042), &k),
            format!("servicedesk+SD-1042.{t}@example.org")
        );
    }

    #[test]
    fn signed_recipients_in_to_cc_and_delivery_headers() {
        let k = key();
        let (t1, t2, t3, t4) = (
            k.token(&sd(1)),
            k.token(&sd(2)),
            k.token(&sd(3)),
            k.token(&sd(4)),
        );
        let mut m = mail(
            &[
                &signed(1),
                "servicedesk+SD-9@example.org", // unsigned: not ours to trust
                &format!("servicedesk+SD-5.{t1}@evil.example"), // another domain
                &format!("helpdesk+SD-6.{t1}@example.org"), // another mailbox
                &format!("servicedesk+INC-7.{t1}@example.org"), // another prefix
                "servicedesk@example.org",
            ],
            &[
                (
                    "Delivered-To",
                    &format!("servicedesk+SD-3.{t3}@example.org"),
                ),
                (
                    "X-Original-To",
                    &format!("<servicedesk+sd-4.{t4}@Example.ORG>"),
                ),
                ("Delivered-To", &signed(1)), // the same as in To: listed once
            ],
        );
        m.cc = vec![Address::new(
            None,
            &format!("SERVICEDESK+SD-2.{}@EXAMPLE.ORG", t2.to_ascii_uppercase()),
        )];
        let found = signed_recipients(&m, DESK, "SD-");
        assert_eq!(
            found,
            vec![
                (sd(1), t1),
                (sd(2), t2.to_ascii_uppercase()),
                (sd(3), t3),
                (sd(4), t4),
            ]
        );
    }

    #[test]
    fn prefix_with_a_dot_splits_at_the_last_dot() {
        let k = key();
        let r = TicketRef::new("INC.", 12);
        let m = mail(&[&reply_address(DESK, &r, &k)], &[]);
        assert_eq!(
            signed_recipients(&m, DESK, "INC."),
            vec![(r.clone(), k.token(&r))]
        );
        assert_eq!(check(&m, &r, &k, DESK, "INC.", None), Ok(()));
    }

    #[test]
    fn check_token_only() {
        let m = mail(&[&signed(1042)], &[]);
        assert_eq!(check_auth_with(&m, None), Ok(()));
    }

    #[test]
    fn no_token() {
        let m = mail(
            &["servicedesk@example.org", "servicedesk+SD-1042@example.org"],
            &[],
        );
        assert_eq!(check_auth_with(&m, None), Err(Unproven::NoToken));
        assert_eq!(
            check_auth_with(&Inbound::default(), None),
            Err(Unproven::NoToken)
        );
    }

    #[test]
    fn token_for_another_ticket_is_a_replay() {
        let m = mail(&[&signed(7)], &[]);
        assert_eq!(
            check_auth_with(&m, Some(TRUSTED)),
            Err(Unproven::TokenForAnotherTicket { named: sd(7) })
        );
    }

    #[test]
    fn tampered_token_is_bad() {
        let t = key().token(&sd(7)); // a genuine token, but of another ticket
        let m = mail(&[&format!("servicedesk+SD-1042.{t}@example.org")], &[]);
        assert_eq!(check_auth_with(&m, None), Err(Unproven::BadToken));
        let mut one_off = key().token(&sd(1042)).into_bytes();
        one_off[19] = if one_off[19] == b'a' { b'b' } else { b'a' };
        let one_off = String::from_utf8(one_off).unwrap();
        let m = mail(
            &[&format!("servicedesk+SD-1042.{one_off}@example.org")],
            &[],
        );
        assert_eq!(check_auth_with(&m, None), Err(Unproven::BadToken));
        // A good address beside the bad one is enough.
        let m = mail(
            &[
                &format!("servicedesk+SD-1042.{one_off}@example.org"),
                &signed(1042),
            ],
            &[],
        );
        assert_eq!(check_auth_with(&m, None), Ok(()));
    }

    #[test]
    fn lower_cased_address_verifies() {
        let m = mail(&[&signed(1042).to_ascii_lowercase()], &[]);
        assert_eq!(check_auth_with(&m, None), Ok(()));
    }

    #[test]
    fn dkim_pass_aligned_with_parent_domain() {
        let m = authed(&["mx.example.org; dkim=pass header.d=example.org header.s=sel"]);
        assert_eq!(check_auth_with(&m, Some(TRUSTED)), Ok(()));
        // authserv-id compared case-insensitively
        assert_eq!(check_auth_with(&m, Some("MX.Example.Org")), Ok(()));
    }

    #[test]
    fn spf_pass_aligned() {
        let m =
            authed(&["mx.example.org; dkim=none; spf=pass smtp.mailfrom=bounce@it.example.org"]);
        assert_eq!(check_auth_with(&m, Some(TRUSTED)), Ok(()));
    }

    #[test]
    fn dmarc_pass_needs_the_from_domain_itself() {
        let m = authed(&["mx.example.org; dmarc=pass header.from=it.example.org"]);
        assert_eq!(check_auth_with(&m, Some(TRUSTED)), Ok(()));
        let m = authed(&["mx.example.org; dmarc=pass header.from=example.org"]);
        failed(check_auth_with(&m, Some(TRUSTED)));
    }

    #[test]
    fn dkim_pass_for_another_domain_fails() {
        let m = authed(&[
            "mx.example.org; dkim=pass header.d=evil.example; spf=softfail smtp.mailfrom=x@evil.example",
        ]);
        assert_eq!(
            failed(check_auth_with(&m, Some(TRUSTED))),
            "dkim=pass header.d=evil.example; spf=softfail smtp.mailfrom=x@evil.example"
        );
        // Look-alikes and subdomains of the From domain do not align; its parents do.
        for d in [
            "xample.org",
            "t.example.org",
            "sub.it.example.org",
            "it.example.org.evil.example",
            "",
        ] {
            let m = authed(&[&format!("mx.example.org; dkim=pass header.d={d}")]);
            failed(check_auth_with(&m, Some(TRUSTED)));
        }
        let m = authed(&["mx.example.org; dkim=pass header.d=IT.Example.org."]);
        assert_eq!(check_auth_with(&m, Some(TRUSTED)), Ok(()));
    }

    #[test]
    fn only_the_topmost_header_counts() {
        // Topmost from another server; the sender's forged one below names our server.
        let m = authed(&[
            "other.example.net; dkim=pass header.d=example.org",
            "mx.example.org; dkim=pass header.d=example.org",
        ]);
        assert_eq!(
            check_auth_with(&m, Some(TRUSTED)),
            Err(Unproven::NoAuthResults {
                authserv_id: TRUSTED.into()
            })
        );
        // Our server says fail; a forged pass below changes nothing.
        let m = authed(&[
            "mx.example.org; dkim=fail header.d=example.org",
            "mx.example.org; dkim=pass header.d=example.org",
        ]);
        assert_eq!(
            failed(check_auth_with(&m, Some(TRUSTED))),
            "dkim=fail header.d=example.org"
        );
    }

    #[test]
    fn missing_authentication_results() {
        let m = authed(&[]);
        assert_eq!(
            check_auth_with(&m, Some(TRUSTED)),
            Err(Unproven::NoAuthResults {
                authserv_id: TRUSTED.into()
            })
        );
        // The token is checked first.
        let m = mail(&[], &[]);
        assert_eq!(check_auth_with(&m, Some(TRUSTED)), Err(Unproven::NoToken));
    }

    #[test]
    fn comments_may_hold_semicolons_and_equals() {
        let m = authed(&[
            "mx.example.org (Postfix; policyd=1); dkim=fail (bad sig; header.d=it.example.org) \
             header.d=evil.example; spf=neutral (dkim=pass; (nested; smtp.mailfrom=it.example.org) \\) x) \
             smtp.mailfrom=evil.example",
        ]);
        assert_eq!(
            failed(check_auth_with(&m, Some(TRUSTED))),
            "dkim=fail header.d=evil.example; spf=neutral smtp.mailfrom=evil.example"
        );
        let m = authed(&[
            "mx.example.org; spf=pass (sender; is=ok (really)) smtp.mailfrom=it.example.org",
        ]);
        assert_eq!(check_auth_with(&m, Some(TRUSTED)), Ok(()));
    }

    #[test]
    fn none_proves_nothing() {
        let m = authed(&["mx.example.org 1; none"]);
        assert_eq!(failed(check_auth_with(&m, Some(TRUSTED))), "none");
        let m = authed(&["mx.example.org"]);
        assert_eq!(failed(check_auth_with(&m, Some(TRUSTED))), "none");
    }

    #[test]
    fn any_aligned_pass_among_several_results_counts() {
        let m = authed(&[
            "mx.example.org; dkim=pass header.d=mailchannel.example header.s=a; \
             dkim=fail header.d=example.org; dkim=pass header.i=@it.example.org header.s=b",
        ]);
        assert_eq!(check_auth_with(&m, Some(TRUSTED)), Ok(()));
    }

    #[test]
    fn quoted_strings_and_version() {
        let m =
            authed(&["\"mx.example.org\" 1; spf=pass smtp.mailfrom=\"odd;local\"@it.example.org"]);
        assert_eq!(check_auth_with(&m, Some(TRUSTED)), Ok(()));
        let ar = AuthResults::parse(
            "a.example 1; dkim/1=PASS reason=\"x; y\" header.b=abc== header.d=d.example",
        );
        assert_eq!(ar.authserv_id, "a.example");
        assert_eq!(
            ar.results,
            vec![AuthResult {
                method: "dkim".into(),
                result: "pass".into(),
                props: vec![
                    ("reason".into(), "x; y".into()),
                    ("header.b".into(), "abc".into()),
                    ("header.d".into(), "d.example".into()),
                ],
            }]
        );
    }

    #[test]
    fn no_from_address_fails() {
        let mut m = authed(&["mx.example.org; dkim=pass header.d=example.org"]);
        m.from = None;
        assert_eq!(
            failed(check_auth_with(&m, Some(TRUSTED))),
            "dkim=pass header.d=example.org (the mail has no From domain)"
        );
    }

    #[test]
    fn gmail() {
        let m = authed(&[
            "mx.google.com; dkim=pass header.i=@it.example.org header.s=20230601 header.b=Ab+Cd/12; \
             spf=pass (google.com: domain of anna@it.example.org designates 203.0.113.5 as permitted sender) \
             smtp.mailfrom=anna@it.example.org; dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=it.example.org",
            "mx.example.org; dkim=fail",
        ]);
        assert_eq!(check_auth_with(&m, Some("mx.google.com")), Ok(()));
        assert_eq!(
            check_auth_with(&m, Some(TRUSTED)),
            Err(Unproven::NoAuthResults {
                authserv_id: TRUSTED.into()
            })
        );
        let ar = AuthResults::parse(&m.headers[0].1);
        let summary: Vec<(&str, &str)> = ar
            .results
            .iter()
            .map(|r| (r.method.as_str(), r.result.as_str()))
            .collect();
        assert_eq!(
            summary,
            [("dkim", "pass"), ("spf", "pass"), ("dmarc", "pass")]
        );
    }

    #[test]
    fn microsoft_365_writes_no_authserv_id() {
        let header = "spf=pass (sender IP is 203.0.113.5) smtp.mailfrom=it.example.org; \
                      dkim=pass (signature was verified) header.d=example.org;dmarc=pass action=none \
                      header.from=it.example.org;compauth=pass reason=100";
        let ar = AuthResults::parse(header);
        assert_eq!(ar.authserv_id, "");
        let summary: Vec<(&str, &str)> = ar
            .results
            .iter()
            .map(|r| (r.method.as_str(), r.result.as_str()))
            .collect();
        assert_eq!(
            summary,
            [
                ("spf", "pass"),
                ("dkim", "pass"),
                ("dmarc", "pass"),
                ("compauth", "pass")
            ]
        );
        let m = authed(&[header]);
        // An id-less header is trusted only when the configured id is empty.
        assert_eq!(check_auth_with(&m, Some("")), Ok(()));
        assert_eq!(
            check_auth_with(&m, Some("spf")),
            Err(Unproven::NoAuthResults {
                authserv_id: "spf".into()
            })
        );
        let bad = authed(&[
            "spf=fail (sender IP is 198.51.100.1) smtp.mailfrom=it.example.org; dkim=none \
             (message not signed) header.d=none;dmarc=fail action=quarantine \
             header.from=it.example.org;compauth=fail reason=000",
        ]);
        assert_eq!(
            failed(check_auth_with(&bad, Some(""))),
            "spf=fail smtp.mailfrom=it.example.org; dkim=none header.d=none; \
             dmarc=fail header.from=it.example.org; compauth=fail"
        );
    }

    #[test]
    fn garbage_does_not_panic_or_pass() {
        for v in [
            "",
            ";",
            "=",
            "==;;==",
            "mx.example.org; dkim=pass (unterminated",
            "mx.example.org; dkim=\"pass",
            "mx.example.org; =pass header.d=it.example.org",
            "mx.example.org; dkim header.d=it.example.org",
            "mx.example.org; dkim=pass header.d",
            "mx.example.org; dkim=pass header.d=",
            "mx.example.org; dkim=pass \\",
            "mx.example.org; spf=pass smtp.mailfrom=@",
            "mx.example.org; dmarc=pass header.from=é.example",
        ] {
            let m = authed(&[v]);
            assert!(check_auth_with(&m, Some(TRUSTED)).is_err(), "{v:?}");
        }
    }

    #[test]
    fn display_in_words() {
        assert_eq!(
            Unproven::BadToken.to_string(),
            "the reply address token does not match the ticket it names (tampered)"
        );
        assert!(
            Unproven::TokenForAnotherTicket { named: sd(7) }
                .to_string()
                .contains("ticket SD-7")
        );
        assert!(
            Unproven::NoAuthResults {
                authserv_id: TRUSTED.into()
            }
            .to_string()
            .contains(TRUSTED)
        );
        assert!(
            Unproven::AuthFailed {
                detail: "dkim=fail".into()
            }
            .to_string()
            .ends_with(": dkim=fail")
        );
        assert!(!Unproven::NoToken.to_string().is_empty());
        assert_eq!(format!("{:?}", key()), "TokenKey(..)");
    }
}
