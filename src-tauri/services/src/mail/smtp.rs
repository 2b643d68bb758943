//! SMTP test send: STARTTLS, implicit TLS, or (loopback only) none; AUTH
//! XOAUTH2 with the access token, or PLAIN/LOGIN with a password. lettre
//! builds the message, formats the commands and parses the replies; the
//! connection is ours (`smtp_conn`, `net`: TCP_NODELAY, fresh TLS sessions).

use super::smtp_conn::{Failure, SmtpConn};
use super::transport::{Delivered, Outgoing};
use super::TestStep;
use crate::diagnosis::{Diagnosis, TransportError};
use crate::error::{CoreError, Result};
use crate::profile::{Profile, TlsMode};
use crate::secret::{ExposeSecret, SecretString};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use lettre::message::{header::ContentType, Mailbox};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::commands::{Auth as AuthCommand, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailParameter};
use lettre::transport::smtp::response::{Response, Severity};
use lettre::{Address, Message};
use std::time::Instant;
use time::OffsetDateTime;

pub enum Auth {
    Bearer(SecretString),
    Password(SecretString),
}

fn bad_address(field: &str, what: &str, value: &str) -> CoreError {
    CoreError::invalid(field, format!("{what} “{value}” is not a valid address."))
}

/// The test message from profile `p` to `to`: its Message-ID (to search
/// for) and its bytes as they go on the wire.
pub fn test_message(p: &Profile, to: &str, now: OffsetDateTime) -> Result<(String, Vec<u8>)> {
    let from: Mailbox =
        p.effective_from().parse().map_err(|_| bad_address("fromAddress", "From", p.effective_from()))?;
    let rcpt: Mailbox = to.parse().map_err(|_| bad_address("to", "Recipient", to))?;
    let (message_id, subject, body) = super::test_content(p, now);
    let msg = Message::builder()
        .from(from)
        .to(rcpt)
        .subject(subject)
        .message_id(Some(message_id.clone()))
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| CoreError::Flow(format!("Could not build the test message: {e}")))?;
    Ok((message_id, msg.formatted()))
}

/// Send `out` over SMTP through profile `p`'s server.
pub fn deliver(
    p: &Profile,
    out: &Outgoing,
    auth: &Auth,
    step: &mut dyn FnMut(TestStep),
    limits: super::net::Limits,
) -> Result<Delivered> {
    let from: Address = out.from.parse().map_err(|_| bad_address("fromAddress", "Sender", out.from))?;
    let to = out
        .to
        .iter()
        .map(|t| t.parse::<Address>().map_err(|_| bad_address("to", "Recipient", t)))
        .collect::<Result<Vec<_>>>()?;
    if to.is_empty() {
        return Err(CoreError::invalid("to", "A message needs at least one recipient."));
    }
    let start = Instant::now();
    let mut t = Transcript::default();
    let result = session(p, &from, &to, out, auth, &mut t, step, limits);
    match result {
        Ok(reply) => Ok(Delivered {
            reply,
            elapsed_ms: start.elapsed().as_millis() as u64,
            transcript: t.0,
            warnings: Vec::new(),
        }),
        Err(CoreError::Auth(mut d)) => {
            d.transcript = t.0;
            Err(CoreError::Auth(d))
        }
        Err(e) => Err(e),
    }
}

/// What was said, for the person: commands and replies, credentials redacted.
#[derive(Default)]
struct Transcript(Vec<String>);

impl Transcript {
    fn client(&mut self, line: impl Into<String>) {
        self.0.push(format!("C: {}", line.into()));
    }
    fn server(&mut self, r: &Response) {
        self.0.push(format!("S: {}", reply_text(r)));
    }
    /// A refusal's reply goes into the transcript where it was said.
    fn reply_of(&mut self, f: &Failure) {
        if let Failure::Reply(r) = f {
            self.server(r);
        }
    }
    fn note(&mut self, line: impl Into<String>) {
        self.0.push(format!("* {}", line.into()));
    }
}

