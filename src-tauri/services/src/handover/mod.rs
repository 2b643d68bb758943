//! Hand-over: giving the product being set up the values it needs. The plain
//! values (tenant, client ID, hosts, scopes…) under the names products use for
//! them; the client secret and the refresh token only on an explicit request
//! that is recorded (what, when, whether Mailwarden keeps its own copy) — the
//! secret itself goes to the caller (the CLI's stdout, the clipboard from
//! Rust), never into a view or the log.

pub mod programs;

use crate::error::{CoreError, Result};
use crate::profile::{AuthMethod, Profile};
pub use crate::records::handover::{HandoverRecord, Reveal};
use crate::secret::SecretString;
use serde::Serialize;
use ts_rs::TS;

/// A value for the other product, with the names products give it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HandoverValue {
    pub name: String,
    /// Other names for it: the portal's, and what products call it.
    pub aka: String,
    pub value: String,
}

/// What the hand-over step shows: the plain values, which secrets can be
/// handed over (never the secrets), and what was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HandoverSummary {
    pub values: Vec<HandoverValue>,
    pub has_client_secret: bool,
    pub has_refresh_token: bool,
    pub history: Vec<HandoverRecord>,
    /// The programs configuration can be written for, each offered or not (and why).
    pub programs: Vec<programs::ProgramChoice>,
}

/// The plain values of `p` a product may ask for, in the order forms ask.
pub fn values(p: &Profile) -> Vec<HandoverValue> {
    let mut out = Vec::new();
    let mut push = |name: &str, aka: &str, value: String| {
        if !value.is_empty() {
            out.push(HandoverValue { name: name.into(), aka: aka.into(), value });
        }
    };
    if p.provider.is_microsoft() && p.auth_method.is_oauth() {
        push("Tenant", "Directory (tenant) ID; tenant ID, directory ID", p.tenant.clone());
    }
    if p.auth_method.is_oauth() {
        push("Client ID", "Application (client) ID; app ID", p.client_id.clone());
        push(
            "Secret ID",
            "the Secret ID column of Certificates & secrets (not the secret)",
            p.client_secret_id.clone().unwrap_or_default(),
        );
        push("Scopes", "scope; permissions requested", p.scopes.join(" "));
    }
    if p.auth_method == AuthMethod::AuthCode {
        push("Redirect URI", "reply URL; callback URL", p.redirect_uri.clone());
    }
    push("Username", "mailbox; email address; user principal name; login", p.mailbox.clone());
    push("From address", "sender; send as", p.from_address.clone().unwrap_or_default());
    push("SMTP server", "outgoing server; SMTP host", p.smtp_host.clone());
    if !p.smtp_host.is_empty() {
        push("SMTP port", "outgoing port", p.smtp_port.to_string());
        push("SMTP security", "encryption; TLS mode", p.smtp_security.as_str().to_owned());
    }
    push("IMAP server", "incoming server; IMAP host", p.imap_host.clone());
    if !p.imap_host.is_empty() {
        push("IMAP port", "incoming port", p.imap_port.to_string());
    }
    if !p.pop3_host.is_empty() {
        push("POP3 server", "incoming server; POP3 host", p.pop3_host.clone());
        push("POP3 port", "incoming port", p.pop3_port.to_string());
    }
    if p.auth_method.is_oauth() {
        let ep = crate::providers::endpoints::endpoints(p);
        push("Token endpoint", "token URL; OAuth token URL", ep.token);
        if p.auth_method.is_delegated() {
            push("Authorization endpoint", "auth URL; authorize URL", ep.authorize.unwrap_or_default());
        }
    }
    out
}

crate::context::service!(
    /// Hand-over of a profile's values (and, on request, a secret) to another product.
    Handovers
);

impl Handovers<'_> {
    /// The plain values of profile `id` for another product.
    pub fn values(&self, id: i64) -> Result<Vec<HandoverValue>> {
        Ok(values(&self.profiles().get(id)?.profile))
    }

    /// The secret `what` of profile `id`, recorded as handed over. `keep`:
    /// whether Mailwarden keeps using its own copy (a refresh token handed
    /// over lives on at Microsoft in both places); when false, this profile's
    /// connection is deleted after the hand-over is recorded.
    pub fn reveal(
        &self,
        id: i64,
        what: Reveal,
        keep: bool,
        hand_over: impl FnOnce(&SecretString) -> std::io::Result<()>,
    ) -> Result<()> {
        let p = self.profiles().get(id)?.profile;
        if what == Reveal::CertificateKey {
            return Err(CoreError::Flow(
                "A certificate's key is handed over only as a PFX under a passphrase (mailwarden certificate export-pfx).".into(),
            ));
        }
        if what == Reveal::ClientSecret && !keep {
            return Err(CoreError::Flow(
                "A client secret handed over stays this profile's too: only a refresh token can be given away.".into(),
            ));
        }
        let secret = self.store.read_secret(p.id, what.kind())?.ok_or_else(|| {
            CoreError::Flow(format!(
                "“{}” holds no {} to hand over{}.",
                p.name,
                what.label(),
                if what == Reveal::RefreshToken { ": connect it first" } else { "" }
            ))
        })?;
        // Recorded, and forgotten here, only once it provably reached its
        // destination: a failed write keeps the connection as it was.
        hand_over(&secret).map_err(|source| CoreError::Io {
            context: format!(
                "The {} could not be handed over, so nothing changed{}",
                what.label(),
                if keep { "" } else { " (this profile keeps its connection)" }
            ),
            source,
        })?;
        let at = crate::clock::rfc3339(self.clock.now());
        self.store.record_handover(p.id, what, &at, keep)?;
        tracing::info!(profile = p.id, what = what.as_str(), kept = keep, "a secret was handed over");
        if !keep {
            self.tokens().disconnect(p.id)?;
        }
        Ok(())
    }

    /// The hand-over step of profile `id`.
    pub fn summary(&self, id: i64) -> Result<HandoverSummary> {
        let v = self.profiles().get(id)?;
        let has_refresh_token = self.store.token_record(id)?.is_some_and(|t| t.has_refresh_token);
        Ok(HandoverSummary {
            values: values(&v.profile),
            has_client_secret: v.has_client_secret,
            has_refresh_token,
            history: self.store.handovers(id)?,
            programs: programs::choices(&v.profile),
        })
    }

    /// Ready configuration of `program` for profile `id` (no secret in it).
    pub fn program_config(
        &self,
        id: i64,
        program: programs::Program,
        how: &programs::Invocation,
    ) -> Result<programs::ProgramConfig> {
        programs::config(&self.profiles().get(id)?.profile, program, how)
    }

    /// What was handed over for profile `id`, newest first.
    pub fn history(&self, id: i64) -> Result<Vec<HandoverRecord>> {
        self.profiles().get(id)?;
        self.store.handovers(id)
    }
}
