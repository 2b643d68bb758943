//! The app registration: client ID, the client secret (its Value, ID and
//! expiry), scopes, the redirect URI and a custom provider's endpoints — where
//! the portal guides go wrong most (the Secret ID pasted for the Value, a value
//! cut short, scopes of two resources, a Web redirect without a secret).

use super::syntax::{is_guid, parse_date};
use super::{check_endpoint, check_redirect, check_scopes, opt, Check, Existing};
use crate::profile::{AuthMethod, ProfileDraft, Provider};
use crate::secret::{ExposeSecret, SecretChange};
use time::Date;

const EXPIRY_EARLIEST_YEAR: i32 = 2000;
const EXPIRY_YEARS_AHEAD: i32 = 100;

/// The registration's checked values.
pub(super) struct App {
    pub client_id: String,
    pub client_secret_id: Option<String>,
    pub client_secret_expires: Option<Date>,
    pub scopes: Vec<String>,
    pub redirect_uri: String,
    pub auth_url: Option<String>,
    pub token_url: Option<String>,
}

pub(super) fn app(c: &mut Check, d: &ProfileDraft, existing: Existing, today: Date) -> App {
    let oauth = d.auth_method.is_oauth();
    let ms = d.provider.is_microsoft();
    // The app registration.
    let client_id = d.client_id.trim().to_owned();
    if oauth {
        // A Microsoft profile may wait for its registration: the Register in
        // Entra step says what to create (or creates it), then fills it in.
        if client_id.is_empty() && ms {
        } else if client_id.is_empty() {
            c.err("clientId", "Client ID is required: copy the Application (client) ID from the app's Overview page.");
        } else if ms && !is_guid(&client_id) {
            c.err("clientId", format!("Client ID \"{client_id}\" is not a GUID. Copy the Application (client) ID from the app's Overview page in Entra (like 351d6cb2-1c69-4081-9cc2-a769d71567cb)."));
        } else if d.provider == Provider::Google && !client_id.ends_with(".apps.googleusercontent.com") {
            c.err("clientId", "A Google client ID ends with .apps.googleusercontent.com; copy it from Google Cloud Console → Credentials.");
        }
    }
    let client_secret_id = opt(&d.client_secret_id);
    if let Some(id) = &client_secret_id {
        if !is_guid(id) {
            c.err("clientSecretId", "Secret ID is a GUID shown in the Secret ID column of Certificates & secrets; leave it empty if you don't have it.");
        }
    }
    let client_secret_expires: Option<Date> = match opt(&d.client_secret_expires) {
        None => None,
        Some(s) => match parse_date(&s) {
            Some(date) if plausible_expiry(date, today) => Some(date),
            Some(_) => {
                c.err(
                    "clientSecretExpires",
                    format!(
                        "Secret expiry \"{s}\" is not a plausible date: a client secret expires between {EXPIRY_EARLIEST_YEAR} and {}. Type it as YYYY-MM-DD, e.g. 2027-04-16 (the Expires column of Certificates & secrets).",
                        today.year().saturating_add(EXPIRY_YEARS_AHEAD)
                    ),
                );
                None
            }
            None => {
                c.err(
                    "clientSecretExpires",
                    format!("Secret expiry \"{s}\" is not a date; use YYYY-MM-DD, e.g. 2027-04-16."),
                );
                None
            }
        },
    };
    let has_secret = check_client_secret(c, d, existing, client_secret_id.as_deref());
    // A certificate held or asked for is the other credential of a confidential app.
    let has_credential =
        has_secret || existing.has_certificate || !matches!(d.certificate, crate::records::CertificateRequest::Keep);

    // Scopes.
    let scopes: Vec<String> = d.scopes.split_whitespace().map(str::to_owned).collect();
    if oauth {
        check_scopes(c, d, &scopes);
    }

    // Redirect URI (only the browser sign-in uses it).
    let redirect_uri = d.redirect_uri.trim().to_owned();
    if d.auth_method == AuthMethod::AuthCode {
        check_redirect(c, &redirect_uri);
        if ms && redirect_uri.len() > 256 {
            c.err(
                "redirectUri",
                format!(
                    "Redirect URI is {} characters long; Entra takes at most 256, so it cannot be registered. Use a shorter one, e.g. http://localhost.",
                    redirect_uri.len()
                ),
            );
        }
        if ms && !has_credential && is_https_loopback(&redirect_uri) {
            c.err("redirectUri", "https://localhost is a Web redirect in Entra, and Microsoft redeems a Web sign-in only with the app's credential (AADSTS7000218). Without one, register http://localhost under Authentication → Mobile and desktop applications and use it here; or keep https://localhost and paste the secret's Value, or make a certificate for this profile.");
        }
    }

    // Custom provider endpoints.
    let auth_url = opt(&d.auth_url);
    let token_url = opt(&d.token_url);
    if d.provider == Provider::Custom && oauth {
        if d.auth_method == AuthMethod::AuthCode {
            match &auth_url {
                None => c.err("authUrl", "Authorization URL is required for a custom OAuth provider."),
                Some(u) => check_endpoint(c, "authUrl", "Authorization URL", u),
            }
        }
        match &token_url {
            None => c.err("tokenUrl", "Token URL is required for a custom OAuth provider."),
            Some(u) => check_endpoint(c, "tokenUrl", "Token URL", u),
        }
    }

    App { client_id, client_secret_id, client_secret_expires, scopes, redirect_uri, auth_url, token_url }
}

