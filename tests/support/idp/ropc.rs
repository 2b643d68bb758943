//! The password sign-in (ROPC, `grant_type=password`) and home realm
//! discovery (`/common/userrealm/{user}`), as Microsoft answers them: only in
//! an organisation's tenant; a public client only when "Allow public client
//! flows" is on; MFA (50076), a wrong password (50126), an unknown account
//! (50034), and a federated account's password refused (50126), its realm
//! named "Federated" with the organisation's sign-in service.

use super::answers::ms_error;
use super::endpoints::issue_delegated;
use super::http::Response;
use super::{App, State};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Mutex;

/// A mailbox account that can sign in with a password.
#[derive(Clone, Debug, Default)]
pub struct User {
    pub password: String,
    /// Conditional Access requires MFA for it.
    pub mfa: bool,
}

pub(super) fn password(
    s: &mut State,
    app: &App,
    tenant: &str,
    form: &HashMap<String, String>,
    token_url: &str,
    scopes: Vec<String>,
    lifetime: i64,
) -> Response {
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    if matches!(tenant, "common" | "consumers") {
        return ms_error(400, "invalid_grant", 9001023, "The grant type is not supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.");
    }
    let public = s.public_client_flows.contains(&app.client_id);
    if form.contains_key("client_assertion") && !public {
        if let Some(e) = super::endpoints::check_client(s, app, form, token_url, true) {
            return e;
        }
    }
    match form.get("client_secret").or(form.get("client_assertion")) {
        Some(_) if form.contains_key("client_assertion") && !public => {}
        None if !s.public_client_flows.contains(&app.client_id) => {
            return ms_error(
                401,
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            );
        }
        Some(sent) if Some(sent.as_str()) != app.secret.as_deref() => {
            return ms_error(401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app.");
        }
        _ => {}
    }
    let username = get("username").to_ascii_lowercase();
    let domain = username.rsplit('@').next().unwrap_or_default().to_owned();
    if s.federated_domains.contains_key(&domain) {
        return ms_error(
            400,
            "invalid_grant",
            50126,
            "Error validating credentials due to invalid username or password.",
        );
    }
    let Some(user) = s.users.get(&username).cloned() else {
        return ms_error(400, "invalid_grant", 50034, "The user account {EUII Hidden} does not exist in the directory. To sign into this application, the account must be added to the directory.");
    };
    if user.password != get("password") {
        return ms_error(
            400,
            "invalid_grant",
            50126,
            "Error validating credentials due to invalid username or password.",
        );
    }
    if user.mfa {
        return ms_error(400, "invalid_grant", 50076, "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '00000002-0000-0ff1-ce00-000000000000'.");
    }
    issue_delegated(s, &app.client_id, &app.tenant, scopes, &username, lifetime)
}

/// `GET /common/userrealm/{user}?api-version=1.0`.
pub(super) fn userrealm(st: &Mutex<State>, user: &str) -> Response {
    let s = st.lock().unwrap();
    let user = user.to_ascii_lowercase();
    let domain = user.rsplit('@').next().unwrap_or_default().to_owned();
    let body = match s.federated_domains.get(&domain) {
        Some(host) => json!({
            "ver": "1.0", "account_type": "Federated", "domain_name": domain,
            "federation_protocol": "WSTrust",
            "federation_metadata_url": format!("https://{host}/adfs/services/trust/mex"),
            "federation_active_auth_url": format!("https://{host}/adfs/services/trust/2005/usernamemixed"),
            "cloud_instance_name": "microsoftonline.com", "cloud_audience_urn": "urn:federation:MicrosoftOnline",
        }),
        None if s.users.contains_key(&user) => json!({
            "ver": "1.0", "account_type": "Managed", "domain_name": domain,
            "cloud_instance_name": "microsoftonline.com", "cloud_audience_urn": "urn:federation:MicrosoftOnline",
        }),
        None => json!({"ver": "1.0", "account_type": "Unknown", "cloud_instance_name": "microsoftonline.com"}),
    };
    Response::json(200, &body)
}
