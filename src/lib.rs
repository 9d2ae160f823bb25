//! deskmail: the mail bot of an IT service desk.
//!
//! The layout follows the flow of one message — parse, classify, work out the effects, then
//! write them in one transaction and send after the commit:
//!
//! * the pure core — [`parse`] (bytes → [`model::Inbound`]), [`classify`] (→ one
//!   [`classify::Decision`] with its reason), [`effects`] (what a decision or a due progress
//!   mail does: the ticket, its events, the mails), [`quote`] (a mail's own text without quoted
//!   history and signature), [`portal`] (form mails in, prefilled links out), [`agent`] (an
//!   agent's reply: its commands, its proof, what it does to the ticket), [`requester`] (the
//!   ticket page's signed link and what the page shows), [`schedule`]
//!   (business calendar, SLA targets, when progress mails and digests are due), [`compose`]
//!   (templates → finished mails), [`lang`] and [`text`] (the plain-text shaping the others
//!   share) — plain functions over plain data;
//! * the edges — [`source`] (where mail comes from), [`store`] (SQLite), [`transport`] (where
//!   mail goes), [`web`] (the requester's pages, health and metrics over HTTP); [`secret`] and
//!   [`oauth`] (passwords and OAuth2 tokens for their logins);
//! * [`daemon`], which wires them and decides nothing itself: ingest, scheduler tick, outbox
//!   delivery; with [`clock`] and [`shutdown`] beside it. [`config`] is read once and checked
//!   before anything runs. [`status`] reads what the daemon records about itself, for
//!   `deskmail status`; [`metrics`] counts what the daemon does, for `/metrics`; [`manual`]
//!   makes deskmail.toml(5) from the README's configuration reference.
//!   Errors keep their cause as their source; [`error_chain`] writes one with its causes.

pub mod agent;
pub mod backoff;
pub mod classify;
pub mod clock;
pub mod compose;
pub mod config;
pub mod daemon;
pub mod effects;
pub mod error_chain;
pub mod lang;
pub mod manual;
pub mod metrics;
pub mod model;
pub mod parse;
pub mod portal;
pub mod privacy;
pub mod quote;
pub mod requester;
pub mod retention;
pub mod schedule;
pub mod secret;
pub mod shutdown;
pub mod source;
pub mod status;
pub mod store;
pub mod stream;
pub mod text;
pub mod tls;
pub mod transport;
pub mod web;
