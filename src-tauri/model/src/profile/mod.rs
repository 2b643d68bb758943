//! The mail-server profile: what one entry holds, how it is drafted and shown.
//!
//! Three shapes of one thing: a [`ProfileDraft`] is what a person typed (strings,
//! secrets as [`SecretChange`]s), [`validate`] turns it into a checked
//! [`Profile`] or a list of field errors, and a [`ProfileView`] is what the front
//! ends display — the profile's non-secret fields plus "a secret is set" flags and
//! the secret-expiry badge. No shape that leaves the core carries a secret value.

pub mod defaults;
mod expiry;
mod filter;
mod kinds;
mod row;
pub mod validate;

pub use defaults::{defaults_for, rebase, Choices, Defaults};
pub use expiry::{
    credential_badge, days_text, expiry_badge, secret_badge, severity, ExpiryBadge, ExpiryState, ExpiryText, Thresholds,
};
pub use filter::{ListSort, Matcher, ProfileQuery};
pub use kinds::{catalog, AuthMethod, Catalog, ChoiceOption, Cloud, Provider, SendMethod, TlsMode, ROPC_DISCOURAGED};
pub use row::{ProfileRow, ProfileSummary};
pub use validate::syntax::{is_email, is_guid};
pub use validate::{validate, Existing, Validated};

/// Why a profile signing in with `auth` at `provider` through
/// `redirect_uri` cannot hold a certificate, if it cannot: a certificate is
/// the credential of a confidential Microsoft app — app-only, or a Web app a
/// person signs in to (browser sign-in through a Web redirect, a refresh
/// token or a password redeemed by it). A desktop app's loopback redirect
/// and the device code are public clients, which Entra refuses any
/// credential from (AADSTS700025).
pub fn certificate_refusal(provider: Provider, auth: AuthMethod, redirect_uri: &str) -> Option<&'static str> {
    if !provider.is_microsoft() {
        return Some("A certificate is a Microsoft app's credential; this provider signs in with a client secret.");
    }
    match auth {
        AuthMethod::ClientCredentials | AuthMethod::RefreshToken | AuthMethod::Password => None,
        AuthMethod::AuthCode if !validate::syntax::is_public_loopback(redirect_uri) => None,
        AuthMethod::AuthCode => Some("A browser sign-in through http://localhost is a desktop (public) app, which Entra takes no credential from: a certificate is for a Web redirect (a confidential app). Change the redirect URI, or leave the certificate out."),
        AuthMethod::DeviceCode => Some("A device-code sign-in is a public client, which Entra takes no credential from: choose app-only or a browser sign-in through a Web redirect, or leave the certificate out."),
        AuthMethod::Basic => Some("A mailbox password signs in without an app: there is no app for a certificate to prove."),
    }
}

/// The longest a certificate made by Mailwarden is valid (three years).
pub const CERTIFICATE_MAX_DAYS: u32 = 3 * 365;

/// The "today" the crate's tests validate on.
#[doc(hidden)]
pub const TEST_TODAY: time::Date = time::macros::date!(2026 - 12 - 01);

/// A draft that validates, for the crates' tests: mailbox
/// invoices@contoso.com, a tenant ID, the provider's form of client ID and a
/// client secret; the test sets what it is about.
#[doc(hidden)]
pub fn test_draft(name: &str, provider: Provider, auth: AuthMethod, send: SendMethod) -> ProfileDraft {
    let mut d = ProfileDraft::new(provider, auth, send);
    d.name = name.into();
    d.mailbox = "invoices@contoso.com".into();
    d.tenant = "d9f2fc08-d549-4fcc-bae2-2286c314d3cd".into();
    d.client_id = match provider {
        Provider::Google => "1234-abc.apps.googleusercontent.com".into(),
        _ => "351d6cb2-1c69-4081-9cc2-a769d71567cb".into(),
    };
    d.client_secret = SecretChange::set("WvR8Q~dburnMyAJOayfq9DUm61D~MzzTESTSECRET");
    d
}

