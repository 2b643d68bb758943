//! The POP3 conversation on a stand-in host and maildrop: what RFC 1939
//! says each command answers, byte-stuffing, TOP, deletions applied only at
//! QUIT (and refused whole when the maildrop cannot), TLS before a password.

use super::*;
use std::cell::RefCell;
use std::rc::Rc;

#[derive(Default)]
struct Drop {
    messages: Vec<(String, Vec<u8>)>,
    deleted: Rc<RefCell<Vec<String>>>,
    read_only: bool,
}

impl Maildrop for Drop {
    fn list(&mut self) -> Result<Vec<Item>, Refusal> {
        Ok(self.messages.iter().map(|(u, m)| Item { uid: u.clone(), size: m.len() as u64 }).collect())
    }
    fn fetch(&mut self, uid: &str, out: &mut dyn Write) -> Result<(), Refusal> {
        let m = self.messages.iter().find(|(u, _)| u == uid).ok_or(Refusal("gone".into()))?;
        // In two writes, split mid-line, as a network read would.
        let (a, b) = m.1.split_at(m.1.len() / 2);
        out.write_all(a).and_then(|()| out.write_all(b)).map_err(|e| Refusal(e.to_string()))
    }
    fn delete(&mut self, uids: &[String]) -> Result<(), Refusal> {
        if self.read_only {
            return Err(Refusal("the app may only read this mailbox (Mail.Read): grant Mail.ReadWrite".into()));
        }
        self.deleted.borrow_mut().extend(uids.iter().cloned());
        Ok(())
    }
}

struct Host {
    tls: bool,
    plain: bool,
    deleted: Rc<RefCell<Vec<String>>>,
    read_only: bool,
}

impl Pop3Host for Host {
    fn hostname(&self) -> &str {
        "relay.test"
    }
    fn tls_offered(&self) -> bool {
        self.tls
    }
    fn plain_allowed(&self) -> bool {
        self.plain
    }
    fn open(&self, user: &str, password: &[u8], _tls: bool) -> Result<Box<dyn Maildrop>, Refusal> {
        if (user, password) != ("printer", b"pa ss".as_slice()) {
            return Err(Refusal("wrong user name or password".into()));
        }
        Ok(Box::new(Drop {
            messages: vec![
                ("AAMk-1".into(), b"Subject: one\r\n\r\nfirst\r\n.dot line\r\n".to_vec()),
                ("AAMk-2".into(), b"Subject: two\r\nX: y\r\n\r\nl1\r\nl2\r\nl3\r\nno newline at end".to_vec()),
            ],
            deleted: self.deleted.clone(),
            read_only: self.read_only,
        }))
    }
}

fn host() -> Host {
    Host { tls: true, plain: true, deleted: Rc::default(), read_only: false }
}

