//! A mailbox's inbox over Microsoft Graph as a POP3 maildrop, for a profile
//! whose route is Graph (no peer serves POP3 this way): the newest N
//! messages, oldest first, named by their immutable IDs (`Prefer:
//! IdType="ImmutableId"`, so a UIDL survives a move between folders) with
//! the size Exchange keeps (`PR_MESSAGE_SIZE`, 0x0E08); a message read as
//! its MIME (`/messages/{id}/$value`), streamed and bounded; and a deletion
//! applied as the device's setting says — moved to Deleted Items, marked
//! read, or moved to a chosen folder. Reading needs Mail.Read; moving or
//! marking, Mail.ReadWrite — without it, a deletion is refused whole, so
//! nothing is lost. `/users/{mailbox}/…` app-only, `/me/…` delegated.

use super::graph::graph_base;
use crate::error::{CoreError, Result};
use crate::profile::{AuthMethod, Profile};
use crate::secret::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::io::{Read, Write};
use std::time::Duration;

/// The largest message read (Graph's own attachment limit is 150 MB).
pub const MESSAGE_MAX: u64 = 160 * 1024 * 1024;
/// How long one message's download may take.
const READ_TIMEOUT: Duration = Duration::from_secs(600);
/// Exchange's message size property, as Graph names an extended property.
const SIZE_PROPERTY: &str = "Long 0x0E08";

/// What a POP3 DELE does to a message at Graph, when the session ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OnDelete {
    /// Moved to Deleted Items (recoverable there).
    MoveToDeletedItems,
    /// Left in the inbox, marked read.
    MarkRead,
    /// Moved to the folder with this ID or well-known name (e.g. `archive`).
    MoveTo(String),
}

/// One message as the maildrop lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub id: String,
    pub size: u64,
}

#[derive(Deserialize)]
struct Page {
    value: Vec<Message>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Message {
    id: String,
    #[serde(default)]
    single_value_extended_properties: Vec<Property>,
}

#[derive(Deserialize)]
struct Property {
    id: String,
    value: String,
}

/// Why a Graph call failed, in one line for a POP3 `-ERR` (the caller logs
/// it); `writing`: the call moves or marks (Mail.ReadWrite), else it reads.
fn refusal(status: reqwest::StatusCode, body: &[u8], doing: &str, writing: bool) -> CoreError {
    let code = serde_json::from_slice::<super::graph::GraphErrorBody>(body).map(|b| b.error.code).unwrap_or_default();
    let why = match (status.as_u16(), code.as_str()) {
        (403, _) if writing => {
            "the app may only read this mailbox (Mail.Read): grant Mail.ReadWrite to move or mark messages".to_owned()
        }
        (403, _) => "the app may not read this mailbox: grant Mail.Read".to_owned(),
        (404, "ErrorItemNotFound") => "the message is no longer in the mailbox".to_owned(),
        (404, _) => "Microsoft Graph does not know this mailbox".to_owned(),
        (401, _) => "Microsoft Graph refused the token".to_owned(),
        (s, c) => format!("Microsoft Graph answered {s} {c}"),
    };
    CoreError::Flow(format!("Could not {doing}: {why}."))
}

/// The inbox of `p` over Graph, read with `token`.
pub struct GraphMaildrop {
    base: String,
    token: SecretString,
    http: reqwest::blocking::Client,
    on_delete: OnDelete,
}

impl GraphMaildrop {
    pub fn new(p: &Profile, token: SecretString, on_delete: OnDelete) -> Result<Self> {
        let graph = graph_base(p);
        let base = if p.auth_method == AuthMethod::ClientCredentials {
            format!("{graph}/v1.0/users/{}", p.mailbox)
        } else {
            format!("{graph}/v1.0/me")
        };
        // Its own client: a message's download may take longer than an API call.
        let http = crate::http::client_with_timeout(READ_TIMEOUT)?;
        Ok(GraphMaildrop { base, token, http, on_delete })
    }

    fn send(&self, req: reqwest::blocking::RequestBuilder) -> Result<reqwest::blocking::Response> {
        req.bearer_auth(self.token.expose_secret())
            .header("Prefer", "IdType=\"ImmutableId\"")
            .send()
            .map_err(|e| CoreError::Flow(format!("Microsoft Graph could not be reached: {e}.")))
    }

    /// The newest `newest` messages of the inbox, oldest first.
    pub fn list(&self, newest: usize) -> Result<Vec<Listed>> {
        let url = format!(
            "{}/mailFolders/inbox/messages?$top={}&$orderby=receivedDateTime%20desc&$select=id&$expand=singleValueExtendedProperties($filter=id%20eq%20'{}')",
            self.base,
            newest.clamp(1, 1000),
            SIZE_PROPERTY.replace(' ', "%20")
        );
        let resp = self.send(self.http.get(url))?;
        let status = resp.status();
        let body = crate::http::read_body(resp).map_err(|e| CoreError::Flow(format!("Graph's listing: {e}.")))?;
        if !status.is_success() {
            return Err(refusal(status, &body, "read the inbox", false));
        }
        let page: Page =
            serde_json::from_slice(&body).map_err(|e| CoreError::Flow(format!("Graph's listing is not JSON: {e}.")))?;
        let mut out: Vec<Listed> = page
            .value
            .into_iter()
            .map(|m| {
                let size = m
                    .single_value_extended_properties
                    .iter()
                    .find(|p| p.id.eq_ignore_ascii_case(SIZE_PROPERTY))
                    .and_then(|p| p.value.parse().ok())
                    .unwrap_or(0);
                Listed { id: m.id, size }
            })
            .collect();
        out.reverse();
        Ok(out)
    }

    /// Write message `id`'s MIME to `out`, at most [`MESSAGE_MAX`] bytes.
    pub fn fetch(&self, id: &str, out: &mut dyn Write) -> Result<u64> {
        let url = format!("{}/messages/{}/$value", self.base, super::graph::escape_id(id));
        let resp = self.send(self.http.get(url))?;
        let status = resp.status();
        if !status.is_success() {
            let body = crate::http::read_body(resp).unwrap_or_default();
            return Err(refusal(status, &body, "read the message", false));
        }
        let mut limited = resp.take(MESSAGE_MAX + 1);
        let n =
            std::io::copy(&mut limited, out).map_err(|e| CoreError::Flow(format!("The message's download: {e}.")))?;
        if n > MESSAGE_MAX {
            return Err(CoreError::Flow(format!("The message is over {} MB.", MESSAGE_MAX >> 20)));
        }
        Ok(n)
    }

    /// Apply a deletion to each of `ids`, as the device's setting says; the
    /// first refusal stops it (those done stay done: each is its own move).
    pub fn delete(&self, ids: &[String]) -> Result<()> {
        for id in ids {
            let url = format!("{}/messages/{}", self.base, super::graph::escape_id(id));
            let req = match &self.on_delete {
                OnDelete::MarkRead => self.http.patch(url).json(&serde_json::json!({"isRead": true})),
                OnDelete::MoveToDeletedItems => {
                    self.http.post(format!("{url}/move")).json(&serde_json::json!({"destinationId": "deleteditems"}))
                }
                OnDelete::MoveTo(folder) => {
                    self.http.post(format!("{url}/move")).json(&serde_json::json!({"destinationId": folder}))
                }
            };
            let resp = self.send(req)?;
            let status = resp.status();
            if !status.is_success() {
                let body = crate::http::read_body(resp).unwrap_or_default();
                let doing =
                    if self.on_delete == OnDelete::MarkRead { "mark the message read" } else { "move the message" };
                return Err(refusal(status, &body, doing, true));
            }
        }
        Ok(())
    }
}
