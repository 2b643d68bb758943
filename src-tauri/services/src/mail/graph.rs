//! Test sends through Microsoft Graph: `POST /v1.0/me/sendMail` with a
//! delegated token, `/v1.0/users/{mailbox}/sendMail` with an app-only one;
//! success is 202. The Graph host follows the profile's cloud; a custom
//! cloud's Graph is the one it names (Graph URL), else its scopes'
//! resource when that is not Outlook's.

use crate::diagnosis::{Diagnosis, TransportError};
use crate::error::{CoreError, Result};
use crate::profile::{AuthMethod, Cloud, Profile};
use crate::secret::{ExposeSecret, SecretString};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::Deserialize;
use std::time::Instant;

/// The Graph base URL for the profile (no trailing slash).
pub fn graph_base(p: &Profile) -> String {
    if p.cloud == Cloud::Custom {
        if let Some(g) = &p.graph_url {
            return g.trim_end_matches('/').to_owned();
        }
        // Not named: the scopes' resource, unless it is Outlook's (whose
        // host is no Graph).
        let resource = p.scopes.iter().find(|s| s.starts_with("https://")).and_then(|s| s.rsplit_once('/'));
        if let Some((r, _)) = resource.filter(|(r, _)| !r.contains("outlook.office")) {
            return r.to_owned();
        }
    }
    crate::profile::defaults::microsoft_hosts(p.cloud).graph.to_owned()
}

#[derive(Deserialize)]
pub(crate) struct GraphErrorBody {
    pub(crate) error: GraphError,
}

#[derive(Deserialize)]
pub(crate) struct GraphError {
    pub(crate) code: String,
    pub(crate) message: String,
    #[serde(rename = "innerError", default)]
    pub(crate) inner: Option<serde_json::Value>,
}

/// A Graph item ID (base64: `/`, `+`, `=`) as one segment of a URL path.
pub(crate) fn escape_id(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>().replace('+', "%20")
}

/// Graph refuses requests larger than this (the MIME message is sent base64,
/// so about 3 MB of message).
pub const REQUEST_MAX: usize = 4 * 1024 * 1024;

/// Whether a message of `len` bytes fits in one `sendMail` request (base64).
pub fn fits(len: usize) -> bool {
    len.div_ceil(3) * 4 <= REQUEST_MAX
}

/// Send a MIME message (`message`, RFC 5322 bytes) with `sendMail`: as the
/// mailbox for app-only (`/users/{mailbox}`), as the signed-in account for
/// delegated (`/me`). Graph reads recipients from the message's headers.
pub fn send_mime(
    p: &Profile,
    token: &SecretString,
    message: &[u8],
    step: &mut dyn FnMut(super::TestStep),
    cancel: Option<&std::sync::atomic::AtomicBool>,
) -> Result<super::Delivered> {
    let base = graph_base(p);
    let url = if p.auth_method == AuthMethod::ClientCredentials {
        format!("{base}/v1.0/users/{}/sendMail", p.mailbox)
    } else {
        format!("{base}/v1.0/me/sendMail")
    };
    if !fits(message.len()) {
        return Err(CoreError::Auth(Box::new(Diagnosis::new(
            "graph_too_large",
            "The message is too large for Microsoft Graph",
            format!(
                "Graph accepts requests up to 4 MB; this message is {} KB encoded.",
                message.len().div_ceil(3) * 4 / 1024
            ),
            vec!["Send it over SMTP (up to 35 MB in Exchange Online), or make the message smaller.".into()],
        ))));
    }
    let body = B64.encode(message);
    let host = url::Url::parse(&url).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default();
    let mut transcript = vec![format!(
        "C: POST {url} (Authorization: Bearer [token redacted]; a MIME message of {} bytes)",
        message.len()
    )];
    let start = Instant::now();
    step(super::TestStep::Send);
    let http = crate::http::client()?;
    let req = http
        .post(&url)
        .bearer_auth(token.expose_secret())
        .header("Content-Type", "text/plain")
        .body(body)
        .build()
        .map_err(|e| CoreError::Auth(Box::new(crate::http::classify(&e, &host).diagnose())))?;
    let resp = crate::http::fetch(&http, req, cancel).map_err(|e| crate::http::explain(e, &host))?;
    let status = resp.status;
    transcript.push(format!("S: {status}"));
    if status.as_u16() == 202 {
        return Ok(super::Delivered {
            reply: format!("{status}"),
            elapsed_ms: start.elapsed().as_millis() as u64,
            transcript,
            warnings: Vec::new(),
        });
    }
    let retry_after = resp.retry_after();
    let bytes = resp.body.unwrap_or_default();
    let mut d = refused(status.as_u16(), retry_after, &bytes, host, p, Purpose::Send);
    d.transcript = transcript;
    Err(CoreError::Auth(Box::new(d)))
}

