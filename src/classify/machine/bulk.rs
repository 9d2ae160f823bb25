//! Strong evidence of senders and their software: bulk-mail services (ESPs) and the headers
//! they stamp on every mail, their bounce-catching Return-Paths (VERP), loop headers of other
//! ticket systems, Google Groups rewriting, no-reply Reply-To, cron, DMARC and SMTP TLS
//! reports, challenge-response vendors. Each of these is put there by software that sends
//! for a machine; a person's mail program never adds them, so one is enough to ignore a mail.

use super::{MachineKind, MachineSignal, Mail, bare_address, header_lc, is_noreply, signal};

/// Headers of marketing platforms and notification senders, and Feedback-ID (bulk senders'
/// complaint statistics). Names only: their values are ids.
/// Not the headers a program hands such a service to steer it (`X-Mailgun-Tag`): the service
/// removes those, so on a received mail they prove nothing (a test fixture kept one).
const ESP_HEADERS: &[(&str, &str)] = &[
    (
        "feedback-id",
        "Feedback-ID (bulk sender's complaint statistics)",
    ),
    ("x-feedback-id", "X-Feedback-ID"),
    ("x-mailjet-campaign", "X-Mailjet-Campaign (Mailjet)"),
    ("x-mailin-campaign", "X-Mailin-Campaign (Brevo)"),
    ("x-mailin-client", "X-Mailin-Client (Brevo)"),
    (
        "x-csa-complaints",
        "X-CSA-Complaints (certified bulk sender)",
    ),
    ("x-sfmc-stack", "X-SFMC-Stack (Salesforce Marketing Cloud)"),
    ("x-job", "X-Job (marketing platform job id)"),
    ("x-campaign", "X-Campaign"),
    ("x-campaignid", "X-CampaignID"),
    ("x-campaign-id", "X-Campaign-Id"),
    ("x-mailer-recptid", "X-Mailer-RecptId (bulk recipient id)"),
    ("x-mailer-sid", "X-Mailer-SID (bulk job id)"),
    ("x-rpcampaign", "X-rpcampaign"),
    ("x-marketoid", "X-MarketoID (Marketo)"),
    ("x-mktmailid", "X-MktMailId (Marketo)"),
    ("x-hs-cid", "X-HS-Cid (HubSpot)"),
    ("x-emarsys-identify", "X-EMarSys-Identify (Emarsys)"),
    ("x-ebay-mailtracker", "X-eBay-MailTracker"),
    ("x-linkedin-class", "X-LinkedIn-Class"),
    ("x-facebook-notify", "X-Facebook-Notify"),
    ("x-github-reason", "X-GitHub-Reason"),
    ("x-gitlab-project", "X-GitLab-Project"),
    ("x-jira-fingerprint", "X-JIRA-FingerPrint"),
    // issue trackers and code review: their notifications carry the tracker's own fields
    (
        "x-bugzilla-reason",
        "X-Bugzilla-Reason (Bugzilla notification)",
    ),
    ("x-bugzilla-type", "X-Bugzilla-Type (Bugzilla notification)"),
    (
        "x-redmine-project",
        "X-Redmine-Project (Redmine notification)",
    ),
    ("x-trac-project", "X-Trac-Project (Trac notification)"),
    (
        "x-launchpad-bug",
        "X-Launchpad-Bug (Launchpad notification)",
    ),
    (
        "x-gerrit-messagetype",
        "X-Gerrit-MessageType (Gerrit notification)",
    ),
    (
        "x-phabricator-sent-this-message",
        "X-Phabricator-Sent-This-Message",
    ),
    ("x-mantis-body", "X-Mantis-Body (Mantis notification)"),
    ("x-cron-env", "X-Cron-Env (cron job output)"),
];

/// Headers of the relays themselves (Mandrill, SES, SendGrid, Mailgun, Postmark, SparkPost):
/// some companies send all their people's mail through one, and submitGit-like tools send a
/// person's patches through SES, so alone they are a weak clue (see `weak`), not proof.
const RELAY_HEADERS: &[(&str, &str)] = &[
    (
        "x-mandrill-user",
        "X-Mandrill-User (Mailchimp Transactional)",
    ),
    ("x-mc-user", "X-MC-User (Mailchimp)"),
    ("x-mc-unique", "X-MC-Unique (Mailchimp)"),
    ("x-mcda", "X-MCDA (Mailchimp)"),
    ("x-ses-outgoing", "X-SES-Outgoing (Amazon SES)"),
    ("x-sg-eid", "X-SG-EID (SendGrid)"),
    ("x-sg-id", "X-SG-ID (SendGrid)"),
    ("x-mailgun-sid", "X-Mailgun-Sid (Mailgun)"),
    ("x-mailgun-variables", "X-Mailgun-Variables (Mailgun)"),
    ("x-pm-message-id", "X-PM-Message-Id (Postmark)"),
    ("x-pm-tag", "X-PM-Tag (Postmark)"),
    ("x-msys-api", "X-MSYS-API (SparkPost)"),
    ("x-mj-mid", "X-MJ-Mid (Mailjet)"),
    ("x-sib-id", "X-sib-id (Brevo)"),
];

