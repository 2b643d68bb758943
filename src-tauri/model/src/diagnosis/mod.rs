//! Diagnosis: every error a person can meet, as a title, the cause in plain
//! words, numbered steps to fix it (naming the Entra blade or the field in our
//! form), the provider's codes, and the IDs a support ticket needs.
//!
//! Identity-provider errors arrive as [`ProviderError`] (Microsoft's JSON shape,
//! which is a superset of RFC 6749's); transport failures as [`TransportError`].
//! The GUI and the CLI render the same [`Diagnosis`]; neither shows raw JSON.

mod aadsts;
mod certificate;
pub use certificate::say_clock_offset;
pub mod signin;
pub mod smtp;
mod transport;
mod unavailable;

pub use signin::plural;
pub use transport::TransportError;
pub use unavailable::{is_unavailable, Unavailable};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// An OAuth error response, with Microsoft's extra fields when present.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct ProviderError {
    pub error: String,
    #[serde(default)]
    pub error_description: Option<String>,
    #[serde(default)]
    pub error_codes: Vec<u64>,
    #[serde(default)]
    pub timestamp: Option<String>,
    #[serde(default)]
    pub trace_id: Option<String>,
    #[serde(default)]
    pub correlation_id: Option<String>,
    #[serde(default)]
    pub error_uri: Option<String>,
}

impl std::fmt::Display for ProviderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.error)?;
        if let Some(s) = self.summary() {
            write!(f, ": {s}")?;
        }
        Ok(())
    }
}

impl ProviderError {
    /// The AADSTS number: from `error_codes`, else parsed from the description.
    pub fn aadsts(&self) -> Option<u64> {
        self.error_codes.first().copied().or_else(|| {
            let d = self.error_description.as_deref()?;
            let rest = &d[d.find("AADSTS")? + 6..];
            rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
        })
    }

    /// The description's first line (Microsoft appends trace IDs on later lines).
    pub fn summary(&self) -> Option<String> {
        let d = self.error_description.as_deref()?;
        let first = d.lines().next()?.trim();
        (!first.is_empty()).then(|| first.to_owned())
    }
}

/// What the diagnosis may name: the profile's app registration and settings.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub client_id: String,
    pub tenant: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    /// `https://login.microsoftonline.com` or the profile's cloud's authority.
    pub authority: String,
    pub mailbox: String,
    /// The failed request was a password sign-in (ROPC): its failures have
    /// their own causes and fixes.
    pub password_signin: bool,
}

impl Context {
    /// The app registration's blade in the Entra admin centre.
    pub fn app_blade(&self, page: &str) -> String {
        format!(
            "https://entra.microsoft.com/#view/Microsoft_AAD_RegisteredApps/ApplicationMenuBlade/~/{page}/appId/{}",
            self.client_id
        )
    }

    /// The admin-consent URL for this app and tenant.
    pub fn admin_consent_url(&self) -> String {
        let tenant = if self.tenant.is_empty() { "organizations" } else { &self.tenant };
        let mut u = url::Url::parse(&format!("{}/{tenant}/v2.0/adminconsent", self.authority)).unwrap_or_else(|_| {
            url::Url::parse("https://login.microsoftonline.com/organizations/v2.0/adminconsent").unwrap()
        });
        u.query_pairs_mut().append_pair("client_id", &self.client_id);
        // None registered (app-only): Entra then returns to the app's default.
        if !self.redirect_uri.is_empty() {
            u.query_pairs_mut().append_pair("redirect_uri", &self.redirect_uri);
        }
        u.query_pairs_mut().append_pair("scope", &self.scopes.join(" "));
        u.to_string()
    }
}

/// Whether a diagnosis code names a failure the network or the provider may
/// clear by itself (the name did not resolve, refused, timed out, the
/// provider unavailable or throttling): a test's warning until it repeats,
/// and a relay delivery retried rather than held.
pub fn transient_code(code: &str) -> bool {
    matches!(
        code,
        "network"
            | "network_dns"
            | "network_refused"
            | "network_timeout"
            | "provider_unavailable"
            | "provider_throttled"
    )
}

