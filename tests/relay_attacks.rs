//! The relay as an attacker or an accident on the LAN finds it, each against
//! the real `mailwarden relay run`: a web page posting to the port (curl, and
//! a request sent by hand), a client that talks before the greeting, ranges
//! that mean anyone, queue ids that are paths, recipients Graph would add,
//! a removed device on an open connection, one host holding every slot,
//! sign-in floods, forged log lines, bare line ends smuggled past a real
//! Postfix, and the large-message route's sibling of another tenant.

use mailwarden_tests::mail_env::MailEnv;
use mailwarden_tests::oauth_env::Env;
use mailwarden_tests::relay::*;
use mailwarden_tests::text;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A connection that has read the whole greeting, which was a welcome.
fn greeted(port: u16) -> Conversation {
    let c = Conversation::open(port);
    assert!(c.greeting.starts_with("220"), "{}", c.greeting);
    c
}

/// The first held message in the queue, once there is one.
fn wait_held(env: &Env) -> serde_json::Value {
    mailwarden_tests::eventually_explained(
        "a held message",
        Duration::from_secs(30),
        || queue(env).into_iter().find(|m| m["state"]["held"].is_object()),
        || format!("{:#?}", queue(env)),
    )
}

fn graph_count(env: &Env) -> usize {
    env.idp.state.lock().unwrap().graph_sent.len()
}

fn smtplib_by_address(port: u16, rcpt: &str, msg_id: &str) -> std::process::Output {
    let script = format!(
        r#"
import smtplib
with smtplib.SMTP("127.0.0.1", {port}, timeout=20) as s:
    s.sendmail("scan@printer.lan", ["{rcpt}"], "From: scan@printer.lan\r\nTo: {rcpt}\r\nSubject: s\r\nMessage-ID: {msg_id}\r\n\r\nbody\r\n")
"#
    );
    let mut c = std::process::Command::new("python3");
    c.args(["-c", &script]);
    mailwarden_tests::run_with_stdin(c, None)
}

