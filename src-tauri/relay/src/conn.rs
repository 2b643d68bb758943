//! A relay connection: plain TCP, or TLS (STARTTLS upgrades a plain one;
//! the implicit-TLS listener starts with it), read and written the same way.

use rustls::{ServerConfig, ServerConnection, StreamOwned};
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

pub enum Conn {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ServerConnection, TcpStream>>),
}

impl Conn {
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
    pub fn start_tls(self, config: Arc<ServerConfig>) -> io::Result<Conn> {
        match self {
            Conn::Plain(tcp) => Conn::tls(tcp, config),
            tls @ Conn::Tls(_) => Ok(tls),
        }
    }

    fn socket(&self) -> &TcpStream {
        match self {
            Conn::Plain(t) => t,
            Conn::Tls(s) => &s.sock,
        }
    }

    pub fn set_read_timeout(&self, d: Option<Duration>) -> io::Result<()> {
        self.socket().set_read_timeout(d)?;
        self.socket().set_write_timeout(d)
    }
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(t) => t.read(buf),
            Conn::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(t) => t.write(buf),
            Conn::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Conn::Plain(t) => t.flush(),
            Conn::Tls(s) => s.flush(),
        }
    }
}
