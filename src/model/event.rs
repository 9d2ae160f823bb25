//! The kinds of things that happen on a ticket, as its history stores and shows them.

/// What happened on a ticket, as its history (`tickets show`) names it. The stored names are
/// a contract (`tickets show --json`): `as_str` never changes for an existing kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// A portal form made the ticket.
    Created,
    /// Someone replied on the ticket by mail.
    Reply,
    /// The status changed (an agent's `#status`, or a requester's reply reopening it).
    Status,
    /// An agent moved the target date.
    Target,
    /// An agent set the date the requester hears from us by.
    Next,
    /// An agent assigned the ticket.
    Assign,
    /// An agent's internal note.
    Note,
    /// An agent's answer went to the requester.
    Answer,
    /// An agent's mail had lines that were not understood: nothing was done.
    NotUnderstood,
    /// Mail from an agent's address that did not prove itself: kept, not acted on.
    Unproven,
    /// A progress mail went to the requester: the target is near.
    ProgressNear,
    /// A progress mail went to the requester on a promised date.
    Progress,
    /// A progress mail went to the requester: the target has passed.
    ProgressOverdue,
    /// A mail could not even be queued (an address lettre refuses).
    MailRefused,
    /// A mail could not be delivered.
    MailFailed,
    /// The requester's personal data was erased on request (`deskmail forget`).
    Forgotten,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Created => "created",
            EventKind::Reply => "reply",
            EventKind::Status => "status",
            EventKind::Target => "target",
            EventKind::Next => "next",
            EventKind::Assign => "assign",
            EventKind::Note => "note",
            EventKind::Answer => "answer",
            EventKind::NotUnderstood => "not_understood",
            EventKind::Unproven => "unproven",
            EventKind::ProgressNear => "progress_near",
            EventKind::Progress => "progress",
            EventKind::ProgressOverdue => "progress_overdue",
            EventKind::MailRefused => "mail_refused",
            EventKind::MailFailed => "mail_failed",
            EventKind::Forgotten => "forgotten",
        }
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