#[test]
fn a_web_page_cannot_send_through_the_relay() {
    let env = Env::new();
    graph_profile(&env, "Scans", "scans@contoso.com");
    env.ok(&["relay", "device", "add", "printer", "--profile", "Scans", "--no-password", "--allow", "127.0.0.1"], None);
    let relay = Relay::start(&env);
    let smtp_body = "EHLO x\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<victim@example.com>\r\nDATA\r\nSubject: via the web\r\n\r\nx\r\n.\r\nQUIT\r\n";

    // A client that talks before the greeting (a browser sends its request at once).
    let mut tcp = TcpStream::connect(("127.0.0.1", relay.port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    tcp.write_all(format!("POST / HTTP/1.1\r\nHost: x\r\n\r\n{smtp_body}").as_bytes()).unwrap();
    let mut said = String::new();
    let _ = tcp.read_to_string(&mut said);
    assert!(said.starts_with("220-") && said.contains("554 5.5.1"), "{said}");
    assert!(!said.contains("250"), "{said}");

    // curl, a real HTTP client, posting SMTP as its body.
    mailwarden_tests::clients::curl_post_unanswered(relay.port, smtp_body);

    // The same address, now greeted once, sending as SMTP: let in by address.
    let o = smtplib_by_address(relay.port, "bob@example.com", "<control@printer.lan>");
    assert!(o.status.success(), "{}", text(&o.stderr));
    wait_graph_sent(&env, |m| m["message"]["internetMessageId"] == "<control@printer.lan>");

    // A request after the greeting (a spared address): closed at its first line.
    let mut c = greeted(relay.port);
    c.send(format!("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 150\r\n\r\n{smtp_body}").as_bytes());
    let said = c.rest();
    assert_eq!(said, "221 2.7.0 This is a mail relay, not a web server: closing\r\n");
    // Header lines after EHLO, too.
    let mut c = greeted(relay.port);
    c.send(format!("EHLO x\r\nUser-Agent: Mozilla/5.0\r\n{smtp_body}").as_bytes());
    let said = c.rest();
    assert!(said.trim_end().ends_with("221 2.7.0 This is a mail relay, not a web server: closing"), "{said}");

    relay.stop();
    assert_eq!(graph_count(&env), 1, "only the control message left");
    assert!(queue(&env).is_empty());
    let log = std::fs::read_to_string(env.db.dir.path().join("mailwarden.log")).unwrap();
    assert!(log.contains("talked before the greeting") && log.contains("not an SMTP client"), "{log}");
}

#[test]
fn ranges_that_mean_anyone_are_refused_and_the_most_specific_wins() {
    let env = Env::new();
    graph_profile(&env, "Scans", "scans@contoso.com");
    graph_profile(&env, "Floor", "floor@contoso.com");
    let add = |name: &str, allow: &str, extra: &[&str]| {
        let mut args = vec!["relay", "device", "add", name, "--profile", "Scans", "--no-password", "--allow", allow];
        args.extend_from_slice(extra);
        env.run(&args, None)
    };
    for (range, says) in [
        ("0.0.0.0/0", "means any address"),
        ("::/0", "means any address"),
        ("10.0.0.5/0", "means any address"),
        ("10.0.0.5/24", "write 10.0.0.5 for that one address, or 10.0.0.0/24 for its network"),
        ("10.0.0.0/16", "--allow-wide"),
        ("fd00::/48", "--allow-wide"),
    ] {
        let o = add("wide", range, &[]);
        assert!(!o.status.success(), "{range} was taken");
        assert!(text(&o.stderr).contains(says), "{range}: {}", text(&o.stderr));
    }
    assert_eq!(text(&env.ok(&["relay", "device", "list", "--json"], None).stdout).trim(), "[]", "nothing half-saved");
    // Confirmed, a wide range is taken — and warned about everywhere.
    let o = add("lab", "10.8.0.0/16", &["--allow-wide"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("Warning: 10.8.0.0/16 is wider than one subnet"), "{}", text(&o.stdout));
    let status = text(&env.ok(&["relay", "status"], None).stdout);
    assert!(status.contains("Warning: device \"lab\": 10.8.0.0/16 is wider than one subnet"), "{status}");
    let check = env.run(&["check"], None);
    assert!(text(&check.stdout).contains("Relay device “lab” is let in from a wide range"), "{}", text(&check.stdout));

    // Overlapping ranges: the device with the most specific range sends.
    env.ok(
        &["relay", "device", "add", "floor", "--profile", "Floor", "--no-password", "--allow", "127.0.0.0/24"],
        None,
    );
    env.ok(&["relay", "device", "add", "this-pc", "--profile", "Scans", "--no-password", "--allow", "127.0.0.1"], None);
    let relay = Relay::start(&env);
    let o = smtplib_by_address(relay.port, "bob@example.com", "<specific@printer.lan>");
    assert!(o.status.success(), "{}", text(&o.stderr));
    let (mailbox, _) = wait_graph_sent(&env, |m| m["message"]["internetMessageId"] == "<specific@printer.lan>");
    assert_eq!(mailbox, "scans@contoso.com", "the /32 device's profile, not the /24's");
    relay.stop();
}

#[test]
fn queue_ids_are_never_paths() {
    let env = Env::new();
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim.msg");
    std::fs::write(&victim, "keep me").unwrap();
    let as_path = outside.path().join("victim").display().to_string();
    let relative = format!("../../../../../..{}", outside.path().join("victim").display());
    for id in [as_path.as_str(), relative.as_str(), "../x", "a/b", "", "01796635291512215-000001-1/../../x"] {
        for verb in ["delete", "retry"] {
            let o = env.run(&["relay", "queue", verb, id], None);
            assert!(!o.status.success(), "{verb} {id:?} succeeded");
            assert!(text(&o.stderr).contains("is not a queue id"), "{verb} {id:?}: {}", text(&o.stderr));
        }
    }
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    let o = env.run(&["relay", "queue", "delete", "01796635291512215-000001-12546"], None);
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("No message 01796635291512215-000001-12546 in the queue"), "{}", text(&o.stderr));
}

#[test]
fn graph_gets_exactly_the_envelope() {
    let env = Env::new();
    graph_profile(&env, "Scans", "scans@contoso.com");
    let password = add_device_on(&env, "erp", "Scans");
    let relay = Relay::start(&env);
    let send = |from_headers: &str, rcpts: &[&str], id: &str| {
        let from_headers = from_headers.replace("\r\n", "\\r\\n");
        let script = format!(
            r#"
import smtplib, sys
with smtplib.SMTP("127.0.0.1", {port}, timeout=20) as s:
    s.login("erp", sys.stdin.readline().strip())
    s.sendmail("erp@contoso.com", {rcpts:?}, "From: erp@contoso.com\r\n{from_headers}Subject: s\r\nMessage-ID: {id}\r\n\r\nbody\r\n")
"#,
            port = relay.port
        );
        let mut c = std::process::Command::new("python3");
        c.args(["-c", &script]);
        let o = mailwarden_tests::run_with_stdin(c, Some(&format!("{password}\n")));
        assert!(o.status.success(), "{}", text(&o.stderr));
    };
    let delivered = |m: &serde_json::Value| {
        let mut d: Vec<String> =
            m["deliveredTo"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_owned()).collect();
        d.sort();
        d
    };
    // A Bcc given only in RCPT TO (as smtplib and most clients send it) is delivered.
    send("To: Bob <bob@example.com>\r\n", &["bob@example.com", "audit@example.com"], "<bcc@erp>");
    let (_, m) = wait_graph_sent(&env, |m| m["message"]["internetMessageId"] == "<bcc@erp>");
    assert_eq!(delivered(&m), ["audit@example.com", "bob@example.com"]);
    // A Bcc header naming someone outside the envelope is not.
    send("To: bob@example.com\r\nBcc: eve@example.com\r\n", &["bob@example.com"], "<evebcc@erp>");
    let (_, m) = wait_graph_sent(&env, |m| m["message"]["internetMessageId"] == "<evebcc@erp>");
    assert_eq!(delivered(&m), ["bob@example.com"]);
    // 500 addresses in To with one RCPT: held, sent to no one.
    let many: Vec<String> = (0..500).map(|i| format!("r{i}@example.com")).collect();
    send(&format!("To: {}\r\n", many.join(", ")), &["r0@example.com"], "<many@erp>");
    let held = wait_held(&env);
    assert_eq!(held["state"]["held"]["code"], "graph_recipients_outside_envelope");
    assert!(held["state"]["held"]["cause"].as_str().unwrap().contains("r1@example.com"));
    assert!(!env
        .idp
        .state
        .lock()
        .unwrap()
        .graph_sent
        .iter()
        .any(|s| s.1["message"]["internetMessageId"] == "<many@erp>"));
    relay.stop();
}

#[test]
fn a_removed_or_reset_device_on_an_open_connection_sends_no_more() {
    let env = Env::new();
    graph_profile(&env, "Scans", "scans@contoso.com");
    let relay = Relay::start(&env);
    for (change, args) in
        [("rm", vec!["relay", "device", "rm", "erp"]), ("reset", vec!["relay", "device", "reset-password", "erp"])]
    {
        let password = add_device_on(&env, "erp", "Scans");
        let mut c = greeted(relay.port);
        let mut say = |line: &str| c.say(line);
        say("EHLO x");
        assert!(say(&format!("AUTH PLAIN {}", b64(&format!("\0erp\0{password}")))).starts_with("235"));
        for l in ["MAIL FROM:<erp@contoso.com>", "RCPT TO:<bob@example.com>", "DATA"] {
            say(l);
        }
        assert!(say("Subject: before\r\n\r\nx\r\n.").starts_with("250 2.0.0 Ok: queued"));
        assert!(say("NOOP").starts_with("250"));
        env.ok(&args, None);
        let r = say("MAIL FROM:<erp@contoso.com>");
        assert!(r.starts_with("421 4.7.0 This device was removed or given a new password"), "{change}: {r}");
        if change == "reset" {
            env.ok(&["relay", "device", "rm", "erp"], None);
        }
    }
    relay.stop();
}

#[test]
fn one_host_cannot_hold_every_slot() {
    let env = Env::new();
    graph_profile(&env, "Scans", "scans@contoso.com");
    env.ok(&["settings", "set", "--relay-max-connections", "6", "--relay-max-per-client", "3"], None);
    let password = add_device_on(&env, "erp", "Scans");
    let relay = Relay::start(&env);
    let held: Vec<_> = (0..3).map(|_| greeted(relay.port)).collect();
    let r = converse(relay.port, &[]);
    assert!(r[0].starts_with("421 4.7.0 Too many connections from your address"), "{}", r[0]);
    drop(held);
    // Slots come back as sessions end: a signed-in send works again.
    mailwarden_tests::eventually("a send once the slots are back", Duration::from_secs(30), || {
        Some(smtp_as(relay.port, "erp", &password, "<after@erp>")).filter(|o| o.status.success())
    });
    // NOOP keeps nobody forever.
    let mut c = greeted(relay.port);
    c.send("NOOP\r\n".repeat(40).as_bytes());
    let said = c.rest();
    assert!(said.trim_end().ends_with("421 4.7.0 Too many commands without a message: closing"), "{said}");
    // A user name that is a forged log line (or a password typed there) is never logged.
    let forged = format!("AUTH LOGIN {}", b64("x\nrelay: device signed in device=admin"));
    let r = converse(relay.port, &["EHLO x", &forged, &b64("pw")]);
    assert!(r[3].starts_with("535"), "{r:?}");
    // Wrong passwords: three in a session close it; past a few from one
    // address, the next try is shut out at once (no slot waits on a delay).
    let bad = format!("AUTH PLAIN {}", b64("\0erp\0wrong"));
    let r = converse(relay.port, &["EHLO x", &bad, &bad, &bad, "NOOP"]);
    assert!(r[5].starts_with("421 4.7.0 Too many failed sign-ins: closing"), "{r:?}");
    let r = converse(relay.port, &["EHLO x", &bad]);
    assert!(r[2].starts_with("421 4.7.0 Too many failed sign-ins from 127.0.0.1"), "{r:?}");
    relay.stop();
    let log = std::fs::read_to_string(env.db.dir.path().join("mailwarden.log")).unwrap();
    assert!(!log.contains("device=admin"), "{log}");
    assert!(log.contains("relay: sign-in refused"), "{log}");
}

#[test]
fn bare_line_ends_cannot_smuggle_a_message_past_a_real_postfix() {
    let env = MailEnv::new();
    env.connected("Invent ERP", &[]);
    let password = add_device(&env, "printer-1");
    let relay = Relay::start(&env);
    let mut c = greeted(relay.port);
    let smuggled = format!(
        "EHLO x\r\nAUTH PLAIN {}\r\nMAIL FROM:<erp@contoso.com>\r\nRCPT TO:<erp@contoso.com>\r\nDATA\r\n\
         From: erp@contoso.com\r\nTo: erp@contoso.com\r\nSubject: outer\r\nMessage-ID: <outer@erp>\r\n\r\nhello\n.\n\
         MAIL FROM:<erp@contoso.com>\r\nRCPT TO:<basic@contoso.com>\r\nDATA\r\nSubject: smuggled\r\nMessage-ID: <smuggled@erp>\r\n\r\nx\r.\r\n\
         tail\r\n.\r\nQUIT\r\n",
        b64(&format!("\0printer-1\0{password}"))
    );
    c.send(smuggled.as_bytes());
    let said = c.rest();
    assert_eq!(said.matches("250 2.0.0 Ok: queued").count(), 1, "{said}");
    let m = env.mail.wait_delivered("erp@contoso.com", "<outer@erp>").replace("\r\n", "\n");
    assert!(m.contains("hello\n.\nMAIL FROM:<erp@contoso.com>\n") && m.contains("x\n.\ntail"), "{m}");
    relay.stop();
    assert!(env.mail.delivered("basic@contoso.com").is_empty(), "a second message reached basic@");
    assert_eq!(env.mail.delivered("erp@contoso.com").len(), 1);
}

#[test]
fn a_large_message_goes_by_smtp_only_through_the_same_tenant() {
    let env = MailEnv::new();
    graph_profile(&env, "Scans", "erp@contoso.com");
    // An SMTP profile of the same mailbox, but of another tenant: not a route.
    env.smtp_profile("Other tenant", &["--tenant", "2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b"]);
    let password = add_device_on(&env, "scanner", "Scans");
    let relay = Relay::start(&env);
    let script = format!(
        r#"
import smtplib, sys
body = ("x" * 76 + "\r\n") * (3300 * 1024 // 78)
with smtplib.SMTP("127.0.0.1", {port}, timeout=60) as s:
    s.login("scanner", sys.stdin.readline().strip())
    s.sendmail("erp@contoso.com", ["bob@example.com"], "To: bob@example.com\r\nSubject: big\r\n\r\n" + body)
"#,
        port = relay.port
    );
    let mut c = std::process::Command::new("python3");
    c.args(["-c", &script]);
    let o = mailwarden_tests::run_with_stdin(c, Some(&format!("{password}\n")));
    assert!(o.status.success(), "{}", text(&o.stderr));
    let held = wait_held(&env);
    assert_eq!(held["state"]["held"]["code"], "relay_graph_too_large");
    let id = held["envelope"]["id"].as_str().unwrap().to_owned();
    let o = env.ok(&["relay", "queue", "delete", &id], None);
    assert_eq!(text(&o.stdout).trim(), format!("Deleted message {id} from the queue: it will not be sent."));
    relay.stop();
}