/// Microsoft refused the client secret as expired (AADSTS7000222): its
/// verdict outranks the date recorded for the secret.
pub fn secret_expired_code(code: &str) -> bool {
    code == "aadsts7000222"
}

/// A fix Mailwarden itself can make, offered as a button beside the steps
/// that name it (the window shows the ones its view can do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum Fix {
    /// Put the provider's default scopes back and save.
    ResetScopes,
    /// Replace the client secret (the guided rotation).
    ReplaceSecret,
    /// Sign in to the account again.
    Reconnect,
    /// Rotate the certificate with an administrator's sign-in (the app may
    /// not change itself).
    RotateAsAdmin,
}

/// The fixes a diagnosis's steps name, by its code: said here once, for
/// every diagnosis made by [`Diagnosis::new`].
fn fixes_for(code: &str) -> Vec<Fix> {
    match code {
        "aadsts7000215" | "aadsts7000222" => vec![Fix::ReplaceSecret],
        "aadsts50076"
        | "aadsts50079"
        | "aadsts70008"
        | "aadsts700082"
        | "aadsts50173"
        | "aadsts70043"
        | "aadsts54005"
        | "aadsts501481"
        | "oauth_invalid_grant" => vec![Fix::Reconnect],
        "aadsts70011" | "aadsts1002012" | "oauth_invalid_scope" => vec![Fix::ResetScopes],
        "graph_invalid_token" | "missing_scope" => vec![Fix::ResetScopes, Fix::Reconnect],
        "graph_own_keys_denied" => vec![Fix::RotateAsAdmin],
        _ => Vec::new(),
    }
}

/// An error explained for a person.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct Diagnosis {
    /// Stable identifier the UI may branch on: `aadsts7000215`, `network`, …
    pub code: String,
    pub title: String,
    pub cause: String,
    /// What to do, in order. Never empty.
    pub steps: Vec<String>,
    /// The provider's codes, e.g. `invalid_client`, `AADSTS7000215`.
    pub codes: Vec<String>,
    /// The provider's own description (first line), for unknown codes and tickets.
    pub description: Option<String>,
    pub trace_id: Option<String>,
    pub correlation_id: Option<String>,
    pub timestamp: Option<String>,
    /// The provider's page about this error.
    pub error_uri: Option<String>,
    /// For mail-server conversations: commands and replies, credentials redacted.
    pub transcript: Vec<String>,
    /// What Mailwarden can do about it itself, as buttons ([`Fix`]).
    pub fixes: Vec<Fix>,
    /// How long the provider asked to wait before trying again (`Retry-After`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub retry_after_secs: Option<u64>,
}

impl Diagnosis {
    pub fn new(
        code: impl Into<String>,
        title: impl Into<String>,
        cause: impl Into<String>,
        steps: Vec<String>,
    ) -> Self {
        let code = code.into();
        Diagnosis {
            fixes: fixes_for(&code),
            code,
            title: title.into(),
            cause: cause.into(),
            steps,
            codes: Vec::new(),
            description: None,
            trace_id: None,
            correlation_id: None,
            timestamp: None,
            error_uri: None,
            transcript: Vec::new(),
            retry_after_secs: None,
        }
    }

    /// Plain text for a terminal: title, cause, numbered steps, then the codes
    /// and IDs to quote in a support ticket.
    pub fn render_text(&self) -> String {
        let mut out = format!("{}\n{}\n", self.title, self.cause);
        for (i, s) in self.steps.iter().enumerate() {
            out.push_str(&format!("  {}. {s}\n", i + 1));
        }
        let mut ids = Vec::new();
        if !self.codes.is_empty() {
            ids.push(format!("codes: {}", self.codes.join(", ")));
        }
        for (k, v) in
            [("trace ID", &self.trace_id), ("correlation ID", &self.correlation_id), ("time", &self.timestamp)]
        {
            if let Some(v) = v {
                ids.push(format!("{k}: {v}"));
            }
        }
        if let Some(d) = &self.description {
            ids.push(format!("provider said: {d}"));
        }
        if let Some(u) = &self.error_uri {
            ids.push(format!("more: {u}"));
        }
        for line in ids {
            out.push_str(&format!("  {line}\n"));
        }
        out
    }
}

