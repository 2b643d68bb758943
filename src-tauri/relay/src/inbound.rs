//! What the relay's inbound fronts (POP3 and IMAP) share: a connection
//! admitted under SMTP's limits and given its own thread (implicit TLS done
//! there), and where each session's outcome is recorded for `relay status`,
//! the window and the watch — the mailbox was reached (and what it showed),
//! or why it could not be.

use crate::conn::Conn;
use crate::error::CoreError;
use crate::server::RelayState;
use std::io::Write;
use std::net::{IpAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

/// How a front takes its connections.
pub(crate) struct Front {
    /// `pop3`, `imap`: for logs and the thread's name.
    pub name: &'static str,
    /// The line a refused connection is told (`{}`: why).
    pub refusal: fn(&str) -> String,
    /// How long the client may be silent before it signs in.
    pub wait: Duration,
    /// The conversation, on the connection's own thread.
    pub converse: fn(Conn, &Arc<RelayState>, IpAddr, bool),
}

/// Admit `tcp` (`implicit_tls`: on the front's TLS listener) and hold its
/// conversation on a thread of its own; a refused connection is told why.
pub(crate) fn serve(front: &Front, mut tcp: TcpStream, shared: &Arc<RelayState>, implicit_tls: bool) {
    let Ok(peer) = tcp.peer_addr() else { return };
    let ip = peer.ip().to_canonical();
    let slot = match shared.admit(ip) {
        Ok(slot) => slot,
        Err(reply) => {
            let why = reply.get(10..).unwrap_or(reply).trim_end();
            let _ = tcp.write_all((front.refusal)(why).as_bytes());
            tracing::warn!(peer = %ip, front = front.name, "relay: connection refused ({why})");
            return;
        }
    };
    let _ = tcp.set_nodelay(true);
    let (shared, wait, converse) = (shared.clone(), front.wait, front.converse);
    let spawned = std::thread::Builder::new().name(format!("mailwarden-{}", front.name)).spawn(move || {
        let _slot = slot;
        let _ = tcp.set_read_timeout(Some(wait));
        let _ = tcp.set_write_timeout(Some(Duration::from_secs(60)));
        let conn = match (implicit_tls, &shared.tls) {
            (true, Some(cfg)) => crate::conn::tls(tcp, cfg.clone()),
            (true, None) => return,
            (false, _) => Ok(Conn::Plain(tcp)),
        };
        if let Ok(conn) = conn {
            converse(conn, &shared, ip, implicit_tls);
        }
    });
    if spawned.is_err() {
        tracing::error!(front = front.name, "relay: could not start a session thread");
    }
}

/// One session's record keeper.
pub(crate) struct Record {
    pub data: std::path::PathBuf,
    pub engine: Arc<crate::Context>,
    pub profile_id: i64,
    pub device: String,
    pub protocol: &'static str,
}

impl Record {
    /// Ok(the messages shown, when counted), or Err(why it failed).
    pub fn result(&self, r: std::result::Result<Option<u64>, String>) {
        let at = crate::clock::rfc3339(self.engine.clock.now());
        let session = mailwarden_store::inbound::Session {
            profile_id: self.profile_id,
            device: &self.device,
            protocol: self.protocol,
            at: &at,
        };
        mailwarden_store::inbound::record_inbound(&self.data, &session, r);
    }
}

/// Why an inbound session could not reach the mailbox, in one line (what the
/// app is told and `relay status` shows): a diagnosis's title and cause.
pub(crate) fn one_line(e: &CoreError) -> String {
    match e {
        CoreError::Auth(d) => format!("{}: {}", d.title, d.cause),
        other => other.to_string(),
    }
    .replace(['\r', '\n'], " ")
}
