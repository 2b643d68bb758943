//! The relay under faults: kill -9 in the middle of a burst, an upstream that
//! is down for a while, a revoked grant beside a healthy profile, the token
//! endpoint throttling (its Retry-After waited out), a full disk.

use mailwarden_tests::mail::free_port;
use mailwarden_tests::mail_env::MailEnv;
use mailwarden_tests::relay::*;
use mailwarden_tests::text;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

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
    let last = std::cell::Cell::new(0);
    let counts = mailwarden_tests::eventually_explained(
        "every acknowledged message delivered",
        Duration::from_secs(120),
        || {
            let counts = delivered_counts(&env, "burst");
            last.set(counts.len());
            acknowledged.iter().all(|n| counts.contains_key(n)).then_some(counts)
        },
        || format!("{} of {} acknowledged delivered", last.get(), acknowledged.len()),
    );
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
    mailwarden_tests::eventually_explained(
        "a refused connection retried",
        Duration::from_secs(20),
        || text(&env.ok(&["relay", "queue", "list"], None).stdout).contains("retrying (1 tries)").then_some(()),
        || text(&env.ok(&["relay", "queue", "list"], None).stdout).to_owned(),
    );

    // Back up: delivered, in the order they were sent.
    env.ok(&["profile", "edit", "Invent ERP", "--smtp-port", &env.mail.submission.to_string()], None);
    mailwarden_tests::until("delivered after the upstream came back", Duration::from_secs(60), || {
        delivered_counts(&env, "down").len() >= 3
    });
    let log = std::fs::read_to_string(env.db.dir.path().join("mailwarden.log")).unwrap();
    let order: Vec<&str> = log.lines().filter(|l| l.contains("relay: delivered")).collect();
    let ids: Vec<String> = order.iter().filter_map(|l| l.split("id=").nth(1)).map(|r| r[..24].to_owned()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "delivered in arrival order");

    // A profile whose grant is revoked: its message is held with the diagnosis;
    // another profile's device still flows; retry after reconnecting sends it.
    // A one-second token: the relay asks for one lasting ten minutes, so it refreshes (no wait for it to expire).
    env.idp.set_access_lifetime(1);
    env.connected("Dead", &[]);
    let live: Vec<String> = env.idp.state.lock().unwrap().refresh_tokens.keys().cloned().collect();
    for rt in &live {
        env.idp.revoke(rt);
    }
    env.connected("Alive", &[]);
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
    let held = mailwarden_tests::eventually_explained(
        "the dead profile's message held",
        Duration::from_secs(30),
        || queue(&env).into_iter().find(|m| !m["state"]["held"].is_null()),
        || format!("{:#?}", queue(&env)),
    );
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
    assert!(text(&o.stdout).contains("1 message held by the relay"), "{}", text(&o.stdout));
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
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.starts_with("Relay listening") {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0);
    }
    // Every thread but the one waiting for it blocks SIGTERM — the keyring's
    // D-Bus threads (this relay has no key-backend setting, as a systemd
    // service has none) included — so SIGTERM drains instead of killing.
    let pid = child.id();
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).unwrap().flatten() {
        let status = std::fs::read_to_string(task.path().join("status")).unwrap_or_default();
        let name = status.lines().next().unwrap_or_default().to_owned();
        if task.file_name().to_string_lossy() == pid.to_string() {
            continue;
        }
        let blocked = status.lines().find_map(|l| l.strip_prefix("SigBlk:")).map(str::trim).unwrap_or("0");
        let mask = u64::from_str_radix(blocked, 16).unwrap_or(0);
        assert!(mask & (1 << (15 - 1)) != 0, "thread {name} would take SIGTERM: SigBlk {blocked}");
    }
    // Everything it says from here on, read as it comes (a full pipe would stall it).
    let said = std::thread::spawn(move || {
        let mut all = String::new();
        let _ = std::io::Read::read_to_string(&mut out, &mut all);
        all
    });
    let big = burst(port, &password, 1, 300, "full");
    let o = big.wait_with_output().unwrap();
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("452"), "{}", text(&o.stderr));
    let mut small = burst(port, &password, 1, 2, "fits");
    assert!(small.wait().unwrap().success(), "a message that fits is still taken");
    env.mail.wait_delivered("erp@contoso.com", "<fits-0@printer.lan>");
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let o = child.wait_with_output().unwrap();
    let said = said.join().unwrap();
    assert!(o.status.success(), "relay exit {:?}\nstdout: {said}\nstderr: {}", o.status, text(&o.stderr));
}

#[test]
fn a_throttled_token_refresh_waits_as_asked_then_delivers() {
    use mailwarden_tests::idp::http::Response;
    let env = MailEnv::new();
    // A one-second token: the relay asks for one lasting ten minutes, so it refreshes (no wait for it to expire).
    env.idp.set_access_lifetime(1);
    env.connected("Invent ERP", &[]);
    let password = add_device(&env, "printer-1");
    let mut throttled = Response::json(
        429,
        &serde_json::json!({"error": "temporarily_unavailable", "error_description": "AADSTS90033: A transient error has occurred."}),
    );
    throttled.headers.push(("Retry-After".into(), "12".into()));
    env.idp.script_response(throttled);
    let relay = Relay::start(&env);
    let o = smtplib(relay.port, "printer-1", &password, "<throttled-1@printer.lan>");
    assert!(o.status.success(), "{}", text(&o.stderr));

    // The refresh is throttled: the message waits the 12 s asked (not the first 5 s backoff).
    let state = mailwarden_tests::eventually_explained(
        "a failed attempt recorded",
        Duration::from_secs(20),
        || queue(&env).first().map(|m| m["state"].clone()).filter(|s| s["attempts"] == 1),
        || format!("{:#?}", queue(&env)),
    );
    assert!(state["lastError"].as_str().unwrap().contains("throttling"), "{state:#}");
    assert!(state["held"].is_null(), "throttling is temporary: {state:#}");
    let wait = state["nextAt"].as_i64().unwrap() - time::OffsetDateTime::now_utc().unix_timestamp();
    assert!(wait >= 10, "Retry-After honoured: next try in {wait} s");
    // Recovered: delivered at the next try.
    mailwarden_tests::until("delivered after the wait", Duration::from_secs(30), || {
        env.mail.delivered("erp@contoso.com").iter().any(|m| m.contains("<throttled-1@printer.lan>"))
    });
    relay.stop();
}
