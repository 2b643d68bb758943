//! The relay's IMAP listeners: each connection admitted under the same
//! limits as SMTP's and POP3's, served on its own thread — implicit TLS, or
//! STARTTLS once TLS is on — through the sign-in ([`FrontSession`]), then
//! carried ([`super::pump`]) to the profile's IMAP server, signed in there
//! with the profile's token. A device may read only if it was given IMAP
//! access, and only its own profile's mailbox; a refused upstream sign-in is
//! recorded (`relay status`, the watch's attention item, `check`).

use super::pump::carry;
use super::split::split;
use super::swap::Renew;
use super::{FrontSession, ImapHost, Next, Refusal};
use crate::conn::Conn;
use crate::error::CoreError;
use crate::inbound::{one_line, Front, Record};
use crate::server::{RelayState, SignIn};
use mailwarden_services::mail::imap_upstream::Upstream;
use std::io::{Read, Write};
use std::net::{IpAddr, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// How long an app may take to sign in.
const SIGN_IN_WAIT: Duration = Duration::from_secs(120);
/// How long the upstream may take to connect and sign in.
const UPSTREAM_WAIT: Duration = Duration::from_secs(30);

/// A device's signed-in session upstream, and how to renew it.
pub(crate) struct SignedIn {
    upstream: Upstream,
    expires: Option<i64>,
    renewer: Renewer,
}

/// Opens the profile's upstream again (a fresh token) for the same device.
struct Renewer {
    shared: Arc<RelayState>,
    record: Record,
}

impl Renewer {
    fn open_upstream(&self) -> Result<(Upstream, Option<i64>), CoreError> {
        let checks = self.shared.engine.mail_checks();
        let opened = checks.imap_upstream(self.record.profile_id, UPSTREAM_WAIT);
        self.record.result(opened.as_ref().map(|_| None).map_err(one_line));
        opened
    }
}

impl Renew for Renewer {
    fn open(&self) -> Result<(Upstream, Option<i64>), String> {
        self.open_upstream().map_err(|e| one_line(&e))
    }
    fn now(&self) -> i64 {
        self.shared.engine.clock.now().unix_timestamp()
    }
    fn stopping(&self) -> bool {
        self.shared.stop.load(Ordering::SeqCst)
    }
}

/// The relay seen from one IMAP connection.
struct Host<'a> {
    shared: &'a Arc<RelayState>,
    ip: IpAddr,
}

impl ImapHost for Host<'_> {
    type Upstream = SignedIn;

    fn tls_offered(&self) -> bool {
        self.shared.tls.is_some()
    }

    fn plain_allowed(&self) -> bool {
        self.ip.is_loopback() || self.shared.plain_allowed(self.ip)
    }

    fn sign_in(&self, user: &str, password: &[u8], tls: bool) -> Result<SignedIn, Refusal> {
        let refused = |code, text: String| Refusal { code, text };
        let row = match self.shared.authenticate(self.ip, user, password, tls) {
            SignIn::Device(row) => row,
            SignIn::Refused => return Err(refused("AUTHENTICATIONFAILED", "Wrong user name or password".into())),
            SignIn::ShutOut(m) => {
                return Err(refused(
                    "UNAVAILABLE",
                    format!("Too many failed sign-ins from your address: wait {m} minutes"),
                ))
            }
        };
        let d = &row.device;
        if !d.mailbox.imap {
            tracing::warn!(device = %d.name, peer = %self.ip, "imap: the device may not read mail");
            return Err(refused(
                "NOPERM",
                format!(
                    "Device {} may not read mail over IMAP: give it IMAP access (relay device add … --imap)",
                    d.name
                ),
            ));
        }
        let record = Record {
            data: self.shared.data.clone(),
            engine: self.shared.engine.clone(),
            profile_id: d.profile_id,
            device: d.name.clone(),
            protocol: "IMAP",
        };
        let renewer = Renewer { shared: self.shared.clone(), record };
        match renewer.open_upstream() {
            Ok((upstream, expires)) => {
                tracing::info!(device = %d.name, profile = d.profile_id, peer = %self.ip, server = %upstream.server, "imap: session carried upstream");
                Ok(SignedIn { upstream, expires, renewer })
            }
            Err(e) => {
                tracing::warn!(device = %d.name, profile = d.profile_id, error = %e, "imap: the upstream sign-in failed");
                Err(refused("UNAVAILABLE", format!("The mail server refused Mailwarden: {}", one_line(&e))))
            }
        }
    }
}

/// The IMAP front's connections.
const FRONT: Front =
    Front { name: "imap", refusal: |why| format!("* BYE [UNAVAILABLE] {why}\r\n"), wait: SIGN_IN_WAIT, converse };

/// One IMAP connection (`implicit_tls`: on the IMAPS listener).
pub(crate) fn serve(tcp: TcpStream, shared: &Arc<RelayState>, implicit_tls: bool) {
    crate::inbound::serve(&FRONT, tcp, shared, implicit_tls);
}

/// Sign the app in, then carry its session.
fn converse(mut conn: Conn, shared: &Arc<RelayState>, ip: IpAddr, tls: bool) {
    let host = Host { shared, ip };
    let mut session = FrontSession::new(&host, tls);
    if session.greet(&mut conn).and_then(|()| conn.flush()).is_err() {
        return;
    }
    let mut pending: Vec<u8> = Vec::new();
    let mut buf = vec![0u8; 4096];
    loop {
        if shared.stop.load(Ordering::SeqCst) {
            let _ = conn.write_all(b"* BYE The relay is shutting down; connect again shortly\r\n");
            return;
        }
        let mut out = Vec::new();
        let next = session.input(&mut pending, &mut out);
        if conn.write_all(&out).and_then(|()| conn.flush()).is_err() {
            return;
        }
        match next {
            Ok(Next::Continue) => {}
            Ok(Next::Close) | Err(_) => return,
            Ok(Next::StartTls) => {
                let Some(cfg) = shared.tls.clone() else { return };
                conn = match crate::conn::start_tls(conn, cfg) {
                    Ok(c) => c,
                    Err(_) => return,
                };
                session.tls_started();
                pending.clear();
                continue;
            }
            Ok(Next::SignedIn(s)) => {
                let _ = crate::conn::set_timeouts(&conn, None);
                let Ok((r, w)) = split(conn) else { return };
                let _ = w.socket().set_write_timeout(Some(Duration::from_secs(120)));
                carry(r, w, pending, s.upstream, s.expires, &s.renewer);
                return;
            }
        }
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => pending.extend_from_slice(&buf[..n]),
        }
    }
}
