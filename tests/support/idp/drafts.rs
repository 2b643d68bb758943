//! The simulator's Graph drafts, for a message over one request's size:
//! a draft made from MIME (`POST …/messages`, base64, Mail.ReadWrite), a
//! small attachment in one request, a large one through an upload session
//! (`createUploadSession`, then `PUT`s of at most 4 MB to a pre-authorised
//! URL that must not carry the bearer token, each starting where the last
//! ended), `send` (Mail.Send; Exchange's 35 MB message limit) and `DELETE`.
//! Graph's 4 MB request limit is the router's (`endpoints.rs`).

use super::answers::{guid, time_now};
use super::graph::{graph_claims, graph_error, mailbox_for, read_mime};
use super::http::{Request, Response};
use super::State;
use base64::Engine;
use serde_json::{json, Value};
use sha2::Digest;
use std::sync::Mutex;

/// Exchange Online's default message size limit.
pub const MESSAGE_MAX: usize = 35 * 1024 * 1024;
/// An upload session's attachment: at least 3 MB, at most 150 MB.
const SESSION_MIN: usize = 3 * 1024 * 1024;
const SESSION_MAX: usize = 150 * 1024 * 1024;
/// One PUT to an upload session.
const PUT_MAX: usize = 4 * 1024 * 1024;

#[derive(Clone, Debug, Default)]
pub struct Draft {
    pub mailbox: String,
    pub mime: String,
    /// (name, content type, bytes)
    pub attachments: Vec<(String, String, Vec<u8>)>,
}

#[derive(Clone, Debug, Default)]
pub struct Upload {
    pub draft: String,
    pub name: String,
    pub content_type: String,
    pub size: usize,
    pub data: Vec<u8>,
}

/// `…/messages[/{id}[/attachments[/createUploadSession]|/send]]` for `/me`
/// (user None) or `/users/{user}`.
pub fn route(st: &Mutex<State>, base: &str, req: &Request, user: Option<&str>, rest: &[&str]) -> Option<Response> {
    let ours = matches!(
        (req.method.as_str(), rest),
        ("POST", [] | [_, "attachments"] | [_, "attachments", "createUploadSession"] | [_, "send"]) | ("DELETE", [_])
    );
    if !ours {
        return None;
    }
    let c = match graph_claims(base, req) {
        Ok(c) => c,
        Err(r) => return Some(r),
    };
    let mut s = st.lock().unwrap();
    let permission = if rest.last() == Some(&"send") { "Mail.Send" } else { "Mail.ReadWrite" };
    let mailbox = match mailbox_for(&s, &c, user, permission) {
        Ok(m) => m,
        Err(r) => return Some(r),
    };
    let draft = |s: &State, id: &str| s.drafts.get(id).filter(|d| d.mailbox == mailbox).cloned();
    Some(match (req.method.as_str(), rest) {
        ("POST", []) => {
            let Some(mime) = base64::engine::general_purpose::STANDARD
                .decode(req.body.trim_ascii())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
            else {
                return Some(graph_error(
                    400,
                    "ErrorMimeContentInvalidBase64String",
                    "Invalid base64 string for MIME content.",
                ));
            };
            let id = format!("AAMkAD{}=", guid().replace('-', ""));
            s.drafts.insert(id.clone(), Draft { mailbox: mailbox.clone(), mime, attachments: Vec::new() });
            Response::json(201, &json!({"id": id, "isDraft": true}))
        }
        ("DELETE", [id]) => match s.drafts.remove(*id) {
            Some(_) => Response { status: 204, headers: vec![], body: Vec::new() },
            None => not_found(),
        },
        ("POST", [id, "attachments"]) => {
            let Some(mut d) = draft(&s, id) else { return Some(not_found()) };
            let a: Value = serde_json::from_slice(&req.body).unwrap_or_default();
            let Some(bytes) =
                a["contentBytes"].as_str().and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
            else {
                return Some(graph_error(400, "ErrorInvalidRequest", "contentBytes is missing or not base64."));
            };
            d.attachments.push((text(&a, "name"), text(&a, "contentType"), bytes));
            s.drafts.insert(id.to_string(), d);
            Response::json(201, &json!({"id": guid()}))
        }
        ("POST", [id, "attachments", "createUploadSession"]) => {
            if draft(&s, id).is_none() {
                return Some(not_found());
            }
            let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
            let item = &body["AttachmentItem"];
            let size = item["size"].as_u64().unwrap_or(0) as usize;
            if size < SESSION_MIN {
                return Some(graph_error(
                    400,
                    "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize",
                    "Attachment size must be greater than the minimum size.",
                ));
            }
            if size > SESSION_MAX {
                return Some(graph_error(400, "ErrorAttachmentSizeExceeded", "The attachment is larger than 150 MB."));
            }
            let session = guid();
            let upload = Upload {
                draft: id.to_string(),
                name: text(item, "name"),
                content_type: text(item, "contentType"),
                size,
                data: Vec::new(),
            };
            s.uploads.insert(session.clone(), upload);
            let url = format!("{base}/upload/{session}?authtoken={}", guid());
            Response::json(
                201,
                &json!({"uploadUrl": url, "expirationDateTime": time_now(), "nextExpectedRanges": ["0-"]}),
            )
        }
        ("POST", [id, "send"]) => {
            let Some(d) = s.drafts.remove(*id) else { return Some(not_found()) };
            let size = d.mime.len() + d.attachments.iter().map(|a| a.2.len() * 4 / 3).sum::<usize>();
            if size > MESSAGE_MAX {
                s.drafts.insert(id.to_string(), d);
                return Some(graph_error(
                    413,
                    "ErrorMessageSizeExceeded",
                    "The message exceeds the maximum supported size.",
                ));
            }
            let mut sent = match read_mime(d.mime.clone()) {
                Ok(v) => v,
                Err(r) => return Some(r),
            };
            sent["draft"] = json!(true);
            sent["attachments"] = d
                .attachments
                .iter()
                .map(|(name, ct, bytes)| {
                    json!({"name": name, "contentType": ct, "size": bytes.len(), "sha256": hex(&sha2::Sha256::digest(bytes))})
                })
                .collect();
            s.graph_sent.push((mailbox, sent));
            Response { status: 202, headers: vec![], body: Vec::new() }
        }
        _ => return None,
    })
}

