//! The IMAP front before sign-in, on a stand-in host: what each command
//! answers, literals and their continuation, PLAIN in both forms, TLS before
//! a password, and the limits that close a connection.

use super::*;

struct Host {
    tls: bool,
    plain: bool,
}

impl ImapHost for Host {
    type Upstream = String;
    fn tls_offered(&self) -> bool {
        self.tls
    }
    fn plain_allowed(&self) -> bool {
        self.plain
    }
    fn sign_in(&self, user: &str, password: &[u8], _tls: bool) -> Result<String, Refusal> {
        if (user, password) == ("scanner", b"p a\"ss".as_slice()) {
            Ok(format!("{user}'s mailbox"))
        } else {
            Err(Refusal { code: "AUTHENTICATIONFAILED", text: "Wrong user name or password".into() })
        }
    }
}

/// Feed `input`; the replies, and how the session ended up.
fn talk(s: &mut FrontSession<'_, Host>, buf: &mut Vec<u8>, input: &[u8]) -> (String, Option<String>) {
    buf.extend_from_slice(input);
    let mut out = Vec::new();
    let next = match s.input(buf, &mut out).unwrap() {
        Next::Continue => None,
        Next::StartTls => Some("starttls".into()),
        Next::Close => Some("close".into()),
        Next::SignedIn(u) => Some(u),
    };
    (String::from_utf8(out).unwrap(), next)
}

#[test]
fn greeting_and_capabilities_follow_tls() {
    let host = Host { tls: true, plain: false };
    let mut s = FrontSession::new(&host, false);
    let mut greeting = Vec::new();
    s.greet(&mut greeting).unwrap();
    let greeting = String::from_utf8(greeting).unwrap();
    assert!(greeting.starts_with("* OK [CAPABILITY IMAP4rev1"), "{greeting}");
    assert!(greeting.contains("STARTTLS") && greeting.contains("LOGINDISABLED"), "{greeting}");
    let mut buf = Vec::new();
    let (out, next) = talk(&mut s, &mut buf, b"a1 LOGIN scanner secret\r\n");
    assert_eq!(out, "a1 NO [PRIVACYREQUIRED] Start TLS first (STARTTLS, or the relay's IMAPS port)\r\n");
    assert!(next.is_none());
    let (out, next) = talk(&mut s, &mut buf, b"a2 STARTTLS\r\na3 LOGIN injected before tls\r\n");
    assert_eq!(out, "a2 OK Begin TLS negotiation now\r\n");
    assert_eq!(next.as_deref(), Some("starttls"));
    assert!(buf.is_empty(), "what came before TLS is dropped (RFC 3501 6.2.1)");
    s.tls_started();
    let (out, _) = talk(&mut s, &mut buf, b"a4 CAPABILITY\r\n");
    assert_eq!(out, "* CAPABILITY IMAP4rev1 SASL-IR ID LITERAL+ AUTH=PLAIN\r\na4 OK CAPABILITY completed\r\n");
}

#[test]
fn login_with_a_quoted_password_and_with_a_literal() {
    let host = Host { tls: false, plain: true };
    let mut s = FrontSession::new(&host, false);
    let mut buf = Vec::new();
    let (out, next) = talk(&mut s, &mut buf, b"a1 LOGIN scanner \"p a\\\"ss\"\r\na2 SELECT INBOX\r\n");
    assert_eq!(out, "a1 OK Signed in; your mailbox follows\r\n");
    assert_eq!(next.as_deref(), Some("scanner's mailbox"));
    assert_eq!(buf, b"a2 SELECT INBOX\r\n", "what follows the sign-in is kept for the upstream");

    let mut s = FrontSession::new(&host, false);
    let mut buf = Vec::new();
    let (out, next) = talk(&mut s, &mut buf, b"b1 LOGIN scanner {6}\r\n");
    assert_eq!((out.as_str(), next), ("+ Ready for literal data\r\n", None));
    let (out, next) = talk(&mut s, &mut buf, b"p a\"ss\r\n");
    assert_eq!(out, "b1 OK Signed in; your mailbox follows\r\n");
    assert!(next.is_some());

    let mut s = FrontSession::new(&host, false);
    let (out, next) = talk(&mut s, &mut Vec::new(), b"c1 LOGIN scanner {6+}\r\np a\"ss\r\n");
    assert_eq!(out, "c1 OK Signed in; your mailbox follows\r\n", "LITERAL+: no continuation");
    assert!(next.is_some());
}

