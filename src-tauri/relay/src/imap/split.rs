//! A connection cut in two halves, one read by one thread while another
//! writes: the IMAP front carries an app's commands upstream and the
//! server's answers back at the same time (IDLE, or an APPEND while the
//! server talks). Plain TCP splits by cloning the socket. TLS has one state
//! for both directions, so it is shared and locked only while rustls works
//! on bytes — never during a socket read, so a read waiting for the peer
//! never blocks a write. Encrypted bytes are written under a second lock,
//! taken before the state's is released, so records reach the socket in the
//! order rustls numbered them. rustls' own `StreamOwned` holds one state
//! for one user; no maintained crate splits a blocking rustls stream.

use mailwarden_services::mail::stream::MaybeTls;
use rustls::Connection;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard};

/// The TLS state and the socket its records are written to.
struct Shared {
    conn: Mutex<Connection>,
    wsock: Mutex<TcpStream>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The half that reads.
pub struct ReadHalf {
    sock: TcpStream,
    tls: Option<TlsRead>,
}

struct TlsRead {
    shared: Arc<Shared>,
    raw: Vec<u8>,
    plain: Vec<u8>,
    at: usize,
    eof: bool,
}

/// The half that writes.
pub struct WriteHalf {
    sock: TcpStream,
    tls: Option<(Arc<Shared>, Vec<u8>)>,
}

/// Cut `conn` in two.
pub fn split<C: Into<Connection>>(conn: MaybeTls<C, TcpStream>) -> io::Result<(ReadHalf, WriteHalf)> {
    match conn {
        MaybeTls::Plain(sock) => {
            let w = sock.try_clone()?;
            Ok((ReadHalf { sock, tls: None }, WriteHalf { sock: w, tls: None }))
        }
        MaybeTls::Tls(stream) => {
            let rustls::StreamOwned { conn, sock } = *stream;
            let shared = Arc::new(Shared { conn: Mutex::new(conn.into()), wsock: Mutex::new(sock.try_clone()?) });
            let w = sock.try_clone()?;
            let read =
                TlsRead { shared: shared.clone(), raw: vec![0; 32 * 1024], plain: Vec::new(), at: 0, eof: false };
            Ok((ReadHalf { sock, tls: Some(read) }, WriteHalf { sock: w, tls: Some((shared, Vec::new())) }))
        }
    }
}

impl ReadHalf {
    /// The socket (for its read timeout).
    pub fn socket(&self) -> &TcpStream {
        &self.sock
    }
}

impl Read for ReadHalf {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(t) = self.tls.as_mut() else { return self.sock.read(buf) };
        loop {
            if t.at < t.plain.len() {
                let n = buf.len().min(t.plain.len() - t.at);
                buf[..n].copy_from_slice(&t.plain[t.at..t.at + n]);
                t.at += n;
                return Ok(n);
            }
            t.plain.clear();
            t.at = 0;
            if t.eof {
                return Ok(0);
            }
            let n = self.sock.read(&mut t.raw)?;
            let mut conn = lock(&t.shared.conn);
            if n == 0 {
                t.eof = true;
                continue;
            }
            let mut input = &t.raw[..n];
            while !input.is_empty() {
                if conn.read_tls(&mut input)? == 0 {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, "TLS records could not be taken"));
                }
                let state = conn.process_new_packets();
                let state = match state {
                    Ok(s) => s,
                    Err(e) => {
                        // Tell the peer why (an alert), then fail.
                        let _ = send(&t.shared, conn, &mut Vec::new());
                        return Err(io::Error::new(io::ErrorKind::InvalidData, e));
                    }
                };
                let closed = state.peer_has_closed();
                drain(&mut conn, &mut t.plain)?;
                if closed {
                    t.eof = true;
                }
            }
            if conn.wants_write() {
                send(&t.shared, conn, &mut Vec::new())?;
            }
        }
    }
}

/// Move the plaintext rustls holds into `out`.
fn drain(conn: &mut Connection, out: &mut Vec<u8>) -> io::Result<()> {
    let mut chunk = [0u8; 16 * 1024];
    loop {
        match conn.reader().read(&mut chunk) {
            Ok(0) => return Ok(()),
            Ok(n) => out.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
            Err(e) => return Err(e),
        }
    }
}

/// Write what rustls has to send, under the socket's lock taken before the
/// state's is let go (so two threads' records keep their order).
fn send(shared: &Shared, mut conn: MutexGuard<'_, Connection>, out: &mut Vec<u8>) -> io::Result<()> {
    out.clear();
    while conn.wants_write() {
        conn.write_tls(out)?;
    }
    let mut sock = lock(&shared.wsock);
    drop(conn);
    sock.write_all(out)
}

impl WriteHalf {
    /// End the connection (TLS's close_notify first): the other half's read
    /// returns, so its thread ends too.
    pub fn close(&mut self) {
        if let Some((shared, out)) = self.tls.as_mut() {
            let mut conn = lock(&shared.conn);
            conn.send_close_notify();
            let _ = send(shared, conn, out);
        }
        let _ = self.sock.shutdown(Shutdown::Both);
    }

    /// The socket (for its write timeout).
    pub fn socket(&self) -> &TcpStream {
        &self.sock
    }
}

impl Write for WriteHalf {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_all(buf).map(|()| buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        let Some((shared, out)) = self.tls.as_mut() else { return self.sock.write_all(buf) };
        // In pieces no larger than rustls buffers unsent (64 KiB by default).
        for piece in buf.chunks(16 * 1024) {
            let mut conn = lock(&shared.conn);
            conn.writer().write_all(piece)?;
            send(shared, conn, out)?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
