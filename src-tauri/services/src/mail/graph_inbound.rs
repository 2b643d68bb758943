//! The inbound check over Microsoft Graph (Mail.Read), for profiles that use
//! Graph: the inbox's message and unread counts, then its newest message
//! (date, sender, subject) — `/users/{mailbox}/…` with an app-only token,
//! `/me/…` with a delegated one. Graph's refusals are diagnosed as a read.

use super::graph::{graph_base, refused, Purpose};
use super::imap::{InboundReport, InboundVia, NewestMessage};
use crate::diagnosis::{Diagnosis, TransportError};
use crate::error::{CoreError, Result};
use crate::profile::{AuthMethod, Profile};
use crate::secret::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Folder {
    total_item_count: Option<u64>,
    unread_item_count: Option<u64>,
}

#[derive(Deserialize)]
struct Messages {
    value: Vec<Message>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Message {
    received_date_time: Option<String>,
    subject: Option<String>,
    from: Option<serde_json::Value>,
}

/// Read the inbox of `p` with `token`.
pub fn inbox(
    p: &Profile,
    token: &SecretString,
    step: &mut dyn FnMut(super::TestStep),
    cancel: Option<&AtomicBool>,
) -> Result<InboundReport> {
    let base = graph_base(p);
    let who =
        if p.auth_method == AuthMethod::ClientCredentials { format!("users/{}", p.mailbox) } else { "me".to_owned() };
    let start = Instant::now();
    let mut transcript = Vec::new();
    step(super::TestStep::Auth);
    let folder: Folder = get(
        p,
        token,
        &format!("{base}/v1.0/{who}/mailFolders/inbox?$select=totalItemCount,unreadItemCount"),
        &mut transcript,
        cancel,
    )?;
    step(super::TestStep::List);
    let newest: Messages = get(
        p,
        token,
        &format!("{base}/v1.0/{who}/mailFolders/inbox/messages?$top=1&$orderby=receivedDateTime%20desc&$select=receivedDateTime,subject,from"),
        &mut transcript,
        cancel,
    )?;
    let newest = newest.value.into_iter().next().map(|m| NewestMessage {
        received: m.received_date_time.unwrap_or_default(),
        subject: m.subject.unwrap_or_default(),
        from: m.from.and_then(|f| f["emailAddress"]["address"].as_str().map(str::to_owned)).unwrap_or_default(),
    });
    Ok(InboundReport {
        mailbox: p.mailbox.clone(),
        via: InboundVia::Graph,
        folders: 0,
        messages: folder.total_item_count,
        unread: folder.unread_item_count,
        newest,
        elapsed_ms: start.elapsed().as_millis() as u64,
        transcript,
    })
}

/// One Graph GET: the body as `T`, or the refusal diagnosed.
fn get<T: serde::de::DeserializeOwned>(
    p: &Profile,
    token: &SecretString,
    url: &str,
    transcript: &mut Vec<String>,
    cancel: Option<&AtomicBool>,
) -> Result<T> {
    let host = url::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default();
    transcript.push(format!("C: GET {url} (Authorization: Bearer [token redacted])"));
    let http = crate::http::client()?;
    let req = http
        .get(url)
        .bearer_auth(token.expose_secret())
        .build()
        .map_err(|e| CoreError::Auth(Box::new(crate::http::classify(&e, &host).diagnose())))?;
    let resp = crate::http::fetch(&http, req, cancel).map_err(|e| crate::http::explain(e, &host))?;
    let status = resp.status;
    transcript.push(format!("S: {status}"));
    let retry_after = resp.retry_after();
    let bytes = resp.body.unwrap_or_default();
    let mut d: Diagnosis = if status.is_success() {
        match serde_json::from_slice::<T>(&bytes) {
            Ok(v) => return Ok(v),
            Err(e) => TransportError::BadResponse {
                host,
                status: status.as_u16(),
                detail: format!("not Graph's answer: {e}"),
            }
            .diagnose(),
        }
    } else {
        refused(status.as_u16(), retry_after, &bytes, host, p, Purpose::Read)
    };
    d.transcript = transcript.clone();
    Err(CoreError::Auth(Box::new(d)))
}
