//! Agents steer tickets by replying to deskmail's mails: what their reply says ([`command`]:
//! `#` command lines, then the text for the requester, with quoted history and signatures
//! removed by [`crate::quote`]), whether the mail proves it comes from an agent ([`proof`], which
//! weighs a signed reply address per ticket, [`token`], and the receiving server's
//! `Authentication-Results`, [`auth_results`]), and what it does to the ticket ([`plan`]), with
//! no reply-address token left in what the requester sees ([`redact`]).
//! Pure functions; the daemon writes the plan.

pub mod auth_results;
pub mod command;
pub mod plan;
pub mod proof;
pub mod redact;
pub mod token;