/// `PUT /upload/{session}?authtoken=…`: one range of the attachment.
pub fn put(st: &Mutex<State>, req: &Request, session: &str) -> Response {
    if req.headers.contains_key("authorization") {
        // Graph's upload URL carries its own authorization; a bearer token is refused.
        return graph_error(401, "InvalidAuthenticationToken", "Do not send an Authorization header to an upload URL.");
    }
    let mut s = st.lock().unwrap();
    let Some(mut u) = s.uploads.get(session).cloned() else { return not_found() };
    if req.body.len() > PUT_MAX {
        return graph_error(413, "RequestEntityTooLarge", "A range must be at most 4 MB.");
    }
    let range = req.headers.get("content-range").cloned().unwrap_or_default();
    let parsed = range.strip_prefix("bytes ").and_then(|r| {
        let (span, total) = r.split_once('/')?;
        let (from, to) = span.split_once('-')?;
        Some((from.parse::<usize>().ok()?, to.parse::<usize>().ok()?, total.parse::<usize>().ok()?))
    });
    let Some((from, to, total)) = parsed else {
        return graph_error(
            400,
            "InvalidContentRange",
            &format!("Content-Range “{range}” is not bytes FROM-TO/TOTAL."),
        );
    };
    if from != u.data.len() || total != u.size || to + 1 - from != req.body.len() {
        return graph_error(416, "InvalidRange", &format!("The next expected range starts at {}.", u.data.len()));
    }
    u.data.extend_from_slice(&req.body);
    if u.data.len() < u.size {
        let next = u.data.len();
        s.uploads.insert(session.to_owned(), u);
        return Response::json(
            200,
            &json!({"expirationDateTime": time_now(), "nextExpectedRanges": [next.to_string()]}),
        );
    }
    s.uploads.remove(session);
    let Some(d) = s.drafts.get_mut(&u.draft) else { return not_found() };
    d.attachments.push((u.name, u.content_type, u.data));
    Response { status: 201, headers: vec![("Location".into(), format!("attachments('{}')", guid()))], body: Vec::new() }
}

fn text(v: &Value, k: &str) -> String {
    v[k].as_str().unwrap_or_default().to_owned()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn not_found() -> Response {
    graph_error(404, "ErrorItemNotFound", "The specified object was not found in the store.")
}
