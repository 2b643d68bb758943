//! A relay connection: plain TCP, or TLS (STARTTLS upgrades a plain one;
//! the implicit-TLS listener starts with it), read and written the same way
//! as the SMTP client's ([`MaybeTls`]).

pub use mailwarden_services::mail::stream::MaybeTls;
use rustls::{ServerConfig, ServerConnection, StreamOwned};
use std::io;
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

/// A relay client's connection.
pub type Conn = MaybeTls<ServerConnection, TcpStream>;

/// Wrap `tcp` in TLS with `config`, completing the handshake now (within
/// the socket's timeouts) so a client that never speaks TLS is let go.
pub fn tls(tcp: TcpStream, config: Arc<ServerConfig>) -> io::Result<Conn> {
    let server = ServerConnection::new(config).map_err(io::Error::other)?;
    let mut stream = StreamOwned::new(server, tcp);
    while stream.conn.is_handshaking() {
        stream.conn.complete_io(&mut stream.sock)?;
    }
    Ok(Conn::Tls(Box::new(stream)))
}

/// STARTTLS: the same socket, now encrypted.
pub fn start_tls(conn: Conn, config: Arc<ServerConfig>) -> io::Result<Conn> {
    match conn {
        Conn::Plain(tcp) => tls(tcp, config),
        tls @ Conn::Tls(_) => Ok(tls),
    }
}

/// The read and write timeout of the socket under `conn`.
pub fn set_timeouts(conn: &Conn, d: Option<Duration>) -> io::Result<()> {
    conn.socket().set_read_timeout(d)?;
    conn.socket().set_write_timeout(d)
}
