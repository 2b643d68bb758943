//! Ready configuration for the programs people use a profile's token with:
//! msmtp, neomutt/mutt, aerc, git-send-email and Postfix (with sasl-xoauth2).
//! Each asks Mailwarden for a fresh access token when it connects
//! (`mailwarden token NAME`), so no secret is ever written into them: the one
//! exception, sasl-xoauth2's own client secret and refresh token, is left as
//! the `mailwarden reveal` command that fills it.
//!
//! Every value that goes into a shell command is shell-quoted (`shell-words`),
//! and into each format's own quoting after that, so a profile named
//! `Invent "ERP" $1` still yields a working file (tests/programs.rs runs or
//! parses each with the real program).

use crate::error::{CoreError, Result};
use crate::profile::{AuthMethod, Profile, SendMethod, TlsMode};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A program Mailwarden writes configuration for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum Program {
    Msmtp,
    Neomutt,
    Aerc,
    GitSendEmail,
    Postfix,
}

impl Program {
    pub const ALL: [Program; 5] =
        [Program::Msmtp, Program::Neomutt, Program::Aerc, Program::GitSendEmail, Program::Postfix];
    pub fn as_str(self) -> &'static str {
        match self {
            Program::Msmtp => "msmtp",
            Program::Neomutt => "neomutt",
            Program::Aerc => "aerc",
            Program::GitSendEmail => "git-send-email",
            Program::Postfix => "postfix",
        }
    }
    pub fn parse(s: &str) -> Option<Program> {
        let s = if s == "mutt" { "neomutt" } else { s };
        Program::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Its name as people know it.
    pub fn label(self) -> &'static str {
        match self {
            Program::Msmtp => "msmtp",
            Program::Neomutt => "NeoMutt / Mutt",
            Program::Aerc => "aerc",
            Program::GitSendEmail => "git send-email",
            Program::Postfix => "Postfix (sasl-xoauth2)",
        }
    }
}

/// A program the hand-over may offer for a profile, or why it cannot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProgramChoice {
    pub program: Program,
    pub label: &'static str,
    /// Why no configuration can be written for this profile; None: offered.
    pub refused: Option<String>,
}

/// Every program, each offered for `p` or with the reason it is not.
pub fn choices(p: &Profile) -> Vec<ProgramChoice> {
    Program::ALL
        .into_iter()
        .map(|program| ProgramChoice { program, label: program.label(), refused: refusal(p, program) })
        .collect()
}

/// Why `program` cannot use `p`, if it cannot.
pub fn refusal(p: &Profile, program: Program) -> Option<String> {
    if p.auth_method == AuthMethod::Basic {
        return Some(format!(
            "“{}” signs in with a password: Mailwarden hands out OAuth tokens only. Give the program the password itself, or use a profile that signs in with OAuth.",
            p.name
        ));
    }
    let smtp = p.send_method == SendMethod::Smtp && !p.smtp_host.is_empty();
    if !smtp && program != Program::Aerc && program != Program::Neomutt {
        return Some(format!(
            "“{}” sends through Microsoft Graph: its tokens are for Graph, which {} cannot use. Make a profile that sends by SMTP (scope SMTP.Send) for it.",
            p.name,
            program.label()
        ));
    }
    if !smtp && p.imap_host.is_empty() {
        return Some(format!("“{}” has neither an SMTP nor an IMAP server for {} to use.", p.name, program.label()));
    }
    None
}

/// One generated file (or, for Postfix, several) with where it goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProgramConfig {
    pub program: Program,
    pub files: Vec<ConfigFile>,
    /// What to do besides writing the files, in order.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConfigFile {
    /// Where the program reads it, e.g. `~/.msmtprc`.
    pub path: String,
    pub text: String,
}

/// How the other program runs Mailwarden: `mailwarden` (on PATH), or a path
/// and database when they are not the defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub program: String,
    pub db: Option<String>,
}

impl Default for Invocation {
    fn default() -> Self {
        Invocation { program: "mailwarden".into(), db: None }
    }
}

