//! Who sent a mail, as far as the sender's address and software tell: mail systems and
//! virus scanners, the shared mailboxes of shops and services, the system accounts of
//! servers, script mailers, automatic forwarding. Each is a clue for `weak`, not proof.

use super::{Mail, compact_local, header_lc};

/// Mail systems, gateways and virus scanners that send notices in their own name.
pub(super) fn mail_system_sender(mail: &Mail) -> Option<String> {
    const LOCALS: &[&str] = &[
        "administrator",
        "admin",
        "sysadmin",
        "mailadmin",
        "emailadmin",
        "antivirus",
        "antispam",
        "virus",
        "virusalert",
        "viruswall",
        "mailscanner",
        "scanner",
        "mailguard",
        "mailsweeper",
        "interscan",
        "gateway",
        "mailgateway",
        "mailgate",
        "smtp",
        "mailsystem",
        "mailserver",
        "exchange",
        "exchangeadmin",
        "quarantine",
        "mail",
    ];
    const NAMES: &[&str] = &[
        "system administrator",
        "mail administrator",
        "mail delivery",
        "mail gateway",
        "mail system",
        "mail server",
        "email security",
        "antivirus",
        "anti-virus",
        "virus alert",
        "mailsweeper",
        "microsoft exchange",
        "postmaster",
    ];
    let from = mail.m.from.as_ref()?;
    let local = compact_local(from.local_part());
    let name = from.name.as_deref().unwrap_or_default().to_lowercase();
    (LOCALS.contains(&local.as_str()) || NAMES.iter().any(|n| name.contains(n)))
        .then(|| from.email.clone())
}

/// Shared mailboxes that shops, travel and account systems send from. Not `support` or
/// `help`: other desks' agents write from those.
pub(super) fn role_sender(mail: &Mail) -> Option<String> {
    const LOCALS: &[&str] = &[
        "info",
        "news",
        "newsletter",
        "newsletters",
        "marketing",
        "promo",
        "promotions",
        "offers",
        "deals",
        "orders",
        "order",
        "shipping",
        "shipment",
        "delivery",
        "tracking",
        "receipts",
        "receipt",
        "billing",
        "invoice",
        "invoices",
        "payments",
        "account",
        "accounts",
        "alerts",
        "alert",
        "updates",
        "update",
        "notice",
        "notices",
        "service",
        "customerservice",
        "care",
        "hello",
        "team",
        "email",
        "store",
        "shop",
        "feedback",
        "survey",
        "surveys",
        "rewards",
        "booking",
        "bookings",
        "reservations",
        "travel",
        "confirmation",
        "confirm",
        "autoconfirm",
        "members",
        "membership",
        "community",
        "digest",
        "events",
        "webinar",
        "webinars",
        "system",
        "security",
        "verify",
        "verification",
        "registration",
        "subscriptions",
        "mailings",
        "mailing",
    ];
    let from = mail.m.from.as_ref()?;
    let local = compact_local(from.local_part());
    LOCALS.contains(&local.as_str()).then(|| from.email.clone())
}

/// Mail libraries of scripts and web applications. A contact form on a web site uses them
/// too, with a person's words inside: so a weak clue, never proof. Not the command-line
/// senders people test with by hand (curl, msmtp under mutt).
pub(super) fn script_mailer(mail: &Mail) -> Option<String> {
    const TOOLS: &[&str] = &[
        "phpmailer",
        "php/",
        "php mailer",
        "python",
        "smtplib",
        "swiftmailer",
        "swift mailer",
        "symfony mailer",
        "nodemailer",
        "zend_mail",
        "zend framework",
        "laminas",
        "pear mail",
        "mime::lite",
        "mail::sender",
        "mime-tools",
        "perl",
        "microsoft cdo",
        "codeigniter",
        "wordpress",
        "drupal",
        "joomla",
        "powershell",
        "blat",
    ];
    let value = [
        "x-mailer",
        "user-agent",
        "x-php-originating-script",
        "x-php-script",
    ]
    .iter()
    .filter_map(|h| header_lc(mail.m, h))
    .collect::<Vec<_>>()
    .join(" ");
    if mail.m.has_header("x-php-originating-script") {
        return Some("X-PHP-Originating-Script".into());
    }
    TOOLS
        .iter()
        .find(|t| value.contains(*t))
        .map(|t| t.to_string())
}

/// Sender Rewriting Scheme and Gmail's auto-forward envelope: a mailbox rule passed this on,
/// nobody sent it to the desk by hand.
pub(super) fn auto_forwarded(mail: &Mail) -> Option<String> {
    let rp = mail.m.return_path.as_deref()?.to_ascii_lowercase();
    (rp.starts_with("srs0=") || rp.starts_with("srs1=") || rp.contains("+caf_=")).then_some(rp)
}

/// Accounts of server software and scheduled jobs (`root`, `oracle`, `www-data`, `nagios`):
/// their mail is the output of a program. A person who logs in as one of them and writes by
/// hand is rare enough that an agent may look at it.
pub(super) fn service_account(mail: &Mail) -> Option<String> {
    const LOCALS: &[&str] = &[
        "root", "oracle", "postgres", "mysql", "wwwdata", "www", "apache", "nginx", "httpd",
        "nobody", "cron", "crond", "anacron", "backup", "backups", "nagios", "icinga", "zabbix",
        "monit", "jenkins", "gitlab", "tomcat", "jboss", "sapadm", "logwatch", "smartd", "mdadm",
        "fail2ban",
    ];
    let from = mail.m.from.as_ref()?;
    let local = compact_local(from.local_part());
    LOCALS.contains(&local.as_str()).then(|| from.email.clone())
}
