//! Messages over Graph's 4 MB request limit (a scanner's PDF), sent through
//! Graph without an SMTP sibling: the message goes up as a draft made from
//! its own MIME with its largest attachments taken out (so the draft keeps
//! every header, its Message-ID and its Bcc — exactly the envelope's
//! recipients, as [`super::envelope::for_graph`] made them), each attachment
//! taken out follows — under 3 MB in one request, larger through an upload
//! session in chunks of under 4 MB, as Microsoft's "Attach large files to
//! Outlook messages" describes — and the draft is sent. Drafts and upload
//! sessions need Mail.ReadWrite beside Mail.Send; a draft left by a failure
//! is deleted, so a retry never leaves a copy behind.
//!
//! Hand-written: no crate speaks Graph's Outlook attachment sessions for a
//! blocking client; the MIME is parsed by `mail-parser`.

use super::graph::{graph_base, refused, Purpose};
use crate::diagnosis::{Diagnosis, TransportError};
use crate::error::{CoreError, Result};
use crate::profile::{AuthMethod, Profile};
use crate::secret::{ExposeSecret, SecretString};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use mail_parser::{MessageParser, MimeHeaders, PartType};
use serde_json::json;
use std::time::Instant;

/// An attachment under this goes up in one request (Graph: "under 3 MB").
const INLINE_MAX: usize = 3 * 1024 * 1024;
/// One PUT of an upload session: under Graph's 4 MB, a multiple of 320 KiB.
const CHUNK: usize = 12 * 320 * 1024;
/// Graph takes attachments up to 150 MB through an upload session.
const ATTACHMENT_MAX: usize = 150 * 1024 * 1024;
/// Room left in a draft's request for Graph's own overhead.
const DRAFT_MARGIN: usize = 64 * 1024;

/// An attachment taken out of the message, to follow the draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub content_type: String,
    pub content_id: Option<String>,
    pub inline: bool,
    pub bytes: Vec<u8>,
}

/// The message with attachments taken out until its draft fits one Graph
/// request, and those attachments (largest first); Err when even without
/// its attachments the message is too large (a huge body).
pub fn split(mime: &[u8]) -> std::result::Result<(Vec<u8>, Vec<Attachment>), Box<Diagnosis>> {
    let fits = |len: usize| len.div_ceil(3) * 4 + DRAFT_MARGIN <= super::graph::REQUEST_MAX;
    if fits(mime.len()) {
        return Ok((mime.to_vec(), Vec::new()));
    }
    let message =
        MessageParser::default().parse(mime).ok_or_else(|| too_large(mime.len(), "it is not a MIME message"))?;
    // Each attachment's raw span: from its delimiter line to the next one's.
    let mut spans: Vec<(usize, usize, Attachment)> = message
        .attachments()
        .filter_map(|part| {
            let (header, end) = (part.offset_header as usize, part.offset_end as usize);
            let start = mime.get(..header)?.windows(3).rposition(|w| w == b"\n--")? + 1;
            let end = match mime.get(end..) {
                Some(rest) if rest.starts_with(b"\r\n--") => end + 2,
                Some(rest) if rest.starts_with(b"\n--") => end + 1,
                Some(rest) if rest.starts_with(b"--") => end,
                _ => return None,
            };
            let bytes = match &part.body {
                PartType::Message(_) => mime.get(part.offset_body as usize..part.offset_end as usize)?.to_vec(),
                _ => part.contents().to_vec(),
            };
            let content_type = part
                .content_type()
                .map(|c| match c.subtype() {
                    Some(s) => format!("{}/{s}", c.ctype()),
                    None => c.ctype().to_owned(),
                })
                .unwrap_or_else(|| "application/octet-stream".into());
            let inline = part.content_disposition().is_some_and(|d| d.ctype().eq_ignore_ascii_case("inline"));
            let name = part.attachment_name().unwrap_or("attachment").to_owned();
            let content_id = part.content_id().map(|c| c.trim_matches(['<', '>']).to_owned());
            Some((start, end, Attachment { name, content_type, content_id, inline, bytes }))
        })
        .collect();
    spans.sort_by_key(|(start, end, _)| std::cmp::Reverse(end - start));
    let mut kept = mime.len();
    let mut out = Vec::new();
    for (start, end, a) in spans {
        if fits(kept) {
            break;
        }
        if a.bytes.len() > ATTACHMENT_MAX {
            return Err(too_large(mime.len(), &format!("the attachment “{}” is over Graph's 150 MB", a.name)));
        }
        kept -= end - start;
        out.push((start, end, a));
    }
    if !fits(kept) {
        return Err(too_large(mime.len(), "its text is over 3 MB even without its attachments"));
    }
    let mut cut: Vec<(usize, usize)> = out.iter().map(|(s, e, _)| (*s, *e)).collect();
    cut.sort();
    let mut reduced = Vec::with_capacity(kept);
    let mut at = 0;
    for (s, e) in cut {
        reduced.extend_from_slice(&mime[at..s]);
        at = e;
    }
    reduced.extend_from_slice(&mime[at..]);
    Ok((reduced, out.into_iter().map(|(_, _, a)| a).collect()))
}

