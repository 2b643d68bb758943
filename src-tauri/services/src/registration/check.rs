//! Check the registration against Microsoft: read the app object (redirect
//! URIs per platform, public-client flag, audience, required permissions,
//! secrets) and its service principal's granted permissions and consents,
//! then list each difference from what the profile needs, with its fix.
//! [`compare`] is pure: what was read in, findings out.

use super::directory::{AppRoleAssignment, Application, Directory, PermissionGrant, ServicePrincipal};
use super::{audience_covers, redirect_key, Platform, Wanted, WantedPermission};
use crate::error::Result;
use crate::guide::PermissionKind;
use crate::profile::Profile;
use serde::Serialize;
use std::collections::HashMap;
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum FindingState {
    Ok,
    /// Sign-in or mail fails until it is fixed.
    Mismatch,
    /// Works, but something optional or advisable is missing.
    Warning,
    /// Graph cannot tell (Exchange Online's own settings).
    Unchecked,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// What was compared, as the portal names it.
    pub item: String,
    pub state: FindingState,
    /// What Microsoft has.
    pub found: String,
    /// What this profile needs.
    pub wanted: String,
    /// What to do, in the portal's words (`**…**`), when not Ok.
    pub fix: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationCheck {
    pub app_name: Option<String>,
    /// Whose token read it: the app itself, or the administrator.
    pub read_as: String,
    pub findings: Vec<Finding>,
    /// Findings that stop sign-in or mail.
    pub mismatches: usize,
}

/// What Graph showed of one app registration.
#[derive(Debug, Clone, Default)]
pub struct Actual {
    pub app: Option<Application>,
    pub sp: Option<ServicePrincipal>,
    pub roles: Vec<AppRoleAssignment>,
    /// None when the token may not read consents (app-only).
    pub grants: Option<Vec<PermissionGrant>>,
    /// The APIs' service principals (Microsoft Graph, Exchange Online) by appId.
    pub resources: HashMap<String, ServicePrincipal>,
    /// The app's owners (read for a profile with a certificate: the app
    /// rotates it itself when it owns itself).
    pub owners: Vec<String>,
}

impl Actual {
    /// Read everything the check and the plan compare.
    pub fn read(dir: &Directory<'_>, p: &Profile, wanted: &Wanted, with_grants: bool) -> Result<Actual> {
        let app = if p.client_id.trim().is_empty() { None } else { dir.application(&p.client_id)? };
        let mut a = Actual { app, ..Actual::default() };
        if a.app.is_some() {
            a.sp = dir.service_principal(&p.client_id)?;
        }
        if let (Some(app), Some(_)) = (&a.app, &wanted.certificate) {
            a.owners = dir.owners(&app.id)?;
        }
        if let Some(sp) = &a.sp {
            a.roles = dir.role_assignments(&sp.id)?;
            if with_grants {
                a.grants = Some(dir.grants(&sp.id)?);
            }
        }
        for api in wanted.apis() {
            if let Some(sp) = dir.service_principal(api)? {
                a.resources.insert(api.to_owned(), sp);
            }
        }
        Ok(a)
    }

    /// The ID of permission `w` in its API (None if the API is not in the tenant).
    pub fn permission_id(&self, w: &WantedPermission) -> Option<String> {
        let sp = self.resources.get(w.resource_app_id)?;
        let list = match w.kind {
            PermissionKind::Application => &sp.app_roles,
            PermissionKind::Delegated => &sp.oauth2_permission_scopes,
        };
        list.iter().find(|r| r.value.as_deref() == Some(w.name.as_str())).map(|r| r.id.clone())
    }

    /// Whether permission `w` is in the app's **API permissions**.
    pub fn configured(&self, w: &WantedPermission) -> bool {
        let (Some(app), Some(id)) = (&self.app, self.permission_id(w)) else { return false };
        let kind = if w.kind == PermissionKind::Application { "Role" } else { "Scope" };
        app.required_resource_access.iter().any(|r| {
            r.resource_app_id == w.resource_app_id && r.resource_access.iter().any(|a| a.id == id && a.kind == kind)
        })
    }

    /// Whether the app owns itself (its service principal is an owner).
    pub fn owns_itself(&self) -> bool {
        self.sp.as_ref().is_some_and(|sp| self.owners.contains(&sp.id))
    }

    /// Whether `w` has admin consent (None: the consents could not be read).
    pub fn consented(&self, w: &WantedPermission) -> Option<bool> {
        let resource = self.resources.get(w.resource_app_id)?;
        match w.kind {
            PermissionKind::Application => {
                let id = self.permission_id(w)?;
                Some(self.roles.iter().any(|r| r.app_role_id == id && r.resource_id == resource.id))
            }
            PermissionKind::Delegated => Some(self.grants.as_ref()?.iter().any(|g| {
                g.consent_type == "AllPrincipals"
                    && g.resource_id == resource.id
                    && g.scope.split_whitespace().any(|s| s == w.name)
            })),
        }
    }
}

fn finding(item: &str, state: FindingState, found: impl Into<String>, wanted: impl Into<String>) -> Finding {
    Finding { item: item.into(), state, found: found.into(), wanted: wanted.into(), fix: None }
}

fn fix(mut f: Finding, text: impl Into<String>) -> Finding {
    if f.state != FindingState::Ok {
        f.fix = Some(text.into());
    }
    f
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// Each difference between the app Microsoft has and what `p` needs.
pub fn compare(p: &Profile, w: &Wanted, a: &Actual, today: time::Date) -> Vec<Finding> {
    use FindingState::*;
    let Some(app) = &a.app else {
        return vec![fix(
            finding("App registration", Mismatch, "none with this client ID in the tenant", &p.client_id),
            "Check the Client ID and Tenant (both on the app's **Overview** page), or create the registration (Register in Entra).",
        )];
    };
    let mut out = Vec::new();
    let has = app.sign_in_audience.clone().unwrap_or_default();
    out.push(fix(
        finding(
            "Supported account types",
            if audience_covers(&has, w.audience) { Ok } else { Mismatch },
            super::audience_words(&has),
            super::audience_words(w.audience),
        ),
        "In **Authentication** (or the app's **Manifest**), change **Supported account types** as the guide says, or change the profile's Tenant.",
    ));
    match &w.platform {
        Some(Platform::PublicClient(uri)) => {
            let key = redirect_key(uri);
            let public = app.public_uris().iter().any(|u| redirect_key(u) == key);
            let web = app.web_uris().iter().any(|u| redirect_key(u) == key);
            let state = if public { Ok } else { Mismatch };
            let text = if web {
                format!("**Authentication** → remove {uri} from **Web** and add it under **Mobile and desktop applications** (as Web it needs a client secret: AADSTS7000218).")
            } else {
                format!("**Authentication** → **Add a platform** → **Mobile and desktop applications** → add {uri}.")
            };
            out.push(fix(
                finding("Redirect URI (Mobile and desktop applications)", state, list(app.public_uris()), uri),
                text,
            ));
        }
        Some(Platform::Web(uri)) => {
            let key = redirect_key(uri);
            let state = if app.web_uris().iter().any(|u| redirect_key(u) == key) { Ok } else { Mismatch };
            out.push(fix(
                finding("Redirect URI (Web)", state, list(app.web_uris()), uri),
                format!(
                    "**Authentication** → **Add a platform** → **Web** → add {uri} exactly (AADSTS50011 otherwise)."
                ),
            ));
        }
        None => {}
    }
    if w.public_client_flows {
        let on = app.is_fallback_public_client == Some(true);
        out.push(fix(
            finding("Allow public client flows", if on { Ok } else { Mismatch }, if on { "Yes" } else { "No" }, "Yes"),
            "**Authentication** → **Advanced settings** → **Allow public client flows**: **Yes**, then **Save** (AADSTS7000218 otherwise).",
        ));
    }
    out.extend(permissions(w, a));
    out.extend(secret(p, w, app, today));
    out.extend(certificate(w, app, today));
    if w.certificate.is_some() {
        let owns = a.owns_itself();
        out.push(fix(
            finding(
                "App is an owner of itself",
                if owns { Ok } else { Warning },
                if owns { "yes" } else { "no" },
                "yes, to rotate its certificate without an administrator",
            ),
            "Create this registration for me makes the app an owner of itself (with **Application.ReadWrite.OwnedBy**); until then a rotation needs an administrator's sign-in.",
        ));
    }
    if p.auth_method == crate::profile::AuthMethod::ClientCredentials
        && p.send_method == crate::profile::SendMethod::Smtp
    {
        out.push(fix(
            finding("Exchange Online service principal and mailbox access", Unchecked, "not visible to Graph", "set up"),
            "Exchange Online keeps these itself: the guide's PowerShell (Get-ServicePrincipal, Get-MailboxPermission) shows them.",
        ));
    }
    out
}

fn permissions(w: &Wanted, a: &Actual) -> Vec<Finding> {
    use FindingState::*;
    let mut out = Vec::new();
    for p in &w.permissions {
        let kind = if p.kind == PermissionKind::Application { "Application" } else { "Delegated" };
        let item = format!("{} {} ({kind})", p.api, p.name);
        let missing = if p.optional { Warning } else { Mismatch };
        let f = if !a.configured(p) {
            fix(
                finding(&item, missing, "not in API permissions", "added"),
                format!("**API permissions** → **Add a permission** → {} → **{kind} permissions** → **{}**, then **Grant admin consent**.", p.api, p.name),
            )
        } else {
            match (a.consented(p), p.kind) {
                (Some(true), _) => finding(&item, Ok, "added, admin consent granted", "added, consented"),
                (Some(false), PermissionKind::Application) => fix(
                    finding(&item, missing, "added, no admin consent", "admin consent"),
                    "**API permissions** → **Grant admin consent for** your organisation (app-only tokens carry only consented permissions).",
                ),
                (Some(false), PermissionKind::Delegated) => fix(
                    finding(&item, Warning, "added, no admin consent", "consented"),
                    "Each mailbox consents at its first sign-in; where users may not consent, **Grant admin consent for** your organisation.",
                ),
                (None, _) => fix(
                    finding(&item, Unchecked, "added; consent not readable with this token", "consented"),
                    "Check with an administrator's sign-in to see the consents.",
                ),
            }
        };
        out.push(f);
    }
    if !w.permissions.is_empty() && a.sp.is_none() {
        out.push(fix(
            finding("Enterprise application", Mismatch, "none in this tenant", "present"),
            "Open the admin-consent address (Register in Entra → API permissions): consenting creates it.",
        ));
    }
    out
}

fn secret(p: &Profile, w: &Wanted, app: &Application, today: time::Date) -> Option<Finding> {
    use FindingState::*;
    if !w.needs_secret {
        return None;
    }
    let item = "Client secret";
    let creds = &app.password_credentials;
    let mine = creds.iter().find(|c| Some(&c.key_id) == p.client_secret_id.as_ref());
    let ends = |c: &super::directory::PasswordCredential| {
        c.end_date_time.as_deref().and_then(|e| e.get(..10)).unwrap_or("no end date").to_owned()
    };
    let f = match (mine, &p.client_secret_id) {
        (Some(c), _) if ends(c).as_str() < today.to_string().as_str() => fix(
            finding(item, Mismatch, format!("{} expired {}", c.key_id, ends(c)), "a current secret"),
            "**Certificates & secrets** → **New client secret**; put its **Value** in the profile (or let Mailwarden add one).",
        ),
        (Some(c), _) => finding(item, Ok, format!("{} until {}", c.key_id, ends(c)), "the profile's secret"),
        (None, Some(id)) => fix(
            finding(item, Mismatch, format!("{}, not {id}", crate::diagnosis::plural(creds.len() as i64, "secret")), format!("Secret ID {id}")),
            "The profile's secret was deleted or belongs to another app: create a new one under **Certificates & secrets** and put its **Value** in the profile.",
        ),
        (None, None) if creds.is_empty() => fix(
            finding(item, Mismatch, "none", "one, its Value in the profile"),
            "**Certificates & secrets** → **New client secret**; copy its **Value** into the profile.",
        ),
        (None, None) => fix(
            finding(item, Warning, format!("{}; which one the profile holds is not known", crate::diagnosis::plural(creds.len() as i64, "secret")), "the Secret ID in the profile"),
            "Paste the secret's row from **Certificates & secrets** into the profile (or read the expiry from Graph): then its expiry is watched.",
        ),
    };
    Some(f)
}

/// The profile's certificate among the app's (`keyCredentials`), by thumbprint.
fn certificate(w: &Wanted, app: &Application, today: time::Date) -> Option<Finding> {
    use FindingState::*;
    let c = w.certificate.as_ref()?;
    let item = "Certificate";
    let ends = |k: &super::keys::KeyCredential| {
        k.end_date_time.as_deref().and_then(|e| e.get(..10)).unwrap_or("no end date").to_owned()
    };
    let mine = app.key_credentials.iter().find(|k| k.thumbprint().as_deref() == Some(c.thumbprint.as_str()));
    let upload = "**Certificates & secrets** → **Certificates** → **Upload certificate**: the profile's public certificate (Export it in the Sign in step), or let Mailwarden upload it (Create this registration for me).";
    Some(match mine {
        Some(k) if ends(k).as_str() < today.to_string().as_str() => fix(
            finding(item, Mismatch, format!("{} expired {}", c.thumbprint, ends(k)), "a current certificate"),
            "Make a new certificate for the profile and upload it (Rotate the certificate).",
        ),
        Some(k) => finding(item, Ok, format!("{} until {}", c.thumbprint, ends(k)), "the profile's certificate"),
        None => {
            let n = app.key_credentials.len();
            let found = if n == 0 {
                "none".to_owned()
            } else {
                format!("{}, not {}", crate::diagnosis::plural(n as i64, "certificate"), c.thumbprint)
            };
            fix(finding(item, Mismatch, found, format!("thumbprint {}", c.thumbprint)), upload)
        }
    })
}

impl super::Registrations<'_> {
    /// Check profile `id`'s registration: with `admin`'s token if given, else
    /// with the profile's own (app-only, Application.Read.All).
    pub fn check(&self, id: i64, admin: Option<&super::AdminSession>) -> Result<RegistrationCheck> {
        let p = self.profiles().get(id)?.profile;
        super::microsoft_only(&p)?;
        let w = self.wanted_for(&p)?;
        let base = crate::mail::graph::graph_base(&p);
        let (actual, read_as) = match admin {
            Some(s) => {
                let dir = Directory::new(&base, s.token(), true)?;
                (Actual::read(&dir, &p, &w, true)?, s.account.clone())
            }
            None => {
                let token = self.app_token(&p)?;
                let dir = Directory::new(&base, &token, false)?;
                (Actual::read(&dir, &p, &w, false)?, "the app itself (Application.Read.All)".to_owned())
            }
        };
        if let (Some(c), Some(app)) = (&w.certificate, &actual.app) {
            self.certificates().note_entra_end(p.id, &c.thumbprint, &app.key_credentials);
        }
        let today = crate::clock::local_date(self.clock.now(), &self.clock.zone());
        let findings = compare(&p, &w, &actual, today);
        let mismatches = findings.iter().filter(|f| f.state == FindingState::Mismatch).count();
        Ok(RegistrationCheck { app_name: actual.app.and_then(|a| a.display_name), read_as, findings, mismatches })
    }
}
