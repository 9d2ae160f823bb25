//! The requester's link to their ticket page, `<base_url>t/SD-1042.<token>`: the token is an
//! HMAC of the reference under the desk's page key, a key of its own (`settings`
//! `requester_page_key`), never the agents' — a requester's link grants no agent rights, and an
//! agent's reply address opens no page. Checked in constant time.

use crate::model::TicketRef;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::fmt;

type HmacSha256 = Hmac<Sha256>;

/// Bytes of the HMAC in a link: 128 bits, 32 hex characters.
const TOKEN_BYTES: usize = 16;

/// What the HMAC is over, besides the reference: a page token is never valid anywhere else,
/// whatever else the same key may sign.
const DOMAIN: &[u8] = b"deskmail ticket page\0";
const ADDRESS_DOMAIN: &[u8] = b"deskmail form address\0";
const PENDING_DOMAIN: &[u8] = b"deskmail form pending\0";

fn hex(mac: HmacSha256) -> String {
    mac.finalize()
        .into_bytes()
        .iter()
        .take(TOKEN_BYTES)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The secret that signs ticket page links.
#[derive(Clone)]
pub struct PageKey {
    keyed: HmacSha256,
    /// Kept to derive other page secrets from (the forms' CSRF key).
    secret: Vec<u8>,
}

impl PageKey {
    pub fn new(secret: &[u8]) -> PageKey {
        // HMAC takes a key of any length (RFC 2104), so this never fails
        let keyed = HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length");
        PageKey {
            keyed,
            secret: secret.to_vec(),
        }
    }

    fn mac(&self, reference: &TicketRef) -> HmacSha256 {
        let mut mac = self.keyed.clone();
        mac.update(DOMAIN);
        mac.update(reference.as_str().trim().to_ascii_uppercase().as_bytes());
        mac
    }

    /// The token for a ticket: 32 lowercase hex characters.
    pub fn token(&self, reference: &TicketRef) -> String {
        let mac = self.mac(reference).finalize().into_bytes();
        mac.iter()
            .take(TOKEN_BYTES)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Whether `token` (either case) is the one for `reference`, compared in constant time.
    pub fn verify(&self, reference: &TicketRef, token: &str) -> bool {
        match crate::agent::token::decode_hex(token) {
            Some(tag) if tag.len() == TOKEN_BYTES => {
                self.mac(reference).verify_truncated_left(&tag).is_ok()
            }
            _ => false,
        }
    }

    /// The proof that a form link was mailed to `email` (`portal::prefill` adds it to the
    /// portal reply's link to our own form): the same key, another domain, so it opens no
    /// ticket page, and a page token proves no address.
    pub fn address_proof(&self, email: &str) -> String {
        hex(self.over(ADDRESS_DOMAIN, &email.trim().to_lowercase()))
    }

    /// Whether `proof` is the one for `email`, in constant time.
    pub fn proves_address(&self, email: &str, proof: &str) -> bool {
        self.verify_over(ADDRESS_DOMAIN, &email.trim().to_lowercase(), proof)
    }

    /// The token of the confirmation link for pending form submission `id` for `email`.
    pub fn pending_token(&self, id: i64, email: &str) -> String {
        hex(self.over(PENDING_DOMAIN, &format!("{id}\0{}", email.to_lowercase())))
    }

    /// Whether `token` confirms pending submission `id` for `email`, in constant time.
    pub fn verify_pending(&self, id: i64, email: &str, token: &str) -> bool {
        self.verify_over(
            PENDING_DOMAIN,
            &format!("{id}\0{}", email.to_lowercase()),
            token,
        )
    }

    fn over(&self, domain: &[u8], text: &str) -> HmacSha256 {
        let mut mac = self.keyed.clone();
        mac.update(domain);
        mac.update(text.as_bytes());
        mac
    }

    fn verify_over(&self, domain: &[u8], text: &str, token: &str) -> bool {
        match crate::agent::token::decode_hex(token) {
            Some(tag) if tag.len() == TOKEN_BYTES => {
                self.over(domain, text).verify_truncated_left(&tag).is_ok()
            }
            _ => false,
        }
    }

    /// A secret for another purpose on the same pages, derived so that neither reveals the
    /// other.
    pub fn derive(&self, purpose: &str) -> Vec<u8> {
        let mut mac = HmacSha256::new_from_slice(&self.secret).expect("any key length");
        mac.update(b"deskmail derived\0");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// The page's path under the base URL: `t/SD-1042.<token>`.
    pub fn path(&self, reference: &TicketRef) -> String {
        format!("t/{reference}.{}", self.token(reference))
    }

    /// The page's whole address.
    pub fn url(&self, base: &url::Url, reference: &TicketRef) -> String {
        // the base ends in '/' (checked with the config), so joining keeps its path
        format!("{base}{}", self.path(reference))
    }
}

impl fmt::Debug for PageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PageKey(..)")
    }
}

/// `SD-1042.<token>` from a page path → the reference it names and the token, unchecked.
pub fn split<'a>(tail: &'a str, prefix: &str) -> Option<(TicketRef, &'a str)> {
    // the prefix may hold a '.', the token never does
    let (reference, token) = tail.rsplit_once('.')?;
    Some((TicketRef::parse(reference, prefix)?, token))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sd(n: i64) -> TicketRef {
        TicketRef::new("SD-", n)
    }

    #[test]
    fn an_address_proof_holds_for_its_address_only_and_opens_no_page() {
        let k = PageKey::new(b"page secret");
        let p = k.address_proof("Ann@Example.com");
        assert!(k.proves_address("ann@example.com", &p));
        assert!(!k.proves_address("bob@example.com", &p));
        assert!(!PageKey::new(b"other").proves_address("ann@example.com", &p));
        assert!(!k.verify(&sd(1042), &p) && !k.proves_address("x@y.z", "zz"));
        let t = k.pending_token(7, "ann@example.com");
        assert!(k.verify_pending(7, "ann@example.com", &t));
        assert!(!k.verify_pending(8, "ann@example.com", &t));
        assert!(!k.verify_pending(7, "bob@example.com", &t));
    }

    #[test]
    fn a_token_opens_its_own_ticket_only() {
        let k = PageKey::new(b"page secret");
        let t = k.token(&sd(1042));
        assert_eq!(t.len(), 32);
        assert!(k.verify(&sd(1042), &t));
        assert!(k.verify(&sd(1042), &t.to_ascii_uppercase()));
        assert!(!k.verify(&sd(1043), &t));
        assert!(!PageKey::new(b"another").verify(&sd(1042), &t));
    }

    #[test]
    fn the_token_is_hmac_sha256_over_its_domain_and_the_upper_case_reference() {
        // python3: hmac.new(b'Jefe', b'deskmail ticket page\0SD-1042', hashlib.sha256).hexdigest()[:32]
        let k = PageKey::new(b"Jefe");
        assert_eq!(k.token(&TicketRef("sd-1042".into())), k.token(&sd(1042)));
        assert_eq!(k.token(&sd(1042)), "d11258bd5bded8a2435faf905de9ea95");
    }

    #[test]
    fn an_agents_reply_token_opens_no_page() {
        let secret = b"the same secret by mistake";
        let agent = crate::agent::token::TokenKey::new(secret).token(&sd(7));
        let page = PageKey::new(secret);
        assert!(!page.verify(&sd(7), &agent));
        assert!(!page.token(&sd(7)).starts_with(&agent));
    }

    #[test]
    fn tampered_or_malformed_tokens_fail() {
        let k = PageKey::new(b"page secret");
        let t = k.token(&sd(5));
        for i in 0..t.len() {
            let mut b = t.clone().into_bytes();
            b[i] = if b[i] == b'0' { b'1' } else { b'0' };
            assert!(!k.verify(&sd(5), &String::from_utf8_lossy(&b)));
        }
        for bad in ["", "zz", &t[..30], &format!("{t}00"), "é1"] {
            assert!(!k.verify(&sd(5), bad), "{bad:?}");
        }
    }

    #[test]
    fn a_page_path_names_its_ticket_and_token() {
        let k = PageKey::new(b"page secret");
        let base = url::Url::parse("https://desk.example.org/help/").expect("url");
        let url = k.url(&base, &sd(9));
        let tail = url
            .strip_prefix("https://desk.example.org/help/t/")
            .expect("under the base");
        let (reference, token) = split(tail, "SD-").expect("parsed");
        assert_eq!(reference, sd(9));
        assert!(k.verify(&reference, token));
        assert_eq!(split("SD-9", "SD-"), None);
        assert_eq!(split("XX-9.abc", "SD-"), None);
        assert_ne!(k.derive("csrf"), k.derive("other"));
    }
}