/// Run `lines` through a session; the whole transcript of replies.
fn talk(h: &Host, lines: &[&str]) -> String {
    let mut s = Pop3Session::new(h, false);
    let mut out = Vec::new();
    s.greet(&mut out).unwrap();
    for l in lines {
        if s.line(l.as_bytes(), &mut out).unwrap() == Next::Close {
            break;
        }
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn a_session_lists_reads_and_deletes_as_rfc_1939_says() {
    let h = host();
    let t = talk(
        &h,
        &["USER printer", "PASS pa ss", "STAT", "LIST", "UIDL 2", "RETR 1", "DELE 1", "STAT", "RETR 1", "QUIT"],
    );
    let want = "+OK relay.test Mailwarden POP3 ready\r\n\
        +OK send PASS\r\n\
        +OK 2 messages (85 octets)\r\n\
        +OK 2 85\r\n\
        +OK listing follows\r\n1 34\r\n2 51\r\n.\r\n\
        +OK 2 AAMk-2\r\n\
        +OK 34 octets\r\nSubject: one\r\n\r\nfirst\r\n..dot line\r\n.\r\n\
        +OK message 1 deleted\r\n\
        +OK 1 51\r\n\
        -ERR message is deleted\r\n\
        +OK 1 deleted, bye\r\n";
    assert_eq!(t, want);
    assert_eq!(*h.deleted.borrow(), ["AAMk-1"]);
}

#[test]
fn top_gives_the_headers_and_n_body_lines_and_a_last_line_gets_its_crlf() {
    let h = host();
    let t = talk(&h, &["USER printer", "PASS pa ss", "TOP 2 2", "RETR 2", "TOP 2", "TOP 3 1", "QUIT"]);
    assert!(t.contains("+OK 51 octets\r\nSubject: two\r\nX: y\r\n\r\nl1\r\nl2\r\n.\r\n"), "{t}");
    assert!(t.contains("l3\r\nno newline at end\r\n.\r\n"), "{t}");
    assert!(t.contains("-ERR TOP needs a message number and a line count\r\n"), "{t}");
    assert!(t.contains("-ERR no such message\r\n"), "{t}");
}

#[test]
fn nothing_is_deleted_before_quit_nor_after_rset_nor_when_the_maildrop_cannot() {
    let h = host();
    let t = talk(&h, &["USER printer", "PASS pa ss", "DELE 1", "DELE 2", "RSET", "QUIT"]);
    assert!(t.ends_with("+OK 2 messages\r\n+OK bye\r\n"), "{t}");
    assert!(h.deleted.borrow().is_empty());
    // A connection that ends without QUIT deletes nothing (no UPDATE state).
    let h = host();
    talk(&h, &["USER printer", "PASS pa ss", "DELE 1"]);
    assert!(h.deleted.borrow().is_empty());
    // Mail.Read only: -ERR naming it, and nothing lost.
    let h = Host { read_only: true, ..host() };
    let t = talk(&h, &["USER printer", "PASS pa ss", "DELE 1", "QUIT"]);
    assert!(
        t.ends_with(
            "-ERR nothing was deleted: the app may only read this mailbox (Mail.Read): grant Mail.ReadWrite\r\n"
        ),
        "{t}"
    );
}

#[test]
fn a_password_goes_only_over_tls_unless_the_host_allows_clear_text() {
    let h = Host { plain: false, ..host() };
    let t = talk(&h, &["CAPA", "USER printer", "STLS"]);
    assert!(t.contains("STLS\r\n") && !t.contains("\r\nUSER\r\n"), "USER is not offered in clear: {t}");
    assert!(t.contains("-ERR [AUTH] sign in over TLS: send STLS first\r\n"), "{t}");
    assert!(t.ends_with("+OK begin TLS\r\n"), "{t}");
    let mut s = Pop3Session::new(&h, false);
    let mut out = Vec::new();
    assert_eq!(s.line(b"STLS", &mut out).unwrap(), Next::StartTls);
    s.tls_started();
    out.clear();
    s.line(b"CAPA", &mut out).unwrap();
    let caps = String::from_utf8_lossy(&out).into_owned();
    assert!(caps.contains("USER\r\n") && !caps.contains("STLS"), "{caps}");
    assert_eq!(s.line(b"STLS", &mut out).unwrap(), Next::Continue, "TLS is on already");
}

#[test]
fn wrong_passwords_bad_numbers_and_long_lines_are_refused() {
    let h = host();
    let t = talk(
        &h,
        &[
            "STAT",
            "PASS x",
            "USER printer",
            "PASS wrong",
            "USER printer",
            "PASS pa ss",
            "RETR x",
            "DELE 0",
            "LIST 9",
            "FOO",
            "USER again",
        ],
    );
    for want in [
        "-ERR sign in first (USER and PASS)\r\n",
        "-ERR USER first\r\n",
        "-ERR [AUTH] wrong user name or password\r\n",
        "-ERR not a message number\r\n",
        "-ERR no such message\r\n",
        "-ERR unknown command\r\n",
        "-ERR signed in already\r\n",
    ] {
        assert!(t.contains(want), "missing {want:?} in {t}");
    }
    let mut s = Pop3Session::new(&h, true);
    let long = vec![b'a'; LINE_MAX + 1];
    assert_eq!(s.line(&long, &mut Vec::new()).unwrap(), Next::Close);
}

#[test]
fn a_web_page_a_command_flood_and_password_guessing_are_let_go() {
    let h = host();
    let t = talk(&h, &["POST / HTTP/1.1", "USER printer", "PASS pa ss"]);
    assert!(t.ends_with("-ERR this is a POP3 server, not a web server: closing\r\n"), "{t}");
    assert!(!t.contains("+OK send PASS"), "nothing after the request line is read: {t}");
    let t = talk(&h, &["CAPA", "Host: relay.test"]);
    assert!(t.ends_with("not a web server: closing\r\n"), "a header alone too: {t}");
    let noops: Vec<&str> = std::iter::repeat_n("NOOP", 30).collect();
    let t = talk(&h, &noops);
    assert!(t.ends_with("-ERR too many commands without signing in: closing\r\n"), "{t}");
    assert_eq!(t.matches("-ERR sign in first").count(), 20, "{t}");
    let t = talk(&h, &["USER printer", "PASS a", "USER printer", "PASS b", "USER printer", "PASS c", "USER printer"]);
    assert!(t.ends_with("-ERR too many failed sign-ins: closing\r\n"), "{t}");
    assert_eq!(t.matches("+OK send PASS").count(), 3, "{t}");
}
