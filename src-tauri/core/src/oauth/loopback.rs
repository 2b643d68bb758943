//! The loopback redirect listener for "Connect your account": for a registered
//! redirect URI `http://localhost[/path]` or `http://127.0.0.1[/path]`, listen on
//! 127.0.0.1 on a free port (Entra ignores the port of loopback URIs; the path
//! must match), accept exactly one valid callback, answer the browser with a
//! small page, then close. Wrong paths and wrong `state` are refused without
//! ending the wait; a replay finds the port closed. Hand-written because the
//! `oauth2` crate leaves the redirect to the application.

use crate::diagnosis::ProviderError;
use crate::error::{CoreError, Result};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// What the browser brought back.
#[derive(Debug)]
pub enum Callback {
    Code(String),
    Error(ProviderError),
}

pub struct Loopback {
    listener: TcpListener,
    path: String,
    /// The redirect URI to send: the registered one with our port.
    pub redirect_uri: String,
}

/// True for redirect URIs this listener can serve.
pub fn is_loopback(redirect_uri: &str) -> bool {
    url::Url::parse(redirect_uri)
        .is_ok_and(|u| u.scheme() == "http" && matches!(u.host_str(), Some("localhost") | Some("127.0.0.1")))
}

impl Loopback {
    pub fn bind(redirect_uri: &str) -> Result<Loopback> {
        let mut u = url::Url::parse(redirect_uri)
            .ok()
            .filter(|_| is_loopback(redirect_uri))
            .ok_or_else(|| CoreError::invalid("redirectUri", "This redirect URI is not http://localhost or http://127.0.0.1; use the manual sign-in (paste the address) instead."))?;
        let listener =
            TcpListener::bind("127.0.0.1:0").map_err(|e| CoreError::io("Could not listen on 127.0.0.1", e))?;
        let port = listener.local_addr().map_err(|e| CoreError::io("Could not listen on 127.0.0.1", e))?.port();
        listener.set_nonblocking(true).map_err(|e| CoreError::io("Could not listen on 127.0.0.1", e))?;
        // Keep the URI as registered (with or without a path), adding our port.
        let after_scheme = &redirect_uri.trim()["http://".len()..];
        let rest = after_scheme.find('/').map(|i| &after_scheme[i..]).unwrap_or("");
        let host = u.host_str().unwrap_or("localhost").to_owned();
        let redirect = format!("http://{host}:{port}{rest}");
        let _ = u.set_port(Some(port));
        let path = u.path().to_owned();
        Ok(Loopback { listener, path, redirect_uri: redirect })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// Wait for the one valid callback carrying `state`.
    pub fn wait(self, state: &str, timeout: Duration, cancel: &AtomicBool) -> Result<Callback> {
        let deadline = Instant::now() + timeout;
        loop {
            if cancel.load(Ordering::SeqCst) {
                return Err(CoreError::Flow("Sign-in was cancelled.".into()));
            }
            if Instant::now() >= deadline {
                return Err(CoreError::Flow(format!(
                    "Sign-in timed out after {} minutes without the browser coming back. Start Connect again; if no browser opened, copy the address shown and open it yourself.",
                    timeout.as_secs().div_ceil(60)
                )));
            }
            match self.listener.accept() {
                Ok((stream, _)) => {
                    if let Some(cb) = self.answer(stream, state) {
                        return Ok(cb);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::thread::sleep(Duration::from_millis(50)),
                Err(e) => return Err(CoreError::io("The sign-in listener failed", e)),
            }
        }
    }

    /// Handle one connection; Some when it was the valid callback.
    fn answer(&self, mut stream: TcpStream, state: &str) -> Option<Callback> {
        let _ = stream.set_nonblocking(false);
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let mut line = String::new();
        BufReader::new(&stream).read_line(&mut line).ok()?;
        let target = line.split_whitespace().nth(1).unwrap_or("");
        let u = url::Url::parse(&format!("http://127.0.0.1{target}")).ok();
        let Some(u) = u.filter(|u| u.path() == self.path && line.starts_with("GET ")) else {
            respond(
                &mut stream,
                404,
                "Not the sign-in address",
                "Mailwarden is waiting for the sign-in on another address.",
            );
            return None;
        };
        let q: Vec<(String, String)> = u.query_pairs().into_owned().collect();
        let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        if get("state").as_deref() != Some(state) {
            respond(&mut stream, 400, "Sign-in refused", "This answer does not belong to the sign-in Mailwarden started (wrong state). Close this tab and start Connect again from Mailwarden.");
            return None;
        }
        if let Some(error) = get("error") {
            respond(&mut stream, 200, "Sign-in failed", "The sign-in did not succeed. Mailwarden shows what happened and what to do next; you can close this tab.");
            return Some(Callback::Error(ProviderError {
                error,
                error_description: get("error_description"),
                error_uri: get("error_uri"),
                ..Default::default()
            }));
        }
        match get("code") {
            Some(code) if !code.is_empty() => {
                respond(
                    &mut stream,
                    200,
                    "Signed in",
                    "Mailwarden received the sign-in. You can close this tab and return to Mailwarden.",
                );
                Some(Callback::Code(code))
            }
            _ => {
                respond(
                    &mut stream,
                    400,
                    "Sign-in incomplete",
                    "The answer had no authorization code. Start Connect again from Mailwarden.",
                );
                None
            }
        }
    }
}

fn respond(stream: &mut TcpStream, status: u16, title: &str, text: &str) {
    let body = format!(
        "<!doctype html><html lang=en><meta charset=utf-8><title>{title} – Mailwarden</title>\
         <body style=\"font-family:system-ui,sans-serif;max-width:32em;margin:4em auto\"><h1>{title}</h1><p>{text}</p></body></html>"
    );
    let reason = if status == 200 {
        "OK"
    } else if status == 404 {
        "Not Found"
    } else {
        "Bad Request"
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_redirect_keeps_the_registered_shape_with_our_port() {
        let l = Loopback::bind("http://localhost").unwrap();
        assert_eq!(l.redirect_uri, format!("http://localhost:{}", l.port()));
        let l = Loopback::bind("http://127.0.0.1/callback").unwrap();
        assert_eq!(l.redirect_uri, format!("http://127.0.0.1:{}/callback", l.port()));
        assert!(Loopback::bind("https://localhost").is_err());
        assert!(Loopback::bind("http://example.com/cb").is_err());
    }

    #[test]
    fn cancel_ends_the_wait() {
        let l = Loopback::bind("http://localhost/cb").unwrap();
        let cancel = AtomicBool::new(true);
        match l.wait("state", Duration::from_secs(30), &cancel) {
            Err(CoreError::Flow(m)) => assert!(m.contains("cancelled")),
            other => panic!("{other:?}"),
        }
    }
}