/// The person pressed Cancel: nothing more was sent, nothing stored changed.
pub fn cancelled() -> Diagnosis {
    Diagnosis::new(
        "cancelled",
        "Cancelled",
        "It was stopped before it finished; nothing stored was changed.",
        vec!["Run it again when ready.".into()],
    )
}

/// Explain an identity provider's error response.
pub fn diagnose_provider(e: &ProviderError, ctx: &Context) -> Diagnosis {
    let described = e.summary().unwrap_or_default();
    let explained =
        e.aadsts().and_then(|n| certificate::explain(n, &described, ctx).or_else(|| aadsts::explain(n, ctx)));
    let mut d = match explained {
        Some(d) => d,
        None => generic(e, ctx),
    };
    d.codes = std::iter::once(e.error.clone())
        .chain(e.aadsts().map(|n| format!("AADSTS{n}")))
        .filter(|c| !c.is_empty())
        .collect();
    d.description = e.summary();
    d.trace_id = e.trace_id.clone();
    d.correlation_id = e.correlation_id.clone();
    d.timestamp = e.timestamp.clone();
    d.error_uri =
        e.error_uri.clone().or_else(|| e.aadsts().map(|n| format!("https://login.microsoftonline.com/error?code={n}")));
    d
}

/// RFC 6749 errors without a Microsoft code (Google, custom servers) or with a
/// code this table does not know.
fn generic(e: &ProviderError, ctx: &Context) -> Diagnosis {
    let code = e.aadsts().map(|n| format!("aadsts{n}")).unwrap_or_else(|| format!("oauth_{}", e.error));
    let (title, cause, steps): (&str, &str, Vec<String>) = match e.error.as_str() {
        "invalid_grant" => (
            "The sign-in is no longer valid",
            "The provider refused the refresh token or code: it expired, was revoked, or was already used.",
            vec!["Reconnect the account (Connect your account) to sign in again.".into()],
        ),
        "invalid_client" | "unauthorized_client" => (
            "The app registration was refused",
            "The provider did not accept the client ID or secret for this kind of sign-in.",
            vec![
                format!("Check the Client ID ({}) and the client secret in this profile.", ctx.client_id),
                "Check that the app is allowed to use this sign-in method in the provider's console.".into(),
            ],
        ),
        "expired_token" => (
            "The sign-in code expired",
            "Nobody finished signing in with the code before it expired (usually 15 minutes).",
            vec!["Start the device-code sign-in again and enter the new code promptly.".into()],
        ),
        "authorization_declined" | "bad_verification_code" => (
            "Sign-in was declined",
            "The sign-in with the code was declined or the code was not recognised.",
            vec!["Start the device-code sign-in again and accept the request.".into()],
        ),
        "access_denied" => (
            "Sign-in was declined",
            "The person signing in, or an administrator policy, declined the request.",
            vec!["Sign in again and accept the permissions, or ask an administrator to grant consent.".into()],
        ),
        "temporarily_unavailable" | "server_error" => {
            let host = url::Url::parse(&ctx.authority)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
                .unwrap_or_else(|| ctx.authority.clone());
            return Unavailable { host, status: 503, retry_after: None, error: Some(e.error.clone()) }.diagnose();
        }
        "invalid_scope" => (
            "A scope was refused",
            "The provider does not offer one of the scopes this profile asks for.",
            vec!["Use Reset to defaults on the Scopes field, then try again.".into()],
        ),
        _ => (
            "The identity provider refused the request",
            "The provider answered with an error this version of Mailwarden does not explain yet.",
            vec![
                "Read the provider's description below; its error page (link below) explains the code.".into(),
                "If it persists, open a support ticket with the codes and IDs below.".into(),
            ],
        ),
    };
    Diagnosis::new(code, title, cause, steps)
}

#[cfg(test)]
mod tests;
