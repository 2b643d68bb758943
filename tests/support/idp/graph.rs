//! The simulator's Microsoft Graph mail: `sendMail` and the inbox for `/me`
//! and `/users/{id}` (the directory is in `directory.rs`).

use super::answers::{guid, now, time_now};
use super::http::{Request, Response};
use super::State;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::json;
use std::sync::Mutex;

/// Graph's error shape: `{"error": {"code", "message", "innerError": {...}}}`.
pub(super) fn graph_error(status: u16, code: &str, message: &str) -> Response {
    Response::json(
        status,
        &json!({"error": {"code": code, "message": message,
            "innerError": {"date": time_now(), "request-id": guid(), "client-request-id": guid()}}}),
    )
}

/// `POST /v1.0/me/sendMail` and `/v1.0/users/{id}/sendMail`, with Graph's rules:
/// the token must be for Graph (this simulator's base URL stands for it),
/// carry Mail.Send (scp delegated, roles app-only), and /me needs a user.
/// The bearer token's claims if it is a live token for Graph (this simulator's
/// base URL stands for it), else Graph's 401.
pub(super) fn graph_claims(base: &str, req: &Request) -> Result<serde_json::Value, Response> {
    let token = req.headers.get("authorization").and_then(|a| a.strip_prefix("Bearer ")).unwrap_or_default();
    let claims: Option<serde_json::Value> = token
        .split('.')
        .nth(1)
        .and_then(|p| URL_SAFE_NO_PAD.decode(p).ok())
        .and_then(|b| serde_json::from_slice(&b).ok());
    let Some(c) = claims else {
        return Err(graph_error(401, "InvalidAuthenticationToken", "IDX14100: JWT is not well formed."));
    };
    if c["aud"].as_str() != Some(base) || c["exp"].as_i64().unwrap_or(0) <= now() {
        return Err(graph_error(
            401,
            "InvalidAuthenticationToken",
            "Access token validation failure. Invalid audience.",
        ));
    }
    Ok(c)
}

pub(super) fn send_mail(st: &Mutex<State>, base: &str, req: &Request, user: Option<&str>) -> Response {
    let c = match graph_claims(base, req) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut s = st.lock().unwrap();
    let mailbox = match mailbox_for(&s, &c, user, "Mail.Send") {
        Ok(m) => m,
        Err(r) => return r,
    };
    let mime = req.headers.get("content-type").is_some_and(|c| c.starts_with("text/plain"));
    let body: serde_json::Value = if mime {
        // A MIME message, base64 (Graph's "send mail in MIME format").
        let Some(message) = base64::engine::general_purpose::STANDARD
            .decode(req.body.trim_ascii())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
        else {
            return graph_error(400, "ErrorMimeContentInvalidBase64String", "Invalid base64 string for MIME content.");
        };
        match read_mime(message) {
            Ok(v) => v,
            Err(r) => return r,
        }
    } else {
        serde_json::from_slice(&req.body).unwrap_or_default()
    };
    s.graph_sent.push((mailbox, body));
    Response { status: 202, headers: vec![], body: Vec::new() }
}

