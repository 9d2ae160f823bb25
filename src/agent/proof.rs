//! An agent's reply may change a ticket, so a From header alone is not enough: anyone can
//! write one. Each mail to agents carries a Reply-To signed for its ticket, so a reply proves
//! it answers *that* ticket's mail (no reuse for another ticket); and where the desk trusts its
//! receiving server, that server's own `Authentication-Results` (the topmost; lower ones may be
//! the sender's forgeries) must vouch for the From domain. Pure: the daemon supplies the mail,
//! the key and the config.
//!
//! The two kinds of evidence live in [`super::token`] (the signed reply address) and
//! [`super::auth_results`] (the server's header, with its own verdict); this module weighs them
//! into one. Callers use `agent::token` for the reply addresses themselves.

use super::auth_results::{self, AuthProblem};
use super::token::{TokenKey, signed_recipients};
use crate::model::{Inbound, TicketRef};
use std::fmt;

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
        Some(id) => auth_results::check(m, id.trim()).map_err(Unproven::from),
        None => Ok(()),
    }
}

/// Whether the trusted server's topmost `Authentication-Results` vouches for the From domain,
/// without any token: how a portal's form mail proves it comes from the portal.
pub fn check_sender(m: &Inbound, authserv_id: &str) -> Result<(), Unproven> {
    auth_results::check(m, authserv_id.trim()).map_err(Unproven::from)
}

impl From<AuthProblem> for Unproven {
    fn from(p: AuthProblem) -> Unproven {
        match p {
            AuthProblem::NoResults { authserv_id } => Unproven::NoAuthResults { authserv_id },
            AuthProblem::Failed { detail } => Unproven::AuthFailed { detail },
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::token::reply_address;
    use crate::agent::token::tests::{DESK, key, mail, sd, signed};

    const TRUSTED: &str = "mx.example.org";

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
        // Token and trusted header both good: proven (the header cases are in auth_results).
        let m = authed(&["mx.example.org; dkim=pass header.d=example.org"]);
        assert_eq!(check_auth_with(&m, Some(TRUSTED)), Ok(()));
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
