//! The relay session without a socket: every state fed bytes (in one piece
//! and byte by byte), and each attack of the hardening review (random
//! conversations are in `properties.rs`).

use super::{Flow, Session};
use crate::clock::FixedClock;
use crate::context::Context;
use crate::profile::{test_draft, AuthMethod, Provider, SendMethod};
use crate::secret::ExposeSecret;
use crate::server::RelayState;
use crate::{DeviceDraft, RelaySettings};
use base64::Engine;
use mailwarden_store::crypto::DataKey;
use std::net::IpAddr;
use std::sync::Arc;

pub(super) struct Fixture {
    _dir: tempfile::TempDir,
    engine: Arc<Context>,
    pub(super) shared: Arc<RelayState>,
}

pub(super) fn fixture(settings: RelaySettings) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock { now: time::OffsetDateTime::now_utc(), zone: jiff::tz::TimeZone::UTC });
    let engine = Arc::new(Context::for_tests(&dir.path().join("r.db"), &DataKey::generate(), clock));
    for (name, mailbox) in [("Scans", "scans@contoso.com"), ("Other", "other@contoso.com")] {
        let mut d = test_draft(name, Provider::Microsoft365, AuthMethod::ClientCredentials, SendMethod::Graph);
        d.mailbox = mailbox.into();
        engine.profiles().save(None, &d).unwrap();
    }
    let shared = RelayState::for_tests(engine.clone(), dir.path(), settings);
    Fixture { _dir: dir, engine, shared }
}

impl Fixture {
    pub(super) fn relay(&self) -> crate::Relay<'_> {
        crate::Relay(&self.engine)
    }

    pub(super) fn device(&self, name: &str, profile: &str, allowed: &[&str], by_address: bool) -> Option<String> {
        let draft = DeviceDraft {
            name: name.into(),
            profile: profile.into(),
            by_address,
            allowed: allowed.iter().map(|a| a.to_string()).collect(),
            ..Default::default()
        };
        self.relay().add_device(&draft).unwrap().1.map(|p| p.expose_secret().to_owned())
    }

    pub(super) fn queued(&self) -> Vec<(crate::Envelope, Vec<u8>)> {
        self.shared.spool.ids().unwrap().iter().map(|id| self.shared.spool.read(id).unwrap()).collect()
    }
}

const LOCAL: &str = "127.0.0.1";

/// A session from `ip`, greeted; its greeting read.
fn session<'s>(f: &'s Fixture, ip: &str) -> Session<'s> {
    let mut s = Session::new(f.shared.as_ref(), ip.parse::<IpAddr>().unwrap(), false);
    s.greet();
    assert!(String::from_utf8(s.take_output()).unwrap().starts_with("220 relay.test"));
    s
}

/// Feed `input` (whole, or byte by byte), returning the replies and the last flow.
fn feed(s: &mut Session<'_>, input: &str, bytewise: bool) -> (String, Flow) {
    let mut flow = Flow::Go;
    if bytewise {
        for b in input.as_bytes() {
            flow = s.ingest(std::slice::from_ref(b));
            if flow != Flow::Go {
                break;
            }
        }
    } else {
        flow = s.ingest(input.as_bytes());
    }
    (String::from_utf8(s.take_output()).unwrap(), flow)
}

fn plain(user: &str, pw: &str) -> String {
    format!("AUTH PLAIN {}\r\n", base64::engine::general_purpose::STANDARD.encode(format!("\0{user}\0{pw}")))
}

const MESSAGE: &str =
    "MAIL FROM:<scan@printer.lan>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\nSubject: s\r\n\r\nbody\r\n.\r\n";

#[test]
fn a_web_page_posting_to_the_port_is_closed_at_its_first_line() {
    let f = fixture(RelaySettings::default());
    f.device("printer", "Scans", &["127.0.0.1"], true);
    // What a browser's fetch(…, {method: 'POST', mode: 'no-cors'}) sends, its body SMTP.
    let post = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1:2525\r\nContent-Type: text/plain\r\nContent-Length: 200\r\n\r\nEHLO x\r\n{MESSAGE}QUIT\r\n"
    );
    for bytewise in [false, true] {
        let mut s = session(&f, LOCAL);
        let (out, flow) = feed(&mut s, &post, bytewise);
        assert_eq!(flow, Flow::Close);
        assert_eq!(out, "221 2.7.0 This is a mail relay, not a web server: closing\r\n");
    }
    // A header line after a real command, and binary (a TLS hello on the plain port).
    for junk in ["Host: 127.0.0.1\r\n", "User-Agent: Mozilla/5.0\r\n", "\x16\x03\x01\x02\x00\r\n", " folded\r\n"] {
        let mut s = session(&f, LOCAL);
        feed(&mut s, "EHLO x\r\n", false);
        let (out, flow) = feed(&mut s, &format!("{junk}{MESSAGE}"), false);
        assert_eq!(flow, Flow::Close, "{junk:?}");
        assert!(out.starts_with("221 2.7.0"), "{junk:?}: {out}");
    }
    assert!(f.queued().is_empty());
}

