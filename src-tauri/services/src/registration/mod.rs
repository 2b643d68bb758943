//! The app registration a profile needs, compared with the one Microsoft has
//! (the check), and made so through Microsoft Graph (create, or bring in
//! line). [`Wanted`] is derived from the profile by the same rules as the
//! guide (its permission table, its secret rule), so the guide, the check
//! and the plan never disagree.
//!
//! Reading needs a Graph token that may read applications: the profile's own
//! (app-only, with Application.Read.All) or an administrator's sign-in
//! ([`AdminSession`], delegated Application.ReadWrite.All and the consent
//! permissions, through a public client admins already use). Writing needs
//! the administrator. The administrator's token lives only in memory.

mod admin;
mod apply;
mod check;
pub mod directory;
pub mod keys;
mod plan;
#[cfg(test)]
mod tests;

pub use admin::{AdminInfo, AdminSession};
pub use apply::{ApplyReport, ApplyState, StepOutcome};
pub use check::{Finding, FindingState, RegistrationCheck};
pub use plan::{Plan, PlanStep};

use crate::guide::{needs_secret, permission_rows, PermissionKind};
use crate::oauth::loopback::is_loopback;
use crate::profile::{AuthMethod, Profile, Provider};
use crate::providers::resource_app_id;

crate::context::service!(
    /// App registrations: check one against Microsoft, create or bring it in line.
    Registrations
);

/// Where the redirect URI is registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Platform {
    /// **Mobile and desktop applications** (a public client; loopback).
    PublicClient(String),
    /// **Web** (a confidential client).
    Web(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WantedPermission {
    pub api: String,
    pub resource_app_id: &'static str,
    pub name: String,
    pub kind: PermissionKind,
    pub optional: bool,
}

/// The registration a profile needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    /// Graph's `signInAudience`.
    pub audience: &'static str,
    pub platform: Option<Platform>,
    /// **Allow public client flows** (device code, password sign-in).
    pub public_client_flows: bool,
    pub permissions: Vec<WantedPermission>,
    pub needs_secret: bool,
    /// The certificate the profile signs in with, which the app must hold.
    pub certificate: Option<WantedCertificate>,
}

/// A profile's certificate as the registration needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WantedCertificate {
    /// SHA-1, upper-case hex (the portal's Thumbprint).
    pub thumbprint: String,
    pub der: Vec<u8>,
    pub subject: String,
    /// RFC 3339.
    pub not_after: String,
}

impl Wanted {
    /// The APIs the permissions are of, each once, in the order they are named.
    pub fn apis(&self) -> Vec<&'static str> {
        let mut apis = Vec::new();
        for a in self.permissions.iter().map(|p| p.resource_app_id) {
            if !apis.contains(&a) {
                apis.push(a);
            }
        }
        apis
    }
}

/// The audience a profile's tenant choice needs.
fn audience(p: &Profile) -> &'static str {
    match p.tenant.to_ascii_lowercase().as_str() {
        _ if p.provider == Provider::OutlookCom => "PersonalMicrosoftAccount",
        "common" => "AzureADandPersonalMicrosoftAccount",
        "consumers" => "PersonalMicrosoftAccount",
        "organizations" => "AzureADMultipleOrgs",
        _ => "AzureADMyOrg",
    }
}

/// Graph's `signInAudience` in the portal's words (Supported account types).
pub(crate) fn audience_words(a: &str) -> &'static str {
    match a {
        "AzureADMyOrg" => "Single tenant (accounts in this organizational directory only)",
        "AzureADMultipleOrgs" => "Multitenant (accounts in any organizational directory)",
        "AzureADandPersonalMicrosoftAccount" => "Any organizational directory and personal Microsoft accounts",
        "PersonalMicrosoftAccount" => "Personal Microsoft accounts only",
        "" => "not set",
        _ => "an account type this version does not know",
    }
}

/// Whether an app with audience `has` lets in the accounts `needs` names.
pub(crate) fn audience_covers(has: &str, needs: &str) -> bool {
    let work = ["AzureADMyOrg", "AzureADMultipleOrgs", "AzureADandPersonalMicrosoftAccount"];
    match needs {
        "AzureADMyOrg" => work.contains(&has),
        "AzureADMultipleOrgs" => work[1..].contains(&has),
        "AzureADandPersonalMicrosoftAccount" => has == needs,
        "PersonalMicrosoftAccount" => has == needs || has == "AzureADandPersonalMicrosoftAccount",
        _ => has == needs,
    }
}

/// A redirect URI as Entra matches it: a loopback address without its port.
pub(crate) fn redirect_key(uri: &str) -> String {
    match url::Url::parse(uri.trim()) {
        Ok(mut u) => {
            if is_loopback(uri) {
                let _ = u.set_port(None);
            }
            u.to_string()
        }
        Err(_) => uri.trim().to_owned(),
    }
}

/// The registration `p` needs (Microsoft profiles only), signing in with a
/// client secret if any credential (`wanted_for` adds its certificate).
pub fn wanted(p: &Profile) -> Wanted {
    wanted_with(p, crate::guide::Uses::default())
}

/// The registration `p` needs for what it is used for.
pub(crate) fn wanted_with(p: &Profile, uses: crate::guide::Uses) -> Wanted {
    let platform = match p.auth_method {
        AuthMethod::AuthCode if is_loopback(&p.redirect_uri) => Some(Platform::PublicClient(p.redirect_uri.clone())),
        AuthMethod::AuthCode => Some(Platform::Web(p.redirect_uri.clone())),
        _ => None,
    };
    let permissions = permission_rows(p, uses)
        .into_iter()
        .filter_map(|r| {
            Some(WantedPermission {
                resource_app_id: resource_app_id(&r.api)?,
                api: r.api,
                name: r.permission,
                kind: r.kind,
                optional: r.optional,
            })
        })
        .collect();
    Wanted {
        audience: audience(p),
        platform,
        public_client_flows: matches!(p.auth_method, AuthMethod::DeviceCode | AuthMethod::Password),
        permissions,
        needs_secret: needs_secret(p),
        certificate: None,
    }
}

/// Registrations exist only at Microsoft: other providers are refused with
/// what to do instead.
pub(crate) fn microsoft_only(p: &Profile) -> crate::error::Result<()> {
    match p.provider {
        Provider::Microsoft365 | Provider::OutlookCom if p.auth_method.is_oauth() => Ok(()),
        Provider::Microsoft365 | Provider::OutlookCom => Err(crate::error::CoreError::invalid(
            "authMethod",
            "A mailbox password needs no app registration: there is nothing to check.",
        )),
        _ => Err(crate::error::CoreError::invalid(
            "provider",
            "Only Microsoft app registrations can be checked or created here; the guide says what to register elsewhere.",
        )),
    }
}