impl Invocation {
    /// How another program runs the token front installed in `dir` (beside
    /// the running binary): by name when that `mailwarden` is the one on
    /// PATH, else by its full path; with `db` unless it is the standard one
    /// (what `MAILWARDEN_DB` says is not seen by a program started elsewhere).
    pub fn beside(dir: &std::path::Path, db: Option<&std::path::Path>) -> Invocation {
        let front = dir.join("mailwarden");
        let on_path = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).map(|d| d.join("mailwarden")).find(|c| c.is_file()))
            .unwrap_or_default();
        let same = on_path.and_then(|c| c.canonicalize().ok()) == front.canonicalize().ok();
        let program = if same || !front.is_file() { "mailwarden".to_owned() } else { front.display().to_string() };
        let db = db
            .filter(|d| *d != crate::paths::standard_db_path())
            .map(|d| std::path::absolute(d).unwrap_or_else(|_| d.to_owned()).display().to_string());
        Invocation { program, db }
    }

    /// The shell command that prints a fresh access token for `p`.
    pub fn token_command(&self, p: &Profile) -> String {
        let mut words = vec![self.program.as_str()];
        if let Some(db) = &self.db {
            words.extend(["--db", db]);
        }
        words.extend(["token", &p.name]);
        shell_words::join(words)
    }
    fn reveal_command(&self, p: &Profile, flag: &str) -> String {
        let mut words = vec![self.program.as_str()];
        if let Some(db) = &self.db {
            words.extend(["--db", db]);
        }
        words.extend(["reveal", &p.name, flag]);
        shell_words::join(words)
    }
}

/// The configuration of `program` for profile `p`.
pub fn config(p: &Profile, program: Program, how: &Invocation) -> Result<ProgramConfig> {
    if let Some(why) = refusal(p, program) {
        return Err(CoreError::Flow(why));
    }
    let smtp = p.send_method == SendMethod::Smtp && !p.smtp_host.is_empty();
    let token = how.token_command(p);
    Ok(match program {
        Program::Msmtp => msmtp(p, &token),
        Program::Neomutt => neomutt(p, &token, smtp),
        Program::Aerc => aerc(p, &token, smtp),
        Program::GitSendEmail => git_send_email(p),
        Program::Postfix => postfix(p, how),
    })
}

/// An account name for programs that want one word: the profile name in
/// lower case, runs of anything but letters and digits as one hyphen.
pub fn account_name(p: &Profile) -> String {
    let mut out = String::new();
    for c in p.name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_owned();
    if out.is_empty() {
        format!("profile-{}", p.id)
    } else {
        out
    }
}

fn header(p: &Profile, comment: &str) -> String {
    format!("{comment} Written by Mailwarden for the profile “{}”.\n{comment} The password is a fresh access token from Mailwarden each time.\n", p.name)
}