/// Mailer names of bulk tools and of scripts' mail libraries that only ever send for a
/// program. Script libraries (PHPMailer, smtplib) are weaker: see `weak::scripted_mailer`.
const BULK_MAILERS: &[&str] = &[
    "mailchimp",
    "mailchimp mailer",
    "phplist",
    "sendinblue",
    "brevo",
    "mailjet",
    "campaign monitor",
    "createsend",
    "sendy",
    "mailpoet",
    "mautic",
    "acymailing",
    "mailwizz",
    "interspire",
    "oempro",
    "getresponse",
    "aweber",
    "constant contact",
    "icontact",
    "klaviyo",
    "listmonk",
    "exacttarget",
    "emarsys",
    "newsletter",
    "mass mail",
    "bulk mail",
    "groupmail",
    "sendblaster",
    "atomic mail sender",
    "mailerlite",
    "benchmark email",
    "zoho campaigns",
];

/// Domains ESPs use for their bounce-catching envelope senders.
const ESP_BOUNCE_DOMAINS: &[&str] = &[
    "amazonses.com",
    "sendgrid.net",
    "mcsv.net",
    "mcdlv.net",
    "rsgsv.net",
    "mandrillapp.com",
    "mailgun.org",
    "mailgun.net",
    "sparkpostmail.com",
    "mktomail.com",
    "exacttarget.com",
    "createsend.com",
    "cmail1.com",
    "cmail2.com",
    "cmail19.com",
    "cmail20.com",
    "mailjet.com",
    "sendinblue.com",
    "brevo.com",
    "constantcontact.com",
    "hubspotemail.net",
    "postmarkapp.com",
    "mailchimpapp.net",
    "emarsys.net",
    "bnc3.mailjet.com",
    "messagegears.net",
    "responsys.net",
    "sailthru.com",
    "klaviyomail.com",
];

/// Vendors of challenge-response filters; their requests come from these domains.
const CHALLENGE_VENDORS: &[&str] = &[
    "boxbe.com",
    "spamarrest.com",
    "mailblocks.com",
    "choicemail.com",
    "sorbs.net",
    "qurb.com",
];

pub(super) fn esp_headers(mail: &Mail) -> Option<MachineSignal> {
    let (_, name) = ESP_HEADERS.iter().find(|(h, _)| mail.m.has_header(h))?;
    signal(MachineKind::OtherAuto, format!("{name} header"))
}

pub(super) fn bulk_mailer(mail: &Mail) -> Option<MachineSignal> {
    let (name, value) = ["x-mailer", "user-agent"]
        .iter()
        .find_map(|h| header_lc(mail.m, h).map(|v| (*h, v)))?;
    let tool = BULK_MAILERS.iter().find(|t| value.contains(*t))?;
    let label = if name == "x-mailer" {
        "X-Mailer"
    } else {
        "User-Agent"
    };
    signal(
        MachineKind::OtherAuto,
        format!("{label} of a bulk tool ({tool})"),
    )
}

/// A bulk-mail relay: its own header, or its bounce-catching envelope sender (VERP:
/// `bounce-…@`, `…@bounces.example.com`, an ESP's own bounce domain). A weak clue: a person's
/// mail can go out through such a relay too.
/// VERP and ESP envelope senders.
pub(super) fn relay(mail: &Mail) -> Option<String> {
    if let Some((_, name)) = RELAY_HEADERS.iter().find(|(h, _)| mail.m.has_header(h)) {
        return Some(format!("{name} header"));
    }
    bounce_return_path(mail).map(|s| s.evidence)
}

fn bounce_return_path(mail: &Mail) -> Option<MachineSignal> {
    let rp = mail.m.return_path.as_deref()?.to_ascii_lowercase();
    let (local, domain) = rp.rsplit_once('@')?;
    let verp_local = ["bounce", "bounces", "bnc", "msprvs1="]
        .iter()
        .any(|p| local.starts_with(p))
        || local.ends_with("-bounce")
        || local.ends_with(".bounce");
    let bounce_host = domain
        .split('.')
        .any(|label| matches!(label, "bounce" | "bounces" | "bnc" | "bncs" | "rebound"));
    let esp = ESP_BOUNCE_DOMAINS
        .iter()
        .any(|d| domain == *d || domain.ends_with(&format!(".{d}")));
    (verp_local || bounce_host || esp).then(|| {
        signal(
            MachineKind::OtherAuto,
            format!("Return-Path <{rp}> of a bulk sender"),
        )
    })?
}