fn too_large(len: usize, why: &str) -> Box<Diagnosis> {
    Box::new(Diagnosis::new(
        "graph_too_large",
        "The message is too large for Microsoft Graph",
        format!("The message is {} KB and cannot go by Graph: {why}.", len / 1024),
        vec![
            "Send it over SMTP (a profile for the same mailbox with SMTP.Send; Exchange Online takes up to 35 MB, more if the mailbox allows), or make it smaller.".into(),
        ],
    ))
}

/// One Graph call of a large send, for its diagnosis and transcript.
struct Call<'a> {
    p: &'a Profile,
    token: &'a SecretString,
    http: reqwest::blocking::Client,
    host: String,
    cancel: Option<&'a std::sync::atomic::AtomicBool>,
    transcript: Vec<String>,
}

impl Call<'_> {
    /// Send `req`; the answer's body when `status` is what success is.
    fn run(&mut self, req: reqwest::blocking::RequestBuilder, what: &str, ok: &[u16]) -> Result<Vec<u8>> {
        let req =
            req.build().map_err(|e| CoreError::Auth(Box::new(crate::http::classify(&e, &self.host).diagnose())))?;
        self.transcript.push(format!("C: {} {} ({what})", req.method(), redact(req.url().as_str())));
        let resp = crate::http::fetch(&self.http, req, self.cancel).map_err(|e| crate::http::explain(e, &self.host))?;
        let status = resp.status.as_u16();
        self.transcript.push(format!("S: {}", resp.status));
        let retry_after = resp.retry_after();
        let body = resp.body.map_err(|e| {
            CoreError::Auth(Box::new(
                TransportError::Overflow { host: self.host.clone(), detail: e.to_string() }.diagnose(),
            ))
        })?;
        if ok.contains(&status) {
            return Ok(body);
        }
        let purpose = if what == "send the draft" { Purpose::Send } else { Purpose::Draft };
        let mut d = refused(status, retry_after, &body, self.host.clone(), self.p, purpose);
        d.transcript = std::mem::take(&mut self.transcript);
        Err(CoreError::Auth(Box::new(d)))
    }

    fn authed(&self, m: reqwest::Method, url: &str) -> reqwest::blocking::RequestBuilder {
        self.http.request(m, url).bearer_auth(self.token.expose_secret())
    }
}

/// An upload URL carries its own authorization (`authtoken=`): never in a transcript.
fn redact(url: &str) -> String {
    match url.split_once('?') {
        Some((path, _)) => format!("{path}?[authorization redacted]"),
        None => url.to_owned(),
    }
}