/// A MIME message read as Graph does, into the same shape as a JSON send:
/// the recipients from the To, Cc and Bcc headers (all of them, groups and
/// folded lines included; the copy recipients get has no Bcc header).
pub(super) fn read_mime(message: String) -> Result<serde_json::Value, Response> {
    let parsed = mail_parser::MessageParser::default().parse_headers(message.as_bytes());
    let list = |name: mail_parser::HeaderName<'static>| -> Vec<serde_json::Value> {
        parsed
            .as_ref()
            .map(|m| {
                m.header_values(name)
                    .filter_map(|v| v.as_address())
                    .flat_map(|a| a.iter().filter_map(|a| a.address()).map(str::to_owned).collect::<Vec<_>>())
                    .map(|a| serde_json::json!({"emailAddress": {"address": a}}))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (to, cc, bcc) =
        (list(mail_parser::HeaderName::To), list(mail_parser::HeaderName::Cc), list(mail_parser::HeaderName::Bcc));
    if to.is_empty() && cc.is_empty() && bcc.is_empty() {
        return Err(graph_error(400, "ErrorMimeContentInvalid", "The MIME content has no recipients."));
    }
    let header =
        |name: &str| parsed.as_ref().and_then(|m| m.header_raw(name)).map(|v| v.trim().to_owned()).unwrap_or_default();
    let delivered: Vec<String> = to
        .iter()
        .chain(&cc)
        .chain(&bcc)
        .filter_map(|r| r["emailAddress"]["address"].as_str().map(str::to_lowercase))
        .collect();
    Ok(serde_json::json!({"message": {
        "subject": header("subject"),
        "internetMessageId": header("message-id"),
        "toRecipients": to,
        "ccRecipients": cc,
        "bccRecipients": bcc,
        "contentType": header("content-type"),
    }, "mime": true, "raw": message, "deliveredTo": delivered}))
}

/// The permission a token reads mail with: Mail.Read, or Mail.ReadWrite
/// (which includes reading) when it holds only that.
pub(super) fn reading(c: &serde_json::Value) -> &'static str {
    let has = |p: &str| {
        c["scp"].as_str().is_some_and(|s| s.split(' ').any(|x| x == p))
            || c["roles"].as_array().is_some_and(|r| r.iter().any(|x| x == p))
    };
    if !has("Mail.Read") && has("Mail.ReadWrite") {
        "Mail.ReadWrite"
    } else {
        "Mail.Read"
    }
}

/// The mailbox a Graph call acts on (`/me`: the token's user), when the token
/// holds `permission` (a scope delegated, a role app-only) and Exchange has
/// the mailbox and lets the app reach it; else Graph's refusal.
pub(super) fn mailbox_for(
    s: &State,
    c: &serde_json::Value,
    user: Option<&str>,
    permission: &str,
) -> Result<String, Response> {
    let delegated = c["upn"].is_string();
    let mailbox = match (user, delegated) {
        (None, false) => {
            return Err(graph_error(
                400,
                "BadRequest",
                "/me request is only valid with delegated authentication flow.",
            ));
        }
        (None, true) => c["upn"].as_str().unwrap_or_default().to_owned(),
        (Some(u), _) => u.to_owned(),
    };
    let allowed = if delegated {
        c["scp"].as_str().unwrap_or_default().split(' ').any(|s| s == permission)
    } else {
        c["roles"].as_array().is_some_and(|r| r.iter().any(|x| x == permission))
    };
    if !allowed {
        return Err(graph_error(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."));
    }
    if !s.graph_users.contains(&mailbox) {
        return Err(graph_error(404, "ErrorInvalidUser", &format!("The requested user '{mailbox}' is invalid.")));
    }
    if s.graph_unlicensed.contains(&mailbox) {
        return Err(graph_error(
            404,
            "MailboxNotEnabledForRESTAPI",
            "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
        ));
    }
    if !delegated && s.graph_policy_denied.contains(&mailbox) {
        return Err(graph_error(403, "ErrorAccessDenied", "Access to OData is disabled."));
    }
    Ok(mailbox)
}

/// `GET …/mailFolders/inbox` (counts) and `…/mailFolders/inbox/messages`
/// (newest first, `$top`), for `/me` and `/users/{id}`; needs Mail.Read.
pub(super) fn inbox(st: &Mutex<State>, base: &str, req: &Request, user: Option<&str>, messages: bool) -> Response {
    let c = match graph_claims(base, req) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let s = st.lock().unwrap();
    let mailbox = match mailbox_for(&s, &c, user, reading(&c)) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let mut items = s.graph_inbox.get(&mailbox).cloned().unwrap_or_default();
    if !messages {
        let unread = items.iter().filter(|m| m.unread).count();
        return Response::json(
            200,
            &json!({"id": "AAMkAD-inbox", "displayName": "Inbox", "totalItemCount": items.len(), "unreadItemCount": unread}),
        );
    }
    items.sort_by(|a, b| b.received.cmp(&a.received));
    let top = req.query.get("$top").and_then(|t| t.parse().ok()).unwrap_or(10);
    // Immutable IDs only when asked for (`Prefer: IdType="ImmutableId"`).
    let immutable = req.headers.get("prefer").is_some_and(|p| p.contains("IdType=\"ImmutableId\""));
    let size = req.query.get("$expand").is_some_and(|e| e.contains("0x0E08"));
    let value: Vec<serde_json::Value> = items
        .iter()
        .take(top)
        .map(|m| {
            let mut v = json!({"id": if immutable { &m.immutable_id } else { &m.id }, "receivedDateTime": m.received,
                "subject": m.subject, "from": {"emailAddress": {"address": m.from}}});
            if size {
                v["singleValueExtendedProperties"] = json!([{"id": "Long 0xe08", "value": m.mime.len().to_string()}]);
            }
            v
        })
        .collect();
    Response::json(
        200,
        &json!({"@odata.context": format!("{base}/v1.0/$metadata#Collection(message)"), "value": value}),
    )
}

/// A message in a simulated inbox.
#[derive(Clone, Debug, Default)]
pub struct InboxMessage {
    /// Graph's default ID, and the immutable one (`Prefer: IdType="ImmutableId"`).
    pub id: String,
    pub immutable_id: String,
    pub received: String,
    pub from: String,
    pub subject: String,
    pub unread: bool,
    /// The message as `$value` gives it.
    pub mime: Vec<u8>,
}
