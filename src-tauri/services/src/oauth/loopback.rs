//! The loopback redirect listener for "Connect your account": for a registered
//! redirect URI `http://localhost[/path]` or `http://127.0.0.1[/path]`, listen on
//! 127.0.0.1 on a free port (Entra ignores the port of loopback URIs; the path
//! must match), accept exactly one valid callback, answer the browser with a
//! small page, then close. Wrong paths and wrong `state` are refused without
//! ending the wait; a replay finds the port closed. Hand-written because the
//! `oauth2` crate leaves the redirect to the application.

use crate::diagnosis::ProviderError;
use crate::error::{CoreError, Result};
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
/// The longest a sign-in is waited for, whatever was asked.
pub const MAX_WAIT: Duration = Duration::from_secs(24 * 3600);

/// What the browser brought back.
#[derive(Debug)]
pub enum Callback {
    Code(String),
    Error(ProviderError),
    /// The browser never came back in time; what reached the listener instead.
    TimedOut {
        received: Vec<String>,
    },
}

pub struct Loopback {
    listener: TcpListener,
    path: String,
    /// The redirect URI to send: the registered one with our port.
    pub redirect_uri: String,
}

/// True for redirect URIs this listener can serve.
pub fn is_loopback(redirect_uri: &str) -> bool {
    crate::profile::validate::syntax::is_public_loopback(redirect_uri)
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
        // Keep the URI as registered (with or without a path), adding our
        // port. Built from the parsed URL, never by slicing the text: a
        // pasted URI may hold characters of any width.
        let host = u.host_str().unwrap_or("localhost").to_owned();
        let bare = u.path() == "/" && !redirect_uri.trim().trim_start_matches("http://").contains('/');
        let mut rest = if bare { String::new() } else { u.path().to_owned() };
        if let Some(q) = u.query() {
            rest.push('?');
            rest.push_str(q);
        }
        let redirect = format!("http://{host}:{port}{rest}");
        let _ = u.set_port(Some(port));
        let path = u.path().to_owned();
        Ok(Loopback { listener, path, redirect_uri: redirect })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// Wait for the one valid callback carrying `state`. Each connection is
    /// answered on its own short-lived thread with a short deadline and a
    /// size cap, so a local process holding a connection open (or sending an
    /// endless request) stalls nothing; Cancel and the deadline are looked at
    /// every 50 ms.
    pub fn wait(self, state: &str, timeout: Duration, cancel: &AtomicBool) -> Result<Callback> {
        // A timeout of any size from a person or a caller: never an overflow.
        let deadline = Instant::now().checked_add(timeout).unwrap_or_else(|| Instant::now() + MAX_WAIT);
        let (tx, rx) = std::sync::mpsc::channel::<Answer>();
        let mut seen: Vec<String> = Vec::new();
        loop {
            if cancel.load(Ordering::SeqCst) {
                return Err(super::client::sign_in_cancelled());
            }
            while let Ok(answer) = rx.try_recv() {
                match answer {
                    Answer::Valid(cb) => return Ok(cb),
                    Answer::Refused(what) => {
                        if seen.len() < 10 {
                            seen.push(what);
                        }
                    }
                }
            }
            if Instant::now() >= deadline {
                return Ok(Callback::TimedOut { received: seen });
            }
            match self.listener.accept() {
                Ok((stream, _)) => {
                    let (path, state, tx) = (self.path.clone(), state.to_owned(), tx.clone());
                    let spawned = std::thread::Builder::new()
                        .name("sign-in callback".into())
                        .spawn(move || drop(tx.send(answer(stream, &path, &state))));
                    if let Err(e) = spawned {
                        return Err(CoreError::io("The sign-in listener could not answer", e));
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::thread::sleep(Duration::from_millis(50)),
                Err(e) => return Err(CoreError::io("The sign-in listener failed", e)),
            }
        }
    }
}

/// What one connection to the listener turned out to be.
enum Answer {
    Valid(Callback),
    /// Not the callback: what it was, for the timeout message.
    Refused(String),
}

/// The request line and headers the browser may send; more is refused.
pub const REQUEST_MAX: usize = 16 * 1024;
/// How long one connection may take to send its request.
const REQUEST_DEADLINE: Duration = Duration::from_secs(5);

/// Read one request head (up to the blank line) within the deadline and cap.
fn read_head(stream: &mut TcpStream) -> Option<Vec<u8>> {
    use std::io::Read;
    let end = Instant::now() + REQUEST_DEADLINE;
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && !head.windows(2).any(|w| w == b"\n\n") {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() || head.len() > REQUEST_MAX {
            return None;
        }
        stream.set_read_timeout(Some(left)).ok()?;
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
            Err(_) => return None,
        }
    }
    Some(head)
}

/// The target (path and query) of a GET request head; None for anything else.
pub fn request_target(head: &[u8]) -> Option<url::Url> {
    let line_end = head.iter().position(|&b| b == b'\n').unwrap_or(head.len());
    let line = std::str::from_utf8(&head[..line_end]).ok()?.trim_end();
    let mut words = line.split(' ');
    let (method, target) = (words.next()?, words.next()?);
    if method != "GET" || !target.starts_with('/') {
        return None;
    }
    url::Url::parse(&format!("http://127.0.0.1{target}")).ok()
}

/// Handle one connection; what it was.
fn answer(mut stream: TcpStream, path: &str, state: &str) -> Answer {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_write_timeout(Some(REQUEST_DEADLINE));
    let Some(head) = read_head(&mut stream) else {
        respond(&mut stream, 400, "Sign-in refused", "The request was too large or too slow.");
        return Answer::Refused("a request that was too large or too slow".into());
    };
    let Some(u) = request_target(&head).filter(|u| u.path() == path) else {
        respond(
            &mut stream,
            404,
            "Not the sign-in address",
            "Mailwarden is waiting for the sign-in on another address.",
        );
        let what = request_target(&head).map(|u| u.path().to_owned()).unwrap_or_else(|| "not a GET".into());
        return Answer::Refused(format!("a request for {what} (waiting on {path})"));
    };
    let q: Vec<(String, String)> = u.query_pairs().into_owned().collect();
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    if get("state").as_deref() != Some(state) {
        respond(&mut stream, 400, "Sign-in refused", "This answer does not belong to the sign-in Mailwarden started (wrong state). Close this tab and start Connect again from Mailwarden.");
        return Answer::Refused("an answer from another sign-in attempt (wrong state)".into());
    }
    if let Some(error) = get("error") {
        respond(
            &mut stream,
            200,
            "Sign-in failed",
            "The sign-in did not succeed. Mailwarden shows what happened and what to do next; you can close this tab.",
        );
        return Answer::Valid(Callback::Error(ProviderError {
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
            Answer::Valid(Callback::Code(code))
        }
        _ => {
            respond(
                &mut stream,
                400,
                "Sign-in incomplete",
                "The answer had no authorization code. Start Connect again from Mailwarden.",
            );
            Answer::Refused("an answer without an authorization code".into())
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

    fn get(port: u16, target: &str) -> String {
        use std::io::Read;
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(s, "GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out
    }

    #[test]
    fn a_connection_held_open_stalls_nothing() {
        let l = Loopback::bind("http://localhost/cb").unwrap();
        let port = l.port();
        // A local process connects and says nothing, and another sends an
        // endless request; the browser's callback still gets through.
        let _silent = TcpStream::connect(("127.0.0.1", port)).unwrap();
        std::thread::spawn(move || {
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
                let _ = s.write_all(b"GET /cb?");
                let chunk = [b'a'; 4096];
                while s.write_all(&chunk).is_ok() {}
            }
        });
        let browser = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            get(port, "/cb?code=abc&state=s1")
        });
        let started = Instant::now();
        match l.wait("s1", Duration::from_secs(30), &AtomicBool::new(false)).unwrap() {
            Callback::Code(c) => assert_eq!(c, "abc"),
            other => panic!("{other:?}"),
        }
        assert!(started.elapsed() < Duration::from_secs(3));
        assert!(browser.join().unwrap().contains("Signed in"));
    }

    #[test]
    fn a_timeout_says_what_reached_the_listener() {
        let l = Loopback::bind("http://localhost/cb").unwrap();
        let port = l.port();
        std::thread::spawn(move || {
            let _ = get(port, "/favicon.ico");
            let _ = get(port, "/cb?code=x&state=other");
        });
        match l.wait("s1", Duration::from_millis(1500), &AtomicBool::new(false)).unwrap() {
            Callback::TimedOut { received } => {
                assert!(received.iter().any(|r| r.contains("/favicon.ico")), "{received:?}");
                assert!(received.iter().any(|r| r.contains("wrong state")), "{received:?}");
            }
            other => panic!("{other:?}"),
        }
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