/// Graph's refusal of a call for `purpose` (`status`, its body, the
/// `Retry-After` it sent): throttling and outages as such, Graph's error
/// explained, anything else as an answer that is not Graph's.
pub(crate) fn refused(
    status: u16,
    retry_after: Option<String>,
    body: &[u8],
    host: String,
    p: &Profile,
    purpose: Purpose,
) -> Diagnosis {
    let parsed = serde_json::from_slice::<GraphErrorBody>(body);
    if crate::diagnosis::is_unavailable(status) {
        let error = parsed.ok().map(|b| b.error.code);
        return crate::diagnosis::Unavailable { host, status, retry_after, error }.diagnose();
    }
    match parsed {
        Ok(b) => explain(status, &b.error, p, purpose),
        Err(_) => TransportError::BadResponse { host, status, detail: "not a Graph error".into() }.diagnose(),
    }
}

/// What a Graph call was for: a refusal names that job's permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Send,
    Read,
    /// A draft and its attachments (a message over one request's size).
    Draft,
}

impl Purpose {
    fn permission(self) -> &'static str {
        match self {
            Purpose::Send => "Mail.Send",
            Purpose::Read => "Mail.Read",
            Purpose::Draft => "Mail.ReadWrite",
        }
    }
    fn verb(self) -> &'static str {
        match self {
            Purpose::Send => "send",
            Purpose::Read => "read the inbox",
            Purpose::Draft => "make a draft of the large message (over Graph's 4 MB request)",
        }
    }
}

