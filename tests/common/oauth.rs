//! OAuth2 on the test mail stack: Dovecot checks tokens at the stack's token endpoint
//! (scripts/token-endpoint), which mints them for a user with a chosen lifetime. A
//! [`TokenHelper`] is the desk's `password_command`: it asks the endpoint and prints its JSON,
//! and records how often it ran and what it printed.

use super::mailstack::{self, PASSWORD};
use std::path::PathBuf;

pub const TOKEN_PORT: u16 = 10081;

/// A token helper in `dir`. Its plan holds one line per run — a lifetime in seconds (negative:
/// a token that has already expired), or `revoked` (a token the endpoint never minted); the last
/// line holds for every later run.
pub struct TokenHelper {
    dir: PathBuf,
    _keep: tempfile::TempDir,
}

impl TokenHelper {
    /// A helper for tokens of `user`.
    pub fn new(user: &str, plan: &[&str]) -> TokenHelper {
        let keep = tempfile::tempdir().expect("helper dir");
        let dir = keep.path().to_path_buf();
        let script = format!(
            r#"#!/usr/bin/python3
import json, os, urllib.request
d = {dir:?}
with open(os.path.join(d, "runs"), "a") as f:
    f.write("run\n")
runs = sum(1 for _ in open(os.path.join(d, "runs")))
plan = open(os.path.join(d, "plan")).read().split()
step = plan[min(runs, len(plan)) - 1]
if step == "revoked":
    out = {{"access_token": "revoked-%d" % runs, "token_type": "Bearer", "expires_in": 3600}}
else:
    req = urllib.request.Request(
        "http://127.0.0.1:{TOKEN_PORT}/token?user={user}&ttl=" + step, data=b"", method="POST")
    out = json.load(urllib.request.urlopen(req, timeout=10))
with open(os.path.join(d, "printed"), "a") as f:
    f.write(out["access_token"] + "\n")
print(json.dumps(out))
"#,
            dir = dir.display().to_string()
        );
        let helper = TokenHelper { dir, _keep: keep };
        std::fs::write(helper.command(), script).expect("write helper");
        std::process::Command::new("chmod")
            .args(["755", &helper.command()])
            .status()
            .expect("chmod");
        helper.plan(plan);
        helper
    }

    /// What the config names as `password_command`.
    pub fn command(&self) -> String {
        self.dir.join("token").display().to_string()
    }

    pub fn plan(&self, plan: &[&str]) {
        std::fs::write(self.dir.join("plan"), plan.join("\n")).expect("write plan");
    }

    /// How often deskmail ran it.
    pub fn runs(&self) -> usize {
        std::fs::read_to_string(self.dir.join("runs"))
            .map(|s| s.lines().count())
            .unwrap_or(0)
    }

    /// Every token it printed.
    pub fn printed(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.join("printed"))
            .map(|s| s.lines().map(String::from).collect())
            .unwrap_or_default()
    }

    /// Fail if a log line holds a token it printed.
    pub fn assert_not_in(&self, log: &str) {
        for token in self.printed() {
            assert!(!log.contains(&token), "a token in the log:\n{log}");
        }
    }
}

/// [`mailstack::imap_config`] for a desk that logs in to IMAP (STARTTLS) and to submission
/// (STARTTLS) with OAuth2 tokens from `helper`.
pub fn oauth_config(desk: &str, portal: &str, agents: &str, helper: &TokenHelper) -> String {
    let with_token = format!(
        "auth = \"xoauth2\"\npassword_command = \"{}\"",
        helper.command()
    );
    let config = mailstack::imap_config(desk, portal, agents, "")
        .replace(&format!("password = \"{PASSWORD}\""), &with_token)
        .replace(
            &format!("port = {}\ntls = \"none\"", mailstack::SMTP_PORT),
            &format!(
                "port = {}\ntls = \"starttls\"\nusername = \"{desk}\"\n{with_token}\nca_file = \"{}\"",
                mailstack::SUBMISSION_PORT,
                mailstack::ca_file().display()
            ),
        );
    assert_eq!(config.matches("auth = \"xoauth2\"").count(), 2, "{config}");
    config
}

/// End `user`'s IMAP sessions, as a server does when it restarts: the daemon logs in again.
pub fn kick(user: &str) {
    let conf = mailstack::state_dir().join("dovecot/dovecot.conf");
    let out = std::process::Command::new("doveadm")
        .arg("-c")
        .arg(&conf)
        .args(["kick", user])
        .output()
        .expect("run doveadm kick");
    assert!(
        out.status.success(),
        "doveadm kick {user}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
