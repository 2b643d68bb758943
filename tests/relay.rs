//! The relay end to end: `mailwarden relay run` as its own process, devices
//! that no one here wrote (Python's smtplib, swaks, msmtp) submitting to it,
//! delivery through the device's profile (SMTP XOAUTH2 to the real Postfix,
//! its token checked by the identity simulator), each message read back from
//! the mailbox by its Message-ID; unauthenticated and wrong-password
//! attempts refused, never relayed; SIGTERM stops it with the queue kept.

use mailwarden_tests::mail::free_port;
use mailwarden_tests::mail_env::MailEnv;
use mailwarden_tests::text;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

struct Relay {
    child: Child,
    port: u16,
}

impl Relay {
    /// Start `relay run` and wait until it says it listens.
    fn start(env: &MailEnv) -> Relay {
        let port = free_port();
        let mut child = env
            .cmd(&["relay", "run", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        while !line.starts_with("Relay listening on") {
            line.clear();
            assert!(out.read_line(&mut line).unwrap() > 0, "the relay ended before listening");
        }
        std::thread::spawn(move || for _ in out.lines() {});
        Relay { child, port }
    }

    /// SIGTERM: it finishes and exits 0.
    fn stop(mut self) -> String {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let status = self.child.wait().unwrap();
        let mut err = String::new();
        std::io::Read::read_to_string(self.child.stderr.as_mut().unwrap(), &mut err).unwrap();
        assert!(status.success(), "relay exit: {status:?}\n{err}");
        err
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn add_device(env: &MailEnv, name: &str) -> String {
    let o = env.ok(&["relay", "device", "add", name, "--profile", "Invent ERP"], None);
    let out = text(&o.stdout);
    out.lines().find_map(|l| l.strip_prefix("Relay password:")).expect("the password is printed once").trim().to_owned()
}

/// Python's smtplib: LOGIN over the loopback connection, one message.
fn smtplib(port: u16, user: &str, password: &str, msg_id: &str) -> std::process::Output {
    let script = format!(
        r#"
import smtplib, sys
from email.message import EmailMessage
m = EmailMessage()
m["From"] = "scanner@printer.lan"
m["To"] = "erp@contoso.com"
m["Subject"] = "Scan from the printer"
m["Message-ID"] = "{msg_id}"
m.set_content("A scanned page.")
with smtplib.SMTP("127.0.0.1", {port}, timeout=20) as s:
    s.ehlo("printer.lan")
    s.login("{user}", sys.stdin.readline().strip())
    s.send_message(m)
"#
    );
    let mut c = Command::new("python3");
    c.args(["-c", &script]);
    mailwarden_tests::run_with_stdin(c, Some(&format!("{password}\n")))
}

#[test]
fn devices_submit_and_the_relay_delivers_through_the_profile() {
    let env = MailEnv::new();
    env.connected("Invent ERP", &[]);
    let password = add_device(&env, "printer-1");
    let relay = Relay::start(&env);

    // Python's smtplib, signed in: the message reaches the mailbox, sent as the profile.
    let o = smtplib(relay.port, "printer-1", &password, "<scan-1@printer.lan>");
    assert!(o.status.success(), "{}", text(&o.stderr));
    let got = env.mail.wait_delivered("erp@contoso.com", "<scan-1@printer.lan>");
    assert!(got.contains("From: erp@contoso.com"), "sent as the profile's mailbox:\n{got}");
    assert!(got.contains("Reply-To: scanner@printer.lan"), "the device's own From kept as Reply-To:\n{got}");
    assert!(got.contains("by ") && got.contains("(Mailwarden relay)"), "a Received line:\n{got}");

    // swaks with AUTH PLAIN, and msmtp with AUTH LOGIN.
    let o = Command::new("swaks")
        .args(["--server", &format!("127.0.0.1:{}", relay.port), "--auth", "PLAIN", "--auth-user", "printer-1"])
        .args(["--auth-password", &password, "--from", "erp@contoso.com", "--to", "erp@contoso.com"])
        .args(["--header", "Message-ID: <swaks-1@printer.lan>", "--header", "Subject: from swaks"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stdout));
    env.mail.wait_delivered("erp@contoso.com", "<swaks-1@printer.lan>");

    // Wrong password and no sign-in: refused, never relayed.
    let o = smtplib(relay.port, "printer-1", "not-the-password", "<bad-1@printer.lan>");
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("535"), "{}", text(&o.stderr));
    let o = Command::new("swaks")
        .args(["--server", &format!("127.0.0.1:{}", relay.port), "--from", "a@b.c", "--to", "erp@contoso.com"])
        .args(["--header", "Message-ID: <anon-1@printer.lan>"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(text(&o.stdout).contains("530 5.7.0 Authentication required"), "{}", text(&o.stdout));

    let log = relay.stop();
    assert!(log.contains("Stopped; 0 message(s) stay in the queue"), "{log}");
    let status = text(&env.ok(&["relay", "status", "--json"], None).stdout).to_owned();
    let status: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert!(status["running"].is_null(), "stopped: {status:#}");
    assert!(status["profiles"][0]["lastDelivery"]["text"].as_str().unwrap().starts_with("250"), "{status:#}");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let all = env.mail.delivered("erp@contoso.com").join("\n");
    assert!(
        !all.contains("<bad-1@printer.lan>") && !all.contains("<anon-1@printer.lan>"),
        "a refused message was relayed"
    );
    // Never the password or a token in the relay's log file.
    let logged = std::fs::read_to_string(env.db.dir.path().join("mailwarden.log")).unwrap_or_default();
    assert!(!logged.contains(&password), "the device password reached the log");
    assert!(logged.contains("relay: delivered"), "{logged}");
}

/// A Python sender that sends `count` messages of about `kb` KB over one
/// signed-in connection, printing `OK n` after each `250` (stdout, flushed).
fn burst(port: u16, password: &str, count: usize, kb: usize, tag: &str) -> std::process::Child {
    let script = format!(
        r#"
import smtplib, sys
body = ("x" * 76 + "\r\n") * ({kb} * 1024 // 78)
s = smtplib.SMTP("127.0.0.1", {port}, timeout=30)
s.ehlo("burst.lan")
s.login("printer-1", sys.stdin.readline().strip())
for n in range({count}):
    msg = "From: scanner@printer.lan\r\nTo: erp@contoso.com\r\nSubject: {tag} " + str(n) + "\r\nMessage-ID: <{tag}-" + str(n) + "@printer.lan>\r\n\r\n" + body
    s.sendmail("scanner@printer.lan", ["erp@contoso.com"], msg)
    print("OK", n, flush=True)
s.quit()
"#
    );
    let mut child = Command::new("python3")
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    child
}

/// How often each Message-ID `<tag-n@…>` is in the mailbox.
fn delivered_counts(env: &MailEnv, tag: &str) -> std::collections::HashMap<usize, usize> {
    let mut counts = std::collections::HashMap::new();
    for m in env.mail.delivered("erp@contoso.com") {
        let needle = format!("Message-ID: <{tag}-");
        if let Some(rest) = m.find(&needle).map(|i| &m[i + needle.len()..]) {
            if let Some(n) = rest.split('@').next().and_then(|n| n.parse().ok()) {
                *counts.entry(n).or_default() += 1;
            }
        }
    }
    counts
}

#[test]
fn acknowledged_messages_survive_kill_9_and_go_out_after_a_restart() {
    let env = MailEnv::new();
    env.connected("Invent ERP", &[]);
    env.ok(&["settings", "set", "--relay-per-minute", "0"], None);
    let password = add_device(&env, "printer-1");
    let relay = Relay::start(&env);
    let mut sender = burst(relay.port, &password, 500, 2, "burst");
    let mut out = BufReader::new(sender.stdout.take().unwrap());
    let mut acknowledged = Vec::new();
    let mut line = String::new();
    // Kill the relay in the middle of the burst.
    while acknowledged.len() < 200 {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "the sender stopped early");
        acknowledged.push(line.trim().trim_start_matches("OK ").parse::<usize>().unwrap());
    }
    let mut relay = relay;
    relay.child.kill().unwrap(); // SIGKILL: no chance to finish anything
    let _ = relay.child.wait();
    for l in out.lines().map_while(Result::ok) {
        acknowledged.push(l.trim_start_matches("OK ").parse().unwrap());
    }
    let _ = sender.wait();
    assert!(acknowledged.len() < 500, "the burst was cut off by the kill");

    // Restarted, the relay sends its queue at once: every acknowledged message arrives.
    let relay = Relay::start(&env);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let counts = loop {
        let counts = delivered_counts(&env, "burst");
        if acknowledged.iter().all(|n| counts.contains_key(n)) {
            break counts;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{} of {} acknowledged delivered",
            counts.len(),
            acknowledged.len()
        );
        std::thread::sleep(std::time::Duration::from_millis(500));
    };
    let duplicates: usize = counts.values().map(|c| c - 1).sum();
    eprintln!("kill -9 after {} acknowledged: all delivered, {duplicates} duplicate(s)", acknowledged.len());
    assert!(duplicates <= 1, "at most the one message in flight at the kill is sent twice: {duplicates}");
    relay.stop();
}

#[test]
fn a_down_upstream_is_retried_in_order_and_a_dead_profile_is_held_while_others_flow() {
    let env = MailEnv::new();
    env.connected("Invent ERP", &[]);
    env.ok(&["settings", "set", "--relay-per-minute", "0"], None);
    let password = add_device(&env, "printer-1");
    // The upstream is down: nothing listens on the profile's SMTP port.
    let closed = free_port().to_string();
    env.ok(&["profile", "edit", "Invent ERP", "--smtp-port", &closed], None);
    let relay = Relay::start(&env);
    let mut s = burst(relay.port, &password, 3, 1, "down");
    assert!(s.wait().unwrap().success(), "accepted while the upstream is down");
    let q = text(&env.ok(&["relay", "queue", "list"], None).stdout).to_owned();
    assert_eq!(q.lines().count(), 3, "{q}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let q = text(&env.ok(&["relay", "queue", "list"], None).stdout).to_owned();
        if q.contains("retrying (1 tries)") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "a refused connection is retried: {q}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }

    // Back up: delivered, in the order they were sent.
    env.ok(&["profile", "edit", "Invent ERP", "--smtp-port", &env.mail.submission.to_string()], None);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while delivered_counts(&env, "down").len() < 3 {
        assert!(std::time::Instant::now() < deadline, "not delivered after the upstream came back");
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    let log = std::fs::read_to_string(env.db.dir.path().join("mailwarden.log")).unwrap();
    let order: Vec<&str> = log.lines().filter(|l| l.contains("relay: delivered")).collect();
    let ids: Vec<String> = order.iter().filter_map(|l| l.split("id=").nth(1)).map(|r| r[..24].to_owned()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "delivered in arrival order");

    // A profile whose grant is revoked: its message is held with the diagnosis;
    // another profile's device still flows; retry after reconnecting sends it.
    env.idp.set_access_lifetime(1);
    env.connected("Dead", &[]);
    let live: Vec<String> = env.idp.state.lock().unwrap().refresh_tokens.keys().cloned().collect();
    for rt in &live {
        env.idp.revoke(rt);
    }
    env.connected("Alive", &[]);
    std::thread::sleep(std::time::Duration::from_millis(1100)); // Dead's access token has expired
    let dead_pw = text(&env.ok(&["relay", "device", "add", "scanner-dead", "--profile", "Dead"], None).stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Relay password:").map(|p| p.trim().to_owned()))
        .unwrap();
    let alive_pw = text(&env.ok(&["relay", "device", "add", "scanner-alive", "--profile", "Alive"], None).stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Relay password:").map(|p| p.trim().to_owned()))
        .unwrap();
    assert!(smtp_as(relay.port, "scanner-dead", &dead_pw, "<dead-0@printer.lan>").status.success());
    assert!(smtp_as(relay.port, "scanner-alive", &alive_pw, "<alive-0@printer.lan>").status.success());
    env.mail.wait_delivered("erp@contoso.com", "<alive-0@printer.lan>");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let held = loop {
        let q: serde_json::Value =
            serde_json::from_slice(&env.ok(&["relay", "queue", "list", "--json"], None).stdout).unwrap();
        if let Some(m) = q.as_array().unwrap().iter().find(|m| !m["state"]["held"].is_null()) {
            break m.clone();
        }
        assert!(std::time::Instant::now() < deadline, "the dead profile's message was not held: {q:#}");
        std::thread::sleep(std::time::Duration::from_millis(300));
    };
    assert_eq!(held["envelope"]["device"], "scanner-dead");
    assert!(held["state"]["held"]["title"].as_str().unwrap().len() > 5, "held with a diagnosis: {held:#}");
    let status = text(&env.ok(&["relay", "status"], None).stdout).to_owned();
    assert!(status.contains("Listening on 127.0.0.1:"), "{status}");
    assert!(status.contains("Dead: 1 queued (0 waiting to retry, 1 held)") && status.contains("HELD:"), "{status}");
    assert!(status.contains("Alive: 0 queued") && status.contains("last delivery"), "{status}");
    assert!(status.contains("last failure") && status.contains("held: "), "{status}");
    // Monitoring sees it: `check` is CRITICAL and names the held message.
    let o = env.run(&["check"], None);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stdout));
    assert!(text(&o.stdout).contains("1 relay message(s) held"), "{}", text(&o.stdout));
    relay.stop();
}

/// One message as `user` through the relay (Python's smtplib).
fn smtp_as(port: u16, user: &str, password: &str, msg_id: &str) -> std::process::Output {
    let script = format!(
        r#"
import smtplib, sys
with smtplib.SMTP("127.0.0.1", {port}, timeout=20) as s:
    s.login("{user}", sys.stdin.readline().strip())
    s.sendmail("dev@printer.lan", ["erp@contoso.com"], "Subject: t\r\nMessage-ID: {msg_id}\r\n\r\nbody\r\n")
"#
    );
    let mut c = Command::new("python3");
    c.args(["-c", &script]);
    mailwarden_tests::run_with_stdin(c, Some(&format!("{password}\n")))
}

/// An SMTP conversation by hand: each line sent, each reply read.
fn converse(port: u16, lines: &[&str]) -> Vec<String> {
    use std::io::Write;
    let mut tcp = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
    let mut r = BufReader::new(tcp.try_clone().unwrap());
    let read_reply = |r: &mut BufReader<std::net::TcpStream>| {
        let mut all = String::new();
        loop {
            let mut l = String::new();
            if r.read_line(&mut l).unwrap_or(0) == 0 {
                return if all.is_empty() { "(closed)".into() } else { all };
            }
            all.push_str(&l);
            if l.as_bytes().get(3) != Some(&b'-') {
                return all;
            }
        }
    };
    let mut replies = vec![read_reply(&mut r)];
    for l in lines {
        tcp.write_all(format!("{l}\r\n").as_bytes()).unwrap();
        replies.push(read_reply(&mut r));
    }
    replies
}

fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

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
    // (Each is counted once the relay greets it.)
    let held: Vec<std::net::TcpStream> = (0..3)
        .map(|_| {
            let tcp = std::net::TcpStream::connect(("127.0.0.1", relay.port)).unwrap();
            let mut greeting = String::new();
            BufReader::new(tcp.try_clone().unwrap()).read_line(&mut greeting).unwrap();
            assert!(greeting.starts_with("220 "), "{greeting}");
            tcp
        })
        .collect();
    let r = converse(relay.port, &[]);
    assert!(r[0].starts_with("421 4.7.0"), "{}", r[0]);
    drop(held);

    // A silent connection is closed after the idle time (once the three
    // above have ended and a connection is let in again).
    let (started, all) = loop {
        let started = std::time::Instant::now();
        let mut tcp = std::net::TcpStream::connect(("127.0.0.1", relay.port)).unwrap();
        tcp.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
        let mut all = String::new();
        let _ = std::io::Read::read_to_string(&mut tcp, &mut all);
        if !all.starts_with("421") {
            break (started, all);
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
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
fn a_full_disk_is_answered_with_452_and_loses_nothing() {
    let env = MailEnv::new();
    env.connected("Invent ERP", &[]);
    let password = add_device(&env, "printer-1");
    // The relay may write files of at most 200 KB: a bigger message cannot be stored.
    let port = free_port();
    let mut child = Command::new("prlimit")
        .args(["--fsize=200000", "--"])
        .arg(mailwarden_tests::binary("mailwarden"))
        .args(["relay", "run", "--listen", &format!("127.0.0.1:{port}")])
        .env("MAILWARDEN_DB", env.db.path())
        .env("MAILWARDEN_CA_FILE", &env.idp.ca.ca_file)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.starts_with("Relay listening") {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0);
    }
    let big = burst(port, &password, 1, 300, "full");
    let o = big.wait_with_output().unwrap();
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("452"), "{}", text(&o.stderr));
    let mut small = burst(port, &password, 1, 2, "fits");
    assert!(small.wait().unwrap().success(), "a message that fits is still taken");
    env.mail.wait_delivered("erp@contoso.com", "<fits-0@printer.lan>");
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    assert!(child.wait().unwrap().success());
}

#[test]
fn msmtp_submits_and_a_graph_profile_delivers_with_sendmail() {
    let env = MailEnv::new();
    // An app-only profile sending through Microsoft Graph (the simulator's).
    const GRAPH_APP: &str = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9";
    env.idp.register(mailwarden_tests::idp::App {
        client_id: GRAPH_APP.into(),
        tenant: mailwarden_tests::oauth_env::TENANT.into(),
        secret: Some(mailwarden_tests::oauth_env::SECRET.into()),
        secret_expired: false,
        public_redirects: vec![],
        web_redirects: vec![],
        app_roles: vec!["Mail.Send".into()],
    });
    env.idp.state.lock().unwrap().graph_users.insert("noreply@contoso.com".into());
    let scopes = format!("{}/.default", env.idp.base);
    let extra = [
        "--client-id",
        GRAPH_APP,
        "--auth",
        "client-credentials",
        "--send",
        "graph",
        "--mailbox",
        "noreply@contoso.com",
        "--scopes",
        &scopes,
        "--client-secret-stdin",
    ];
    env.add_profile("Graph out", &extra, Some(&format!("{}\n", mailwarden_tests::oauth_env::SECRET)));
    let o = env.ok(&["relay", "device", "add", "ups-monitor", "--profile", "Graph out"], None);
    let password = text(&o.stdout).lines().find_map(|l| l.strip_prefix("Relay password:")).unwrap().trim().to_owned();
    let relay = Relay::start(&env);

    let conf = env.db.dir.path().join("msmtprc");
    std::fs::write(
        &conf,
        format!(
            "account relay\nhost 127.0.0.1\nport {}\nauth login\nuser ups-monitor\npassword {password}\ntls off\nfrom ups@printer.lan\n",
            relay.port
        ),
    )
    .unwrap();
    std::fs::set_permissions(&conf, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let msg = "From: ups@printer.lan\r\nTo: ops@contoso.com\r\nSubject: UPS on battery\r\nMessage-ID: <ups-1@printer.lan>\r\n\r\nMains power lost.\r\n";
    let mut c = Command::new("msmtp");
    c.args(["-C"]).arg(&conf).args(["-a", "relay", "ops@contoso.com"]);
    let o = mailwarden_tests::run_with_stdin(c, Some(msg));
    assert!(o.status.success(), "{}", text(&o.stderr));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let sent = loop {
        let sent = env.idp.state.lock().unwrap().graph_sent.clone();
        if let Some(s) = sent.into_iter().next() {
            break s;
        }
        assert!(std::time::Instant::now() < deadline, "nothing reached Graph");
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert_eq!(sent.0, "noreply@contoso.com", "sent as the profile's mailbox");
    assert_eq!(sent.1["message"]["subject"], "UPS on battery");
    assert_eq!(sent.1["message"]["toRecipients"][0]["emailAddress"]["address"], "ops@contoso.com");
    relay.stop();
}

#[test]
fn the_relay_sends_with_tokens_that_live_ten_more_minutes() {
    let env = MailEnv::new();
    env.idp.set_access_lifetime(540); // nine minutes: fine for a test, too short for the relay
    env.connected("Invent ERP", &[]);
    let password = add_device(&env, "printer-1");
    let before = env.idp.count("refresh_token");
    env.ok(&["token", "Invent ERP"], None);
    assert_eq!(env.idp.count("refresh_token"), before, "a 9-minute token is served from the cache");
    let relay = Relay::start(&env);
    assert!(smtp_as(relay.port, "printer-1", &password, "<margin-1@printer.lan>").status.success());
    env.mail.wait_delivered("erp@contoso.com", "<margin-1@printer.lan>");
    assert_eq!(env.idp.count("refresh_token"), before + 1, "the relay refreshed first");
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
fn a_postfix_smart_host_relays_through_mailwarden_with_sasl() {
    let env = MailEnv::new();
    env.connected("Invent ERP", &[]);
    let password = add_device(&env, "branch-postfix");
    let relay = Relay::start(&env);
    // The branch office's Postfix: relayhost = [127.0.0.1]:relay, SASL credentials.
    let branch = mailwarden_tests::mail::SmartHost::start(relay.port, "branch-postfix", &password);
    let script = format!(
        r#"
import smtplib
with smtplib.SMTP("127.0.0.1", {}, timeout=20) as s:
    s.sendmail("erp@contoso.com", ["erp@contoso.com"], "From: erp@contoso.com\r\nTo: erp@contoso.com\r\nSubject: via the branch\r\nMessage-ID: <branch-1@printer.lan>\r\n\r\nHello\r\n")
"#,
        branch.port
    );
    let o = Command::new("python3").args(["-c", &script]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(40);
    while !env.mail.delivered("erp@contoso.com").iter().any(|m| m.contains("<branch-1@printer.lan>")) {
        assert!(std::time::Instant::now() < deadline, "not delivered; branch Postfix:\n{}", branch.log());
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    assert!(branch.log().contains("status=sent"), "{}", branch.log());
    relay.stop();
}
