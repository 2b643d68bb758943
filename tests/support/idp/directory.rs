//! The simulator's Microsoft Graph directory: app registrations, service
//! principals, app role assignments (admin consent to application
//! permissions) and delegated permission grants, with Graph's rules and
//! error shapes — reads need Application.Read(Write).All, writes need the
//! delegated permission *and* an administrator's directory role (403
//! `Authorization_RequestDenied` otherwise), a redirect URI Entra would not
//! take is a 400. It shares the token endpoint's state: an app created here
//! signs in at once, a secret added here is the one the token endpoint
//! checks, an application permission consented here is in the next app-only
//! token's `roles`.

use super::answers::guid;
use super::apis::{
    permission_id, role_name, sp_json, EXCHANGE_APP, EXCHANGE_PERMISSIONS, EXCHANGE_SP, GRAPH_APP, GRAPH_SP,
};
use super::graph::{graph_claims, graph_error};
use super::http::{Request, Response};
use super::{App, State};
use serde_json::{json, Value};
use std::sync::Mutex;

/// Microsoft Graph Command Line Tools.
pub const ADMIN_CLIENT: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";
/// What the directory keeps of an app beyond what sign-in uses.
#[derive(Clone, Debug)]
pub struct AppMeta {
    pub object_id: String,
    pub display_name: String,
    pub audience: String,
    pub required: Value,
    /// The enterprise application's object ID, once there is one.
    pub sp_id: Option<String>,
    /// Directory objects that own the app (an app may own itself).
    pub owners: Vec<String>,
}

/// A delegated permission grant (`oauth2PermissionGrant`).
#[derive(Clone, Debug)]
pub struct DirGrant {
    pub id: String,
    pub client_sp: String,
    pub resource_sp: String,
    pub consent_type: String,
    pub scope: String,
}

/// The directory record of an app registered by a test: consented roles are
/// its configured permissions, and it has its enterprise application.
pub fn meta_for(app: &App) -> AppMeta {
    let roles: Vec<Value> = app
        .app_roles
        .iter()
        .filter_map(|r| permission_id(r, true).map(|id| json!({"id": id, "type": "Role"})))
        .collect();
    let required =
        if roles.is_empty() { json!([]) } else { json!([{"resourceAppId": GRAPH_APP, "resourceAccess": roles}]) };
    AppMeta {
        object_id: guid(),
        display_name: "Mailwarden test app".into(),
        audience: "AzureADMyOrg".into(),
        required,
        sp_id: Some(guid()),
        owners: vec![],
    }
}