fn reply_text(r: &Response) -> String {
    format!("{} {}", r.code(), r.message().collect::<Vec<_>>().join(" "))
}

/// One SMTP session: connect, EHLO, (STARTTLS, EHLO), AUTH, MAIL, RCPT, DATA, QUIT.
#[allow(clippy::too_many_arguments)] // one session's inputs, each used once
fn session(
    p: &Profile,
    from: &Address,
    to: &[Address],
    out: &Outgoing,
    auth: &Auth,
    t: &mut Transcript,
    step: &mut dyn FnMut(TestStep),
    limits: super::net::Limits,
) -> Result<String> {
    let host = format!("{}:{}", p.smtp_host, p.smtp_port);
    let fail = |f: Failure, t: &mut Transcript| {
        if let Failure::Reply(r) = &f {
            t.server(r);
        }
        failure(f, p)
    };
    // greet puts a refusal's reply in the transcript itself.
    let mut conn = greet(p, t, step, limits).map_err(|f| failure(f, p))?;
    step(TestStep::Auth);
    match auth {
        Auth::Bearer(token) => xoauth2(&mut conn, p, token, &host, t).map_err(|f| fail(f, t))?,
        Auth::Password(pw) => password(&mut conn, p, pw, t).map_err(|f| fail(f, t))?,
    }
    step(TestStep::Send);
    let mut params = vec![];
    if out.smtputf8 {
        if !conn.offers(Extension::SmtpUtfEight) {
            t.note("the server does not offer SMTPUTF8");
            return Err(CoreError::Auth(Box::new(no_smtputf8(&host))));
        }
        params.push(MailParameter::SmtpUtfEight);
    }
    let message = out.message;
    let mail = Mail::new(Some(from.clone()), params).to_string();
    t.client(mail.trim_end());
    let r = conn.command(&mail).map_err(|f| fail(f, t))?;
    t.server(&r);
    for rcpt in to {
        let cmd = Rcpt::new(rcpt.clone(), vec![]).to_string();
        t.client(cmd.trim_end());
        let r = conn.command(&cmd).map_err(|f| fail(f, t))?;
        t.server(&r);
    }
    t.client("DATA");
    let r = conn.command("DATA\r\n").map_err(|f| fail(f, t))?;
    t.server(&r);
    t.client(format!("[the message, {} bytes]", message.len()));
    conn.send_raw(&super::smtp_conn::dot_stuffed(message)).map_err(|e| fail(Failure::Io(e), t))?;
    let r = conn.read_reply().map_err(|f| fail(f, t))?;
    t.server(&r);
    t.client("QUIT");
    conn.quit();
    Ok(reply_text(&r))
}

/// A route that cannot carry internationalized (non-ASCII) addresses.
pub fn no_smtputf8(route: &str) -> Diagnosis {
    Diagnosis::new(
        "smtputf8_unsupported",
        "The route does not carry internationalized addresses",
        format!("The message needs SMTPUTF8 (non-ASCII addresses or headers), which {route} does not offer."),
        vec![
            "Send it to an ASCII address of the recipient, or through a profile whose server offers SMTPUTF8 (Gmail, most Postfix servers).".into(),
        ],
    )
}

/// Whether profile `p`'s SMTP server offers SMTPUTF8 (an EHLO, after
/// STARTTLS when the profile uses it; no sign-in).
pub fn offers_smtputf8(p: &Profile, limits: super::net::Limits) -> Result<bool> {
    let conn = greet(p, &mut Transcript::default(), &mut |_| {}, limits).map_err(|f| failure(f, p))?;
    let offered = conn.offers(Extension::SmtpUtfEight);
    conn.quit();
    Ok(offered)
}