/// Send `mime` (over one request's size) as a draft with its attachments
/// following, then send the draft; a draft left by a failure is deleted.
pub fn send_large(
    p: &Profile,
    token: &SecretString,
    mime: &[u8],
    step: &mut dyn FnMut(super::TestStep),
    cancel: Option<&std::sync::atomic::AtomicBool>,
) -> Result<super::Delivered> {
    let (draft, attachments) = split(mime).map_err(CoreError::Auth)?;
    let base = graph_base(p);
    let me = if p.auth_method == AuthMethod::ClientCredentials {
        format!("{base}/v1.0/users/{}", p.mailbox)
    } else {
        format!("{base}/v1.0/me")
    };
    let host = url::Url::parse(&base).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default();
    let mut c = Call { p, token, http: crate::http::client()?, host, cancel, transcript: Vec::new() };
    let start = Instant::now();
    step(super::TestStep::Send);
    let made = c.run(
        c.authed(reqwest::Method::POST, &format!("{me}/messages"))
            .header("Content-Type", "text/plain")
            .body(B64.encode(&draft)),
        "make a draft of the message",
        &[201],
    )?;
    let id = serde_json::from_slice::<serde_json::Value>(&made)
        .ok()
        .and_then(|v| v["id"].as_str().map(str::to_owned))
        .ok_or_else(|| {
            CoreError::Auth(Box::new(
                TransportError::BadResponse { host: c.host.clone(), status: 201, detail: "the draft has no id".into() }
                    .diagnose(),
            ))
        })?;
    let message = format!("{me}/messages/{}", super::graph::escape_id(&id));
    let sent = attach_all(&mut c, &message, &attachments).and_then(|()| {
        c.run(
            c.authed(reqwest::Method::POST, &format!("{message}/send")).header("Content-Length", "0"),
            "send the draft",
            &[202],
        )
    });
    match sent {
        Ok(_) => Ok(super::Delivered {
            reply: "202 Accepted".into(),
            elapsed_ms: start.elapsed().as_millis() as u64,
            transcript: c.transcript,
            warnings: Vec::new(),
        }),
        Err(e) => {
            // Never leave a half-made draft for a retry to duplicate.
            let mut cleanup =
                Call { transcript: Vec::new(), cancel: None, http: c.http.clone(), host: c.host.clone(), ..c };
            if let Err(left) =
                cleanup.run(cleanup.authed(reqwest::Method::DELETE, &message), "delete the draft", &[204, 404])
            {
                tracing::warn!(profile = p.id, error = %left, "relay: a draft of a failed large send was not deleted");
            }
            Err(e)
        }
    }
}

fn attach_all(c: &mut Call<'_>, message: &str, attachments: &[Attachment]) -> Result<()> {
    for a in attachments {
        let mut item = json!({"name": a.name, "contentType": a.content_type, "isInline": a.inline});
        if let Some(id) = &a.content_id {
            item["contentId"] = json!(id);
        }
        if a.bytes.len() < INLINE_MAX {
            item["@odata.type"] = json!("#microsoft.graph.fileAttachment");
            item["contentBytes"] = json!(B64.encode(&a.bytes));
            c.run(
                c.authed(reqwest::Method::POST, &format!("{message}/attachments")).json(&item),
                "attach a file",
                &[201],
            )?;
            continue;
        }
        item["attachmentType"] = json!("file");
        item["size"] = json!(a.bytes.len());
        let session = c.run(
            c.authed(reqwest::Method::POST, &format!("{message}/attachments/createUploadSession"))
                .json(&json!({"AttachmentItem": item})),
            "open an upload session",
            &[200, 201],
        )?;
        let upload = serde_json::from_slice::<serde_json::Value>(&session)
            .ok()
            .and_then(|v| v["uploadUrl"].as_str().map(str::to_owned))
            .filter(|u| u.starts_with("https://"))
            .ok_or_else(|| {
                CoreError::Auth(Box::new(
                    TransportError::BadResponse {
                        host: c.host.clone(),
                        status: 201,
                        detail: "the upload session has no https upload URL".into(),
                    }
                    .diagnose(),
                ))
            })?;
        let total = a.bytes.len();
        for (n, chunk) in a.bytes.chunks(CHUNK).enumerate() {
            let from = n * CHUNK;
            let to = from + chunk.len() - 1;
            let last = to + 1 == total;
            // The upload URL is pre-authorised: no bearer token goes to it.
            let put = c
                .http
                .put(&upload)
                .header("Content-Type", "application/octet-stream")
                .header("Content-Range", format!("bytes {from}-{to}/{total}"))
                .body(chunk.to_vec());
            c.run(put, "upload a part of the attachment", if last { &[201] } else { &[200] })?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
