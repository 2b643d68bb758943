//! Microsoft Graph's directory, as the registration check and "create this
//! registration" use it: applications, service principals, app role
//! assignments (application permissions' admin consent) and delegated
//! permission grants. Every call goes through the shared HTTP client (its
//! deadline) and reads a bounded answer; Graph's refusals become Diagnoses
//! that name what was missing (a permission, a directory role) and the fix.
//!
//! Hand-written over `reqwest` rather than a Graph SDK: the Rust SDKs for
//! Graph are unmaintained or async-only, and these are nine plain JSON calls.

use crate::diagnosis::{Diagnosis, TransportError};
use crate::error::{CoreError, Result};
use crate::http::{explain, fetch};
use crate::mail::graph::GraphErrorBody;
use crate::secret::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Application {
    pub id: String,
    pub app_id: String,
    pub display_name: Option<String>,
    pub sign_in_audience: Option<String>,
    pub web: Option<RedirectSet>,
    pub public_client: Option<RedirectSet>,
    pub is_fallback_public_client: Option<bool>,
    pub required_resource_access: Vec<RequiredResourceAccess>,
    pub password_credentials: Vec<PasswordCredential>,
    pub key_credentials: Vec<super::keys::KeyCredential>,
}

impl Application {
    pub fn web_uris(&self) -> &[String] {
        self.web.as_ref().map_or(&[], |w| &w.redirect_uris)
    }
    pub fn public_uris(&self) -> &[String] {
        self.public_client.as_ref().map_or(&[], |w| &w.redirect_uris)
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RedirectSet {
    #[serde(default)]
    pub redirect_uris: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequiredResourceAccess {
    pub resource_app_id: String,
    #[serde(default)]
    pub resource_access: Vec<ResourceAccess>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ResourceAccess {
    pub id: String,
    /// `Scope` (delegated) or `Role` (application).
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PasswordCredential {
    pub key_id: String,
    pub display_name: Option<String>,
    pub hint: Option<String>,
    pub end_date_time: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServicePrincipal {
    pub id: String,
    pub app_id: String,
    pub display_name: Option<String>,
    pub app_roles: Vec<NamedId>,
    pub oauth2_permission_scopes: Vec<NamedId>,
}

/// An app role or a delegated scope of an API: its ID and its name (`value`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NamedId {
    pub id: String,
    #[serde(default)]
    pub value: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppRoleAssignment {
    pub app_role_id: String,
    pub resource_id: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionGrant {
    pub id: String,
    pub consent_type: String,
    pub resource_id: String,
    #[serde(default)]
    pub scope: String,
}

/// A client secret Graph just made: its value goes straight into the profile.
pub struct NewSecret {
    pub key_id: String,
    pub end_date_time: String,
    pub value: SecretString,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewSecretBody {
    key_id: String,
    #[serde(default)]
    end_date_time: String,
    secret_text: String,
}

#[derive(Deserialize)]
struct List<T> {
    value: Vec<T>,
}

/// Graph's directory, read (and written) with one bearer token.
pub struct Directory<'t> {
    http: reqwest::blocking::Client,
    base: String,
    token: &'t SecretString,
    /// Whose token: the refusal's advice differs (an app's permission or an
    /// administrator's role).
    admin: bool,
    /// Graph's answer to the last lookup that found nothing (its codes and
    /// request IDs, for a Diagnosis about the absence).
    absent: std::cell::RefCell<Option<GraphErrorBody>>,
}

impl<'t> Directory<'t> {
    pub fn new(base: &str, token: &'t SecretString, admin: bool) -> Result<Self> {
        Ok(Directory {
            http: crate::http::client()?,
            base: base.trim_end_matches('/').to_owned(),
            token,
            admin,
            absent: Default::default(),
        })
    }

    /// Graph's address (https://graph.microsoft.com, or a cloud's).
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Put Graph's codes and request IDs of the last "not found" on `d`.
    pub fn annotate_absent(&self, d: &mut Diagnosis) {
        if let Some(e) = self.absent.borrow().as_ref() {
            e.error.annotate(404, d);
        }
    }

    /// The app registration with this client ID, None if the tenant has none.
    pub fn application(&self, app_id: &str) -> Result<Option<Application>> {
        self.get(&format!("/v1.0/applications(appId='{app_id}')"), "read the app registration")
    }

    /// The enterprise application (service principal) of `app_id` here.
    pub fn service_principal(&self, app_id: &str) -> Result<Option<ServicePrincipal>> {
        self.get(
            &format!("/v1.0/servicePrincipals(appId='{app_id}')?$select=id,appId,displayName,appRoles,oauth2PermissionScopes"),
            "read the enterprise application",
        )
    }

    /// Application permissions granted (with admin consent) to a service principal.
    pub fn role_assignments(&self, sp_id: &str) -> Result<Vec<AppRoleAssignment>> {
        let l: Option<List<_>> =
            self.get(&format!("/v1.0/servicePrincipals/{sp_id}/appRoleAssignments"), "read the granted permissions")?;
        Ok(l.map(|l| l.value).unwrap_or_default())
    }

    /// Delegated permission grants (consents) of a client service principal.
    pub fn grants(&self, sp_id: &str) -> Result<Vec<PermissionGrant>> {
        let l: Option<List<_>> = self.get(
            &format!("/v1.0/oauth2PermissionGrants?$filter=clientId%20eq%20'{sp_id}'"),
            "read the delegated consents",
        )?;
        Ok(l.map(|l| l.value).unwrap_or_default())
    }

    pub fn create_application(&self, body: &Value) -> Result<Application> {
        self.send(reqwest::Method::POST, "/v1.0/applications", body, "create the app registration")
    }

    pub fn update_application(&self, object_id: &str, body: &Value) -> Result<()> {
        self.send::<Value>(
            reqwest::Method::PATCH,
            &format!("/v1.0/applications/{object_id}"),
            body,
            "change the app registration",
        )
        .map(drop)
    }

    pub fn add_password(&self, object_id: &str, name: &str, end: &str) -> Result<NewSecret> {
        let body = json!({"passwordCredential": {"displayName": name, "endDateTime": end}});
        let b: NewSecretBody = self.send(
            reqwest::Method::POST,
            &format!("/v1.0/applications/{object_id}/addPassword"),
            &body,
            "add a client secret",
        )?;
        Ok(NewSecret { key_id: b.key_id, end_date_time: b.end_date_time, value: SecretString::from(b.secret_text) })
    }

    pub fn create_service_principal(&self, app_id: &str) -> Result<ServicePrincipal> {
        self.send(
            reqwest::Method::POST,
            "/v1.0/servicePrincipals",
            &json!({"appId": app_id}),
            "create the enterprise application",
        )
    }

    /// Admin consent to an application permission.
    pub fn assign_role(&self, resource_sp: &str, principal_sp: &str, role_id: &str) -> Result<()> {
        let body = json!({"principalId": principal_sp, "resourceId": resource_sp, "appRoleId": role_id});
        self.send::<Value>(
            reqwest::Method::POST,
            &format!("/v1.0/servicePrincipals/{resource_sp}/appRoleAssignedTo"),
            &body,
            "grant admin consent to an application permission",
        )
        .map(drop)
    }

    /// Admin consent to delegated permissions, for every user.
    pub fn grant_delegated(&self, client_sp: &str, resource_sp: &str, scope: &str) -> Result<()> {
        let body =
            json!({"clientId": client_sp, "consentType": "AllPrincipals", "resourceId": resource_sp, "scope": scope});
        self.send::<Value>(reqwest::Method::POST, "/v1.0/oauth2PermissionGrants", &body, "grant admin consent")
            .map(drop)
    }

    pub fn update_grant(&self, grant_id: &str, scope: &str) -> Result<()> {
        self.send::<Value>(
            reqwest::Method::PATCH,
            &format!("/v1.0/oauth2PermissionGrants/{grant_id}"),
            &json!({"scope": scope}),
            "grant admin consent",
        )
        .map(drop)
    }

    pub(super) fn get<T: DeserializeOwned>(&self, path: &str, what: &str) -> Result<Option<T>> {
        let req = self.http.get(format!("{}{path}", self.base));
        self.exchange(req, what, true)
    }

    pub(super) fn send<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &Value,
        what: &str,
    ) -> Result<T> {
        let req = self.http.request(method, format!("{}{path}", self.base)).json(body);
        self.exchange::<T>(req, what, false)?.ok_or_else(|| CoreError::Flow(format!("Graph did not {what}.")))
    }

    /// One call: None for a 404 when `absent_ok`, else the parsed answer or
    /// the refusal as a Diagnosis.
    fn exchange<T: DeserializeOwned>(
        &self,
        req: reqwest::blocking::RequestBuilder,
        what: &str,
        absent_ok: bool,
    ) -> Result<Option<T>> {
        let host = url::Url::parse(&self.base).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default();
        let req = req
            .bearer_auth(self.token.expose_secret())
            .build()
            .map_err(|e| CoreError::Flow(format!("Could not build a Graph request: {e}")))?;
        let answer = fetch(&self.http, req, None).map_err(|e| explain(e, &host))?;
        let status = answer.status.as_u16();
        let bytes = answer.body.map_err(|e| {
            CoreError::Auth(Box::new(TransportError::Overflow { host: host.clone(), detail: e.to_string() }.diagnose()))
        })?;
        if status == 404 && absent_ok {
            *self.absent.borrow_mut() = serde_json::from_slice::<GraphErrorBody>(&bytes).ok();
            return Ok(None);
        }
        if (200..300).contains(&status) {
            let bytes = if bytes.is_empty() { b"null".to_vec() } else { bytes };
            return serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                CoreError::Auth(Box::new(
                    TransportError::BadResponse { host, status, detail: format!("not what Graph answers: {e}") }
                        .diagnose(),
                ))
            });
        }
        let err = serde_json::from_slice::<GraphErrorBody>(&bytes).ok();
        let mut d =
            refusal(status, err.as_ref().map(|e| (e.error.code.as_str(), e.error.message.as_str())), what, self.admin)
                .unwrap_or_else(|| TransportError::BadResponse { host, status, detail: what.to_owned() }.diagnose());
        if let Some(e) = err {
            e.error.annotate(status, &mut d);
        }
        Err(CoreError::Auth(Box::new(d)))
    }
}

/// Graph's refusal of `what`, for a person: which permission or role was
/// missing, or which value Graph would not take.
fn refusal(status: u16, err: Option<(&str, &str)>, what: &str, admin: bool) -> Option<Diagnosis> {
    let (code, message) = err.unwrap_or_default();
    Some(match status {
        401 => Diagnosis::new(
            "graph_directory_token",
            format!("Microsoft Graph did not accept the token to {what}"),
            "The token is not for Microsoft Graph, or it has expired.",
            vec![if admin {
                "Sign in as the administrator again.".into()
            } else {
                "Test the sign-in, then check again.".into()
            }],
        ),
        403 if admin => Diagnosis::new(
            "graph_directory_admin_denied",
            format!("Microsoft Graph would not let this administrator {what}"),
            "The sign-in lacks the permission or the directory role for it. Creating and changing app registrations needs Application.ReadWrite.All and the **Application Administrator** or **Cloud Application Administrator** role; granting admin consent to Microsoft Graph's application permissions needs **Privileged Role Administrator** (or Global Administrator).",
            vec![
                "Sign in as an administrator who holds one of those roles (Entra → **Roles & admins** shows who does).".into(),
                "Or hand the guide (Register in Entra) to someone who has them.".into(),
            ],
        ),
        403 if matches!(what, "add the certificate" | "remove the old certificate") => Diagnosis::new(
            "graph_own_keys_denied",
            format!("Microsoft Graph would not let the app {what}"),
            "An app adds and removes its own certificates only while it is an owner of itself and holds the **Application.ReadWrite.OwnedBy** application permission with admin consent.",
            vec![
                "Have an administrator run Create this registration for me (the Register in Entra step) once: it adds that permission and makes the app an owner of itself.".into(),
                "Or rotate as an administrator now: Rotate with an administrator's sign-in (mailwarden certificate rotate NAME --admin).".into(),
            ],
        ),
        403 => Diagnosis::new(
            "graph_application_read_denied",
            format!("Microsoft Graph would not let the app {what}"),
            "Reading an app registration with the app's own secret needs the **Application.Read.All** application permission, with admin consent.",
            vec![
                "In Entra → **App registrations** → this app → **API permissions** → **Add a permission** → Microsoft Graph → **Application permissions** → **Application.Read.All**, then **Grant admin consent**.".into(),
                "Or check with an administrator's sign-in instead.".into(),
            ],
        ),
        400 if message.to_ascii_lowercase().contains("not allowed") && message.to_ascii_lowercase().contains("policy") => {
            Diagnosis::new(
                "graph_secret_forbidden_by_policy",
                format!("The tenant's policy does not let Microsoft Graph {what}"),
                format!("An app management policy of this tenant forbids this kind of credential (client secrets, or secrets this long): {message}"),
                vec![
                    "Sign in with a certificate instead, which Microsoft recommends: Make a certificate in the profile's Sign in step (or mailwarden certificate create NAME).".into(),
                    "Then run Create this registration for me again: it uploads the certificate and adds no secret.".into(),
                ],
            )
        }
        400 => Diagnosis::new(
            "graph_directory_bad_request",
            format!("Microsoft Graph refused to {what}"),
            if message.is_empty() { "Graph found a value it does not accept.".to_owned() } else { message.to_owned() },
            vec![if message.contains("redirectUris") || message.contains("RedirectUri") {
                "Check the profile's Redirect URI: Entra takes https addresses, or http only for localhost (127.0.0.1).".into()
            } else {
                "Check the profile's values the message names, then try again.".into()
            }],
        ),
        409 | 429 | 500..=599 => return None,
        _ if code.is_empty() => return None,
        _ => Diagnosis::new(
            "graph_directory_refused",
            format!("Microsoft Graph refused to {what}"),
            message.to_owned(),
            vec!["Try again; if it repeats, do this step in the portal (the guide lists it).".into()],
        ),
    })
}
