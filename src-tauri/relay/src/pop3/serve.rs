//! The relay's POP3 listeners: each connection admitted under the same
//! limits as SMTP's (at once, per address, per minute), served on a session
//! thread — implicit TLS, or STLS once TLS is on — with command lines read
//! bounded, an idle connection closed (RFC 1939's ten minutes at least), and
//! the relay's stop honoured between commands. Devices sign in with their
//! relay credentials (the same failure counting and shut-out as SMTP's); a
//! device may read only if it was given mailbox access, and only its own
//! profile's inbox (a Graph profile's, through [`super::graph::GraphDrop`]).

use super::graph::GraphDrop;
use super::upstream::Pop3Drop;
use super::{Maildrop, Next, Pop3Host, Pop3Session, Refusal, LINE_MAX};
use crate::conn::Conn;
use crate::error::CoreError;
use crate::inbound::{Front, Record};
use crate::mail::graph_maildrop::OnDelete;
use crate::profile::SendMethod;
use crate::server::{RelayState, SignIn};
use std::io::{BufWriter, Read, Write};
use std::net::{IpAddr, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// RFC 1939: an idle client is let go after at least ten minutes.
const IDLE: Duration = Duration::from_secs(600);

/// The relay seen from one POP3 connection.
struct Host<'a> {
    shared: &'a RelayState,
    ip: IpAddr,
}

impl Pop3Host for Host<'_> {
    fn hostname(&self) -> &str {
        &self.shared.hostname
    }
    fn tls_offered(&self) -> bool {
        self.shared.tls.is_some()
    }
    fn plain_allowed(&self) -> bool {
        self.ip.is_loopback() || self.shared.plain_allowed(self.ip)
    }
    fn open(&self, user: &str, password: &[u8], tls: bool) -> std::result::Result<Box<dyn Maildrop>, Refusal> {
        let row = match self.shared.authenticate(self.ip, user, password, tls) {
            SignIn::Device(row) => row,
            SignIn::Refused => return Err(Refusal("wrong user name or password".into())),
            SignIn::ShutOut(m) => {
                return Err(Refusal(format!("too many failed sign-ins from your address: wait {m} minutes")))
            }
        };
        let d = &row.device;
        if !d.mailbox.pop3 {
            tracing::warn!(device = %d.name, peer = %self.ip, "pop3: the device may not read mail");
            return Err(Refusal(format!(
                "device {} may send but not read mail: give it mailbox access (relay device add … --pop3)",
                d.name
            )));
        }
        let engine = &self.shared.engine;
        let profile = engine.profiles().get(d.profile_id).map_err(|e| Refusal(e.to_string()))?.profile;
        let graph = profile.send_method == SendMethod::Graph;
        if !graph && profile.pop3_host.is_empty() {
            return Err(Refusal(format!(
                "profile {} has no POP3 server: set one in the profile (POP3 host) for POP3 to be carried there",
                profile.name
            )));
        }
        let on_delete = match d.mailbox.on_delete.as_str() {
            "read" => OnDelete::MarkRead,
            other => match other.strip_prefix("folder:") {
                Some(f) => OnDelete::MoveTo(f.to_owned()),
                None => OnDelete::MoveToDeletedItems,
            },
        };
        tracing::info!(device = %d.name, profile = profile.id, peer = %self.ip, "pop3: mailbox opened");
        let record = Record {
            data: self.shared.data.clone(),
            engine: self.shared.engine.clone(),
            profile_id: profile.id,
            device: d.name.clone(),
            protocol: "POP3",
        };
        let opened: Result<Box<dyn Maildrop>, CoreError> = if graph {
            GraphDrop::open(engine, profile.id, d.mailbox.newest as usize, on_delete).map(|g| Box::new(g) as _)
        } else {
            Pop3Drop::open(engine, profile.id).map(|u| Box::new(u) as _)
        };
        let drop = opened.map_err(|e| {
            tracing::warn!(device = %d.name, error = %e, "pop3: the mailbox could not be opened");
            let why = crate::inbound::one_line(&e);
            record.result(Err(why.clone()));
            Refusal(why)
        })?;
        Ok(Box::new(Recorded { inner: drop, record }))
    }
}

/// A maildrop whose listing (the session's first reach of the mailbox) is recorded.
struct Recorded {
    inner: Box<dyn Maildrop>,
    record: Record,
}

impl Maildrop for Recorded {
    fn list(&mut self) -> std::result::Result<Vec<super::Item>, Refusal> {
        let listed = self.inner.list();
        self.record.result(listed.as_ref().map(|l| Some(l.len() as u64)).map_err(|r| r.0.clone()));
        listed
    }
    fn fetch(&mut self, uid: &str, out: &mut dyn Write) -> std::result::Result<(), Refusal> {
        self.inner.fetch(uid, out)
    }
    fn delete(&mut self, uids: &[String]) -> std::result::Result<(), Refusal> {
        self.inner.delete(uids)
    }
}

/// The POP3 front's connections.
const FRONT: Front = Front { name: "pop3", refusal: |why| format!("-ERR [SYS/TEMP] {why}\r\n"), wait: IDLE, converse };

/// One POP3 connection (`implicit_tls`: on the POP3S listener).
pub(crate) fn serve(tcp: TcpStream, shared: &Arc<RelayState>, implicit_tls: bool) {
    crate::inbound::serve(&FRONT, tcp, shared, implicit_tls);
}

/// One connection's conversation, to its end.
fn converse(mut conn: Conn, shared: &Arc<RelayState>, ip: IpAddr, tls: bool) {
    let host = Host { shared, ip };
    let mut session = Pop3Session::new(&host, tls);
    if session.greet(&mut conn).and_then(|()| conn.flush()).is_err() {
        return;
    }
    let mut pending: Vec<u8> = Vec::new();
    let mut buf = vec![0u8; 4096];
    loop {
        // Every complete line first (a client may pipeline, RFC 2449).
        while let Some(end) = pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            let line = line.strip_suffix(b"\n").unwrap_or(&line);
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if shared.stop.load(Ordering::SeqCst) {
                let _ = conn.write_all(b"-ERR [SYS/TEMP] the relay is shutting down; try again shortly\r\n");
                return;
            }
            let next = {
                let mut out = BufWriter::with_capacity(64 * 1024, &mut conn);
                let next = session.line(line, &mut out);
                match (next, out.flush()) {
                    (Ok(n), Ok(())) => n,
                    _ => return,
                }
            };
            match next {
                Next::Continue => {}
                Next::Close => return,
                Next::StartTls => {
                    let Some(cfg) = shared.tls.clone() else { return };
                    conn = match crate::conn::start_tls(conn, cfg) {
                        Ok(c) => c,
                        Err(_) => return,
                    };
                    session.tls_started();
                    // RFC 2595: what was sent before TLS is not carried over.
                    pending.clear();
                }
            }
        }
        if pending.len() > LINE_MAX {
            let _ = conn.write_all(b"-ERR line too long\r\n");
            return;
        }
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => pending.extend_from_slice(&buf[..n]),
        }
    }
}
