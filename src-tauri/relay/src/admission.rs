//! Who gets a connection to the relay, before a word of SMTP: the relay's
//! limit, each address's share of it and its rate of new connections
//! (Postfix's anvil: `smtpd_client_connection_count_limit`,
//! `smtpd_client_connection_rate_limit`), a slot that is given back however
//! the session ends, and postscreen's pregreet test.

use super::server::RelayState;
use std::collections::HashMap;
use std::net::{IpAddr, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a client that does not talk before the greeting is spared the
/// test again (postscreen's `postscreen_greet_ttl` is a day).
const GREETED_MEMORY: Duration = Duration::from_secs(24 * 3600);
/// How long the first connection of an address waits, after the first line
/// of the greeting, to see whether the client talks out of turn
/// (postscreen's `postscreen_greet_wait` is 2 s under stress, 6 s otherwise).
const GREET_WAIT: Duration = Duration::from_secs(2);

/// Connections per client address: open now, and the recent ones (for the rate).
#[derive(Default)]
pub struct Clients {
    open: HashMap<IpAddr, usize>,
    recent: HashMap<IpAddr, std::collections::VecDeque<Instant>>,
    /// Addresses that waited for the greeting, and when.
    greeted: HashMap<IpAddr, Instant>,
}

/// A connection's place: counted in the relay's and its address's totals
/// until dropped — whether the session ends, fails, or its thread never starts.
pub(super) struct Slot {
    shared: Arc<RelayState>,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.shared.active.fetch_sub(1, Ordering::SeqCst);
        let mut c = self.shared.clients.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = c.open.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                c.open.remove(&self.ip);
            }
        }
    }
}

impl RelayState {
    /// A slot for a connection from `ip`, or the reason to turn it away:
    /// the relay's limit, the address's share of it
    /// (`smtpd_client_connection_count_limit`), or its rate of new
    /// connections (`smtpd_client_connection_rate_limit`; loopback spared).
    pub(super) fn admit(self: &Arc<Self>, ip: IpAddr) -> std::result::Result<Slot, &'static str> {
        let s = &self.settings;
        let mut c = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        if self.active.load(Ordering::SeqCst) >= s.max_connections {
            return Err("421 4.7.0 Too many connections; try again shortly\r\n");
        }
        if c.open.get(&ip).copied().unwrap_or(0) >= s.max_connections_per_client {
            return Err("421 4.7.0 Too many connections from your address; try again shortly\r\n");
        }
        if s.max_connection_rate > 0 && !ip.is_loopback() {
            if c.recent.len() >= 4096 {
                c.recent.retain(|_, q| q.back().is_some_and(|t| t.elapsed() < Duration::from_secs(60)));
            }
            let q = c.recent.entry(ip).or_default();
            while q.front().is_some_and(|t| t.elapsed() >= Duration::from_secs(60)) {
                q.pop_front();
            }
            if q.len() >= s.max_connection_rate as usize {
                return Err("421 4.7.0 Too many connections from your address this minute; try again later\r\n");
            }
            q.push_back(Instant::now());
        }
        *c.open.entry(ip).or_default() += 1;
        self.active.fetch_add(1, Ordering::SeqCst);
        Ok(Slot { shared: self.clone(), ip })
    }

    /// Whether `ip` has waited for the greeting recently.
    fn greeted_recently(&self, ip: IpAddr) -> bool {
        let c = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        c.greeted.get(&ip).is_some_and(|t| t.elapsed() < GREETED_MEMORY)
    }

    fn remember_greeted(&self, ip: IpAddr) {
        let mut c = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        if c.greeted.len() >= 4096 {
            c.greeted.retain(|_, t| t.elapsed() < GREETED_MEMORY);
        }
        c.greeted.insert(ip, Instant::now());
    }
}

/// Postscreen's pregreet test on an address's first connection: the
/// greeting's first line (`220-`), a pause, and a client that talks before
/// the last line (a bot, or a web page's request) is told off and closed.
/// True when the client may go on; its address is then spared for a day.
pub(super) fn pregreet(tcp: &mut TcpStream, shared: &RelayState, ip: IpAddr) -> bool {
    use std::io::Write;
    if shared.greeted_recently(ip) {
        return true;
    }
    if tcp.write_all(format!("220-{} Mailwarden relay ESMTP\r\n", shared.hostname).as_bytes()).is_err() {
        return false;
    }
    let _ = tcp.set_read_timeout(Some(GREET_WAIT));
    let mut probe = [0u8; 1];
    let talked = match tcp.peek(&mut probe) {
        Ok(0) => return false, // gone
        Ok(_) => true,
        Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => false,
        Err(_) => return false,
    };
    let _ = tcp.set_read_timeout(Some(Duration::from_secs(30)));
    if talked {
        tracing::warn!(peer = %ip, "relay: the client talked before the greeting; closed");
        let _ = tcp.write_all(b"554 5.5.1 Protocol error: you talked before the greeting\r\n");
        return false;
    }
    shared.remember_greeted(ip);
    true
}

/// A line a web browser sends (a page posting to this port): the request
/// line or a header. POP3 and IMAP have no such commands; their fronts close
/// the connection at once, as Postfix closes one that speaks HTTP.
pub(crate) fn is_web_request(line: &str) -> bool {
    let upper = line.to_ascii_uppercase();
    ["GET ", "POST ", "PUT ", "HEAD ", "OPTIONS ", "CONNECT ", "DELETE "].iter().any(|m| upper.starts_with(m))
        && upper.contains(" HTTP/")
        || ["HOST:", "USER-AGENT:", "CONTENT-LENGTH:", "CONTENT-TYPE:", "ORIGIN:"].iter().any(|h| upper.starts_with(h))
}
