//! The send tests' environment: the identity-provider simulator, a temp
//! database, and real Postfix + Dovecot (tests/support/mail.rs) that accept
//! the simulator's tokens; `connected` adds a delegated profile sending
//! through that Postfix. Shared by tests/send.rs and tests/programs.rs.

use crate::mail::MailServers;
use crate::oauth_env::{self, CLIENT};
pub const SCOPES: [&str; 3] =
    ["https://outlook.office.com/SMTP.Send", "https://outlook.office.com/IMAP.AccessAsUser.All", "offline_access"];

pub struct MailEnv {
    pub base: oauth_env::Env,
    pub mail: MailServers,
}

impl std::ops::Deref for MailEnv {
    type Target = oauth_env::Env;
    fn deref(&self) -> &oauth_env::Env {
        &self.base
    }
}

impl MailEnv {
    #[allow(clippy::new_without_default)]
    pub fn new() -> MailEnv {
        let base = oauth_env::Env::new();
        base.app(None, true);
        let senders = [("erp@contoso.com", "erp@contoso.com"), ("basic@contoso.com", "basic@contoso.com")];
        let mail = MailServers::start(&base.idp.ca, &base.idp.introspect_url, &senders, "contoso.com");
        MailEnv { base, mail }
    }

    /// A connected delegated profile sending through the local Postfix.
    pub fn connected(&self, name: &str, extra: &[&str]) {
        self.smtp_profile(name, extra);
        let rt = self.idp.mint_refresh_token(CLIENT, &SCOPES);
        self.ok(&["connect", name, "--refresh-token-stdin"], Some(&format!("{rt}\n")));
    }

    /// A delegated profile for erp@contoso.com sending through the local
    /// Postfix, not connected; flags in `extra` replace the same flags.
    pub fn smtp_profile(&self, name: &str, extra: &[&str]) {
        let port = self.mail.submission.to_string();
        let base = [
            "--mailbox",
            "erp@contoso.com",
            "--auth",
            "refresh-token",
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            &port,
        ];
        let mut args: Vec<&str> = base.chunks(2).filter(|p| !extra.contains(&p[0])).flatten().copied().collect();
        args.extend_from_slice(extra);
        self.add_profile(name, &args, None);
    }
}
