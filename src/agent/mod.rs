//! Agents steer tickets by replying to deskmail's mails: what their reply says ([`command`]:
//! `#` command lines, then the text for the requester, with quoted history and signatures
//! removed by [`quote`]), and whether the mail proves it comes from an agent ([`proof`]: a
//! signed reply address per ticket and the receiving server's `Authentication-Results`). Pure
//! functions; the daemon applies the result.

pub mod command;
pub mod proof;
pub mod quote;
