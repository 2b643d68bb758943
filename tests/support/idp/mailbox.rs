//! The simulator's Graph messages as a POP3 front reads them: a message's
//! MIME (`GET …/messages/{id}/$value`, Mail.Read), moved to another folder
//! (`POST …/move`, Mail.ReadWrite; Deleted Items by its well-known name) or
//! marked read (`PATCH`, Mail.ReadWrite). A message is found by its default
//! or its immutable ID, as Graph finds it. Tests put messages in an inbox
//! with [`super::Idp::deliver_graph`] and `deliver_graph_mime`.

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
    let permission = if permission == "Mail.Read" { super::graph::reading(&c) } else { permission };
    let mailbox = match mailbox_for(&s, &c, user, permission) {
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

impl super::Idp {
    /// A message arrives in `mailbox`'s inbox (as Graph lists it).
    pub fn deliver_graph(&self, mailbox: &str, from: &str, subject: &str, received: &str, unread: bool) {
        let mime = format!("From: {from}\r\nTo: {mailbox}\r\nSubject: {subject}\r\nDate: {received}\r\n\r\nHello.\r\n");
        self.deliver_graph_mime(mailbox, received, unread, mime.as_bytes());
    }

    /// A message arrives in `mailbox`'s inbox as these MIME bytes; its
    /// immutable ID, as Graph lists it when asked for immutable IDs.
    pub fn deliver_graph_mime(&self, mailbox: &str, received: &str, unread: bool, mime: &[u8]) -> String {
        let head = mail_parser::MessageParser::default().parse_headers(mime);
        let header =
            |h: &str| head.as_ref().and_then(|m| m.header_raw(h)).map(|v| v.trim().to_owned()).unwrap_or_default();
        let immutable_id = format!("AAkALgAA{}", super::answers::guid().replace('-', ""));
        let m = super::graph::InboxMessage {
            id: format!("AAMkAD{}=", super::answers::guid().replace('-', "")),
            immutable_id: immutable_id.clone(),
            received: received.into(),
            from: header("from"),
            subject: header("subject"),
            unread,
            mime: mime.to_vec(),
        };
        self.state.lock().unwrap().graph_inbox.entry(mailbox.into()).or_default().push(m);
        immutable_id
    }
}