/// Loop guards of ticket systems and mail filters: `X-Loop` (procmail, RT, OTRS and others
/// set it on what they send or forward automatically).
pub(super) fn loop_headers(mail: &Mail) -> Option<MachineSignal> {
    const LOOPS: &[(&str, &str)] = &[
        ("x-loop", "X-Loop"),
        ("x-rt-loop-prevention", "X-RT-Loop-Prevention"),
        ("x-otrs-loop", "X-OTRS-Loop"),
        ("x-znuny-loop", "X-Znuny-Loop"),
        ("x-zammad-loop", "X-Zammad-Loop"),
    ];
    let negative = |v: &str| matches!(v, "no" | "false" | "0");
    let (_, name) = LOOPS
        .iter()
        .find(|(h, _)| header_lc(mail.m, h).is_some_and(|v| !negative(&v)))?;
    signal(MachineKind::OtherAuto, format!("{name} header"))
}

/// Google Groups rewrites a member's post (`'Jan' via Group <group@googlegroups.com>`) and
/// may drop the List-* headers; its own header stays. A desk run as a group is not a list.
pub(super) fn google_group(mail: &Mail) -> Option<MachineSignal> {
    if super::desk_is_the_list(mail) || addressed_to_us(mail) {
        return None;
    }
    if mail.m.has_header("x-google-group-id") {
        return signal(MachineKind::List, "X-Google-Group-Id header");
    }
    let from = mail.m.from.as_ref()?;
    from.domain()
        .eq_ignore_ascii_case("googlegroups.com")
        .then(|| signal(MachineKind::List, format!("From {}", from.email)))?
}

/// Whether one of the visible recipients is the desk: a group that forwards to the desk
/// keeps the group as recipient, so mail addressed to us directly is our own group's.
fn addressed_to_us(mail: &Mail) -> bool {
    let m = mail.m;
    m.to.iter()
        .chain(&m.cc)
        .any(|r| mail.own.addresses.iter().any(|a| r.is(a)))
}

/// Replies to a no-reply address go nowhere: whoever set that Reply-To sent for a machine.
pub(super) fn noreply_reply_to(mail: &Mail) -> Option<MachineSignal> {
    let reply_to = mail.m.reply_to.as_ref()?;
    is_noreply(&reply_to.local_part().to_ascii_lowercase()).then(|| {
        signal(
            MachineKind::OtherAuto,
            format!("Reply-To {}", reply_to.email),
        )
    })?
}

/// Cron mails its jobs' output as `Cron <user@host> command`.
pub(super) fn cron(mail: &Mail) -> Option<MachineSignal> {
    mail.subject
        .starts_with("cron <")
        .then(|| signal(MachineKind::OtherAuto, "cron job output"))?
}

/// DMARC aggregate reports (RFC 7489 §7.2.1.1: subject `Report Domain: … Submitter: …
/// Report-ID: …`, a zip or gzip named `receiver!domain!begin!end`) and SMTP TLS reports
/// (RFC 8460: `application/tlsrpt+json` or `+gzip`).
pub(super) fn dmarc_tls_report(mail: &Mail) -> Option<MachineSignal> {
    let m = mail.m;
    if let Some(t) = m
        .part_types
        .iter()
        .find(|t| t.starts_with("application/tlsrpt"))
    {
        return signal(
            MachineKind::OtherAuto,
            format!("{t} part (SMTP TLS report)"),
        );
    }
    let s = &mail.subject;
    if s.contains("report domain:") && (s.contains("submitter:") || s.contains("report-id:")) {
        return signal(MachineKind::OtherAuto, "DMARC/TLS report subject");
    }
    let report_file = m
        .attachments
        .iter()
        .find(|a| is_report_file_name(&a.name))?;
    signal(
        MachineKind::OtherAuto,
        format!("report attachment {}", report_file.name),
    )
}

/// `google.com!example.org!1700000000!1700086399.zip` and the like.
fn is_report_file_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('!').collect();
    parts.len() >= 4
        && parts
            .get(2)
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && [".zip", ".gz", ".xml", ".json"]
            .iter()
            .any(|e| name.to_ascii_lowercase().ends_with(e))
}

pub(super) fn challenge_vendor(mail: &Mail) -> Option<MachineSignal> {
    let m = mail.m;
    let domains = m
        .from
        .iter()
        .map(|f| f.domain().to_ascii_lowercase())
        .chain(m.return_path.iter().map(|rp| bare_address(rp)));
    let vendor = domains
        .flat_map(|d| {
            CHALLENGE_VENDORS.iter().filter(move |v| {
                d == **v || d.ends_with(&format!(".{v}")) || d.ends_with(&format!("@{v}"))
            })
        })
        .next()?;
    signal(
        MachineKind::OtherAuto,
        format!("challenge-response service {vendor}"),
    )
}
