//! The IMAP front before sign-in (RFC 3501 and 9051's not-authenticated
//! state): CAPABILITY, NOOP, LOGOUT, ID, STARTTLS, LOGIN and AUTHENTICATE
//! PLAIN (with SASL-IR, or a continuation), every other command refused.
//! A device signs in with its relay credentials; the [`ImapHost`] then signs
//! in upstream with the profile's token, and from there the session's bytes
//! are carried through ([`pump`]). Commands are decoded by `imap-codec`
//! (duesee's maintained IMAP codec: it handles quoted strings, literals and
//! their continuation requests exactly, the part a hand parser gets wrong);
//! `imap-next` and `async-imap` drive whole sessions over an async runtime,
//! where the front needs only these commands and then bytes. Lines and
//! literals are bounded, a web page's request closes the connection, and
//! after too many commands without a sign-in or three wrong passwords the
//! session ends. The session never touches a socket, so each rule is
//! unit-tested (`imap/tests.rs`).

use imap_codec::decode::{CommandDecodeError, Decoder};
use imap_codec::imap_types::auth::{AuthMechanism, AuthenticateData};
use imap_codec::imap_types::command::CommandBody;
use imap_codec::imap_types::core::LiteralMode;
use imap_codec::{AuthenticateDataCodec, CommandCodec};
use std::io::{self, Write};

pub(crate) mod pump;
pub(crate) mod serve;
mod split;
mod swap;
#[cfg(test)]
mod tests;
mod track;
pub(crate) mod wire;

/// The longest command line taken before sign-in.
pub const LINE_MAX: usize = 8 * 1024;
/// The longest literal taken before sign-in (a user name or a password).
pub const LITERAL_MAX: u32 = 1024;
/// Commands taken before a sign-in; past them the connection is closed.
const UNSIGNED_MAX: u32 = 20;
/// Wrong passwords in one session before it is closed.
const FAILURES_MAX: u32 = 3;

/// Why a sign-in failed: the response code and the text the app sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// RFC 5530's code: AUTHENTICATIONFAILED, UNAVAILABLE, NOPERM, ….
    pub code: &'static str,
    pub text: String,
}

/// What a session asks of the relay around it.
pub trait ImapHost {
    /// The signed-in upstream session a sign-in yields.
    type Upstream;
    /// STARTTLS is offered.
    fn tls_offered(&self) -> bool;
    /// A password may be sent in clear on this connection.
    fn plain_allowed(&self) -> bool;
    /// Sign the device `user` in with `password`, and its profile upstream.
    fn sign_in(&self, user: &str, password: &[u8], tls: bool) -> Result<Self::Upstream, Refusal>;
}

/// What the connection must do after the session read its input.
pub enum Next<U> {
    /// More input is needed.
    Continue,
    /// Start TLS now (the OK was written), then carry on with nothing pending.
    StartTls,
    /// Close the connection.
    Close,
    /// Signed in: carry the rest (and what is pending) to `U`.
    SignedIn(U),
}

/// One front session before sign-in.
pub struct FrontSession<'h, H: ImapHost> {
    host: &'h H,
    tls: bool,
    commands: u32,
    failures: u32,
    /// AUTHENTICATE PLAIN waits for its data line (the command's tag).
    awaiting: Option<String>,
}

impl<'h, H: ImapHost> FrontSession<'h, H> {
    pub fn new(host: &'h H, tls: bool) -> Self {
        FrontSession { host, tls, commands: 0, failures: 0, awaiting: None }
    }

    /// The greeting, with the capabilities (RFC 3501 7.1.1).
    pub fn greet(&self, out: &mut dyn Write) -> io::Result<()> {
        write!(out, "* OK [CAPABILITY {}] Mailwarden relay ready\r\n", self.capabilities())
    }

    /// TLS is on (STARTTLS done).
    pub fn tls_started(&mut self) {
        self.tls = true;
    }

    fn capabilities(&self) -> String {
        let mut caps = String::from("IMAP4rev1 SASL-IR ID LITERAL+");
        if !self.tls && self.host.tls_offered() {
            caps.push_str(" STARTTLS");
        }
        caps.push_str(if self.tls || self.host.plain_allowed() { " AUTH=PLAIN" } else { " LOGINDISABLED" });
        caps
    }