/// Connect and greet: the server's banner, EHLO, and STARTTLS with a second
/// EHLO when the profile asks for it — what every session does before AUTH.
fn greet(
    p: &Profile,
    t: &mut Transcript,
    step: &mut dyn FnMut(TestStep),
    limits: super::net::Limits,
) -> std::result::Result<SmtpConn, Failure> {
    let hello = ClientId::default().to_string();
    let implicit = p.smtp_security == TlsMode::Tls;
    step(TestStep::Connect);
    t.note(format!("connecting to {}:{} ({})", p.smtp_host, p.smtp_port, p.smtp_security.label()));
    let (mut conn, greeting) = SmtpConn::open(&p.smtp_host, p.smtp_port, implicit, limits)?;
    if implicit {
        step(TestStep::Tls);
        t.note("TLS handshake, certificate checked");
    }
    t.server(&greeting);
    t.client(format!("EHLO {hello}"));
    let r = conn.ehlo(&hello).inspect_err(|f| t.reply_of(f))?;
    t.server(&r);
    if p.smtp_security == TlsMode::StartTls {
        step(TestStep::Tls);
        t.client("STARTTLS");
        let (c, r) = conn.starttls(&p.smtp_host).inspect_err(|f| t.reply_of(f))?;
        t.server(&r);
        conn = c;
        t.note("TLS handshake, certificate checked");
        t.client(format!("EHLO {hello}"));
        let r = conn.ehlo(&hello).inspect_err(|f| t.reply_of(f))?;
        t.server(&r);
    }
    Ok(conn)
}

/// AUTH PLAIN (or LOGIN) with the password; lettre computes the responses.
fn password(
    conn: &mut SmtpConn,
    p: &Profile,
    pw: &SecretString,
    t: &mut Transcript,
) -> std::result::Result<(), Failure> {
    let Some(mechanism) = conn.auth_mechanism(&[Mechanism::Plain, Mechanism::Login]) else {
        return Err(Failure::Core(CoreError::Auth(Box::new(Diagnosis::new(
            "smtp_no_password_auth",
            "The server offers no password sign-in",
            format!("{}:{} did not offer AUTH PLAIN or LOGIN after EHLO.", p.smtp_host, p.smtp_port),
            vec![
                "Servers offer passwords only over TLS: set Security to STARTTLS or TLS.".into(),
                "If the server accepts only OAuth (like Microsoft 365), switch this profile to an OAuth sign-in."
                    .into(),
            ],
        )))));
    };
    t.client(format!("AUTH {mechanism} as {} [password redacted]", p.mailbox));
    let creds = Credentials::new(p.mailbox.clone(), pw.expose_secret().to_owned());
    let garbled = |e: lettre::transport::smtp::Error| Failure::Garbled(e.to_string());
    let mut r = conn.command(&AuthCommand::new(mechanism, creds.clone(), None).map_err(garbled)?.to_string())?;
    // LOGIN asks for the user name, then the password: at most two challenges.
    for _ in 0..2 {
        if r.code().severity != Severity::PositiveIntermediate {
            break;
        }
        r =
            conn.command(&AuthCommand::new_from_response(mechanism, creds.clone(), &r).map_err(garbled)?.to_string())?;
    }
    t.server(&r);
    Ok(())
}

