//! The relay's intake beside Postfix's own smtpd, under a load from a tool
//! nobody here wrote: Postfix's `smtp-source` sends BENCH_INTAKE_COUNT
//! (10,000) messages of 2 KB over 20 parallel sessions, one connection per
//! message as printers send, to each in turn — the Mailwarden relay (a device
//! let in by its address; delivering with XOAUTH2, a client-credentials
//! token from the simulator) and a Postfix instance relaying to a smart host
//! (`tests/support/smarthost.rs`). Both fsync each message before its `250`,
//! and each delivers to its own `smtp-sink`, which writes every message it
//! takes to a file. Reported: intake (messages per second while
//! smtp-source runs), the p50/p99 of a probe client's whole transaction
//! (connect to `250` after DATA) during that load, the time until the last
//! message reached the upstream, and the relay's memory. Both are warmed
//! by one message first (the relay's pregreet pause is once a day per
//! address). Needs root (Postfix). `make bench` runs it.

use mailwarden_tests::bench::{register_app, rss_kb, wait_port, CLIENT, SECRET, TENANT};
use mailwarden_tests::idp::Idp;
use mailwarden_tests::mail::free_port;
use mailwarden_tests::smarthost::SmartHost;
use mailwarden_tests::{text, workspace_root};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SESSIONS: usize = 20;
const PROBES: usize = 200;

