//! The requester's side of the ticket page: the signed link that opens it ([`token`]). What
//! the page shows is `compose::page` (the mails' words and dates); the web edge (`web::ticket`)
//! serves it; the daemon writes what a requester does there through the same effects as their
//! mail.

pub mod token;
