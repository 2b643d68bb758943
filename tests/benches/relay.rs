//! The relay beside email-oauth2-proxy (PyPI `emailproxy`, SMTP mode): the same
//! 1,000 messages (every tenth 200 KB, the rest 2 KB) from one client
//! connection through each to the same upstream Postfix (STARTTLS, XOAUTH2
//! with an app-only token from the simulator, checked by Dovecot).
//! Client-side throughput, p50/p99 of the SMTP transaction by size, and the
//! process's memory (RSS at the start, the end, and its peak); then more
//! rounds through the relay alone (BENCH_RELAY_ROUNDS, 9) for its memory over
//! 10,000 messages. Every message
//! through Mailwarden is on disk (fsynced) before its `250`; the proxy passes
//! each through to the upstream before answering. Needs root (Postfix) and
//! PyPI (the proxy is installed into target/bench-venv). `make bench` runs it.

use mailwarden_tests::bench::{emailproxy, register_app, rss_kb, wait_port, CLIENT, SECRET, TENANT};
use mailwarden_tests::idp::Idp;
use mailwarden_tests::mail::{free_port, MailServers};
use mailwarden_tests::{text, workspace_root};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const COUNT: usize = 1000;

struct Run {
    name: &'static str,
    per_sec: f64,
    p: [(f64, f64); 2],
    rss: (u64, u64, u64),
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[((v.len() as f64 - 1.0) * p).round() as usize] * 1000.0
}

