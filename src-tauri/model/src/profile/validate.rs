//! Validation: a [`ProfileDraft`] becomes a checked profile or a list of field
//! errors, each naming the field and saying how to fix it.
//!
//! Beyond syntax, the checks encode what goes wrong in the portal guides
//! (`shared/seeds/`) and in Microsoft's error table: the Secret ID pasted where
//! the Value belongs, a truncated value copied from the secrets table, Graph and
//! Outlook scopes mixed in one grant (AADSTS28000), a Graph `SMTP.Send` scope for
//! SMTP, `common` with client credentials (AADSTS9001023), port 465 on Microsoft
//! 365, `/.default` missing for app-only (AADSTS1002012), and so on.

use super::{Cloud, Profile, ProfileDraft};
use crate::error::FieldError;
use crate::secret::SecretChange;
use time::{Date, OffsetDateTime};

mod account;
mod app;
mod rules;
mod servers;
pub mod syntax;
use rules::{check_endpoint, check_port, check_redirect, check_scopes, check_server};

/// What the store already holds for the profile being edited.
#[derive(Debug, Clone, Copy, Default)]
pub struct Existing {
    pub has_client_secret: bool,
    pub has_password: bool,
    pub has_certificate: bool,
}

/// A checked draft: the profile to store (its id and timestamps are set by the
/// store) and what to do with each secret.
#[derive(Debug)]
pub struct Validated {
    pub profile: Profile,
    pub client_secret: SecretChange,
    pub password: SecretChange,
    /// The certificate made or read for this save (set by the service that
    /// makes it, after validation; stored in the same transaction).
    pub certificate: Option<crate::records::CertificateCredential>,
}

pub(super) struct Check {
    pub(super) errors: Vec<FieldError>,
}

impl Check {
    pub(super) fn err(&mut self, field: &str, message: impl Into<String>) {
        // One message per field: the first problem is the one to fix first.
        if !self.errors.iter().any(|e| e.field == field) {
            self.errors.push(FieldError::new(field, message));
        }
    }
}

pub(super) fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// Check `d` on `today` (the local date); `existing` describes the stored
/// profile when editing.
pub fn validate(d: &ProfileDraft, existing: Option<Existing>, today: Date) -> Result<Validated, Vec<FieldError>> {
    let mut c = Check { errors: Vec::new() };
    let existing = existing.unwrap_or_default();
    let oauth = d.auth_method.is_oauth();
    let ms = d.provider.is_microsoft();
    let account = account::account(&mut c, d);
    let app = app::app(&mut c, d, existing, today);
    let servers = servers::servers(&mut c, d, existing);
    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    let epoch = OffsetDateTime::UNIX_EPOCH;
    // Secrets a method cannot use are dropped, so nothing lingers unseen.
    let password = if d.auth_method.uses_password() { d.password.clone() } else { SecretChange::Clear };
    let client_secret = if oauth { d.client_secret.clone() } else { SecretChange::Clear };
    Ok(Validated {
        certificate: None,
        profile: Profile {
            id: 0,
            name: account.name,
            enabled: d.enabled,
            notes: d.notes.trim_end().to_owned(),
            provider: d.provider,
            auth_method: d.auth_method,
            send_method: d.send_method,
            mailbox: account.mailbox,
            from_address: account.from_address,
            domain: account.domain,
            tenant: if ms { account.tenant } else { String::new() },
            cloud: if ms { d.cloud } else { Cloud::Global },
            authority_url: if ms && d.cloud == Cloud::Custom { account.authority_url } else { None },
            graph_url: if ms && d.cloud == Cloud::Custom { account.graph_url } else { None },
            client_id: app.client_id,
            client_secret_id: app.client_secret_id,
            client_secret_expires: app.client_secret_expires,
            scopes: app.scopes,
            redirect_uri: app.redirect_uri,
            auth_url: app.auth_url,
            token_url: app.token_url,
            smtp_host: servers.smtp_host,
            smtp_port: servers.smtp_port.unwrap_or(587),
            smtp_security: d.smtp_security,
            imap_host: servers.imap_host,
            imap_port: servers.imap_port.unwrap_or(993),
            imap_security: d.imap_security,
            pop3_host: servers.pop3_host,
            pop3_port: servers.pop3_port.unwrap_or(995),
            pop3_security: d.pop3_security,
            created_at: epoch,
            updated_at: epoch,
        },
        client_secret,
        password,
    })
}

#[cfg(test)]
mod tests;
