//! The signed reply address of a ticket: "servicedesk+SD-1042.0a1b…@example.org", whose token
//! is an HMAC of the ticket reference under the desk's secret. A reply to that address shows it
//! answers that ticket's mail; text for the requester has the tokens taken out
//! ([`super::redact`]).
//! Split from [`super::proof`], which weighs this evidence together with the server's word.

use crate::model::{Inbound, TicketRef};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use std::fmt;

type HmacSha256 = Hmac<Sha256>;

/// Bytes of the HMAC kept in the token: 80 bits, 20 hex characters.
pub(super) const TOKEN_BYTES: usize = 10;

/// A token's bytes, as the key makes them for a ticket and as 20 hex digits of a text read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tag(pub(super) [u8; TOKEN_BYTES]);

/// Bytes of [`Tag::digest`].
pub const DIGEST_BYTES: usize = 16;

impl Tag {
    /// What the store keeps of a ticket's tag to find it again (`reply_tags`): its SHA-256,
    /// truncated. Not the tag itself: with the key outside the database (`agents.secret_file`)
    /// a copy of the database must not hand out the reply addresses that prove an agent.
    pub fn digest(&self) -> [u8; DIGEST_BYTES] {
        let hash = Sha256::digest(self.0);
        let mut out = [0; DIGEST_BYTES];
        for (o, h) in out.iter_mut().zip(hash.iter()) {
            *o = *h;
        }
        out
    }
}

/// The secret that signs reply addresses.
#[derive(Clone)]
pub struct TokenKey {
    /// HMAC keyed with the secret, before any message: each token clones it.
    keyed: HmacSha256,
}

impl TokenKey {
    pub fn new(secret: &[u8]) -> TokenKey {
        // HMAC takes a key of any length (RFC 2104: padded to the block size, hashed first
        // when longer), so this never fails
        let keyed = HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length");
        TokenKey { keyed }
    }

    fn mac(&self, reference: &TicketRef) -> HmacSha256 {
        let mut mac = self.keyed.clone();
        mac.update(reference.as_str().trim().to_ascii_uppercase().as_bytes());
        mac
    }

    /// The token for a ticket: 20 lowercase hex characters.
    pub fn token(&self, reference: &TicketRef) -> String {
        self.tag(reference)
            .0
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The token's bytes: the HMAC truncated to [`TOKEN_BYTES`].
    pub fn tag(&self, reference: &TicketRef) -> Tag {
        let mac = self.mac(reference).finalize().into_bytes();
        let mut tag = [0; TOKEN_BYTES];
        for (t, m) in tag.iter_mut().zip(mac.iter()) {
            *t = *m;
        }
        Tag(tag)
    }

    /// Names the key without giving it away (an HMAC of a text that is no ticket reference: a
    /// reference ends in its number), so the store sees when its tags are of another key.
    pub fn fingerprint(&self) -> Vec<u8> {
        let mut mac = self.keyed.clone();
        mac.update(b"deskmail reply tags");
        mac.finalize().into_bytes().to_vec()
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

pub(crate) fn decode_hex(text: &str) -> Option<Vec<u8>> {
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
pub(super) fn desk_parts(desk_address: &str) -> Option<(&str, &str)> {
    let (local, domain) = desk_address.trim().rsplit_once('@')?;
    let local = local.split_once('+').map_or(local, |(l, _)| l);
    Some((local, domain))
}

/// The signed reply address for a ticket: "servicedesk+SD-1042.0a1b…@example.org".
pub fn reply_address(desk_address: &str, reference: &TicketRef, key: &TokenKey) -> String {
    plus_address(
        desk_address,
        &format!("{reference}.{}", key.token(reference)),
    )
}

/// The ticket's plain address, "servicedesk+SD-1042@example.org": requesters reply to it.
pub fn ticket_address(desk_address: &str, reference: &TicketRef) -> String {
    plus_address(desk_address, reference.as_str())
}

fn plus_address(desk_address: &str, tag: &str) -> String {
    match desk_parts(desk_address) {
        Some((local, domain)) => format!("{local}+{tag}@{domain}"),
        None => format!("{}+{tag}", desk_address.trim()),
    }
}

/// The ticket a desk plus-address names, signed or not (`desk+SD-1042@`,
/// `desk+SD-1042.TOKEN@`); the token is not checked here.
pub fn addressed_ticket(address: &str, desk_address: &str, prefix: &str) -> Option<TicketRef> {
    let (desk_local, desk_domain) = desk_parts(desk_address)?;
    let tag = desk_tag(address, desk_local, desk_domain)?;
    TicketRef::parse(tag, prefix).or_else(|| TicketRef::parse(tag.rsplit_once('.')?.0, prefix))
}

/// The `+tag` of an address at the desk's local part and domain.
fn desk_tag<'a>(address: &'a str, desk_local: &str, desk_domain: &str) -> Option<&'a str> {
    let address = address.trim().trim_start_matches('<').trim_end_matches('>');
    let (local, domain) = address.rsplit_once('@')?;
    let (base, tag) = local.split_once('+')?;
    (base.eq_ignore_ascii_case(desk_local) && domain.eq_ignore_ascii_case(desk_domain))
        .then_some(tag)
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
    let tag = desk_tag(address, desk_local, desk_domain)?;
    // The prefix may hold a '.', the token never does.
    let (reference, token) = tag.rsplit_once('.')?;
    if token.is_empty() {
        return None;
    }
    Some((TicketRef::parse(reference, prefix)?, token.to_string()))
}

#[cfg(test)]
mod redact_tests {
    use super::*;

    #[test]
    fn a_plus_address_names_its_ticket_signed_or_not() {
        let desk = "servicedesk@example.org";
        let sd = TicketRef::new("SD-", 7);
        assert_eq!(ticket_address(desk, &sd), "servicedesk+SD-7@example.org");
        for a in [
            "servicedesk+SD-7@example.org",
            "<SERVICEDESK+sd-7.0123456789abcdef0123@EXAMPLE.ORG>",
        ] {
            assert_eq!(addressed_ticket(a, desk, "SD-"), Some(sd.clone()), "{a}");
        }
        for a in [
            "servicedesk@example.org",
            "other+SD-7@example.org",
            "servicedesk+SD-7@elders.nl",
        ] {
            assert_eq!(addressed_ticket(a, desk, "SD-"), None, "{a}");
        }
    }
}

/// Test mails and keys, shared with `proof`'s tests.
#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::model::Address;

    pub(crate) const DESK: &str = "servicedesk@example.org";

    pub(crate) fn key() -> TokenKey {
        TokenKey::new(b"a test secret, not the real one")
    }

    pub(crate) fn sd(n: i64) -> TicketRef {
        TicketRef::new("SD-", n)
    }

    pub(crate) fn signed(n: i64) -> String {
        reply_address(DESK, &sd(n), &key())
    }

    pub(crate) fn mail(to: &[&str], headers: &[(&str, &str)]) -> Inbound {
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
        // Keys longer than SHA-256's block are hashed first, as HMAC does; one of exactly the
        // block size (64 bytes) is used as it is.
        let long = TokenKey::new(&[b'k'; 100]);
        assert_eq!(long.token(&sd(7)), "66555fe61f4b77eab0cf");
        assert_eq!(
            TokenKey::new(&[b'k'; 64]).token(&sd(7)),
            "8fd71f08d1cb545aacbc"
        );
        assert_eq!(
            TokenKey::new(&[b'k'; 65]).token(&sd(7)),
            "c9dbff91d1584715eb0a"
        );
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
}
