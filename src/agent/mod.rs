//! Agents steer tickets by replying to deskmail's mails: what their reply says ([`command`]:
//! `#` command lines, then the text for the requester, with quoted history and signatures
//! removed by [`quote`]), and whether the mail proves it comes from an agent ([`proof`], which
//! weighs a signed reply address per ticket, [`token`], and the receiving server's
//! `Authentication-Results`, [`auth_results`]). Pure functions; the daemon applies the result.

pub mod auth_results;
pub mod command;
pub mod proof;
pub mod quote;
pub mod token;
