//! The simulator's Microsoft Graph: `sendMail` for `/me` and `/users/{id}`.

use super::endpoints::{guid, now, time_now};
use super::http::{Request, Response};
use super::State;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::json;
use std::sync::Mutex;

/// Graph's error shape: `{"error": {"code", "message", "innerError": {...}}}`.
fn graph_error(status: u16, code: &str, message: &str) -> Response {
    Response::json(
        status,
        &json!({"error": {"code": code, "message": message,
            "innerError": {"date": time_now(), "request-id": guid(), "client-request-id": guid()}}}),
    )
}

/// `POST /v1.0/me/sendMail` and `/v1.0/users/{id}/sendMail`, with Graph's rules:
/// the token must be for Graph (this simulator's base URL stands for it),
/// carry Mail.Send (scp delegated, roles app-only), and /me needs a user.
pub(super) fn send_mail(st: &Mutex<State>, base: &str, req: &Request, user: Option<&str>) -> Response {
    let token = req.headers.get("authorization").and_then(|a| a.strip_prefix("Bearer ")).unwrap_or_default();
    let claims: Option<serde_json::Value> = token
        .split('.')
        .nth(1)
        .and_then(|p| URL_SAFE_NO_PAD.decode(p).ok())
        .and_then(|b| serde_json::from_slice(&b).ok());
    let Some(c) = claims else {
        return graph_error(401, "InvalidAuthenticationToken", "IDX14100: JWT is not well formed.");
    };
    if c["aud"].as_str() != Some(base) || c["exp"].as_i64().unwrap_or(0) <= now() {
        return graph_error(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.");
    }
    let delegated = c["upn"].is_string();
    let mailbox = match (user, delegated) {
        (None, false) => {
            return graph_error(400, "BadRequest", "/me request is only valid with delegated authentication flow.");
        }
        (None, true) => c["upn"].as_str().unwrap_or_default().to_owned(),
        (Some(u), _) => u.to_owned(),
    };
    let allowed = if delegated {
        c["scp"].as_str().unwrap_or_default().split(' ').any(|s| s == "Mail.Send")
    } else {
        c["roles"].as_array().is_some_and(|r| r.iter().any(|x| x == "Mail.Send"))
    };
    let mut s = st.lock().unwrap();
    if !allowed {
        return graph_error(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
    }
    if !s.graph_users.contains(&mailbox) {
        return graph_error(404, "ErrorInvalidUser", &format!("The requested user '{mailbox}' is invalid."));
    }
    if s.graph_unlicensed.contains(&mailbox) {
        return graph_error(
            404,
            "MailboxNotEnabledForRESTAPI",
            "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
        );
    }
    if !delegated && s.graph_policy_denied.contains(&mailbox) {
        return graph_error(403, "ErrorAccessDenied", "Access to OData is disabled.");
    }
    let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
    s.graph_sent.push((mailbox, body));
    Response { status: 202, headers: vec![], body: Vec::new() }
}