/// A double-quoted string with backslash escapes (neomutt's and mutt's).
fn dquote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if matches!(c, '"' | '\\' | '$' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn msmtp(p: &Profile, token: &str) -> ProgramConfig {
    let account = account_name(p);
    let mut t = header(p, "#");
    t.push_str(&format!("\naccount {account}\n"));
    t.push_str(&format!("host {}\nport {}\n", p.smtp_host, p.smtp_port));
    match p.smtp_security {
        TlsMode::StartTls => t.push_str("tls on\ntls_starttls on\n"),
        TlsMode::Tls => t.push_str("tls on\ntls_starttls off\n"),
        TlsMode::None => t.push_str("tls off\n"),
    }
    t.push_str("tls_trust_file system\n");
    t.push_str(&format!("from {}\nuser {}\nauth xoauth2\n", p.effective_from(), p.mailbox));
    // msmtp takes the rest of the line as it stands (a leading `"` would
    // start its own quoting, with no escapes: a shell-quoted command never
    // starts with one).
    t.push_str(&format!("passwordeval {token}\n"));
    ProgramConfig {
        program: Program::Msmtp,
        files: vec![ConfigFile { path: "~/.msmtprc".into(), text: t }],
        notes: vec![
            format!("Add this account to ~/.msmtprc (mode 0600) and send with `msmtp -a {account} RECIPIENT`; add `account default : {account}` to make it the default."),
        ],
    }
}

/// URL user part: `user@example.com` → `user%40example.com`.
fn url_user(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>().replace('+', "%20")
}

fn scheme(secure: TlsMode, plain: &str, tls: &str) -> String {
    if secure == TlsMode::Tls {
        tls.into()
    } else {
        plain.into()
    }
}

fn neomutt(p: &Profile, token: &str, smtp: bool) -> ProgramConfig {
    let user = url_user(&p.mailbox);
    let mut t = header(p, "#");
    t.push_str(&format!("\nset from = {}\n", dquote(p.effective_from())));
    if smtp {
        let s = scheme(p.smtp_security, "smtp", "smtps");
        t.push_str(&format!("set smtp_url = {}\n", dquote(&format!("{s}://{user}@{}:{}/", p.smtp_host, p.smtp_port))));
        t.push_str("set smtp_authenticators = \"xoauth2\"\n");
        t.push_str(&format!("set smtp_oauth_refresh_command = {}\n", dquote(token)));
    }
    if !p.imap_host.is_empty() {
        let s = scheme(p.imap_security, "imap", "imaps");
        t.push_str(&format!("set imap_user = {}\n", dquote(&p.mailbox)));
        t.push_str(&format!("set folder = {}\n", dquote(&format!("{s}://{user}@{}:{}/", p.imap_host, p.imap_port))));
        t.push_str("set spoolfile = \"+INBOX\"\n");
        t.push_str("set imap_authenticators = \"xoauth2\"\n");
        t.push_str(&format!("set imap_oauth_refresh_command = {}\n", dquote(token)));
    }
    let secure = p.smtp_security != TlsMode::None && p.imap_security != TlsMode::None;
    t.push_str(&format!("set ssl_force_tls = {}\nset ssl_starttls = yes\n", if secure { "yes" } else { "no" }));
    ProgramConfig {
        program: Program::Neomutt,
        files: vec![ConfigFile { path: "~/.config/neomutt/neomuttrc".into(), text: t }],
        notes: vec!["Mutt 2.x reads the same lines from ~/.muttrc.".into()],
    }
}

fn aerc(p: &Profile, token: &str, smtp: bool) -> ProgramConfig {
    let user = url_user(&p.mailbox);
    let mut t = header(p, "#");
    t.push_str(&format!("\n[{}]\n", p.name.replace([']', '\n'], "")));
    if !p.imap_host.is_empty() {
        let s = scheme(p.imap_security, "imap", "imaps");
        let insecure = if p.imap_security == TlsMode::None { "+insecure" } else { "" };
        t.push_str(&format!("source = {s}{insecure}+xoauth2://{user}@{}:{}\n", p.imap_host, p.imap_port));
        t.push_str(&format!("source-cred-cmd = {}\n", ini_value(token)));
    }
    if smtp {
        let s = scheme(p.smtp_security, "smtp", "smtps");
        let insecure = if p.smtp_security == TlsMode::None { "+insecure" } else { "" };
        t.push_str(&format!("outgoing = {s}{insecure}+xoauth2://{user}@{}:{}\n", p.smtp_host, p.smtp_port));
        t.push_str(&format!("outgoing-cred-cmd = {}\n", ini_value(token)));
    }
    t.push_str(&format!("default = INBOX\nfrom = {}\ncopy-to = Sent\n", p.effective_from()));
    ProgramConfig {
        program: Program::Aerc,
        files: vec![ConfigFile { path: "~/.config/aerc/accounts.conf".into(), text: t }],
        notes: vec!["aerc refuses an accounts.conf others can read: chmod 600 it.".into()],
    }
}

/// aerc's ini reader ends a value at `#` or `;` (a comment) unless the value
/// is in backquotes, which it takes literally.
fn ini_value(s: &str) -> String {
    if s.contains(['#', ';']) || s.starts_with(['"', '\'']) {
        format!("`{s}`")
    } else {
        s.to_owned()
    }
}

fn git_send_email(p: &Profile) -> ProgramConfig {
    let account = account_name(p);
    let t = format!(
        "{}\n[sendemail]\n\tfrom = {}\n\tenvelopeSender = auto\n\tsendmailCmd = msmtp -a {account}\n",
        header(p, "#"),
        p.effective_from()
    );
    ProgramConfig {
        program: Program::GitSendEmail,
        files: vec![ConfigFile { path: "~/.gitconfig".into(), text: t }],
        notes: vec![
            format!("git send-email hands the message to msmtp, which signs in with Mailwarden's token: add the msmtp account “{account}” too (Debian's Authen::SASL has no XOAUTH2 for git's own SMTP)."),
            "Then: git send-email --to=RECIPIENT HEAD^".into(),
        ],
    }
}

fn postfix(p: &Profile, how: &Invocation) -> ProgramConfig {
    let relay = format!("[{}]:{}", p.smtp_host, p.smtp_port);
    let tls = match p.smtp_security {
        TlsMode::StartTls => "smtp_tls_security_level = encrypt\n".to_owned(),
        TlsMode::Tls => "smtp_tls_security_level = encrypt\nsmtp_tls_wrappermode = yes\n".to_owned(),
        TlsMode::None => "smtp_tls_security_level = may\n".to_owned(),
    };
    let token_file = format!("/var/spool/postfix/etc/tokens/{}", p.mailbox);
    let main = format!(
        "{}\nrelayhost = {relay}\nsmtp_sasl_auth_enable = yes\nsmtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd\nsmtp_sasl_security_options =\nsmtp_sasl_mechanism_filter = xoauth2\n{tls}",
        header(p, "#")
    );
    let passwd = format!("{relay} {}:{token_file}\n", p.mailbox);
    let ep = crate::providers::endpoints::endpoints(p);
    let conf = serde_json::json!({
        "client_id": p.client_id,
        "client_secret": "",
        "token_endpoint": ep.token,
    });
    let conf = serde_json::to_string_pretty(&conf).unwrap_or_default() + "\n";
    let mut notes = vec![
        "Add the main.cf lines, then: postmap /etc/postfix/sasl_passwd && systemctl reload postfix.".into(),
        "sasl-xoauth2 (the SASL plug-in for XOAUTH2; from its project page, it is not in Debian 12) reads /etc/sasl-xoauth2.conf and the token file, and refreshes the token itself.".into(),
    ];
    if p.auth_method.is_delegated() {
        notes.push(format!(
            "Fill in the two secrets from Mailwarden (each hand-over is recorded): client_secret in /etc/sasl-xoauth2.conf from `{}` (a public client has none: leave it empty), and the token file {token_file}, owned by postfix with mode 0600, as {{\"access_token\": \"\", \"refresh_token\": \"…\", \"expiry\": \"0\"}} with the refresh token from `{}`.",
            how.reveal_command(p, "--client-secret"),
            how.reveal_command(p, "--refresh-token"),
        ));
    } else {
        notes.push(
            "App-only profiles have no refresh token for sasl-xoauth2: send through the Mailwarden relay (relayhost = [127.0.0.1]:2525) instead.".into(),
        );
    }
    ProgramConfig {
        program: Program::Postfix,
        files: vec![
            ConfigFile { path: "/etc/postfix/main.cf".into(), text: main },
            ConfigFile { path: "/etc/postfix/sasl_passwd".into(), text: passwd },
            ConfigFile { path: "/etc/sasl-xoauth2.conf".into(), text: conf },
        ],
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{test_draft, validate, Provider};

    #[test]
    fn only_the_programs_a_profile_can_serve_are_offered_and_the_others_say_why() {
        let profile = |auth, send| {
            let d = test_draft("ERP", Provider::Microsoft365, auth, send);
            validate(&d, None, crate::profile::TEST_TODAY).unwrap().profile
        };
        let offered =
            |p: &Profile| choices(p).into_iter().filter(|c| c.refused.is_none()).map(|c| c.program).collect::<Vec<_>>();
        let graph = profile(AuthMethod::ClientCredentials, SendMethod::Graph);
        assert_eq!(offered(&graph), [Program::Neomutt, Program::Aerc]);
        let git = choices(&graph).into_iter().find(|c| c.program == Program::GitSendEmail).unwrap();
        assert!(git.refused.unwrap().contains("which git send-email cannot use"));
        assert_eq!(offered(&profile(AuthMethod::AuthCode, SendMethod::Smtp)), Program::ALL);
        let err = config(&graph, Program::Msmtp, &Invocation::beside(std::path::Path::new("/usr/bin"), None));
        assert!(err.is_err(), "what is not offered is refused the same way");
    }
}