fn denied() -> Response {
    graph_error(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
}

pub(super) fn not_found(id: &str) -> Response {
    graph_error(
        404,
        "Request_ResourceNotFound",
        &format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
    )
}

/// The caller's token may do `scopes` (any one of them; app-only: as roles);
/// `write`: a delegated caller must also hold an administrator's role.
pub(super) fn allowed(s: &State, c: &Value, scopes: &[&str], write: bool) -> bool {
    let has = |claim: &str| {
        let list: Vec<String> = match &c[claim] {
            Value::String(x) => x.split(' ').map(str::to_owned).collect(),
            Value::Array(a) => a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
            _ => vec![],
        };
        scopes.iter().any(|s| list.iter().any(|x| x == s))
    };
    if c["upn"].is_string() {
        has("scp") && (!write || s.directory_admins.contains(c["upn"].as_str().unwrap_or_default()))
    } else {
        !write && has("roles")
    }
}

const READ: &[&str] = &["Application.Read.All", "Application.ReadWrite.All"];

fn application_json(base: &str, s: &State, app: &App, meta: &AppMeta) -> Value {
    json!({
        "@odata.context": format!("{base}/v1.0/$metadata#applications/$entity"),
        "id": meta.object_id, "appId": app.client_id, "displayName": meta.display_name,
        "signInAudience": meta.audience,
        "web": {"redirectUris": app.web_redirects},
        "publicClient": {"redirectUris": app.public_redirects},
        "isFallbackPublicClient": s.public_client_flows.contains(&app.client_id),
        "requiredResourceAccess": meta.required,
        "passwordCredentials": s.app_secrets.get(&app.client_id).cloned().unwrap_or_default(),
        "keyCredentials": super::keys::key_credentials(app, false),
    })
}

/// Entra's rules for redirect URIs: https, or http only on a loopback host;
/// at most 256 characters; no fragment.
fn bad_redirects(body: &Value) -> Option<Response> {
    for (platform, key) in [("web", "web.redirectUris"), ("publicClient", "publicClient.redirectUris")] {
        for u in body[platform]["redirectUris"].as_array().into_iter().flatten() {
            let ok = u.as_str().filter(|u| u.len() <= 256).and_then(|u| url::Url::parse(u).ok()).is_some_and(|u| {
                u.fragment().is_none()
                    && (u.scheme() == "https"
                        || (u.scheme() == "http" && matches!(u.host_str(), Some("localhost" | "127.0.0.1")))
                        || (platform == "publicClient" && !u.scheme().starts_with("http")))
            });
            if !ok {
                return Some(graph_error(
                    400,
                    "Request_BadRequest",
                    &format!("Invalid value specified for property '{key}' of resource 'Application'."),
                ));
            }
        }
    }
    None
}

/// Applies an application body (create or PATCH) to the shared state.
fn apply_app(s: &mut State, app_id: &str, body: &Value) {
    let app = s.apps.get_mut(app_id).expect("app exists");
    let uris = |v: &Value| {
        v["redirectUris"].as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect::<Vec<_>>())
    };
    if let Some(u) = uris(&body["web"]) {
        app.web_redirects = u;
    }
    if let Some(u) = uris(&body["publicClient"]) {
        app.public_redirects = u;
    }
    match body["isFallbackPublicClient"].as_bool() {
        Some(true) => drop(s.public_client_flows.insert(app_id.to_owned())),
        Some(false) => drop(s.public_client_flows.remove(app_id)),
        None => {}
    }
    let meta = s.app_meta.get_mut(app_id).expect("meta exists");
    if let Some(a) = body["signInAudience"].as_str() {
        meta.audience = a.to_owned();
    }
    if let Some(n) = body["displayName"].as_str() {
        meta.display_name = n.to_owned();
    }
    if body["requiredResourceAccess"].is_array() {
        meta.required = body["requiredResourceAccess"].clone();
    }
}

fn by_object<'s>(s: &'s State, object_id: &str) -> Option<&'s str> {
    s.app_meta.iter().find(|(_, m)| m.object_id == object_id).map(|(k, _)| k.as_str())
}

