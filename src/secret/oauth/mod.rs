//! OAuth2 bearer tokens for IMAP and SMTP (`auth = "xoauth2"`): `token` reads what the token
//! helper (`password_command`) prints and when it expires, `cache` holds one token per helper
//! for the whole process and fetches a fresh one before it expires or after a refusal, `sasl`
//! speaks OAUTHBEARER and XOAUTH2. The logins themselves live with their protocols
//! (`source::imap`, `transport::smtp`).

pub mod cache;
pub mod sasl;
pub mod token;

pub use cache::tokens;
pub use sasl::Mechanism;
pub use token::Token;
