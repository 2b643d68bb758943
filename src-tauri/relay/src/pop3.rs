//! One POP3 conversation (RFC 1939, with RFC 2449's CAPA and RFC 2595's
//! STLS) as a state machine over a [`Maildrop`]: AUTHORIZATION (USER/PASS,
//! only over TLS unless the host allows clear text), TRANSACTION (STAT,
//! LIST, UIDL, RETR and TOP streamed and dot-stuffed, DELE, RSET, NOOP) and
//! UPDATE (QUIT applies the deletions; if the maildrop cannot — a grant of
//! Mail.Read only — it says so with `-ERR` and nothing is lost). Lines are
//! bounded (RFC 2449: 255 octets for a command), arguments checked, a
//! message number outside the listing or already deleted is refused. The
//! session never touches a socket: it reads lines and writes replies
//! through the [`Pop3Host`] and the writer it is given, so each rule is
//! unit-tested (`pop3/tests.rs`).
//!
//! Hand-written: the POP3 crates on crates.io are clients, or servers bound
//! to an async runtime and their own storage; the protocol's server side is
//! these few commands.

use std::collections::BTreeSet;
use std::io::{self, Write};

pub mod graph;
pub(crate) mod serve;
mod stuff;
pub mod upstream;
use stuff::Stuffer;

/// The longest command line taken (RFC 2449 allows 255 octets; clients
/// send user names and passwords longer than that in practice).
pub const LINE_MAX: usize = 1024;
/// Commands taken before a sign-in (CAPA, STLS, USER, PASS and a few
/// retries); past them the connection is closed, so nobody holds a slot.
const UNSIGNED_MAX: u32 = 20;
/// Wrong passwords in one session before it is closed.
const FAILURES_MAX: u32 = 3;

/// One message of the maildrop, as the session lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Unique and stable across sessions (UIDL; at most 70 printable characters).
    pub uid: String,
    /// Its size in octets, as LIST and STAT say it.
    pub size: u64,
}

/// Why the maildrop could not do what was asked: said to the client after
/// `-ERR`, one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub String);

/// Where the messages are: an upstream mailbox (Microsoft Graph's inbox,
/// an IMAP or POP3 server signed in with OAuth).
pub trait Maildrop {
    /// The messages, fixed for the session (RFC 1939: numbers do not change).
    fn list(&mut self) -> Result<Vec<Item>, Refusal>;
    /// Write message `uid` as RFC 5322 bytes to `out` (CRLF lines).
    fn fetch(&mut self, uid: &str, out: &mut dyn Write) -> Result<(), Refusal>;
    /// Apply the session's deletions (at QUIT).
    fn delete(&mut self, uids: &[String]) -> Result<(), Refusal>;
}

/// What a session asks of the relay around it.
pub trait Pop3Host {
    fn hostname(&self) -> &str;
    /// STLS is offered.
    fn tls_offered(&self) -> bool;
    /// A sign-in in clear text is allowed on this connection (loopback, or a
    /// device allowed to).
    fn plain_allowed(&self) -> bool;
    /// The maildrop of the device signing in with `user` and `password`;
    /// Err: the reply after `-ERR` (wrong password, shut out, no mailbox).
    fn open(&self, user: &str, password: &[u8], tls: bool) -> Result<Box<dyn Maildrop>, Refusal>;
}

/// What the connection must do after a line.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    Continue,
    /// Start TLS now (after `+OK` to STLS was written), then carry on.
    StartTls,
    /// Close the connection.
    Close,
}

enum State {
    Authorization { user: Option<String> },
    Transaction { drop: Box<dyn Maildrop>, items: Vec<Item>, deleted: BTreeSet<usize> },
    Done,
}

/// One POP3 conversation.
pub struct Pop3Session<'h, H: Pop3Host + ?Sized> {
    host: &'h H,
    tls: bool,
    state: State,
    /// Commands and wrong passwords before a sign-in.
    unsigned: u32,
    failures: u32,
}

impl<'h, H: Pop3Host + ?Sized> Pop3Session<'h, H> {
    pub fn new(host: &'h H, tls: bool) -> Self {
        Pop3Session { host, tls, state: State::Authorization { user: None }, unsigned: 0, failures: 0 }
    }