/// Send COUNT messages through `port` as `user` while sampling `pid`'s memory.
fn measure(name: &'static str, port: u16, user: &str, password: &str, pid: u32) -> Run {
    let start_rss = rss_kb(pid, "VmRSS:");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (s2, peak) = (stop.clone(), std::sync::Arc::new(std::sync::atomic::AtomicU64::new(start_rss)));
    let p2 = peak.clone();
    let sampler = std::thread::spawn(move || {
        while !s2.load(std::sync::atomic::Ordering::SeqCst) {
            p2.fetch_max(rss_kb(pid, "VmRSS:"), std::sync::atomic::Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    let script = workspace_root().join("tests/benches/relay_client.py");
    let o = Command::new("python3")
        .arg(script)
        .args(["127.0.0.1", &port.to_string(), user, password, &COUNT.to_string()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{name}: {}", text(&o.stderr));
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    sampler.join().unwrap();
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let lat = |k: &str| -> Vec<f64> { r["lat"][k].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect() };
    let (mut small, mut large) = (lat("2"), lat("200"));
    Run {
        name,
        per_sec: COUNT as f64 / r["secs"].as_f64().unwrap(),
        p: [
            (percentile(&mut small, 0.5), percentile(&mut small, 0.99)),
            (percentile(&mut large, 0.5), percentile(&mut large, 0.99)),
        ],
        rss: (start_rss, rss_kb(pid, "VmRSS:"), peak.load(std::sync::atomic::Ordering::SeqCst)),
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench --list`
    }
    let idp = Idp::start();
    register_app(&idp);
    idp.grant_mailbox(CLIENT, "erp@contoso.com");
    let mail =
        MailServers::start(&idp.ca, &idp.introspect_url, &[("erp@contoso.com", "erp@contoso.com")], "contoso.com");
    let dir = tempfile::tempdir().unwrap();
    let cli = workspace_root().join("target/release/mailwarden");
    assert!(cli.exists(), "build it first: cargo build --release -p mailwarden-cli (make bench does)");
    let run = |args: &[&str], stdin: Option<&str>| {
        let mut c = Command::new(&cli);
        c.args(args)
            .env("MAILWARDEN_DB", dir.path().join("bench.db"))
            .env("MAILWARDEN_CA_FILE", &idp.ca.ca_file)
            .env("MAILWARDEN_KEY_BACKEND", "file");
        let o = mailwarden_tests::run_with_stdin(c, stdin);
        assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
        text(&o.stdout).to_owned()
    };
    let (submission, base) = (mail.submission.to_string(), idp.base.clone());
    run(
        &[
            "profile",
            "add",
            "--name",
            "Bench",
            "--cloud",
            "custom",
            "--authority-url",
            &base,
            "--tenant",
            TENANT,
            "--client-id",
            CLIENT,
            "--auth",
            "client-credentials",
            "--send",
            "smtp",
            "--mailbox",
            "erp@contoso.com",
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            &submission,
            "--scopes",
            "https://outlook.office365.com/.default",
            "--client-secret-stdin",
        ],
        Some(&format!("{SECRET}\n")),
    );
    run(&["settings", "set", "--relay-per-minute", "0", "--relay-recipients-per-day", "0"], None);
    let out = run(&["relay", "device", "add", "bench", "--profile", "Bench"], None);
    let password = out.lines().find_map(|l| l.strip_prefix("Relay password:")).unwrap().trim().to_owned();
    let port = free_port();
    let mut relay = Command::new(&cli)
        .args(["relay", "run", "--listen", &format!("127.0.0.1:{port}")])
        .env("MAILWARDEN_DB", dir.path().join("bench.db"))
        .env("MAILWARDEN_CA_FILE", &idp.ca.ca_file)
        .env("MAILWARDEN_KEY_BACKEND", "file")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    wait_port(port, "the relay");
    let ours = measure("Mailwarden relay", port, "bench", &password, relay.id());
    let (mut proxy, proxy_port) = emailproxy(
        dir.path(),
        &idp,
        "SMTP",
        mail.submission,
        "server_starttls = True
",
    );
    let theirs = measure("email-oauth2-proxy", proxy_port, "erp@contoso.com", "any-local-password", proxy.id());

    // Everything the relay took reaches the mailbox.
    let deadline = Instant::now() + Duration::from_secs(300);
    let tag = format!("<bench-{port}-");
    while mail.delivered("erp@contoso.com").iter().filter(|m| m.contains(&tag)).count() < COUNT {
        assert!(Instant::now() < deadline, "the relay did not deliver all {COUNT}");
        std::thread::sleep(Duration::from_millis(500));
    }
    let _ = proxy.kill();
    let _ = proxy.wait();

    // Memory over a longer run: more rounds of COUNT through the relay, its
    // RSS once each round is delivered (flat: it returns to the same level).
    let rounds: usize = std::env::var("BENCH_RELAY_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(9);
    let inbox = mail.dir.path().join("mail/erp@contoso.com/new");
    let delivered = || std::fs::read_dir(&inbox).map_or(0, |d| d.count());
    let mut soak = vec![(COUNT, ours.rss.1, ours.rss.2)];
    for round in 1..=rounds {
        let r = measure("Mailwarden relay", port, "bench", &password, relay.id());
        let total = COUNT * (round + 1);
        let deadline = Instant::now() + Duration::from_secs(600);
        while delivered() < total + COUNT {
            assert!(Instant::now() < deadline, "round {round}: not all delivered");
            std::thread::sleep(Duration::from_millis(500));
        }
        soak.push((total, rss_kb(relay.id(), "VmRSS:"), r.rss.2));
    }
    let _ = Command::new("kill").args(["-TERM", &relay.id().to_string()]).status();
    let _ = relay.wait();

    println!("\n{COUNT} messages (900 × 2 KB, 100 × 200 KB), one client connection, upstream Postfix + XOAUTH2\n");
    println!("| | messages/s | 2 KB p50 / p99 (ms) | 200 KB p50 / p99 (ms) | RSS start → end (peak), MB |");
    println!("|---|---|---|---|---|");
    for r in [&ours, &theirs] {
        println!(
            "| {} | {:.0} | {:.1} / {:.1} | {:.1} / {:.1} | {:.1} → {:.1} ({:.1}) |",
            r.name,
            r.per_sec,
            r.p[0].0,
            r.p[0].1,
            r.p[1].0,
            r.p[1].1,
            r.rss.0 as f64 / 1024.0,
            r.rss.1 as f64 / 1024.0,
            r.rss.2 as f64 / 1024.0
        );
    }
    println!(
        "\nthroughput ratio: {:.1}× (target ≥ 3×); 2 KB p99 {:.1} ms (target ≤ 50 ms)",
        ours.per_sec / theirs.per_sec,
        ours.p[0].1
    );
    println!("\nThe relay's memory over the longer run (RSS once each round is delivered, and the round's peak):\n");
    println!("| messages through the relay | RSS, MB | peak, MB |");
    println!("|---|---|---|");
    for (n, rss, peak) in soak {
        println!("| {n} | {:.1} | {:.1} |", rss as f64 / 1024.0, peak as f64 / 1024.0);
    }
}