/// The dates a client secret can plausibly expire on, seen from `today`: a
/// typed date that lands outside (a year read as 0016, a day-month swap into
/// the year 2704) is a typing slip, not a secret.
fn plausible_expiry(date: Date, today: Date) -> bool {
    let latest = today.year().saturating_add(EXPIRY_YEARS_AHEAD);
    date.year() >= EXPIRY_EARLIEST_YEAR && date.year() <= latest
}

/// Check the client secret change; true when the profile will hold one.
fn check_client_secret(c: &mut Check, d: &ProfileDraft, existing: Existing, secret_id: Option<&str>) -> bool {
    let has_after = match &d.client_secret {
        SecretChange::Keep => existing.has_client_secret,
        SecretChange::Clear => false,
        SecretChange::Set { value } => {
            let v = value.expose_secret();
            let t = v.trim();
            if t.is_empty() {
                c.err("clientSecret", "Client secret is empty; paste the secret's Value, or choose Clear.");
            } else if is_guid(t) {
                c.err("clientSecret", "This looks like the Secret ID, not the secret. In Certificates & secrets copy the Value column (e.g. WvR8Q~…), which is shown only once after you create the secret.");
            } else if t.ends_with("...") || t.ends_with('…') {
                c.err("clientSecret", "This value was cut short (it ends in \"...\"): the portal shows the full Value only right after creation. Create a new client secret and copy its Value.");
            } else if t.chars().any(char::is_whitespace) || v != t {
                c.err(
                    "clientSecret",
                    "Client secret contains spaces or line breaks; paste the Value exactly as copied.",
                );
            } else if secret_id.is_some_and(|id| id.eq_ignore_ascii_case(t)) {
                c.err("clientSecret", "Client secret equals the Secret ID; paste the Value column instead.");
            }
            true
        }
    };
    // A certificate (made or brought in with this save, or already held) is
    // the other credential of an app-only Microsoft profile.
    use crate::records::CertificateRequest;
    let certificate_asked = !matches!(d.certificate, CertificateRequest::Keep);
    let refusal = crate::profile::certificate_refusal(d.provider, d.auth_method, &d.redirect_uri);
    if let (true, Some(why)) = (certificate_asked || existing.has_certificate, refusal) {
        c.err("certificate", why);
    }
    if let CertificateRequest::Create { days } = d.certificate {
        if !(1..=crate::profile::CERTIFICATE_MAX_DAYS).contains(&days) {
            c.err(
                "certificate",
                format!("A certificate made here is valid for 1 to {} days.", crate::profile::CERTIFICATE_MAX_DAYS),
            );
        }
    }
    let has_certificate = existing.has_certificate || certificate_asked;
    // Not yet registered (no client ID): the secret comes with the registration.
    if d.auth_method == AuthMethod::ClientCredentials
        && !has_after
        && !has_certificate
        && !d.client_id.trim().is_empty()
    {
        c.err(
            "clientSecret",
            "Client secret is required for app-only sign-in: paste the Value from Certificates & secrets, or make a certificate for this profile instead (the credential Microsoft recommends).",
        );
    }
    has_after
}

/// `https://localhost…` or `https://127.0.0.1…`: the Web redirect the paste
/// route uses (seed 001), which Entra treats as a confidential client's.
fn is_https_loopback(uri: &str) -> bool {
    url::Url::parse(uri)
        .is_ok_and(|u| u.scheme() == "https" && u.host_str().is_some_and(super::syntax::is_loopback_host))
}