/// `smtp-sink` on a free port, each message it takes written to a file in `dir`.
struct Sink {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Sink {
    fn start(dir: &Path, announce_auth: bool) -> Sink {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o1777)).unwrap();
        let port = free_port();
        let mut c = Command::new("smtp-sink");
        c.args(["-u", "nobody", "-d"]).arg(format!("{}/%H%M%S.", dir.display()));
        if !announce_auth {
            c.arg("-a");
        }
        let child = c.arg(format!("127.0.0.1:{port}")).arg("256").stdout(Stdio::null()).spawn().expect("smtp-sink");
        wait_port(port, "smtp-sink");
        Sink { child, port, dir: dir.to_path_buf() }
    }

    fn count(&self) -> usize {
        std::fs::read_dir(&self.dir).map_or(0, |d| d.count())
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One message's whole transaction (connect … `250` after DATA … QUIT), in seconds.
fn probe(port: u16, n: usize) -> f64 {
    use std::io::{BufRead, BufReader, Write};
    let start = Instant::now();
    let tcp = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut r = BufReader::new(tcp.try_clone().unwrap());
    let mut w = tcp;
    let mut reply = || loop {
        let mut l = String::new();
        assert!(r.read_line(&mut l).unwrap() > 0, "closed");
        if l.as_bytes().get(3) != Some(&b'-') {
            assert!(l.starts_with('2') || l.starts_with('3'), "{l}");
            return;
        }
    };
    reply();
    let body = "x".repeat(76) + "\r\n";
    let msg = format!("Subject: probe {n}\r\nMessage-ID: <probe-{n}@bench>\r\n\r\n{}.\r\n", body.repeat(2048 / 78));
    for cmd in ["HELO probe.lan\r\n", "MAIL FROM:<probe@printer.lan>\r\n", "RCPT TO:<bob@example.com>\r\n", "DATA\r\n"]
    {
        w.write_all(cmd.as_bytes()).unwrap();
        reply();
    }
    w.write_all(msg.as_bytes()).unwrap();
    reply();
    let took = start.elapsed().as_secs_f64();
    let _ = w.write_all(b"QUIT\r\n");
    took
}

struct Round {
    name: &'static str,
    intake_secs: f64,
    p50: f64,
    p99: f64,
    upstream_secs: f64,
}

/// smtp-source's load (and the probe beside it) against `port`; then the
/// wait until `sink` holds every message.
fn load(name: &'static str, port: u16, sink: &Sink, count: usize) -> Round {
    let before = sink.count();
    probe(port, usize::MAX); // warm-up (and the relay's pregreet for this address)
    let start = Instant::now();
    let source = Command::new("smtp-source")
        .args(["-s", &SESSIONS.to_string(), "-m", &count.to_string(), "-l", "2048", "-M", "printer.lan"])
        .args(["-f", "scan@printer.lan", "-t", "bob@example.com", "-S", "smtp-source load"])
        .arg(format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("smtp-source (the postfix package)");
    let mut lat: Vec<f64> = (0..PROBES).map(|n| probe(port, n)).collect();
    let o = source.wait_with_output().unwrap();
    let intake_secs = start.elapsed().as_secs_f64();
    assert!(o.status.success(), "{name}: smtp-source: {}", text(&o.stderr));
    let total = count + PROBES + 1;
    let deadline = Instant::now() + Duration::from_secs(1800);
    while sink.count() < before + total {
        assert!(Instant::now() < deadline, "{name}: {} of {total} reached the upstream", sink.count() - before);
        std::thread::sleep(Duration::from_millis(100));
    }
    let upstream_secs = start.elapsed().as_secs_f64();
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let at = |p: f64| lat[((lat.len() as f64 - 1.0) * p).round() as usize] * 1000.0;
    Round { name, intake_secs, p50: at(0.5), p99: at(0.99), upstream_secs }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench --list`
    }
    let count: usize = std::env::var("BENCH_INTAKE_COUNT").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let idp = Idp::start();
    register_app(&idp);
    let dir = tempfile::Builder::new().prefix("mw-intake-").tempdir_in("/tmp").unwrap();
    std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let relay_sink = Sink::start(&dir.path().join("sink-relay"), true);
    let postfix_sink = Sink::start(&dir.path().join("sink-postfix"), false);

    let cli = workspace_root().join("target/release/mailwarden");
    assert!(cli.exists(), "build it first: cargo build --release -p mailwarden-cli (make bench does)");
    let db = dir.path().join("bench.db");
    let run = |args: &[&str], stdin: Option<&str>| {
        let mut c = Command::new(&cli);
        c.args(args)
            .env("MAILWARDEN_DB", &db)
            .env("MAILWARDEN_CA_FILE", &idp.ca.ca_file)
            .env("MAILWARDEN_KEY_BACKEND", "file");
        let o = mailwarden_tests::run_with_stdin(c, stdin);
        assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
    };
    let (sink_port, base) = (relay_sink.port.to_string(), idp.base.clone());
    #[rustfmt::skip]
    run(
        &["profile", "add", "--name", "Bench", "--cloud", "custom", "--authority-url", &base, "--tenant", TENANT,
          "--client-id", CLIENT, "--auth", "client-credentials", "--send", "smtp", "--mailbox", "erp@contoso.com",
          "--smtp-host", "127.0.0.1", "--smtp-port", &sink_port, "--smtp-security", "none",
          "--scopes", "https://outlook.office365.com/.default", "--client-secret-stdin"],
        Some(&format!("{SECRET}\n")),
    );
    run(&["settings", "set", "--relay-per-minute", "0", "--relay-recipients-per-day", "0"], None);
    run(&["relay", "device", "add", "printers", "--profile", "Bench", "--no-password", "--allow", "127.0.0.1"], None);
    let port = free_port();
    let mut relay = Command::new(&cli)
        .args(["relay", "run", "--listen", &format!("127.0.0.1:{port}")])
        .env("MAILWARDEN_DB", &db)
        .env("MAILWARDEN_CA_FILE", &idp.ca.ca_file)
        .env("MAILWARDEN_KEY_BACKEND", "file")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    wait_port(port, "the relay");
    let rss_start = rss_kb(relay.id(), "VmRSS:");
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(rss_start));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let (peak, stop, pid) = (peak.clone(), stop.clone(), relay.id());
        std::thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                peak.fetch_max(rss_kb(pid, "VmRSS:"), std::sync::atomic::Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    // Rounds alternate, each contender's median reported: this machine's
    // speed drifts between runs more than the difference measured.
    let rounds: usize = std::env::var("BENCH_INTAKE_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let postfix = SmartHost::start(postfix_sink.port, "unused", "unused");
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        ours.push(load("Mailwarden relay", port, &relay_sink, count));
        theirs.push(load("Postfix smtpd (smart host)", postfix.port, &postfix_sink, count));
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    sampler.join().unwrap();
    let rss_end = rss_kb(relay.id(), "VmRSS:");
    let _ = Command::new("kill").args(["-TERM", &relay.id().to_string()]).status();
    let _ = relay.wait();
    let (ours, theirs) = (median(ours), median(theirs));

    println!("\nsmtp-source: {count} × 2 KB over {SESSIONS} parallel sessions (a connection per message); each upstream an smtp-sink; the median of {rounds} alternating rounds\n");
    println!(
        "| | intake, messages/s | probe transaction p50 / p99 (ms) | intake time (s) | last message upstream (s) |"
    );
    println!("|---|---|---|---|---|");
    for r in [&ours, &theirs] {
        println!(
            "| {} | {:.0} | {:.1} / {:.1} | {:.1} | {:.1} |",
            r.name,
            count as f64 / r.intake_secs,
            r.p50,
            r.p99,
            r.intake_secs,
            r.upstream_secs
        );
    }
    println!(
        "\nintake ratio: {:.1}× Postfix's (target ≥ 2×); relay RSS {:.1} → {:.1} MB (peak {:.1}) over {} messages",
        theirs.intake_secs / ours.intake_secs,
        rss_start as f64 / 1024.0,
        rss_end as f64 / 1024.0,
        peak.load(std::sync::atomic::Ordering::SeqCst) as f64 / 1024.0,
        rounds * (count + PROBES + 1)
    );
}

/// The round with the median intake time.
fn median(mut runs: Vec<Round>) -> Round {
    runs.sort_by(|a, b| a.intake_secs.partial_cmp(&b.intake_secs).unwrap());
    let mid = runs.len() / 2;
    runs.swap_remove(mid)
}