use crate::secret::SecretChange;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use ts_rs::TS;

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// A checked, stored profile (no secrets: those live sealed in their own table).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    pub enabled: bool,
    pub notes: String,
    pub provider: Provider,
    pub auth_method: AuthMethod,
    pub send_method: SendMethod,
    /// Username / mailbox the account signs in as (an address for OAuth).
    pub mailbox: String,
    pub from_address: Option<String>,
    pub domain: Option<String>,
    pub tenant: String,
    pub cloud: Cloud,
    pub authority_url: Option<String>,
    /// A custom cloud's Microsoft Graph endpoint (its registration check,
    /// secret and certificate reads and Graph sends go there).
    pub graph_url: Option<String>,
    pub client_id: String,
    pub client_secret_id: Option<String>,
    #[serde(with = "iso_date::option")]
    #[ts(type = "string | null")]
    pub client_secret_expires: Option<Date>,
    pub scopes: Vec<String>,
    pub redirect_uri: String,
    pub auth_url: Option<String>,
    pub token_url: Option<String>,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_security: TlsMode,
    pub imap_host: String,
    pub imap_port: u16,
    pub imap_security: TlsMode,
    /// The POP3 server the relay's POP3 front signs in to (`AUTH XOAUTH2`)
    /// for a profile that does not read over Graph; empty: none.
    pub pop3_host: String,
    pub pop3_port: u16,
    pub pop3_security: TlsMode,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub updated_at: OffsetDateTime,
}

impl Profile {
    /// The address mail is sent from: the From override or the mailbox.
    pub fn effective_from(&self) -> &str {
        self.from_address.as_deref().unwrap_or(&self.mailbox)
    }
}

/// What a person typed into the editor or passed as CLI flags. Numbers and dates
/// are strings so that a bad one is a field error, not a decoding failure.
#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct ProfileDraft {
    pub name: String,
    pub enabled: bool,
    pub notes: String,
    pub provider: Provider,
    pub auth_method: AuthMethod,
    pub send_method: SendMethod,
    pub mailbox: String,
    pub from_address: String,
    pub domain: String,
    pub tenant: String,
    pub cloud: Cloud,
    pub authority_url: String,
    pub graph_url: String,
    pub client_id: String,
    #[serde(skip_serializing)]
    #[ts(as = "Option<SecretChange>", optional)]
    pub client_secret: SecretChange,
    pub client_secret_id: String,
    /// `YYYY-MM-DD`, or empty.
    pub client_secret_expires: String,
    /// Space-separated, as OAuth writes them.
    pub scopes: String,
    pub redirect_uri: String,
    pub auth_url: String,
    pub token_url: String,
    pub smtp_host: String,
    pub smtp_port: String,
    pub smtp_security: TlsMode,
    pub imap_host: String,
    pub imap_port: String,
    pub imap_security: TlsMode,
    pub pop3_host: String,
    pub pop3_port: String,
    pub pop3_security: TlsMode,
    #[serde(skip_serializing)]
    #[ts(as = "Option<SecretChange>", optional)]
    pub password: SecretChange,
    /// A certificate to make or bring in with this save (app-only Microsoft
    /// profiles): the credential instead of a client secret.
    #[serde(skip_serializing)]
    #[ts(as = "Option<crate::records::CertificateRequest>", optional)]
    pub certificate: crate::records::CertificateRequest,
}

impl ProfileDraft {
    /// A fresh draft for the given choices, every default filled in.
    pub fn new(provider: Provider, auth_method: AuthMethod, send_method: SendMethod) -> Self {
        let d = defaults_for(provider, auth_method, send_method, Cloud::Global);
        ProfileDraft {
            enabled: true,
            provider,
            auth_method,
            send_method,
            tenant: d.tenant,
            cloud: Cloud::Global,
            scopes: d.scopes,
            redirect_uri: d.redirect_uri,
            smtp_host: d.smtp_host,
            smtp_port: d.smtp_port.to_string(),
            smtp_security: d.smtp_security,
            imap_host: d.imap_host,
            imap_port: d.imap_port.to_string(),
            imap_security: d.imap_security,
            pop3_port: "995".into(),
            pop3_security: TlsMode::Tls,
            ..ProfileDraft::default()
        }
    }

