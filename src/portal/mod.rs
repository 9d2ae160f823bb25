//! The self-service portal, both ways: reading the `Field: value` lines of a portal form mail
//! into a ticket request, and building the prefilled form link for a loose mail (the
//! requester retypes nothing, and a request by mail does not jump the queue). Pure functions.
//!
//! Reading the form is `form`; choosing the form for a loose mail and building its link is
//! `prefill`.

mod form;
mod prefill;
#[cfg(test)]
mod tests;

pub use form::{Fields, FormProblem, FormRequest, check, parse_form};
pub use prefill::{
    FormChoice, PROOF_PARAM, choose_form, excerpt, percent_encode, prefill_url,
    strip_reply_prefixes, with_param,
};

/// Longest subject carried over from a mail or taken from a form: a link must stay a link
/// (browsers and portals refuse URLs of many kilobytes), and nobody types a 10,000-character
/// subject.
pub const MAX_SUBJECT_CHARS: usize = 200;