#[test]
fn authenticate_plain_in_both_forms_and_cancelled() {
    let host = Host { tls: false, plain: true };
    let mut s = FrontSession::new(&host, false);
    let mut buf = Vec::new();
    let ir = b64(b"\0scanner\0p a\"ss");
    let (out, next) = talk(&mut s, &mut buf, format!("a1 AUTHENTICATE PLAIN {ir}\r\n").as_bytes());
    assert_eq!(out, "a1 OK Signed in; your mailbox follows\r\n");
    assert!(next.is_some());

    let mut s = FrontSession::new(&host, false);
    let mut buf = Vec::new();
    let (out, _) = talk(&mut s, &mut buf, b"a2 AUTHENTICATE PLAIN\r\n");
    assert_eq!(out, "+ \r\n");
    let (out, _) = talk(&mut s, &mut buf, b"*\r\n");
    assert_eq!(out, "a2 BAD Authentication cancelled\r\n");
    let (out, _) = talk(&mut s, &mut buf, b"a3 AUTHENTICATE PLAIN\r\n");
    assert_eq!(out, "+ \r\n");
    let (out, next) = talk(&mut s, &mut buf, format!("{}\r\n", b64(b"scanner\0scanner\0p a\"ss")).as_bytes());
    assert_eq!(out, "a3 OK Signed in; your mailbox follows\r\n");
    assert!(next.is_some());

    let mut s = FrontSession::new(&host, false);
    let (out, _) = talk(
        &mut s,
        &mut Vec::new(),
        format!("a4 AUTHENTICATE PLAIN {}\r\n", b64(b"boss\0scanner\0p a\"ss")).as_bytes(),
    );
    assert!(out.starts_with("a4 NO [AUTHORIZATIONFAILED]"), "{out}");
    let (out, _) = talk(&mut s, &mut Vec::new(), b"a5 AUTHENTICATE XOAUTH2 YWJj\r\n");
    assert!(out.starts_with("a5 NO [CANNOT]"), "{out}");
}

#[test]
fn commands_before_sign_in() {
    let host = Host { tls: false, plain: true };
    let mut s = FrontSession::new(&host, false);
    let mut buf = Vec::new();
    let (out, _) =
        talk(&mut s, &mut buf, b"a1 NOOP\r\na2 ID (\"name\" \"fetchmail\")\r\na3 SELECT INBOX\r\nnonsense\r\n");
    assert_eq!(
        out,
        "a1 OK NOOP completed\r\n* ID (\"name\" \"Mailwarden relay\")\r\na2 OK ID completed\r\n\
         a3 BAD Sign in first (LOGIN or AUTHENTICATE PLAIN)\r\nnonsense BAD Command not understood\r\n"
    );
    let (out, next) = talk(&mut s, &mut buf, b"a4 STARTTLS\r\n");
    assert_eq!((out.as_str(), next), ("a4 BAD STARTTLS is not offered here\r\n", None));
    let (out, next) = talk(&mut s, &mut buf, b"a5 LOGOUT\r\n");
    assert_eq!(out, "* BYE Mailwarden relay logging out\r\na5 OK LOGOUT completed\r\n");
    assert_eq!(next.as_deref(), Some("close"));
}

#[test]
fn limits_close_the_connection() {
    let host = Host { tls: false, plain: true };
    // Three wrong passwords.
    let mut s = FrontSession::new(&host, false);
    let (out, next) = talk(&mut s, &mut Vec::new(), b"a LOGIN scanner x\r\nb LOGIN scanner y\r\nc LOGIN scanner z\r\n");
    assert!(out.ends_with("* BYE Too many failed sign-ins\r\n"), "{out}");
    assert_eq!(next.as_deref(), Some("close"));
    // A web page posting to the port.
    let mut s = FrontSession::new(&host, false);
    let (out, next) = talk(&mut s, &mut Vec::new(), b"POST / HTTP/1.1\r\nHost: 127.0.0.1:1143\r\n\r\na LOGIN x y\r\n");
    assert_eq!((out.as_str(), next.as_deref()), ("", Some("close")));
    // A literal larger than a password.
    let mut s = FrontSession::new(&host, false);
    let (out, next) = talk(&mut s, &mut Vec::new(), b"a LOGIN scanner {100000}\r\n");
    assert!(out.starts_with("a BAD [TOOBIG]"), "{out}");
    assert_eq!(next.as_deref(), Some("close"));
    // An endless line.
    let mut s = FrontSession::new(&host, false);
    let (out, next) = talk(&mut s, &mut Vec::new(), &vec![b'a'; LINE_MAX * 2]);
    assert_eq!((out.as_str(), next.as_deref()), ("* BYE Command line too long\r\n", Some("close")));
    // A flood of commands without a sign-in.
    let mut s = FrontSession::new(&host, false);
    let (out, next) = talk(&mut s, &mut Vec::new(), "a NOOP\r\n".repeat(30).as_bytes());
    assert!(out.ends_with("* BYE Too many commands without signing in\r\n"), "{out}");
    assert_eq!(next.as_deref(), Some("close"));
}
