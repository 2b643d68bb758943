//! The plan of "Create this registration for me": from the same comparison
//! as the check, what will be created or changed — the app (or a body that
//! brings it in line; nothing is removed), a client secret or the profile's
//! certificate, the enterprise
//! application, admin consent — and what Graph cannot do (Exchange Online's
//! PowerShell, left in the guide). `apply.rs` carries it out.

use super::check::Actual;
use super::directory::{Application, RequiredResourceAccess, ResourceAccess};
use super::{audience_covers, redirect_key, Platform, Wanted};
use crate::guide::PermissionKind;
use crate::profile::{AuthMethod, Profile, SendMethod};
use serde::Serialize;
use serde_json::{json, Value};
use ts_rs::TS;

/// How long a created client secret lives (the portal's recommended 180 days).
pub(super) const SECRET_DAYS: i64 = 180;

#[derive(Debug, Clone)]
pub(super) enum Action {
    CreateApp(Value),
    UpdateApp(Value),
    AddSecret,
    /// Add the profile's certificate to the app's `keyCredentials`.
    UploadCertificate,
    /// Make the app's service principal an owner of the app.
    OwnItself,
    CreateServicePrincipal,
    AssignRole {
        resource: String,
        role: String,
    },
    GrantDelegated {
        resource: String,
        scopes: Vec<String>,
    },
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PlanStep {
    pub title: String,
    pub detail: String,
    #[serde(skip)]
    #[ts(skip)]
    pub(super) action: Option<Action>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// Who will do it.
    pub admin: String,
    pub steps: Vec<PlanStep>,
    /// What stays for a person (Exchange Online PowerShell), from the guide.
    pub manual: Vec<String>,
}

fn step(title: impl Into<String>, detail: impl Into<String>, action: Action) -> PlanStep {
    PlanStep { title: title.into(), detail: detail.into(), action: Some(action) }
}

/// `requiredResourceAccess` holding `existing` plus every wanted permission.
fn merged_access(w: &Wanted, a: &Actual, existing: &[RequiredResourceAccess]) -> Vec<RequiredResourceAccess> {
    let mut out = existing.to_vec();
    for p in &w.permissions {
        let Some(id) = a.permission_id(p) else { continue };
        let kind = if p.kind == PermissionKind::Application { "Role" } else { "Scope" };
        let entry = ResourceAccess { id, kind: kind.into() };
        match out.iter_mut().find(|r| r.resource_app_id == p.resource_app_id) {
            Some(r) if r.resource_access.contains(&entry) => {}
            Some(r) => r.resource_access.push(entry),
            None => out.push(RequiredResourceAccess {
                resource_app_id: p.resource_app_id.into(),
                resource_access: vec![entry],
            }),
        }
    }
    out
}

/// The body that makes `app` (None: a new one) what `w` needs; None if it already is.
fn app_body(p: &Profile, w: &Wanted, a: &Actual, app: Option<&Application>) -> Option<(Value, Vec<String>)> {
    let mut body = serde_json::Map::new();
    let mut what = Vec::new();
    let current = app.and_then(|x| x.sign_in_audience.clone()).unwrap_or_default();
    if app.is_none() || !audience_covers(&current, w.audience) {
        body.insert("signInAudience".into(), json!(w.audience));
        what.push(format!("supported account types: {}", super::audience_words(w.audience)));
    }
    let (public, web) = app.map_or((vec![], vec![]), |x| (x.public_uris().to_vec(), x.web_uris().to_vec()));
    match &w.platform {
        Some(Platform::PublicClient(uri)) if !public.iter().any(|u| redirect_key(u) == redirect_key(uri)) => {
            let mut list = public.clone();
            list.push(uri.clone());
            body.insert("publicClient".into(), json!({"redirectUris": list}));
            if web.iter().any(|u| redirect_key(u) == redirect_key(uri)) {
                let rest: Vec<&String> = web.iter().filter(|u| redirect_key(u) != redirect_key(uri)).collect();
                body.insert("web".into(), json!({"redirectUris": rest}));
                what.push(format!("{uri} moved from Web to Mobile and desktop applications"));
            } else {
                what.push(format!("redirect URI {uri} (Mobile and desktop applications)"));
            }
        }
        Some(Platform::Web(uri)) if !web.iter().any(|u| redirect_key(u) == redirect_key(uri)) => {
            let mut list = web.clone();
            list.push(uri.clone());
            body.insert("web".into(), json!({"redirectUris": list}));
            what.push(format!("redirect URI {uri} (Web)"));
        }
        _ => {}
    }
    if w.public_client_flows && app.and_then(|x| x.is_fallback_public_client) != Some(true) {
        body.insert("isFallbackPublicClient".into(), json!(true));
        what.push("Allow public client flows: Yes".into());
    }
    let existing = app.map_or(&[][..], |x| &x.required_resource_access[..]);
    let access = merged_access(w, a, existing);
    if access != existing {
        let added: Vec<String> = w.permissions.iter().filter(|x| !a.configured(x)).map(|x| x.name.clone()).collect();
        body.insert("requiredResourceAccess".into(), serde_json::to_value(&access).unwrap_or_default());
        what.push(format!("API permissions {}", added.join(", ")));
    }
    if app.is_none() {
        body.insert("displayName".into(), json!(p.name));
    }
    (!body.is_empty()).then_some((Value::Object(body), what))
}

/// Whether the profile needs a new client secret from Graph.
fn needs_new_secret(p: &Profile, w: &Wanted, app: Option<&Application>, has_secret: bool, today: &str) -> bool {
    if !w.needs_secret {
        return false;
    }
    let Some(app) = app else { return true };
    let mine = app.password_credentials.iter().find(|c| Some(&c.key_id) == p.client_secret_id.as_ref());
    match mine {
        Some(c) => c.end_date_time.as_deref().and_then(|e| e.get(..10)).is_some_and(|end| end < today),
        None => !has_secret || p.client_secret_id.is_some(),
    }
}

/// The plan for `p` given what Graph has.
pub(super) fn plan_for(p: &Profile, w: &Wanted, a: &Actual, has_secret: bool, today: &str, admin: &str) -> Plan {
    let app = a.app.as_ref();
    let mut steps = Vec::new();
    match (app, app_body(p, w, a, app)) {
        (None, Some((body, what))) => steps.push(step(
            "Create the app registration",
            format!("“{}”: {}", p.name, what.join("; ")),
            Action::CreateApp(body),
        )),
        (Some(_), Some((body, what))) => {
            steps.push(step("Bring the app registration in line", what.join("; "), Action::UpdateApp(body)))
        }
        _ => {}
    }
    if needs_new_secret(p, w, app, has_secret, today) {
        steps.push(step(
            "Add a client secret",
            format!("valid {SECRET_DAYS} days; its value goes into the profile, never shown"),
            Action::AddSecret,
        ));
    }
    if let Some(c) = &w.certificate {
        let held = app.is_some_and(|x| {
            x.key_credentials.iter().any(|k| k.thumbprint().as_deref() == Some(c.thumbprint.as_str()))
        });
        if !held {
            steps.push(step(
                "Upload the certificate",
                format!(
                    "{} (thumbprint {}), valid until {}",
                    c.subject,
                    c.thumbprint,
                    c.not_after.get(..10).unwrap_or("")
                ),
                Action::UploadCertificate,
            ));
        }
    }
    if a.sp.is_none() && !w.permissions.is_empty() {
        steps.push(step(
            "Create the enterprise application",
            "the app's service principal in this tenant",
            Action::CreateServicePrincipal,
        ));
    }
    for x in w.permissions.iter().filter(|x| x.kind == PermissionKind::Application) {
        if a.consented(x) != Some(true) {
            if let Some(role) = a.permission_id(x) {
                steps.push(step(
                    format!("Grant admin consent: {} {}", x.api, x.name),
                    "application permission",
                    Action::AssignRole { resource: x.resource_app_id.into(), role },
                ));
            }
        }
    }
    if w.certificate.is_some() && !a.owns_itself() {
        steps.push(step(
            "Make the app an owner of itself",
            "with Application.ReadWrite.OwnedBy it then adds and removes its own certificates: rotation needs no administrator",
            Action::OwnItself,
        ));
    }
    for api in w.apis() {
        let missing: Vec<String> = w
            .permissions
            .iter()
            .filter(|x| x.kind == PermissionKind::Delegated && x.resource_app_id == api && a.consented(x) != Some(true))
            .map(|x| x.name.clone())
            .collect();
        if let Some(first) = w.permissions.iter().find(|x| x.resource_app_id == api).filter(|_| !missing.is_empty()) {
            steps.push(step(
                format!("Grant admin consent: {} {}", first.api, missing.join(" ")),
                "delegated permissions, for every user",
                Action::GrantDelegated { resource: api.into(), scopes: missing },
            ));
        }
    }
    Plan { admin: admin.to_owned(), steps, manual: manual(p) }
}

/// What Graph cannot do for this profile.
fn manual(p: &Profile) -> Vec<String> {
    let mut out = Vec::new();
    let app_only = p.auth_method == AuthMethod::ClientCredentials;
    if app_only && p.send_method == SendMethod::Smtp {
        out.push("Exchange Online: the app's service principal and its mailbox permission (New-ServicePrincipal, Add-MailboxPermission) — PowerShell in the guide.".into());
    }
    if p.send_method == SendMethod::Smtp && p.provider == crate::profile::Provider::Microsoft365 {
        out.push("Exchange Online: SMTP AUTH on for the mailbox (Set-CASMailbox) — PowerShell in the guide.".into());
    }
    if app_only && p.send_method == SendMethod::Graph {
        out.push(
            "Optional: limit the app to its mailboxes (application access policy) — PowerShell in the guide.".into(),
        );
    }
    out
}

#[cfg(test)]
pub(super) fn plan_for_tests(p: &Profile, w: &Wanted, a: &Actual, has_secret: bool, today: &str) -> Vec<String> {
    plan_for(p, w, a, has_secret, today, "admin")
        .steps
        .into_iter()
        .map(|s| format!("{}: {}", s.title, s.detail))
        .collect()
}
