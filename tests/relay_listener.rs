//! The relay's listener: its limits (size, recipients, line length,
//! connections, idle time), devices outside their addresses, TLS (STARTTLS
//! and implicit TLS with a generated certificate), and one relay per queue.

use mailwarden_tests::mail::free_port;
use mailwarden_tests::mail_env::MailEnv;
use mailwarden_tests::relay::*;
use mailwarden_tests::text;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn the_listener_holds_its_limits_and_lets_no_one_else_through() {
    let env = MailEnv::new();
    env.connected("Invent ERP", &[]);
    env.ok(
        &[
            "settings",
            "set",
            "--relay-max-message-mb",
            "1",
            "--relay-max-recipients",
            "2",
            "--relay-max-connections",
            "3",
        ],
        None,
    );
    env.ok(&["settings", "set", "--relay-idle-timeout", "5"], None);
    let password = add_device(&env, "printer-1");
    env.ok(&["relay", "device", "add", "lan-only", "--profile", "Invent ERP", "--allow", "10.9.9.9"], None);
    let relay = Relay::start(&env);
    let plain = |user: &str, pw: &str| format!("AUTH PLAIN {}", b64(&format!("\0{user}\0{pw}")));

    let r = converse(relay.port, &["EHLO t", &plain("printer-1", &password), "MAIL FROM:<a@b.c> SIZE=2000000"]);
    assert!(
        r[1].contains("250-SIZE 1048576") && r[1].contains("AUTH PLAIN LOGIN") && r[1].contains("PIPELINING"),
        "{}",
        r[1]
    );
    assert!(r[2].starts_with("235"), "{}", r[2]);
    assert!(r[3].starts_with("552 5.3.4"), "a declared size over the limit: {}", r[3]);

    let r = converse(
        relay.port,
        &[
            "EHLO t",
            &plain("printer-1", &password),
            "MAIL FROM:<a@b.c>",
            "RCPT TO:<x@y.z>",
            "RCPT TO:<x2@y.z>",
            "RCPT TO:<x3@y.z>",
        ],
    );
    assert!(r[6].starts_with("452 4.5.3"), "the third recipient: {}", r[6]);

    let long = format!("EHLO {}", "a".repeat(5000));
    let r = converse(relay.port, &[&long, "NOOP"]);
    assert!(r[1].starts_with("500 5.5.2"), "a line too long: {}", r[1]);

    // A device allowed only from 10.9.9.9 is refused from here.
    let lan = text(&env.ok(&["relay", "device", "reset-password", "lan-only"], None).stdout)
        .split(": ")
        .nth(1)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned();
    let r = converse(relay.port, &["EHLO t", &plain("lan-only", &lan)]);
    assert!(r[2].starts_with("535 5.7.8"), "outside its addresses: {}", r[2]);

    // Three connections at once are the limit; a fourth is turned away.
    // (Each is counted once the relay greets it, and freed once its session
    // thread has ended — which may be a moment after the client closed: the
    // three are taken once the conversations above have let go of theirs.)
    let held: Vec<std::net::TcpStream> =
        mailwarden_tests::eventually("three connections greeted at once", std::time::Duration::from_secs(30), || {
            let held: Vec<(std::net::TcpStream, String)> = (0..3)
                .map(|_| {
                    let tcp = std::net::TcpStream::connect(("127.0.0.1", relay.port)).unwrap();
                    let mut greeting = String::new();
                    let _ = BufReader::new(tcp.try_clone().unwrap()).read_line(&mut greeting);
                    (tcp, greeting)
                })
                .collect();
            if let Some((_, other)) = held.iter().find(|(_, g)| !g.starts_with("220 ")) {
                assert!(other.starts_with("421 4.7.0"), "turned away for the limit, nothing else: {other}");
                return None;
            }
            Some(held.into_iter().map(|(tcp, _)| tcp).collect())
        });
    let r = converse(relay.port, &[]);
    assert!(r[0].starts_with("421 4.7.0"), "{}", r[0]);
    drop(held);

    // A silent connection is closed after the idle time (once the three
    // above have ended and a connection is let in again).
    let (started, all) =
        mailwarden_tests::eventually("a slot for a new connection", std::time::Duration::from_secs(60), || {
            let started = std::time::Instant::now();
            let mut tcp = std::net::TcpStream::connect(("127.0.0.1", relay.port)).unwrap();
            tcp.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
            let mut all = String::new();
            let _ = std::io::Read::read_to_string(&mut tcp, &mut all);
            (!all.starts_with("421")).then_some((started, all))
        });
    assert!(all.starts_with("220 "), "{all}");
    let idle = started.elapsed();
    assert!(idle >= std::time::Duration::from_secs(4) && idle < std::time::Duration::from_secs(15), "{idle:?}");

    // Nothing of the password in the queue folder or the log.
    let mut s = burst(relay.port, &password, 2, 1, "limits");
    assert!(s.wait().unwrap().success());
    env.mail.wait_delivered("erp@contoso.com", "<limits-1@printer.lan>");
    for (path, bytes) in env.db.all_bytes() {
        assert!(!mailwarden_tests::contains(&bytes, password.as_bytes()), "the password in {}", path.display());
    }
    relay.stop();
}