    /// The draft that edits `p` unchanged (secrets kept as they are).
    pub fn from_profile(p: &Profile) -> Self {
        let opt = |s: &Option<String>| s.clone().unwrap_or_default();
        ProfileDraft {
            name: p.name.clone(),
            enabled: p.enabled,
            notes: p.notes.clone(),
            provider: p.provider,
            auth_method: p.auth_method,
            send_method: p.send_method,
            mailbox: p.mailbox.clone(),
            from_address: opt(&p.from_address),
            domain: opt(&p.domain),
            tenant: p.tenant.clone(),
            cloud: p.cloud,
            authority_url: opt(&p.authority_url),
            graph_url: opt(&p.graph_url),
            client_id: p.client_id.clone(),
            client_secret: SecretChange::Keep,
            client_secret_id: opt(&p.client_secret_id),
            client_secret_expires: p.client_secret_expires.map(|d| d.to_string()).unwrap_or_default(),
            scopes: p.scopes.join(" "),
            redirect_uri: p.redirect_uri.clone(),
            auth_url: opt(&p.auth_url),
            token_url: opt(&p.token_url),
            smtp_host: p.smtp_host.clone(),
            smtp_port: p.smtp_port.to_string(),
            smtp_security: p.smtp_security,
            imap_host: p.imap_host.clone(),
            imap_port: p.imap_port.to_string(),
            imap_security: p.imap_security,
            pop3_host: p.pop3_host.clone(),
            pop3_port: p.pop3_port.to_string(),
            pop3_security: p.pop3_security,
            password: SecretChange::Keep,
            certificate: crate::records::CertificateRequest::Keep,
        }
    }
}

/// A profile as the front ends show it: fields, which secrets are set, badges.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProfileView {
    #[serde(flatten)]
    pub profile: Profile,
    pub has_client_secret: bool,
    pub has_password: bool,
    /// A certificate is its credential (confidential Microsoft apps).
    pub has_certificate: bool,
    /// A certificate can be its credential ([`certificate_refusal`] says
    /// none): the Sign in step offers one.
    pub certificate_fits: bool,
    pub secret_expiry: Option<ExpiryBadge>,
    /// The latest Test sign-in / Send test / Check inbound, if any.
    pub last_test: Option<crate::records::TestResult>,
    /// How the provider retires unused refresh tokens, in words (None when
    /// no rule is known, e.g. a custom server).
    pub refresh_token_rule: Option<&'static str>,
}

/// A profile as stored, with which secrets are present (never their values).
#[derive(Debug, Clone)]
pub struct StoredProfile {
    pub profile: Profile,
    pub has_client_secret: bool,
    pub has_password: bool,
    pub has_certificate: bool,
    /// The certificate's end (its UTC date), when it has one.
    pub certificate_end: Option<time::Date>,
    pub last_test: Option<crate::records::TestResult>,
}

impl StoredProfile {
    /// The client secret's badge as of `today` ([`secret_badge`]).
    pub fn secret_badge(&self, today: time::Date, t: &Thresholds) -> Option<ExpiryBadge> {
        let refused = self.last_test.as_ref().is_some_and(crate::records::TestResult::refused_secret);
        secret_badge(self.profile.client_secret_expires, refused, today, t)
    }

    /// The badge of the credential it signs in with ([`credential_badge`]).
    pub fn credential_badge(&self, today: time::Date, t: &Thresholds) -> Option<ExpiryBadge> {
        let refused = self.last_test.as_ref().is_some_and(crate::records::TestResult::refused_secret);
        credential_badge(self.certificate_end, self.profile.client_secret_expires, refused, today, t)
    }
}
