//! One HTTP exchange that Cancel can end: the request is sent and its answer
//! read (bounded) on a helper thread while the caller watches the person's
//! Cancel. reqwest's blocking client cannot abort a request in flight, so the
//! abandoned one ends by the client's own timeouts and its answer is dropped
//! unread by anyone — nothing is stored from it.

use super::read_body;
use reqwest::blocking::{Client, Request};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

/// How often a caller waiting on a request looks at Cancel.
const CANCEL_TICK: Duration = Duration::from_millis(50);

/// An answer: status, headers and the body as read (at most [`super::BODY_MAX`]).
pub struct Answer {
    pub status: reqwest::StatusCode,
    pub version: reqwest::Version,
    pub headers: reqwest::header::HeaderMap,
    pub host: String,
    pub body: std::io::Result<Vec<u8>>,
}

impl Answer {
    /// The `Retry-After` a throttled or failing server sent, as sent.
    pub fn retry_after(&self) -> Option<String> {
        self.headers.get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned)
    }
}

/// Why no answer came.
#[derive(Debug)]
pub enum Failed {
    Send(reqwest::Error),
    /// The person pressed Cancel.
    Cancelled,
    /// No helper thread could be started.
    Thread(std::io::Error),
}

/// The marker a cancelled exchange carries inside an `io::Error` (where an
/// error type is fixed by a library, as the `oauth2` crate's is).
#[derive(Debug)]
pub struct Cancelled;

impl std::fmt::Display for Cancelled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("cancelled")
    }
}

impl std::error::Error for Cancelled {}

/// Whether `e` is (or wraps) a cancelled exchange.
pub fn is_cancelled(e: &std::io::Error) -> bool {
    e.get_ref().is_some_and(|i| i.is::<Cancelled>())
}

/// Send `req` and read its answer. Without `cancel` this happens right here;
/// with it, on a helper thread, and the call returns [`Failed::Cancelled`]
/// within [`CANCEL_TICK`] of `cancel` being set.
pub fn fetch(client: &Client, req: Request, cancel: Option<&AtomicBool>) -> Result<Answer, Failed> {
    let Some(cancel) = cancel else { return exchange(client, req) };
    if cancel.load(Ordering::SeqCst) {
        return Err(Failed::Cancelled);
    }
    let (tx, rx) = mpsc::sync_channel(1);
    let client = client.clone();
    std::thread::Builder::new()
        .name("mailwarden-http".into())
        .spawn(move || {
            let _ = tx.send(exchange(&client, req)); // the caller may be gone
        })
        .map_err(Failed::Thread)?;
    loop {
        match rx.recv_timeout(CANCEL_TICK) {
            Ok(answer) => return answer,
            Err(mpsc::RecvTimeoutError::Timeout) if cancel.load(Ordering::SeqCst) => return Err(Failed::Cancelled),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(Failed::Thread(std::io::Error::other("the HTTP helper thread ended without an answer")))
            }
        }
    }
}

fn exchange(client: &Client, req: Request) -> Result<Answer, Failed> {
    let resp = client.execute(req).map_err(Failed::Send)?;
    Ok(Answer {
        status: resp.status(),
        version: resp.version(),
        headers: resp.headers().clone(),
        host: resp.url().host_str().unwrap_or_default().to_owned(),
        body: read_body(resp),
    })
}

/// A failed exchange with `host` as the error a person sees.
pub fn explain(e: Failed, host: &str) -> crate::error::CoreError {
    let d = match e {
        Failed::Send(e) => super::classify(&e, host).diagnose(),
        Failed::Cancelled => crate::diagnosis::cancelled(),
        Failed::Thread(e) => {
            crate::diagnosis::TransportError::Other { host: host.to_owned(), detail: e.to_string() }.diagnose()
        }
    };
    crate::error::CoreError::Auth(Box::new(d))
}