/// AUTH XOAUTH2 by hand (no SASL mechanism in lettre answers a failure
/// challenge): the failure challenge (`334` + base64 JSON, which Gmail and
/// Dovecot send before `535`) is answered with an empty line as the SASL
/// profile requires, and both it and a direct `535` end as "token rejected".
fn xoauth2(
    conn: &mut SmtpConn,
    p: &Profile,
    token: &SecretString,
    host: &str,
    t: &mut Transcript,
) -> std::result::Result<(), Failure> {
    let user = crate::oauth::xoauth2::user(p);
    let ir = crate::oauth::xoauth2::encoded(p, token);
    t.client(format!("AUTH XOAUTH2 [user={user}, token redacted]"));
    match conn.command(&format!("AUTH XOAUTH2 {}\r\n", ir.as_str())) {
        Ok(r) if r.code().severity == Severity::PositiveIntermediate => {
            let challenge =
                r.first_line().and_then(|l| B64.decode(l.trim()).ok()).and_then(|b| String::from_utf8(b).ok());
            t.0.push(format!("S: {} [decoded: {}]", r.code(), challenge.as_deref().unwrap_or("?")));
            t.client("(empty response, as SASL requires after a failure challenge)");
            let reply = match conn.command("\r\n") {
                Ok(r) | Err(Failure::Reply(r)) => reply_text(&r),
                Err(f) => return Err(f),
            };
            t.0.push(format!("S: {reply}"));
            Err(Failure::Core(token_rejected(host, &reply, challenge.as_deref())))
        }
        Ok(r) => {
            t.server(&r);
            Ok(())
        }
        Err(Failure::Reply(r)) => {
            t.server(&r);
            Err(Failure::Core(token_rejected(host, &reply_text(&r), None)))
        }
        Err(f) => Err(f),
    }
}

fn token_rejected(host: &str, reply: &str, challenge: Option<&str>) -> CoreError {
    let (code, text) = reply.split_once(' ').unwrap_or((reply, ""));
    if let Some(d) = code.parse().ok().and_then(|c| crate::diagnosis::smtp::explain(c, text)) {
        return CoreError::Auth(Box::new(d));
    }
    let mut d = Diagnosis::new(
        "smtp_token_rejected",
        "The mail server rejected the access token",
        format!("{host} refused AUTH XOAUTH2 ({reply})."),
        vec![
            "Check that the token is for the mail server: Outlook scopes (https://outlook.office.com/SMTP.Send), not Microsoft Graph — Test shows the audience.".into(),
            "Check that the Mailbox is the account that signed in (or one it may send as).".into(),
            "For app-only sending: the Exchange service principal must exist and have FullAccess on the mailbox (New-ServicePrincipal, Add-MailboxPermission).".into(),
        ],
    );
    d.codes = reply.split_whitespace().take(2).map(str::to_owned).collect();
    if let Some(json) = challenge {
        d.description = Some(match serde_json::from_str::<serde_json::Value>(json) {
            Ok(v) => format!(
                "the server's challenge: status {}, scheme {}{}",
                v["status"].as_str().unwrap_or("?"),
                v["schemes"].as_str().unwrap_or("?"),
                v["scope"].as_str().map(|s| format!(", scope {s}")).unwrap_or_default()
            ),
            Err(_) => format!("the server's challenge: {json}"),
        });
    }
    CoreError::Auth(Box::new(d))
}

/// A failed step explained: the connection's failures by type, the
/// server's 4xx/5xx by the SMTP reply table.
fn failure(f: Failure, p: &Profile) -> CoreError {
    let host = format!("{}:{}", p.smtp_host, p.smtp_port);
    let d = match f {
        Failure::Core(e) => return e,
        Failure::Connect(e) => e.diagnose(&host),
        Failure::Io(e) => super::net::io_diagnosis(&e, &host),
        Failure::Garbled(text) => {
            TransportError::Other { host, detail: format!("the answer is not SMTP: {text}") }.diagnose()
        }
        Failure::Reply(r) => {
            let code = u16::from(r.code());
            let text = r.message().collect::<Vec<_>>().join(" ");
            if let Some(d) = crate::diagnosis::smtp::explain(code, &text) {
                return CoreError::Auth(Box::new(d));
            }
            let mut d = Diagnosis::new(
                "smtp_rejected",
                format!("The SMTP server refused the message ({code})"),
                format!("{host} answered: {}", reply_text(&r)),
                vec!["Read the server's answer above; check the mailbox, From address and the account's permission to send.".into()],
            );
            d.codes = vec![code.to_string()];
            d
        }
    };
    CoreError::Auth(Box::new(d))
}