    /// The greeting.
    pub fn greet(&self, out: &mut dyn Write) -> io::Result<()> {
        write!(out, "+OK {} Mailwarden POP3 ready\r\n", self.host.hostname())
    }

    /// TLS is now on (STLS done, or implicit TLS).
    pub fn tls_started(&mut self) {
        self.tls = true;
    }

    /// Answer one command line (without its CRLF).
    pub fn line(&mut self, line: &[u8], out: &mut dyn Write) -> io::Result<Next> {
        if line.len() > LINE_MAX {
            out.write_all(b"-ERR line too long\r\n")?;
            return Ok(Next::Close);
        }
        let Ok(text) = std::str::from_utf8(line) else {
            out.write_all(b"-ERR not a command\r\n")?;
            return Ok(Next::Continue);
        };
        if crate::admission::is_web_request(text) {
            out.write_all(b"-ERR this is a POP3 server, not a web server: closing\r\n")?;
            return Ok(Next::Close);
        }
        let (verb, arg) = text.split_once(' ').unwrap_or((text, ""));
        let verb = verb.to_ascii_uppercase();
        if matches!(self.state, State::Authorization { .. }) {
            self.unsigned += 1;
            if self.unsigned > UNSIGNED_MAX {
                out.write_all(b"-ERR too many commands without signing in: closing\r\n")?;
                return Ok(Next::Close);
            }
        }
        if verb == "QUIT" {
            return self.quit(out);
        }
        if verb == "CAPA" {
            return self.capa(out).map(|()| Next::Continue);
        }
        match &mut self.state {
            State::Authorization { user } => {
                let reply = match verb.as_str() {
                    "STLS" if self.tls => "-ERR TLS is on already\r\n".to_owned(),
                    "STLS" if !self.host.tls_offered() => "-ERR TLS is not offered here\r\n".to_owned(),
                    "STLS" => {
                        out.write_all(b"+OK begin TLS\r\n")?;
                        return Ok(Next::StartTls);
                    }
                    "USER" | "PASS" if !self.tls && !self.host.plain_allowed() => {
                        "-ERR [AUTH] sign in over TLS: send STLS first\r\n".to_owned()
                    }
                    "USER" if arg.trim().is_empty() => "-ERR USER needs a name\r\n".to_owned(),
                    "USER" => {
                        *user = Some(arg.trim().to_owned());
                        "+OK send PASS\r\n".to_owned()
                    }
                    "PASS" => match user.take() {
                        None => "-ERR USER first\r\n".to_owned(),
                        // RFC 1939: the password is the rest of the line, spaces and all.
                        Some(u) => match self.host.open(&u, arg.as_bytes(), self.tls) {
                            Err(Refusal(why)) => {
                                self.failures += 1;
                                if self.failures >= FAILURES_MAX {
                                    write!(out, "-ERR [AUTH] {why}\r\n-ERR too many failed sign-ins: closing\r\n")?;
                                    return Ok(Next::Close);
                                }
                                format!("-ERR [AUTH] {why}\r\n")
                            }
                            Ok(mut drop) => match drop.list() {
                                Err(Refusal(why)) => format!("-ERR [SYS/TEMP] {why}\r\n"),
                                Ok(items) => {
                                    let octets: u64 = items.iter().map(|i| i.size).sum();
                                    let reply = format!("+OK {} messages ({octets} octets)\r\n", items.len());
                                    self.state = State::Transaction { drop, items, deleted: BTreeSet::new() };
                                    reply
                                }
                            },
                        },
                    },
                    _ => "-ERR sign in first (USER and PASS)\r\n".to_owned(),
                };
                out.write_all(reply.as_bytes())?;
                Ok(Next::Continue)
            }
            State::Transaction { drop, items, deleted } => {
                transaction(&verb, arg, drop.as_mut(), items, deleted, out)?;
                Ok(Next::Continue)
            }
            State::Done => Ok(Next::Close),
        }
    }

    fn capa(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut caps = vec!["TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"];
        if self.tls || self.host.plain_allowed() {
            caps.push("USER");
        }
        if !self.tls && self.host.tls_offered() && matches!(self.state, State::Authorization { .. }) {
            caps.push("STLS");
        }
        out.write_all(b"+OK capabilities follow\r\n")?;
        for c in caps {
            write!(out, "{c}\r\n")?;
        }
        out.write_all(b"IMPLEMENTATION Mailwarden\r\n.\r\n")
    }