pub(crate) fn explain(status: u16, e: &GraphError, p: &Profile, purpose: Purpose) -> Diagnosis {
    let app_only = p.auth_method == AuthMethod::ClientCredentials;
    let (perm, verb) = (purpose.permission(), purpose.verb());
    let mut d = match e.code.as_str() {
        "ErrorAccessDenied" => Diagnosis::new(
            "graph_access_denied",
            format!("Microsoft Graph refused to {verb} (access denied)"),
            format!("The token lacks the {perm} permission for this mailbox, or an application access policy excludes it."),
            if app_only {
                vec![
                    format!("In Entra → **API permissions**, add Microsoft Graph → Application permissions → **{perm}**, then **Grant admin consent**."),
                    "If an ApplicationAccessPolicy restricts the app (\"Access to OData is disabled\"), add this mailbox to the policy's group (Exchange Online PowerShell: Test-ApplicationAccessPolicy).".into(),
                ]
            } else {
                vec![
                    format!("Add the delegated **{perm}** permission in Entra → **API permissions** and https://graph.microsoft.com/{perm} to the profile's Scopes, then reconnect so the new consent is in the token."),
                ]
            },
        ),
        "MailboxNotEnabledForRESTAPI" | "MailboxNotEnabledForRESTAPIException" => Diagnosis::new(
            "graph_mailbox_not_enabled",
            format!("This mailbox cannot {verb} through Microsoft Graph"),
            "The user has no Exchange Online mailbox: no license, an on-premises mailbox, or an inactive one.",
            vec![
                "Microsoft 365 admin center → **Users** → **Active users** → the user → **Licenses and apps**: assign one that includes **Exchange Online**, then wait a few minutes.".into(),
            ],
        ),
        "ErrorInvalidUser" | "ResourceNotFound" => Diagnosis::new(
            "graph_invalid_user",
            "Microsoft Graph does not know this mailbox",
            format!("No user or mailbox “{}” exists in the tenant.", p.mailbox),
            vec!["Check the Mailbox field: it must be the user's address (UPN) in this tenant.".into()],
        ),
        "BadRequest" if e.message.contains("/me request is only valid with delegated") => Diagnosis::new(
            "graph_me_with_app_token",
            "An app-only token cannot use /me",
            "Graph's /me means the signed-in user; an app-only token has none.",
            vec!["Use app-only sending with the mailbox address (Mailwarden does this for client-credentials profiles); check the sign-in method.".into()],
        ),
        "InvalidAuthenticationToken" => Diagnosis::new(
            "graph_invalid_token",
            "Microsoft Graph rejected the access token",
            "The token is expired or not for Microsoft Graph (wrong audience).",
            vec!["Use Graph scopes (Reset to defaults) and connect again; Test shows the token's audience.".into()],
        ),
        _ => Diagnosis::new(
            "graph_error",
            format!("Microsoft Graph refused to {verb} ({status})"),
            e.message.clone(),
            vec!["Read Graph's message above; the request ID below identifies the call for Microsoft support.".into()],
        ),
    };
    e.annotate(status, &mut d);
    d
}

impl GraphError {
    /// Put Graph's status, code, message and request IDs on a diagnosis (the
    /// IDs are what Microsoft support asks for).
    pub(crate) fn annotate(&self, status: u16, d: &mut Diagnosis) {
        d.codes = vec![status.to_string(), self.code.clone()];
        d.description = Some(self.message.clone());
        let inner = |k: &str| self.inner.as_ref().and_then(|i| i[k].as_str().map(str::to_owned));
        d.trace_id = inner("request-id");
        d.correlation_id = inner("client-request-id");
        d.timestamp = inner("date");
    }
}

#[cfg(test)]
mod tests {
    use super::graph_base;
    use crate::profile::{test_draft, validate, AuthMethod, Cloud, Provider, SendMethod, TEST_TODAY};

    fn custom(scopes: &str, graph_url: &str) -> Result<crate::profile::Profile, Vec<crate::FieldError>> {
        let mut d = test_draft("Gov", Provider::Microsoft365, AuthMethod::ClientCredentials, SendMethod::Smtp);
        d.cloud = Cloud::Custom;
        d.authority_url = "https://login.microsoftonline.us".into();
        d.scopes = scopes.into();
        d.graph_url = graph_url.into();
        d.client_secret = crate::secret::SecretChange::set("Abc8Q~secretValue");
        validate(&d, None, TEST_TODAY).map(|v| v.profile)
    }

    #[test]
    fn a_custom_cloud_s_graph_is_the_one_it_names_never_outlook() {
        let named = custom("https://outlook.office365.us/.default", "https://graph.microsoft.us/").unwrap();
        assert_eq!(graph_base(&named), "https://graph.microsoft.us");
        let unnamed = custom("https://outlook.office365.us/.default", "").unwrap();
        assert!(!graph_base(&unnamed).contains("outlook"), "{}", graph_base(&unnamed));
        let graph_scoped = custom("https://graph.microsoft.us/.default", "").unwrap();
        assert_eq!(graph_base(&graph_scoped), "https://graph.microsoft.us");
        let errors = custom("https://graph.microsoft.us/.default", "http://graph.example").unwrap_err();
        assert_eq!(errors[0].field, "graphUrl", "{errors:?}");
    }
}
