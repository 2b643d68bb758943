//! Fetching 1,000 messages (900 × 2 KB, 100 × 200 KB) over IMAP, one FETCH
//! at a time as fetchmail and getmail do, from the same Dovecot mailbox:
//! directly (IMAPS, XOAUTH2 with the profile's token), through Mailwarden's
//! IMAP front (the app signs in with its relay password over plain IMAP on
//! loopback, and again over IMAPS; Mailwarden carries the session to
//! Dovecot's IMAPS), and through email-oauth2-proxy in IMAP
//! mode (PyPI `emailproxy`, the same upstream). Three rounds each,
//! interleaved; the median time. Then the front's memory over 10,000
//! messages fetched (ten rounds, RSS after each). Needs root (the mail rig)
//! and PyPI (the proxy is installed into target/bench-venv). `make bench`
//! runs it.

use mailwarden_tests::bench::{emailproxy, rss_kb, wait_port, CLIENT, SECRET, TENANT};
use mailwarden_tests::idp::{App, Idp};
use mailwarden_tests::mail::{free_port, MailServers};
use mailwarden_tests::{text, workspace_root};
use std::path::Path;
use std::process::{Command, Stdio};

const COUNT: usize = 1000;
const MAILBOX: &str = "erp@contoso.com";

/// One fetch of every message: seconds taken, bytes read (IMAPS trusts `ca`).
fn fetch(ca: &Path, port: u16, mode: &str, user: &str, secret: &str) -> (f64, u64) {
    let script = workspace_root().join("tests/benches/imap_fetch.py");
    let o = Command::new("python3")
        .arg(script)
        .args(["127.0.0.1", &port.to_string(), mode, user, secret])
        .env("SSL_CERT_FILE", ca)
        .output()
        .unwrap();
    assert!(o.status.success(), "{mode} on {port}: {}", text(&o.stderr));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["count"].as_u64(), Some(COUNT as u64), "{r}");
    (r["secs"].as_f64().unwrap(), r["bytes"].as_u64().unwrap())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench --list`
    }
    let idp = Idp::start();
    idp.register(App::new(CLIENT, TENANT).secret(SECRET).roles(&["SMTP.SendAsApp", "IMAP.AccessAsApp"]));
    idp.grant_mailbox(CLIENT, MAILBOX);
    let mail = MailServers::start(&idp.ca, &idp.introspect_url, &[(MAILBOX, MAILBOX)], "contoso.com");
    for n in 0..COUNT {
        let size = if n % 10 == 9 { 200 * 1024 } else { 2 * 1024 };
        let mut m = format!("From: customer@example.com\r\nTo: {MAILBOX}\r\nSubject: Ticket {n}\r\n\r\n").into_bytes();
        while m.len() < size {
            m.extend_from_slice(format!("line {n:05} of a message the bench fetches, {:06}\r\n", m.len()).as_bytes());
        }
        mail.deliver_maildir(MAILBOX, &m);
    }
    let dir = tempfile::tempdir().unwrap();
    let cli = workspace_root().join("target/release/mailwarden");
    assert!(cli.exists(), "build it first: cargo build --release -p mailwarden-cli (make bench does)");
    let env = |c: &mut Command| {
        c.env("MAILWARDEN_DB", dir.path().join("bench.db"))
            .env("MAILWARDEN_CA_FILE", &idp.ca.ca_file)
            .env("MAILWARDEN_KEY_BACKEND", "file");
    };
    let run = |args: &[&str], stdin: Option<&str>| {
        let mut c = Command::new(&cli);
        c.args(args);
        env(&mut c);
        let o = mailwarden_tests::run_with_stdin(c, stdin);
        assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
        text(&o.stdout).to_owned()
    };
    let (imaps, base) = (mail.imaps.to_string(), idp.base.clone());
    #[rustfmt::skip]
    run(
        &["profile", "add", "--name", "Bench", "--cloud", "custom", "--authority-url", &base, "--tenant", TENANT,
          "--client-id", CLIENT, "--auth", "client-credentials", "--send", "smtp", "--mailbox", MAILBOX,
          "--smtp-host", "127.0.0.1", "--imap-host", "127.0.0.1", "--imap-port", &imaps, "--imap-security", "tls",
          "--scopes", "https://outlook.office365.com/.default", "--client-secret-stdin"],
        Some(&format!("{SECRET}\n")),
    );
    let out = run(&["relay", "device", "add", "bench", "--profile", "Bench", "--imap"], None);
    let password = out.lines().find_map(|l| l.strip_prefix("Relay password:")).unwrap().trim().to_owned();
    let token = run(&["token", "Bench"], None).trim().to_owned();
    let (port, tls_port) = (free_port(), free_port());
    let mut relay = Command::new(&cli);
    relay.args(["relay", "run", "--listen", &format!("127.0.0.1:{}", free_port())]);
    relay.args(["--imap-listen", &format!("127.0.0.1:{port}"), "--imap-tls-listen", &format!("127.0.0.1:{tls_port}")]);
    relay.stdout(Stdio::null());
    env(&mut relay);
    let mut relay = relay.spawn().unwrap();
    wait_port(port, "the relay's IMAP front");
    let (mut proxy, proxy_port) = emailproxy(dir.path(), &idp, "IMAP", mail.imaps, "");

    let (ca, relay_ca) = (idp.ca.ca_file.clone(), dir.path().join("relay-cert.pem"));
    let (mut direct, mut front, mut front_tls, mut theirs) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut bytes = 0;
    for _ in 0..3 {
        let (t, b) = fetch(&ca, mail.imaps, "xoauth2", MAILBOX, &token);
        direct.push(t);
        bytes = b;
        let (t, b) = fetch(&ca, port, "login", "bench", &password);
        assert_eq!(b, bytes, "the front carried every byte");
        front.push(t);
        let (t, b) = fetch(&relay_ca, tls_port, "login-tls", "bench", &password);
        assert_eq!(b, bytes, "the front carried every byte over IMAPS");
        front_tls.push(t);
        let (t, b) = fetch(&ca, proxy_port, "login", MAILBOX, "any-local-password");
        assert_eq!(b, bytes, "the proxy carried every byte");
        theirs.push(t);
    }
    let _ = proxy.kill();
    let _ = proxy.wait();

    // Memory over 10,000 messages fetched through the front.
    let mut soak = vec![(0, rss_kb(relay.id(), "VmRSS:"))];
    for round in 1..=10 {
        fetch(&ca, port, "login", "bench", &password);
        soak.push((round * COUNT, rss_kb(relay.id(), "VmRSS:")));
    }
    let peak = rss_kb(relay.id(), "VmHWM:");
    let _ = Command::new("kill").args(["-TERM", &relay.id().to_string()]).status();
    let _ = relay.wait();

    let (d, f, ft, t) = (median(direct), median(front), median(front_tls), median(theirs));
    println!(
        "\n{COUNT} messages ({:.1} MB: 900 × 2 KB, 100 × 200 KB), one FETCH each, Python's imaplib, Dovecot upstream\n",
        bytes as f64 / 1e6
    );
    println!("| | seconds (median of 3) | messages/s |");
    println!("|---|---|---|");
    let rows = [
        ("Dovecot directly (IMAPS, XOAUTH2)", d),
        ("through Mailwarden's IMAP front (app on plain IMAP, loopback)", f),
        ("through Mailwarden's IMAP front (app on IMAPS)", ft),
        ("through email-oauth2-proxy (IMAP, app on plain IMAP)", t),
    ];
    for (name, s) in rows {
        println!("| {name} | {s:.2} | {:.0} |", COUNT as f64 / s);
    }
    println!(
        "\nfront / direct: {:.2}× plain, {:.2}× IMAPS (target ≤ 1.2×); email-oauth2-proxy / front: {:.1}× (target ≥ 2×)",
        f / d,
        ft / d,
        t / f
    );
    println!(
        "\nThe relay's memory (RSS after each round of {COUNT} fetched through the front; peak {:.1} MB):\n",
        peak as f64 / 1024.0
    );
    println!("| messages fetched | RSS, MB |");
    println!("|---|---|");
    for (n, rss) in soak {
        println!("| {n} | {:.1} |", rss as f64 / 1024.0);
    }
}
