//! "Create this registration for me", carried out: the plan (`plan.rs`) read
//! fresh, then each step through Graph with its result, stopping at the first
//! refusal. A new client secret's value goes straight into the profile (never
//! shown), with its Secret ID and expiry; the client ID of a created app too —
//! each saved the moment Graph answers, so nothing made at Microsoft is lost
//! if a later step fails.

use super::check::Actual;
use super::directory::Directory;
use super::plan::{plan_for, Action, Plan, SECRET_DAYS};
use super::{AdminSession, Wanted};
use crate::diagnosis::Diagnosis;
use crate::error::{CoreError, Result};
use crate::profile::{AuthMethod, Profile};
use crate::secret::SecretChange;
use serde::Serialize;
use ts_rs::TS;

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
        let w = self.wanted_for(&p)?;
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
        let (p, w, a, plan) = self.read_for_plan(id, admin)?;
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
            match self.run(&p, &w, &dir, &a, &mut made, action) {
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

    fn run(
        &self,
        p: &Profile,
        w: &Wanted,
        dir: &Directory<'_>,
        a: &Actual,
        made: &mut Made,
        action: Action,
    ) -> Result<String> {
        match action {
            Action::CreateApp(body) => {
                let app = dir.create_application(&body)?;
                made.app_id = app.app_id.clone();
                made.object_id = Some(app.id);
                let mut d = self.profiles().draft(p.id)?;
                d.client_id = app.app_id.clone();
                let held = self.profiles().get(p.id)?;
                if p.auth_method == AuthMethod::ClientCredentials && !held.has_client_secret && !held.has_certificate {
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
            Action::UploadCertificate => {
                let c =
                    w.certificate.as_ref().ok_or_else(|| CoreError::Flow("The profile has no certificate.".into()))?;
                let object_id = self.object_id(made)?;
                // A PATCH replaces every certificate: the ones there, with their keys, and ours.
                let mut keys = dir.key_credentials(object_id)?;
                use base64::Engine;
                keys.push(super::keys::KeyCredential {
                    display_name: Some(c.subject.clone()),
                    kind: Some("AsymmetricX509Cert".into()),
                    usage: Some("Verify".into()),
                    key: Some(base64::engine::general_purpose::STANDARD.encode(&c.der)),
                    ..Default::default()
                });
                dir.update_application(object_id, &serde_json::json!({ "keyCredentials": keys }))?;
                Ok(format!("Thumbprint {} — Entra now lists it under Certificates.", c.thumbprint))
            }
            Action::OwnItself => {
                dir.add_owner(self.object_id(made)?, self.sp_id(made)?)?;
                Ok("The app owns itself: it may rotate its own certificate.".into())
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
