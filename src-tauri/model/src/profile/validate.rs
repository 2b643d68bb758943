//! Validation: a [`ProfileDraft`] becomes a checked profile or a list of field
//! errors, each naming the field and saying how to fix it.
//!
//! Beyond syntax, the checks encode what goes wrong in the portal guides
//! (`shared/seeds/`) and in Microsoft's error table: the Secret ID pasted where
//! the Value belongs, a truncated value copied from the secrets table, Graph and
//! Outlook scopes mixed in one grant (AADSTS28000), a Graph `SMTP.Send` scope for
//! SMTP, `common` with client credentials (AADSTS9001023), port 465 on Microsoft
//! 365, `/.default` missing for app-only (AADSTS1002012), and so on.

use super::{AuthMethod, Cloud, Profile, ProfileDraft, Provider, SendMethod};
use crate::error::FieldError;
use crate::secret::{ExposeSecret, SecretChange};
use time::{Date, OffsetDateTime};

mod rules;
pub mod syntax;
use rules::{check_endpoint, check_port, check_redirect, check_scopes, check_server};
use syntax::{is_email, is_guid, is_hostname, parse_date};

/// What the store already holds for the profile being edited.
#[derive(Debug, Clone, Copy, Default)]
pub struct Existing {
    pub has_client_secret: bool,
    pub has_password: bool,
}

/// A checked draft: the profile to store (its id and timestamps are set by the
/// store) and what to do with each secret.
#[derive(Debug)]
pub struct Validated {
    pub profile: Profile,
    pub client_secret: SecretChange,
    pub password: SecretChange,
}

const NAME_MAX: usize = 100;
const NOTES_MAX: usize = 4000;

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

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// The dates a client secret can plausibly expire on, seen from `today`: a
/// typed date that lands outside (a year read as 0016, a day-month swap into
/// the year 2704) is a typing slip, not a secret.
fn plausible_expiry(date: Date, today: Date) -> bool {
    let latest = today.year().saturating_add(EXPIRY_YEARS_AHEAD);
    date.year() >= EXPIRY_EARLIEST_YEAR && date.year() <= latest
}

const EXPIRY_EARLIEST_YEAR: i32 = 2000;
const EXPIRY_YEARS_AHEAD: i32 = 100;