#[test]
fn unknown_and_refused_commands_close_the_session_after_a_few() {
    let f = fixture(RelaySettings::default());
    let mut s = session(&f, "192.0.2.7");
    let (out, flow) = feed(&mut s, "EHLO x\r\nXYZZY\r\nMAIL FROM:<a@b.c>\r\nBDAT 10\r\nFOO\r\nBAR\r\n", false);
    assert_eq!(flow, Flow::Close);
    assert!(out.ends_with("421 4.7.0 Too many errors: closing\r\n"), "{out}");
    assert_eq!(out.matches("\r\n5").count(), 5, "{out}");

    // NOOP and RSET keep a connection open without sending: limited too.
    let mut s = session(&f, LOCAL);
    let (out, flow) = feed(&mut s, &"NOOP\r\n".repeat(30), false);
    assert_eq!(flow, Flow::Close);
    assert_eq!(out.matches("250 2.0.0 OK").count(), 21, "20 allowed, the 21st answered and closed");
    assert!(out.ends_with("421 4.7.0 Too many commands without a message: closing\r\n"));
}

#[test]
fn every_state_answers_as_smtp_says_in_one_piece_or_byte_by_byte() {
    let f = fixture(RelaySettings { max_recipients: 2, max_message_bytes: 2000, ..Default::default() });
    let pw = f.device("printer-1", "Scans", &[], false).unwrap();
    for bytewise in [false, true] {
        let mut s = session(&f, LOCAL);
        let (out, _) = feed(&mut s, "MAIL FROM:<a@b.c>\r\n", bytewise);
        assert!(out.starts_with("503 5.5.1 Say EHLO first"), "{out}");
        let (out, _) = feed(&mut s, "EHLO printer.lan\r\n", bytewise);
        assert!(out.contains("250-AUTH PLAIN LOGIN") && out.contains("250-PIPELINING"), "{out}");
        assert!(!out.contains("STARTTLS"), "no certificate, no STARTTLS: {out}");
        let (out, _) = feed(&mut s, "MAIL FROM:<a@b.c>\r\n", bytewise);
        assert!(out.starts_with("530 5.7.0"), "{out}");
        let (out, _) = feed(&mut s, "RCPT TO:<x@y.z>\r\nDATA\r\n", bytewise);
        assert_eq!(out.lines().map(|l| &l[..3]).collect::<Vec<_>>(), ["503", "503"], "{out}");
        // Four errors so far; a fifth before signing in closes the session.
        let (out, flow) = feed(&mut s, "STARTTLS\r\n", bytewise);
        assert_eq!(out, "502 5.5.1 STARTTLS is not available\r\n421 4.7.0 Too many errors: closing\r\n");
        assert_eq!(flow, Flow::Close);
        // AUTH LOGIN: the user, then the password, each its own line; "*" cancels.
        let mut s = session(&f, LOCAL);
        let b64 = |t: &str| base64::engine::general_purpose::STANDARD.encode(t);
        let (out, _) = feed(&mut s, "EHLO printer.lan\r\nAUTH LOGIN\r\n*\r\n", bytewise);
        assert!(out.ends_with("334 VXNlcm5hbWU6\r\n501 5.0.0 Authentication cancelled\r\n"), "{out}");
        let (out, _) = feed(&mut s, &format!("AUTH LOGIN\r\n{}\r\n{}\r\n", b64("printer-1"), b64(&pw)), bytewise);
        assert_eq!(out, "334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n235 2.7.0 Authentication successful\r\n");
        let (out, _) = feed(&mut s, &plain("printer-1", &pw), bytewise);
        assert!(out.starts_with("503 5.5.1 Already"), "{out}");
        // Pipelined: every reply, in order.
        let (out, _) = feed(
            &mut s,
            "MAIL FROM:<a@b.c> SIZE=99999\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<nobody>\r\nRCPT TO:<1@y.z>\r\nRCPT TO:<2@y.z>\r\nRCPT TO:<3@y.z>\r\n",
            bytewise,
        );
        assert_eq!(
            out.lines().map(|l| &l[..3]).collect::<Vec<_>>(),
            ["552", "250", "501", "250", "250", "452"],
            "{out}"
        );
        // Too large a message is read to its end and refused; the session goes on.
        let big = format!("DATA\r\n{}\r\n.\r\nRSET\r\n", "x".repeat(3000));
        let (out, flow) = feed(&mut s, &big, bytewise);
        assert_eq!(flow, Flow::Go);
        assert!(out.contains("354 ") && out.contains("552 5.3.4") && out.ends_with("250 2.0.0 Reset\r\n"), "{out}");
        // A line over 1,000 bytes, then one that fits.
        let (out, _) = feed(&mut s, &format!("NOOP {}\r\nNOOP\r\n", "a".repeat(1200)), bytewise);
        assert_eq!(out, "500 5.5.2 Line too long\r\n250 2.0.0 OK\r\n");
        let (out, _) = feed(&mut s, &format!("{MESSAGE}QUIT\r\n"), bytewise);
        assert!(out.contains("250 2.0.0 Ok: queued as"), "{out}");
        assert!(out.ends_with("221 2.0.0 Bye\r\n"));
    }
    assert_eq!(f.queued().len(), 2);
}