    fn quit(&mut self, out: &mut dyn Write) -> io::Result<Next> {
        let state = std::mem::replace(&mut self.state, State::Done);
        let reply = match state {
            State::Transaction { mut drop, items, deleted } if !deleted.is_empty() => {
                let uids: Vec<String> = deleted.iter().map(|&n| items[n].uid.clone()).collect();
                match drop.delete(&uids) {
                    Ok(()) => format!("+OK {} deleted, bye\r\n", uids.len()),
                    Err(Refusal(why)) => format!("-ERR nothing was deleted: {why}\r\n"),
                }
            }
            _ => "+OK bye\r\n".to_owned(),
        };
        out.write_all(reply.as_bytes())?;
        Ok(Next::Close)
    }
}

/// The message number in `arg` (1-based) if it names a message not deleted.
fn number(arg: &str, items: &[Item], deleted: &BTreeSet<usize>) -> Result<usize, &'static str> {
    let n: usize = arg.trim().parse().map_err(|_| "-ERR not a message number\r\n")?;
    if n == 0 || n > items.len() {
        return Err("-ERR no such message\r\n");
    }
    if deleted.contains(&(n - 1)) {
        return Err("-ERR message is deleted\r\n");
    }
    Ok(n - 1)
}

fn transaction(
    verb: &str,
    arg: &str,
    drop: &mut dyn Maildrop,
    items: &[Item],
    deleted: &mut BTreeSet<usize>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let live = || items.iter().enumerate().filter(|(i, _)| !deleted.contains(i));
    macro_rules! numbered {
        ($arg:expr) => {
            match number($arg, items, deleted) {
                Ok(n) => n,
                Err(reply) => return out.write_all(reply.as_bytes()),
            }
        };
    }
    match verb {
        "STAT" => {
            let (count, octets) = live().fold((0, 0), |(c, o), (_, i)| (c + 1, o + i.size));
            write!(out, "+OK {count} {octets}\r\n")
        }
        "LIST" | "UIDL" if !arg.trim().is_empty() => {
            let n = numbered!(arg);
            match verb {
                "LIST" => write!(out, "+OK {} {}\r\n", n + 1, items[n].size),
                _ => write!(out, "+OK {} {}\r\n", n + 1, items[n].uid),
            }
        }
        "LIST" | "UIDL" => {
            out.write_all(b"+OK listing follows\r\n")?;
            for (i, item) in live() {
                match verb {
                    "LIST" => write!(out, "{} {}\r\n", i + 1, item.size)?,
                    _ => write!(out, "{} {}\r\n", i + 1, item.uid)?,
                }
            }
            out.write_all(b".\r\n")
        }
        "RETR" | "TOP" => {
            let mut args = arg.split_whitespace();
            let n = numbered!(args.next().unwrap_or(""));
            let lines = match (verb, args.next().map(str::parse::<u64>)) {
                ("TOP", Some(Ok(l))) => Some(l),
                ("TOP", _) => return out.write_all(b"-ERR TOP needs a message number and a line count\r\n"),
                _ => None,
            };
            // The reply's first line waits for the first bytes: a message the
            // maildrop cannot give is one -ERR, never a half-sent +OK.
            let mut s = Stuffer::new(out, lines, format!("+OK {} octets\r\n", items[n].size));
            let fetched = drop.fetch(&items[n].uid, &mut s);
            match (fetched, s.started) {
                (Ok(()), _) => s.finish(),
                (Err(Refusal(why)), false) => write!(s.out, "-ERR {why}\r\n"),
                // Too late for -ERR: end the reply and drop the connection's trust.
                (Err(_), true) => Err(io::Error::other("the message could not be read to its end")),
            }
        }
        "DELE" => {
            let n = numbered!(arg);
            deleted.insert(n);
            write!(out, "+OK message {} deleted\r\n", n + 1)
        }
        "RSET" => {
            deleted.clear();
            write!(out, "+OK {} messages\r\n", items.len())
        }
        "NOOP" => out.write_all(b"+OK\r\n"),
        "STLS" | "USER" | "PASS" => out.write_all(b"-ERR signed in already\r\n"),
        _ => out.write_all(b"-ERR unknown command\r\n"),
    }
}

#[cfg(test)]
mod tests;