    /// Take every complete command from the front of `buf` (and answer it
    /// to `out`); what is left is an incomplete command, or — once signed
    /// in — what the app sent after its sign-in, for the upstream.
    pub fn input(&mut self, buf: &mut Vec<u8>, out: &mut dyn Write) -> io::Result<Next<H::Upstream>> {
        loop {
            if let Some(tag) = self.awaiting.clone() {
                let Some(end) = buf.iter().position(|&b| b == b'\n') else {
                    return self.need_more(buf, out);
                };
                let line: Vec<u8> = buf.drain(..=end).collect();
                let next = self.plain_data(&tag, &line, out)?;
                if !matches!(next, Next::Continue) {
                    return Ok(next);
                }
                continue;
            }
            if buf.is_empty() {
                return Ok(Next::Continue);
            }
            let first = buf.split(|&b| b == b'\n').next().unwrap_or_default();
            if crate::admission::is_web_request(&String::from_utf8_lossy(first)) {
                tracing::warn!("imap: a web request was sent to the IMAP port; connection closed");
                return Ok(Next::Close);
            }
            self.commands += 1;
            if self.commands > UNSIGNED_MAX {
                out.write_all(b"* BYE Too many commands without signing in\r\n")?;
                return Ok(Next::Close);
            }
            let next = match CommandCodec::default().decode(buf) {
                Ok((rest, command)) => {
                    let used = buf.len() - rest.len();
                    let tag = command.tag.inner().to_owned();
                    let what = What::of(command.body);
                    buf.drain(..used);
                    self.command(&tag, what, buf, out)?
                }
                Err(CommandDecodeError::Incomplete) => {
                    self.commands -= 1;
                    return self.need_more(buf, out);
                }
                Err(CommandDecodeError::LiteralFound { tag, length, mode }) => {
                    self.commands -= 1;
                    if length > LITERAL_MAX {
                        write!(out, "{} BAD [TOOBIG] Literal too long before sign-in\r\n", tag.inner())?;
                        return Ok(Next::Close);
                    }
                    if mode == LiteralMode::Sync {
                        out.write_all(b"+ Ready for literal data\r\n")?;
                    }
                    return Ok(Next::Continue);
                }
                Err(CommandDecodeError::Failed) => {
                    let Some(end) = buf.iter().position(|&b| b == b'\n') else {
                        self.commands -= 1;
                        return self.need_more(buf, out);
                    };
                    let line: Vec<u8> = buf.drain(..=end).collect();
                    self.other(&line, out)?
                }
            };
            if !matches!(next, Next::Continue) {
                return Ok(next);
            }
        }
    }

    /// An incomplete command: wait, unless it is already too long.
    fn need_more(&self, buf: &[u8], out: &mut dyn Write) -> io::Result<Next<H::Upstream>> {
        if buf.len() > LINE_MAX + LITERAL_MAX as usize * 2 {
            out.write_all(b"* BYE Command line too long\r\n")?;
            return Ok(Next::Close);
        }
        Ok(Next::Continue)
    }

    fn command(
        &mut self,
        tag: &str,
        what: What,
        buf: &mut Vec<u8>,
        out: &mut dyn Write,
    ) -> io::Result<Next<H::Upstream>> {
        match what {
            What::Capability => {
                write!(out, "* CAPABILITY {}\r\n{tag} OK CAPABILITY completed\r\n", self.capabilities())?;
            }
            What::Noop => write!(out, "{tag} OK NOOP completed\r\n")?,
            What::Logout => {
                write!(out, "* BYE Mailwarden relay logging out\r\n{tag} OK LOGOUT completed\r\n")?;
                return Ok(Next::Close);
            }
            What::StartTls if self.tls || !self.host.tls_offered() => {
                write!(out, "{tag} BAD STARTTLS is not offered here\r\n")?;
            }
            What::StartTls => {
                write!(out, "{tag} OK Begin TLS negotiation now\r\n")?;
                // RFC 3501 6.2.1: nothing sent before TLS is carried over.
                buf.clear();
                return Ok(Next::StartTls);
            }
            What::Login { user, password } => return self.sign_in(tag, &user, &password, out),
            What::Plain(Some(data)) => return self.plain(tag, &data, out),
            What::Plain(None) => {
                self.awaiting = Some(tag.to_owned());
                out.write_all(b"+ \r\n")?;
            }
            What::OtherMechanism => {
                write!(out, "{tag} NO [CANNOT] Only AUTHENTICATE PLAIN and LOGIN are offered\r\n")?;
            }
            What::Other => {
                write!(out, "{tag} BAD Sign in first (LOGIN or AUTHENTICATE PLAIN)\r\n")?;
            }
        }
        Ok(Next::Continue)
    }

    /// A line imap-codec does not take: ID (RFC 2971), or a refusal.
    fn other(&mut self, line: &[u8], out: &mut dyn Write) -> io::Result<Next<H::Upstream>> {
        let text = String::from_utf8_lossy(line);
        let mut words = text.split_ascii_whitespace();
        let tag = words.next().filter(|t| is_tag(t)).unwrap_or("*");
        match words.next().map(str::to_ascii_uppercase).as_deref() {
            Some("ID") if tag != "*" => {
                write!(out, "* ID (\"name\" \"Mailwarden relay\")\r\n{tag} OK ID completed\r\n")?;
            }
            _ => write!(out, "{tag} BAD Command not understood\r\n")?,
        }
        Ok(Next::Continue)
    }

