//! The requester's side of the ticket page, pure: the signed link that opens it ([`token`]) and
//! what the page shows ([`page`]). The web edge (`web::ticket`) serves it; the daemon writes
//! what a requester does there through the same effects as their mail.

pub mod page;
pub mod token;
