//! "Create this registration for me": the plan (what will be created or
//! changed, from the same comparison as the check), then each step through
//! Graph with its result. Nothing is removed: redirect URIs and permissions
//! are added to what is there. A new client secret's value goes straight
//! into the profile (never shown), with its Secret ID and expiry; the client
//! ID of a created app too — each saved the moment Graph answers, so nothing
//! made at Microsoft is lost if a later step fails. What Graph cannot do
//! (Exchange Online's PowerShell) stays in the guide and is said so.

use super::check::Actual;
use super::directory::{Application, Directory, RequiredResourceAccess, ResourceAccess};
use super::{audience_covers, redirect_key, AdminSession, Platform, Wanted};
use crate::diagnosis::Diagnosis;
use crate::error::{CoreError, Result};
use crate::guide::PermissionKind;
use crate::profile::{AuthMethod, Profile, SendMethod};
use crate::secret::SecretChange;
use serde::Serialize;
use serde_json::{json, Value};
use ts_rs::TS;

/// How long a created client secret lives (the portal's recommended 180 days).
const SECRET_DAYS: i64 = 180;

#[derive(Debug, Clone)]
enum Action {
    CreateApp(Value),
    UpdateApp(Value),
    AddSecret,
    CreateServicePrincipal,
    AssignRole { resource: String, role: String },
    GrantDelegated { resource: String, scopes: Vec<String> },
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PlanStep {
    pub title: String,
    pub detail: String,
    #[serde(skip)]
    #[ts(skip)]
    action: Option<Action>,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ApplyState {
    Done,
    Failed,
    /// Not tried: an earlier step failed.
    Skipped,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StepOutcome {
    pub title: String,
    pub state: ApplyState,
    pub detail: String,
    pub diagnosis: Option<Diagnosis>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ApplyReport {
    pub steps: Vec<StepOutcome>,
    pub manual: Vec<String>,
    /// Every step was done.
    pub complete: bool,
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
        what.push(format!("supported account types {}", w.audience));
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
fn plan_for(p: &Profile, w: &Wanted, a: &Actual, has_secret: bool, today: &str, admin: &str) -> Plan {
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

/// What an apply has learnt so far (a created app's IDs, the service principal).
struct Made {
    app_id: String,
    /// A created app's client ID waits for its secret: an app-only profile is
    /// saved only with both.
    client_id_unsaved: bool,
    object_id: Option<String>,
    sp_id: Option<String>,
}

impl super::Registrations<'_> {
    fn today(&self) -> time::Date {
        crate::clock::local_date(self.clock.now(), &self.clock.zone())
    }

    fn read_for_plan(&self, id: i64, admin: &AdminSession) -> Result<(Profile, Wanted, Actual, Plan)> {
        let v = self.profiles().get(id)?;
        let p = v.profile;
        super::microsoft_only(&p)?;
        if admin.profile_id != id {
            return Err(CoreError::Flow("The administrator signed in for another profile: sign in again.".into()));
        }
        let w = super::wanted(&p);
        let dir = Directory::new(&crate::mail::graph::graph_base(&p), admin.token(), true)?;
        let a = Actual::read(&dir, &p, &w, true)?;
        let plan = plan_for(&p, &w, &a, v.has_client_secret, &self.today().to_string(), &admin.account);
        Ok((p, w, a, plan))
    }

    /// What "Create this registration" would create or change, read fresh.
    pub fn plan(&self, id: i64, admin: &AdminSession) -> Result<Plan> {
        Ok(self.read_for_plan(id, admin)?.3)
    }

    /// Carry out the plan (read again now), step by step; `progress` hears
    /// each step's title as it starts. Stops at the first refusal.
    pub fn apply(&self, id: i64, admin: &AdminSession, mut progress: impl FnMut(&str)) -> Result<ApplyReport> {
        let (p, _w, a, plan) = self.read_for_plan(id, admin)?;
        let dir = Directory::new(&crate::mail::graph::graph_base(&p), admin.token(), true)?;
        let mut made = Made {
            app_id: p.client_id.clone(),
            client_id_unsaved: false,
            object_id: a.app.as_ref().map(|x| x.id.clone()),
            sp_id: a.sp.as_ref().map(|x| x.id.clone()),
        };
        let mut steps = Vec::new();
        let mut failed = false;
        for s in plan.steps {
            if failed {
                steps.push(StepOutcome {
                    title: s.title,
                    state: ApplyState::Skipped,
                    detail: s.detail,
                    diagnosis: None,
                });
                continue;
            }
            progress(&s.title);
            tracing::info!(profile = id, step = %s.title, "registration: applying");
            let Some(action) = s.action else { continue };
            match self.run(&p, &dir, &a, &mut made, action) {
                Ok(detail) => {
                    steps.push(StepOutcome { title: s.title, state: ApplyState::Done, detail, diagnosis: None })
                }
                Err(e) => {
                    failed = true;
                    let (mut detail, diagnosis) = match e {
                        CoreError::Auth(d) => (d.title.clone(), Some(*d)),
                        other => (other.to_string(), None),
                    };
                    if made.client_id_unsaved {
                        detail.push_str(&format!(
                            " The app registration was created: its Application (client) ID is {}; run again to finish.",
                            made.app_id
                        ));
                    }
                    steps.push(StepOutcome { title: s.title, state: ApplyState::Failed, detail, diagnosis });
                }
            }
        }
        Ok(ApplyReport { steps, manual: plan.manual, complete: !failed })
    }

    fn run(&self, p: &Profile, dir: &Directory<'_>, a: &Actual, made: &mut Made, action: Action) -> Result<String> {
        match action {
            Action::CreateApp(body) => {
                let app = dir.create_application(&body)?;
                made.app_id = app.app_id.clone();
                made.object_id = Some(app.id);
                let mut d = self.profiles().draft(p.id)?;
                d.client_id = app.app_id.clone();
                if p.auth_method == AuthMethod::ClientCredentials && !self.profiles().get(p.id)?.has_client_secret {
                    made.client_id_unsaved = true;
                    return Ok(format!("Application (client) ID {} — into the profile with its secret.", app.app_id));
                }
                self.profiles().save(Some(p.id), &d)?;
                Ok(format!("Application (client) ID {} — now in the profile.", app.app_id))
            }
            Action::UpdateApp(body) => {
                dir.update_application(self.object_id(made)?, &body)?;
                Ok("Changed.".into())
            }
            Action::AddSecret => {
                let end = self.clock.now() + time::Duration::days(SECRET_DAYS);
                let end = end.replace_time(time::Time::MIDNIGHT);
                let end = end.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
                let name = format!("Mailwarden: {}", p.name);
                let s = dir.add_password(self.object_id(made)?, &name, &end)?;
                let expires =
                    time::OffsetDateTime::parse(&s.end_date_time, &time::format_description::well_known::Rfc3339)
                        .map(|t| crate::clock::local_date(t, &self.clock.zone()).to_string())
                        .unwrap_or_default();
                let mut d = self.profiles().draft(p.id)?;
                if made.client_id_unsaved {
                    d.client_id = made.app_id.clone();
                }
                d.client_secret = SecretChange::Set { value: s.value };
                d.client_secret_id = s.key_id.clone();
                d.client_secret_expires = expires.clone();
                self.profiles().save(Some(p.id), &d)?;
                made.client_id_unsaved = false;
                self.store.describe_current_secret(p.id, &name)?;
                Ok(format!("Secret ID {} until {expires} — its value is in the profile.", s.key_id))
            }
            Action::CreateServicePrincipal => {
                let sp = dir.create_service_principal(&made.app_id)?;
                made.sp_id = Some(sp.id.clone());
                Ok(format!("Object ID {}.", sp.id))
            }
            Action::AssignRole { resource, role } => {
                let resource = &a.resources.get(&resource).ok_or_else(|| missing_api(&resource))?.id;
                dir.assign_role(resource, self.sp_id(made)?, &role)?;
                Ok("Consented.".into())
            }
            Action::GrantDelegated { resource, scopes } => {
                let resource_sp = &a.resources.get(&resource).ok_or_else(|| missing_api(&resource))?.id;
                let existing = a
                    .grants
                    .iter()
                    .flatten()
                    .find(|g| &g.resource_id == resource_sp && g.consent_type == "AllPrincipals");
                match existing {
                    Some(g) => {
                        let scope = format!("{} {}", g.scope.trim(), scopes.join(" "));
                        dir.update_grant(&g.id, scope.trim())?;
                    }
                    None => dir.grant_delegated(self.sp_id(made)?, resource_sp, &scopes.join(" "))?,
                }
                Ok("Consented for every user.".into())
            }
        }
    }

    fn object_id<'m>(&self, made: &'m Made) -> Result<&'m str> {
        made.object_id
            .as_deref()
            .ok_or_else(|| CoreError::Flow("The app registration's object ID is not known.".into()))
    }

    fn sp_id<'m>(&self, made: &'m Made) -> Result<&'m str> {
        made.sp_id.as_deref().ok_or_else(|| CoreError::Flow("The enterprise application is not there yet.".into()))
    }
}

fn missing_api(app_id: &str) -> CoreError {
    CoreError::Flow(format!(
        "The API {app_id} has no service principal in this tenant: add its permission in the portal."
    ))
}

#[cfg(test)]
pub(super) fn plan_for_tests(p: &Profile, w: &Wanted, a: &Actual, has_secret: bool, today: &str) -> Vec<String> {
    plan_for(p, w, a, has_secret, today, "admin")
        .steps
        .into_iter()
        .map(|s| format!("{}: {}", s.title, s.detail))
        .collect()
}
