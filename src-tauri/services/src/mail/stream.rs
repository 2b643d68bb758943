//! A connection that is plain TCP or TLS over it, read and written the same
//! way: the SMTP client's (implicit TLS, or STARTTLS upgrading a plain one)
//! and the relay's listeners' — one enum for both sides of rustls.

use rustls::StreamOwned;
use std::io::{self, Read, Write};

/// Plain `S`, or TLS (`C` is rustls' client or server connection) over it.
pub enum MaybeTls<C, S: Read + Write> {
    Plain(S),
    Tls(Box<StreamOwned<C, S>>),
}

impl<C, S: Read + Write> MaybeTls<C, S> {
    /// The socket under the TLS, if any (for its timeouts).
    pub fn socket(&self) -> &S {
        match self {
            MaybeTls::Plain(s) => s,
            MaybeTls::Tls(t) => &t.sock,
        }
    }
}

impl<C, S: Read + Write> Read for MaybeTls<C, S>
where
    StreamOwned<C, S>: Read,
{
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            MaybeTls::Plain(s) => s.read(buf),
            MaybeTls::Tls(t) => t.read(buf),
        }
    }
}

impl<C, S: Read + Write> Write for MaybeTls<C, S>
where
    StreamOwned<C, S>: Write,
{
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            MaybeTls::Plain(s) => s.write(buf),
            MaybeTls::Tls(t) => t.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            MaybeTls::Plain(s) => s.flush(),
            MaybeTls::Tls(t) => t.flush(),
        }
    }
}
