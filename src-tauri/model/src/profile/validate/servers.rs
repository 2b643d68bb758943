//! The servers (SMTP, IMAP, POP3: host, port, security) and the mailbox password
//! where the sign-in uses one.

use super::{check_port, check_server, Check, Existing};
use crate::profile::{ProfileDraft, Provider, SendMethod};
use crate::secret::{ExposeSecret, SecretChange};

/// The servers' checked values.
pub(super) struct Servers {
    pub smtp_host: String,
    pub smtp_port: Option<u16>,
    pub imap_host: String,
    pub imap_port: Option<u16>,
    pub pop3_host: String,
    pub pop3_port: Option<u16>,
}

pub(super) fn servers(c: &mut Check, d: &ProfileDraft, existing: Existing) -> Servers {
    // Servers.
    let smtp_host = d.smtp_host.trim().to_ascii_lowercase();
    let smtp_port = check_port(c, "smtpPort", "SMTP port", &d.smtp_port, 587);
    let smtp_needed = d.send_method == SendMethod::Smtp;
    if smtp_needed || !smtp_host.is_empty() {
        // Microsoft 365 takes SMTP on 587 with STARTTLS only: one answer, not
        // the generic "465 is implicit TLS" advice beside it.
        let m365 = d.provider == Provider::Microsoft365;
        if m365 && smtp_port == Some(465) {
            c.err(
                "smtpPort",
                "Microsoft 365 does not accept port 465 (implicit TLS): set SMTP port to 587 and Security to STARTTLS.",
            );
        }
        let fields = ("smtpHost", "smtpPort", "smtpSecurity");
        check_server(c, fields, "SMTP", &smtp_host, smtp_port, d.smtp_security, !m365);
    }
    let imap_host = d.imap_host.trim().to_ascii_lowercase();
    let imap_port = check_port(c, "imapPort", "IMAP port", &d.imap_port, 993);
    if !imap_host.is_empty() {
        check_server(c, ("imapHost", "imapPort", "imapSecurity"), "IMAP", &imap_host, imap_port, d.imap_security, true);
    }
    let pop3_host = d.pop3_host.trim().to_ascii_lowercase();
    let pop3_port = check_port(c, "pop3Port", "POP3 port", &d.pop3_port, 995);
    if !pop3_host.is_empty() {
        check_server(c, ("pop3Host", "pop3Port", "pop3Security"), "POP3", &pop3_host, pop3_port, d.pop3_security, true);
    }

    // Password (basic auth, or the password sign-in over OAuth).
    if d.auth_method.uses_password() {
        match &d.password {
            SecretChange::Set { value } if value.expose_secret().is_empty() => {
                c.err("password", "Password is empty; type the mailbox password.")
            }
            SecretChange::Keep if !existing.has_password => {
                c.err("password", "Password is required for username-and-password sign-in.")
            }
            SecretChange::Clear => c.err("password", "Password is required for username-and-password sign-in."),
            _ => {}
        }
    }

    Servers { smtp_host, smtp_port, imap_host, imap_port, pop3_host, pop3_port }
}