#[test]
fn bare_line_ends_are_queued_as_crlf_and_end_nothing() {
    let f = fixture(RelaySettings::default());
    let pw = f.device("printer-1", "Scans", &[], false).unwrap();
    let mut s = session(&f, LOCAL);
    let smuggle = "MAIL FROM:<a@b.c>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\nSubject: s\r\n\r\nhi\n.\nMAIL FROM:<x@evil>\r\nRCPT TO:<victim@example.com>\r\nDATA\r\nx\r.\r\nmore\r\n.\r\n";
    let (out, _) = feed(&mut s, &format!("EHLO x\r\n{}{smuggle}", plain("printer-1", &pw)), false);
    assert_eq!(out.matches("250 2.0.0 Ok: queued").count(), 1, "{out}");
    let q = f.queued();
    assert_eq!(q[0].0.to, ["bob@example.com"]);
    let body = &q[0].1;
    assert!(!body.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r'), "no bare LF");
    assert!(!body.windows(2).any(|w| w[0] == b'\r' && w[1] != b'\n'), "no bare CR");
    assert!(String::from_utf8_lossy(body)
        .ends_with("hi\r\n.\r\nMAIL FROM:<x@evil>\r\nRCPT TO:<victim@example.com>\r\nDATA\r\nx\r\n.\r\nmore\r\n"));
}

#[test]
fn a_removed_or_reset_device_stops_at_its_next_message() {
    let f = fixture(RelaySettings::default());
    let pw = f.device("printer-1", "Scans", &[], false).unwrap();
    let mut s = session(&f, LOCAL);
    let (out, _) = feed(&mut s, &format!("EHLO x\r\n{}{MESSAGE}", plain("printer-1", &pw)), false);
    assert!(out.contains("Ok: queued"), "{out}");
    f.relay().reset_password("printer-1").unwrap();
    let (out, flow) = feed(&mut s, "NOOP\r\nMAIL FROM:<a@b.c>\r\n", false);
    assert_eq!(flow, Flow::Close);
    assert!(out.ends_with("421 4.7.0 This device was removed or given a new password: the message was not accepted; sign in again\r\n"), "{out}");

    // Removed while its message comes in: refused at the end of DATA.
    let pw = f.device("printer-2", "Scans", &[], false).unwrap();
    let mut s = session(&f, LOCAL);
    feed(
        &mut s,
        &format!("EHLO x\r\n{}MAIL FROM:<a@b.c>\r\nRCPT TO:<b@c.d>\r\nDATA\r\nhalf", plain("printer-2", &pw)),
        false,
    );
    f.relay().remove_device("printer-2").unwrap();
    let (out, flow) = feed(&mut s, " of it\r\n.\r\n", false);
    assert_eq!(flow, Flow::Close);
    assert!(out.starts_with("554 5.7.1"), "{out}");

    // A device let in by its address alone, removed between two messages.
    f.device("by-address", "Scans", &["127.0.0.1"], true);
    let mut s = session(&f, LOCAL);
    let (out, _) = feed(&mut s, &format!("EHLO x\r\n{MESSAGE}"), false);
    assert!(out.contains("Ok: queued"), "{out}");
    f.relay().remove_device("by-address").unwrap();
    let (out, _) = feed(&mut s, "MAIL FROM:<a@b.c>\r\n", false);
    assert!(out.starts_with("530 5.7.0"), "{out}");
    assert_eq!(f.queued().len(), 2);
}

#[test]
fn wrong_passwords_close_the_session_and_then_shut_the_address_out() {
    let f = fixture(RelaySettings::default());
    f.device("printer-1", "Scans", &[], false).unwrap();
    let mut s = session(&f, LOCAL);
    let (out, flow) = feed(&mut s, &format!("EHLO x\r\n{}", plain("printer-1", "wrong").repeat(3)), false);
    assert_eq!(flow, Flow::Close);
    assert_eq!(out.matches("535 5.7.8").count(), 3);
    assert!(out.ends_with("421 4.7.0 Too many failed sign-ins: closing\r\n"));
    // The fourth try from the address, on a new connection: shut out at once.
    let mut s = session(&f, LOCAL);
    let (out, flow) = feed(&mut s, &format!("EHLO x\r\n{}", plain("printer-1", "wrong")), false);
    assert_eq!(flow, Flow::Go);
    let (out2, flow) = feed(&mut s, &plain("nobody", "wrong"), false);
    assert_eq!(flow, Flow::Close, "{out}{out2}");
    assert!(out2.starts_with("421 4.7.0 Too many failed sign-ins from 127.0.0.1: try again in 1 minute(s)"), "{out2}");
}

#[test]
fn the_most_specific_range_wins_and_mapped_ipv4_matches() {
    let f = fixture(RelaySettings::default());
    f.device("whole-floor", "Other", &["10.1.2.0/24"], true);
    f.device("the-printer", "Scans", &["10.1.2.30"], true);
    f.device("a-neighbour", "Other", &["10.1.2.16/28"], true);
    for peer in ["10.1.2.30", "::ffff:10.1.2.30"] {
        let d = f.shared.open_device(peer.parse().unwrap(), true).unwrap();
        assert_eq!(d.device.name, "the-printer", "{peer}");
    }
    assert_eq!(f.shared.open_device("10.1.2.17".parse().unwrap(), true).unwrap().device.name, "a-neighbour");
    assert_eq!(f.shared.open_device("10.1.2.99".parse().unwrap(), true).unwrap().device.name, "whole-floor");
    assert!(f.shared.open_device("10.1.3.1".parse().unwrap(), true).is_none());
}

#[test]
fn deleting_a_message_being_sent_says_it_may_still_arrive() {
    let f = fixture(RelaySettings::default());
    f.device("printer", "Scans", &["127.0.0.1"], true);
    let mut s = session(&f, LOCAL);
    feed(&mut s, &format!("EHLO x\r\n{MESSAGE}{MESSAGE}"), false);
    let ids = f.shared.spool.ids().unwrap();
    assert_eq!(ids.len(), 2);
    let sending = f.shared.spool.sending(&ids[0]);
    let said = f.relay().delete(&ids[0]).unwrap();
    assert!(said.contains("was handing it to the mail server at that moment: it may still arrive"), "{said}");
    drop(sending);
    let said = f.relay().delete(&ids[1]).unwrap();
    assert!(said.ends_with("from the queue: it will not be sent."), "{said}");
    assert!(f.shared.spool.ids().unwrap().is_empty());
    let e = f.relay().delete(&ids[1]).unwrap_err().to_string();
    assert!(e.contains("delivered or deleted meanwhile"), "{e}");
}

#[test]
fn slots_come_back_however_a_connection_ends_and_addresses_are_limited() {
    let settings = RelaySettings {
        max_connections: 3,
        max_connections_per_client: 2,
        max_connection_rate: 100,
        ..Default::default()
    };
    let f = fixture(settings);
    let ip = |s: &str| s.parse::<IpAddr>().unwrap();
    let a = f.shared.admit(ip("192.0.2.1")).unwrap();
    let _b = f.shared.admit(ip("192.0.2.1")).unwrap();
    assert!(f.shared.admit(ip("192.0.2.1")).err().unwrap().contains("from your address"));
    let _c = f.shared.admit(ip("192.0.2.2")).unwrap();
    assert!(f.shared.admit(ip("192.0.2.3")).err().unwrap().contains("Too many connections;"));
    // A session that ended — or a job dropped because its thread never
    // started — gives its slot back with its guard.
    drop(a);
    let _d = f.shared.admit(ip("192.0.2.3")).unwrap();

    // The rate of new connections from one LAN address; loopback spared.
    let f = fixture(RelaySettings { max_connection_rate: 3, ..Default::default() });
    for _ in 0..3 {
        drop(f.shared.admit(ip("192.0.2.9")).unwrap());
    }
    assert!(f.shared.admit(ip("192.0.2.9")).err().unwrap().contains("this minute"));
    for _ in 0..10 {
        drop(f.shared.admit(ip("127.0.0.1")).unwrap());
    }
}