    /// The data line of AUTHENTICATE PLAIN.
    fn plain_data(&mut self, tag: &str, line: &[u8], out: &mut dyn Write) -> io::Result<Next<H::Upstream>> {
        self.awaiting = None;
        // RFC 3501 6.2.2: a lone `*` cancels (imap-codec 1.0 reads base64 only).
        if line.trim_ascii() == b"*" {
            write!(out, "{tag} BAD Authentication cancelled\r\n")?;
            return Ok(Next::Continue);
        }
        match AuthenticateDataCodec::default().decode(line) {
            Ok((_, AuthenticateData(data))) => self.plain(tag, data.declassify(), out),
            Err(_) => {
                write!(out, "{tag} BAD The answer was not base64\r\n")?;
                Ok(Next::Continue)
            }
        }
    }

    /// PLAIN's `authzid NUL authcid NUL password` (RFC 4616); an authorisation
    /// identity other than the user's own is refused.
    fn plain(&mut self, tag: &str, data: &[u8], out: &mut dyn Write) -> io::Result<Next<H::Upstream>> {
        let mut parts = data.splitn(3, |&b| b == 0);
        let (Some(authz), Some(user), Some(password)) = (parts.next(), parts.next(), parts.next()) else {
            write!(out, "{tag} BAD PLAIN expects authzid, user and password\r\n")?;
            return Ok(Next::Continue);
        };
        if !authz.is_empty() && authz != user {
            write!(out, "{tag} NO [AUTHORIZATIONFAILED] Sign in as the device itself\r\n")?;
            return Ok(Next::Continue);
        }
        let user = String::from_utf8_lossy(user).into_owned();
        self.sign_in(tag, &user, password, out)
    }

    fn sign_in(
        &mut self,
        tag: &str,
        user: &str,
        password: &[u8],
        out: &mut dyn Write,
    ) -> io::Result<Next<H::Upstream>> {
        if !self.tls && !self.host.plain_allowed() {
            write!(out, "{tag} NO [PRIVACYREQUIRED] Start TLS first (STARTTLS, or the relay's IMAPS port)\r\n")?;
            return Ok(Next::Continue);
        }
        match self.host.sign_in(user, password, self.tls) {
            Ok(up) => {
                write!(out, "{tag} OK Signed in; your mailbox follows\r\n")?;
                Ok(Next::SignedIn(up))
            }
            Err(r) => {
                let text = r.text.replace(['\r', '\n'], " ");
                write!(out, "{tag} NO [{}] {text}\r\n", r.code)?;
                if r.code == "AUTHENTICATIONFAILED" {
                    self.failures += 1;
                    if self.failures >= FAILURES_MAX {
                        out.write_all(b"* BYE Too many failed sign-ins\r\n")?;
                        return Ok(Next::Close);
                    }
                }
                Ok(Next::Continue)
            }
        }
    }
}

/// A command as the session needs it (owned: the decoded one borrows the buffer).
enum What {
    Capability,
    Noop,
    Logout,
    StartTls,
    Login {
        user: String,
        password: Vec<u8>,
    },
    /// AUTHENTICATE PLAIN, with its initial response if sent.
    Plain(Option<Vec<u8>>),
    OtherMechanism,
    Other,
}

impl What {
    fn of(body: CommandBody<'_>) -> What {
        match body {
            CommandBody::Capability => What::Capability,
            CommandBody::Noop => What::Noop,
            CommandBody::Logout => What::Logout,
            CommandBody::StartTLS => What::StartTls,
            CommandBody::Login { username, password } => What::Login {
                user: String::from_utf8_lossy(username.as_ref()).into_owned(),
                password: password.declassify().as_ref().to_vec(),
            },
            CommandBody::Authenticate { mechanism: AuthMechanism::Plain, initial_response } => {
                What::Plain(initial_response.map(|r| r.declassify().to_vec()))
            }
            CommandBody::Authenticate { .. } => What::OtherMechanism,
            _ => What::Other,
        }
    }
}

/// A tag as RFC 3501 allows (ASTRING-CHAR but `+`).
fn is_tag(t: &str) -> bool {
    !t.is_empty() && t.len() <= 64 && t.bytes().all(|b| b.is_ascii_graphic() && !b"(){%*\"\\+]".contains(&b))
}

/// Base64 as the session's tests encode PLAIN.
#[cfg(test)]
pub(crate) fn b64(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(data)
}