#[test]
fn starttls_and_implicit_tls_with_a_generated_certificate() {
    let env = MailEnv::new();
    env.connected("Invent ERP", &[]);
    let password = add_device(&env, "printer-1");
    let (port, tls_port) = (free_port(), free_port());
    let mut child = env
        .cmd(&[
            "relay",
            "run",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--tls-listen",
            &format!("127.0.0.1:{tls_port}"),
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut banner = String::new();
    while !banner.contains("SHA-256") {
        let mut l = String::new();
        assert!(out.read_line(&mut l).unwrap() > 0, "{banner}");
        banner.push_str(&l);
    }
    assert!(banner.contains("STARTTLS") && banner.contains("generated"), "{banner}");
    let key = env.db.dir.path().join("relay-key.pem");
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&key).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600, "the generated key is private");

    for (tls_flag, p, id) in
        [("--tls", port, "<starttls-1@printer.lan>"), ("--tlsc", tls_port, "<smtps-1@printer.lan>")]
    {
        let o = Command::new("swaks")
            .args(["--server", &format!("127.0.0.1:{p}"), tls_flag, "--auth", "LOGIN", "--auth-user", "printer-1"])
            .args(["--auth-password", &password, "--from", "erp@contoso.com", "--to", "erp@contoso.com"])
            .args(["--header", &format!("Message-ID: {id}")])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o.stdout));
        assert!(text(&o.stdout).contains("TLS started") || text(&o.stdout).contains("TLS"), "{}", text(&o.stdout));
        env.mail.wait_delivered("erp@contoso.com", id);
    }
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    assert!(child.wait().unwrap().success());
}

#[test]
fn a_second_relay_for_the_same_queue_is_refused_naming_the_first() {
    let env = MailEnv::new();
    env.connected("Invent ERP", &[]);
    let relay = Relay::start(&env);
    let pid = relay.child.id();
    let o = env.cmd(&["relay", "run", "--listen", &format!("127.0.0.1:{}", free_port())]).output().unwrap();
    assert!(!o.status.success());
    let err = text(&o.stderr);
    assert!(
        err.contains("A relay already runs for this data folder")
            && err.contains(&format!("process {pid}, listening on 127.0.0.1:{}", relay.port)),
        "{err}"
    );
    // `relay status` names the one that runs.
    let status = text(&env.ok(&["relay", "status", "--json"], None).stdout).to_owned();
    let status: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert_eq!(status["running"]["pid"], pid, "{status:#}");
    // Stopped, the queue is free again.
    relay.stop();
    Relay::start(&env).stop();
}