/// Check `d` on `today` (the local date); `existing` describes the stored
/// profile when editing.
pub fn validate(d: &ProfileDraft, existing: Option<Existing>, today: Date) -> Result<Validated, Vec<FieldError>> {
    let mut c = Check { errors: Vec::new() };
    let existing = existing.unwrap_or_default();
    let oauth = d.auth_method.is_oauth();
    let ms = d.provider.is_microsoft();

    // Identity of the entry.
    let name = d.name.trim();
    if name.is_empty() {
        c.err("name", "Name is required: describe this mail server, e.g. \"Invoices via Microsoft 365\".");
    } else if name.chars().count() > NAME_MAX {
        c.err("name", format!("Name is too long: keep it under {NAME_MAX} characters."));
    } else if name.chars().any(char::is_control) {
        c.err("name", "Name contains a control character (a tab or line break); remove it.");
    }
    if d.notes.chars().count() > NOTES_MAX {
        c.err("notes", format!("Notes are too long: keep them under {NOTES_MAX} characters."));
    }

    // Combinations of the closed choices.
    if d.send_method == SendMethod::Graph && !ms {
        c.err("sendMethod", "Microsoft Graph can only send for Microsoft 365 or Outlook.com accounts; choose SMTP.");
    }
    if d.provider == Provider::OutlookCom && d.auth_method == AuthMethod::ClientCredentials {
        c.err("authMethod", "Personal Outlook.com accounts cannot use app-only (client credentials) sign-in; choose \"Connect your account\" or device code.");
    }
    if d.auth_method == AuthMethod::Password && matches!(d.provider, Provider::OutlookCom | Provider::Google) {
        c.err(
            "authMethod",
            format!(
                "{} does not accept a password sign-in over OAuth (ROPC); choose \"Connect your account\".",
                d.provider.label()
            ),
        );
    }

    // Mailbox and addresses.
    let mailbox = d.mailbox.trim();
    if mailbox.is_empty() {
        c.err(
            "mailbox",
            if oauth {
                "Mailbox is required: the address that signs in and sends, e.g. invoices@contoso.com."
            } else {
                "Username is required: the mailbox's sign-in name, usually its address."
            },
        );
    } else if mailbox.chars().any(char::is_whitespace) {
        c.err("mailbox", "Mailbox contains a space; enter just the address.");
    } else if oauth && !is_email(mailbox) {
        c.err("mailbox", format!("Mailbox \"{mailbox}\" is not an email address; OAuth accounts sign in with their address, e.g. invoices@contoso.com."));
    }
    let from_address = opt(&d.from_address);
    if let Some(f) = &from_address {
        if !is_email(f) {
            c.err(
                "fromAddress",
                format!("From address \"{f}\" is not an email address; leave it empty to send as the mailbox."),
            );
        }
    }
    let domain = opt(&d.domain).map(|s| s.to_ascii_lowercase());
    if let Some(dm) = &domain {
        if dm.contains('@') {
            c.err("domain", "Domain should be just the domain (contoso.com), not an address.");
        } else if !is_hostname(dm) {
            c.err("domain", format!("Domain \"{dm}\" is not a valid domain name, e.g. contoso.com."));
        }
    }

    // Tenant and cloud (Microsoft only).
    let tenant = d.tenant.trim().to_owned();
    if ms && oauth {
        let t = tenant.to_ascii_lowercase();
        let generic = matches!(t.as_str(), "common" | "organizations" | "consumers");
        if t.is_empty() {
            c.err("tenant", "Tenant is required: paste the Directory (tenant) ID from the app's Overview page in Entra, or use organizations / common.");
        } else if d.auth_method == AuthMethod::Password && matches!(t.as_str(), "common" | "consumers") {
            c.err("tenant", format!("A password sign-in (ROPC) works only within an organisation's tenant: \"{t}\" is refused by Microsoft. Use the Directory (tenant) ID, or organizations."));
        } else if d.auth_method == AuthMethod::ClientCredentials && generic {
            c.err("tenant", format!("App-only sign-in needs your own tenant: \"{t}\" is rejected by Microsoft (AADSTS9001023). Paste the Directory (tenant) ID from the app's Overview page."));
        } else if d.provider == Provider::OutlookCom && !matches!(t.as_str(), "consumers" | "common") {
            c.err("tenant", "Personal Outlook.com accounts sign in through the consumers (or common) tenant.");
        } else if !(generic || is_guid(&t) || (is_hostname(&t) && t.contains('.'))) {
            c.err("tenant", format!("Tenant \"{tenant}\" is neither a GUID, a domain (contoso.onmicrosoft.com) nor common / organizations / consumers."));
        }
    }
    let authority_url = opt(&d.authority_url);
    if ms && d.cloud == Cloud::Custom {
        match &authority_url {
            None => c.err(
                "authorityUrl",
                "Authority URL is required for a custom cloud, e.g. https://login.microsoftonline.com.",
            ),
            Some(u) => check_endpoint(&mut c, "authorityUrl", "Authority URL", u),
        }
    }

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
    let has_secret = check_client_secret(&mut c, d, existing, client_secret_id.as_deref());

    // Scopes.
    let scopes: Vec<String> = d.scopes.split_whitespace().map(str::to_owned).collect();
    if oauth {
        check_scopes(&mut c, d, &scopes);
    }

    // Redirect URI (only the browser sign-in uses it).
    let redirect_uri = d.redirect_uri.trim().to_owned();
    if d.auth_method == AuthMethod::AuthCode {
        check_redirect(&mut c, &redirect_uri);
        if ms && redirect_uri.len() > 256 {
            c.err(
                "redirectUri",
                format!(
                    "Redirect URI is {} characters long; Entra takes at most 256, so it cannot be registered. Use a shorter one, e.g. http://localhost.",
                    redirect_uri.len()
                ),
            );
        }
        if ms && !has_secret && is_https_loopback(&redirect_uri) {
            c.err("redirectUri", "https://localhost is a Web redirect in Entra, and Microsoft redeems a Web sign-in only with the client secret (AADSTS7000218). Without a secret, register http://localhost under Authentication → Mobile and desktop applications and use it here; or keep https://localhost and paste the secret's Value.");
        }
    }

    // Custom provider endpoints.
    let auth_url = opt(&d.auth_url);
    let token_url = opt(&d.token_url);
    if d.provider == Provider::Custom && oauth {
        if d.auth_method == AuthMethod::AuthCode {
            match &auth_url {
                None => c.err("authUrl", "Authorization URL is required for a custom OAuth provider."),
                Some(u) => check_endpoint(&mut c, "authUrl", "Authorization URL", u),
            }
        }
        match &token_url {
            None => c.err("tokenUrl", "Token URL is required for a custom OAuth provider."),
            Some(u) => check_endpoint(&mut c, "tokenUrl", "Token URL", u),
        }
    }

    // Servers.
    let smtp_host = d.smtp_host.trim().to_ascii_lowercase();
    let smtp_port = check_port(&mut c, "smtpPort", "SMTP port", &d.smtp_port, 587);
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
        check_server(&mut c, fields, "SMTP", &smtp_host, smtp_port, d.smtp_security, !m365);
    }
    let imap_host = d.imap_host.trim().to_ascii_lowercase();
    let imap_port = check_port(&mut c, "imapPort", "IMAP port", &d.imap_port, 993);
    if !imap_host.is_empty() {
        check_server(
            &mut c,
            ("imapHost", "imapPort", "imapSecurity"),
            "IMAP",
            &imap_host,
            imap_port,
            d.imap_security,
            true,
        );
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

    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    let epoch = OffsetDateTime::UNIX_EPOCH;
    // Secrets a method cannot use are dropped, so nothing lingers unseen.
    let password = if d.auth_method.uses_password() { d.password.clone() } else { SecretChange::Clear };
    let client_secret = if oauth { d.client_secret.clone() } else { SecretChange::Clear };
    Ok(Validated {
        profile: Profile {
            id: 0,
            name: name.to_owned(),
            enabled: d.enabled,
            notes: d.notes.trim_end().to_owned(),
            provider: d.provider,
            auth_method: d.auth_method,
            send_method: d.send_method,
            mailbox: mailbox.to_owned(),
            from_address,
            domain,
            tenant: if ms { tenant } else { String::new() },
            cloud: if ms { d.cloud } else { Cloud::Global },
            authority_url: if ms && d.cloud == Cloud::Custom { authority_url } else { None },
            client_id,
            client_secret_id,
            client_secret_expires,
            scopes,
            redirect_uri,
            auth_url,
            token_url,
            smtp_host,
            smtp_port: smtp_port.unwrap_or(587),
            smtp_security: d.smtp_security,
            imap_host,
            imap_port: imap_port.unwrap_or(993),
            imap_security: d.imap_security,
            created_at: epoch,
            updated_at: epoch,
        },
        client_secret,
        password,
    })
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
    // Not yet registered (no client ID): the secret comes with the registration.
    if d.auth_method == AuthMethod::ClientCredentials && !has_after && !d.client_id.trim().is_empty() {
        c.err(
            "clientSecret",
            "Client secret is required for app-only sign-in: paste the Value from Certificates & secrets.",
        );
    }
    has_after
}

/// `https://localhost…` or `https://127.0.0.1…`: the Web redirect the paste
/// route uses (seed 001), which Entra treats as a confidential client's.
fn is_https_loopback(uri: &str) -> bool {
    url::Url::parse(uri).is_ok_and(|u| u.scheme() == "https" && u.host_str().is_some_and(syntax::is_loopback_host))
}

#[cfg(test)]
mod tests;