/// Every directory route; None when `parts` is not one of them.
pub fn route(st: &Mutex<State>, base: &str, req: &Request, parts: &[&str]) -> Option<Response> {
    let entity = |p: &str, prefix: &str| {
        p.strip_prefix(prefix).map(|r| r.trim_end_matches(')').trim_matches(['\'', '"']).to_owned())
    };
    let m = req.method.as_str();
    let c = match graph_claims(base, req) {
        Ok(c) => c,
        Err(r) => return Some(r),
    };
    let mut s = st.lock().unwrap();
    let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
    if let Some(r) = super::keys::route(&mut s, &c, m, parts, &body) {
        return Some(r);
    }
    Some(match (m, parts) {
        ("GET", [one]) if one.starts_with("applications(appId=") => {
            let id = entity(one, "applications(appId=")?;
            if !allowed(&s, &c, READ, false) {
                return Some(denied());
            }
            match (s.apps.get(&id), s.app_meta.get(&id)) {
                (Some(app), Some(meta)) if !s.foreign_apps.contains(&id) => {
                    Response::json(200, &application_json(base, &s, app, meta))
                }
                _ => not_found(&id),
            }
        }
        ("POST", ["applications"]) => {
            if !allowed(&s, &c, &["Application.ReadWrite.All"], true) {
                return Some(denied());
            }
            if let Some(r) = bad_redirects(&body) {
                return Some(r);
            }
            let app_id = guid();
            let tenant = c["tid"].as_str().unwrap_or_default().to_owned();
            s.apps.insert(
                app_id.clone(),
                App {
                    client_id: app_id.clone(),
                    tenant,
                    secret: None,
                    secret_expired: false,
                    public_redirects: vec![],
                    web_redirects: vec![],
                    app_roles: vec![],
                    certificates: vec![],
                },
            );
            let meta = AppMeta {
                object_id: guid(),
                display_name: String::new(),
                audience: "AzureADMyOrg".into(),
                required: json!([]),
                sp_id: None,
                owners: vec![],
            };
            s.app_meta.insert(app_id.clone(), meta);
            apply_app(&mut s, &app_id, &body);
            s.created_apps += 1;
            let (app, meta) = (s.apps[&app_id].clone(), s.app_meta[&app_id].clone());
            Response::json(201, &application_json(base, &s, &app, &meta))
        }
        ("PATCH", ["applications", oid]) => {
            if !allowed(&s, &c, &["Application.ReadWrite.All"], true) {
                return Some(denied());
            }
            let Some(app_id) = by_object(&s, oid).map(str::to_owned) else { return Some(not_found(oid)) };
            if let Some(r) = bad_redirects(&body) {
                return Some(r);
            }
            if !body["keyCredentials"].is_null() {
                let Some(keys) = super::keys::parse_key_credentials(&body["keyCredentials"]) else {
                    return Some(graph_error(
                        400,
                        "Request_BadRequest",
                        "Invalid value specified for property 'keyCredentials' of resource 'Application'.",
                    ));
                };
                s.apps.get_mut(&app_id).unwrap().certificates = keys;
            }
            apply_app(&mut s, &app_id, &body);
            Response { status: 204, headers: vec![], body: vec![] }
        }
        ("GET", ["applications", oid]) if req.query.get("$select").map(String::as_str) == Some("keyCredentials") => {
            if !allowed(&s, &c, READ, false) {
                return Some(denied());
            }
            let Some(app_id) = by_object(&s, oid).map(str::to_owned) else { return Some(not_found(oid)) };
            Response::json(200, &json!({"keyCredentials": super::keys::key_credentials(&s.apps[&app_id], true)}))
        }
        ("POST", ["applications", oid, "addPassword"]) => {
            if !allowed(&s, &c, &["Application.ReadWrite.All"], true) {
                return Some(denied());
            }
            let Some(app_id) = by_object(&s, oid).map(str::to_owned) else { return Some(not_found(oid)) };
            if s.secrets_forbidden {
                return Some(graph_error(
                    400,
                    "Request_BadRequest",
                    "Credential type not allowed as per assigned policy.",
                ));
            }
            let value = format!("Sim8Q~{}", super::answers::random(34));
            let cred = json!({"customKeyIdentifier": null, "displayName": body["passwordCredential"]["displayName"],
                "endDateTime": body["passwordCredential"]["endDateTime"], "hint": &value[..3], "keyId": guid(),
                "startDateTime": super::answers::time_now().replace(' ', "T")});
            s.app_secrets.entry(app_id.clone()).or_default().push(cred.clone());
            let app = s.apps.get_mut(&app_id).unwrap();
            app.secret = Some(value.clone());
            app.secret_expired = false;
            let mut out = cred;
            out["secretText"] = json!(value);
            Response::json(200, &out)
        }
        ("GET", [one]) if one.starts_with("servicePrincipals(appId=") => {
            let id = entity(one.split('?').next().unwrap_or(one), "servicePrincipals(appId=")?;
            if !allowed(&s, &c, READ, false) {
                return Some(denied());
            }
            match id.as_str() {
                GRAPH_APP => Response::json(200, &sp_json(GRAPH_APP, GRAPH_SP, "Microsoft Graph")),
                EXCHANGE_APP => Response::json(200, &sp_json(EXCHANGE_APP, EXCHANGE_SP, "Office 365 Exchange Online")),
                _ => match s.app_meta.get(&id).and_then(|m| m.sp_id.clone().map(|sp| (sp, m.display_name.clone()))) {
                    Some((sp, name)) => Response::json(200, &sp_json(&id, &sp, &name)),
                    None => not_found(&id),
                },
            }
        }
        ("POST", ["servicePrincipals"]) => {
            if !allowed(&s, &c, &["Application.ReadWrite.All"], true) {
                return Some(denied());
            }
            let app_id = body["appId"].as_str().unwrap_or_default().to_owned();
            let Some(meta) = s.app_meta.get_mut(&app_id) else { return Some(not_found(&app_id)) };
            let sp = meta.sp_id.get_or_insert_with(guid).clone();
            let name = meta.display_name.clone();
            Response::json(201, &sp_json(&app_id, &sp, &name))
        }
        ("GET", ["servicePrincipals", sp, "appRoleAssignments"]) => {
            if !allowed(&s, &c, READ, false) {
                return Some(denied());
            }
            let Some(app_id) = s.app_meta.iter().find(|(_, m)| m.sp_id.as_deref() == Some(sp)).map(|(k, _)| k.clone())
            else {
                return Some(not_found(sp));
            };
            let value: Vec<Value> = s.apps[&app_id]
                .app_roles
                .iter()
                .filter_map(|r| {
                    let exo = EXCHANGE_PERMISSIONS.iter().any(|p| p.0 == r);
                    let resource = if exo { EXCHANGE_SP } else { GRAPH_SP };
                    permission_id(r, true)
                        .map(|id| json!({"id": guid(), "appRoleId": id, "principalId": sp, "resourceId": resource}))
                })
                .collect();
            Response::json(200, &json!({"value": value}))
        }
        ("POST", ["servicePrincipals", resource, "appRoleAssignedTo"]) => {
            if !allowed(&s, &c, &["AppRoleAssignment.ReadWrite.All"], true) {
                return Some(denied());
            }
            let principal = body["principalId"].as_str().unwrap_or_default();
            let role = body["appRoleId"].as_str().and_then(role_name);
            let app_id = s.app_meta.iter().find(|(_, m)| m.sp_id.as_deref() == Some(principal)).map(|(k, _)| k.clone());
            match (app_id, role, *resource == GRAPH_SP || *resource == EXCHANGE_SP) {
                (Some(app_id), Some(role), true) => {
                    let app = s.apps.get_mut(&app_id).unwrap();
                    if !app.app_roles.iter().any(|r| r == role) {
                        app.app_roles.push(role.to_owned());
                    }
                    Response::json(
                        201,
                        &json!({"id": guid(), "appRoleId": body["appRoleId"], "principalId": principal, "resourceId": resource}),
                    )
                }
                _ => graph_error(400, "Request_BadRequest", "Permission being assigned was not found on application."),
            }
        }
        ("GET", ["oauth2PermissionGrants"]) => {
            if !allowed(&s, &c, &["DelegatedPermissionGrant.ReadWrite.All"], false) {
                return Some(denied());
            }
            let filter = req.query.get("$filter").cloned().unwrap_or_default();
            let client = filter.split('\'').nth(1).unwrap_or_default();
            let value: Vec<Value> = s.grants.iter().filter(|g| g.client_sp == client).map(grant_json).collect();
            Response::json(200, &json!({"value": value}))
        }
        ("POST", ["oauth2PermissionGrants"]) => {
            if !allowed(&s, &c, &["DelegatedPermissionGrant.ReadWrite.All"], true) {
                return Some(denied());
            }
            let g = DirGrant {
                id: guid(),
                client_sp: body["clientId"].as_str().unwrap_or_default().into(),
                resource_sp: body["resourceId"].as_str().unwrap_or_default().into(),
                consent_type: body["consentType"].as_str().unwrap_or_default().into(),
                scope: body["scope"].as_str().unwrap_or_default().into(),
            };
            let out = grant_json(&g);
            s.grants.push(g);
            Response::json(201, &out)
        }
        ("PATCH", ["oauth2PermissionGrants", id]) => {
            if !allowed(&s, &c, &["DelegatedPermissionGrant.ReadWrite.All"], true) {
                return Some(denied());
            }
            let Some(g) = s.grants.iter_mut().find(|g| g.id == *id) else { return Some(not_found(id)) };
            g.scope = body["scope"].as_str().unwrap_or_default().into();
            Response { status: 204, headers: vec![], body: vec![] }
        }
        _ => return None,
    })
}

fn grant_json(g: &DirGrant) -> Value {
    json!({"id": g.id, "clientId": g.client_sp, "consentType": g.consent_type, "principalId": null,
        "resourceId": g.resource_sp, "scope": g.scope})
}
