//! The simulator's Graph messages as a POP3 front reads them: a message's
//! MIME (`GET …/messages/{id}/$value`, Mail.Read), moved to another folder
//! (`POST …/move`, Mail.ReadWrite; Deleted Items by its well-known name) or
//! marked read (`PATCH`, Mail.ReadWrite). A message is found by its default
//! or its immutable ID, as Graph finds it.

use super::graph::{graph_claims, graph_error, mailbox_for};
use super::http::{Request, Response};
use super::State;
use serde_json::{json, Value};
use std::sync::Mutex;

pub fn route(st: &Mutex<State>, base: &str, req: &Request, user: Option<&str>, rest: &[&str]) -> Option<Response> {
    let permission = match (req.method.as_str(), rest) {
        ("GET", [_, "$value"]) => "Mail.Read",
        ("POST", [_, "move"]) | ("PATCH", [_]) => "Mail.ReadWrite",
        _ => return None,
    };
    let c = match graph_claims(base, req) {
        Ok(c) => c,
        Err(r) => return Some(r),
    };
    let mut s = st.lock().unwrap();
    // Mail.ReadWrite includes reading.
    let mailbox = match mailbox_for(&s, &c, user, permission).or_else(|e| {
        if permission == "Mail.Read" {
            mailbox_for(&s, &c, user, "Mail.ReadWrite")
        } else {
            Err(e)
        }
    }) {
        Ok(m) => m,
        Err(r) => return Some(r),
    };
    let id = rest[0];
    let inbox = s.graph_inbox.entry(mailbox.clone()).or_default();
    let Some(at) = inbox.iter().position(|m| m.id == id || m.immutable_id == id) else {
        return Some(graph_error(404, "ErrorItemNotFound", "The specified object was not found in the store."));
    };
    Some(match rest {
        [_, "$value"] => Response {
            status: 200,
            headers: vec![("Content-Type".into(), "text/plain".into())],
            body: inbox[at].mime.clone(),
        },
        [_, "move"] => {
            let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
            let folder = body["destinationId"].as_str().unwrap_or_default().to_ascii_lowercase();
            if folder.is_empty() {
                return Some(graph_error(400, "ErrorInvalidIdMalformed", "Id is malformed."));
            }
            let m = inbox.remove(at);
            let moved = json!({"id": m.id, "parentFolderId": folder});
            s.graph_folders.entry(format!("{mailbox}/{folder}")).or_default().push(m);
            Response::json(201, &moved)
        }
        _ => {
            let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
            if let Some(read) = body["isRead"].as_bool() {
                inbox[at].unread = !read;
            }
            Response::json(200, &json!({"id": inbox[at].id, "isRead": !inbox[at].unread}))
        }
    })
}
