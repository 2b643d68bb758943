//! Desktop notifications from the running app, observed on a test
//! notification service (tests/support/notify_listener.py) on a private
//! session bus, under Xvfb: one per item crossing a threshold, and not again
//! after a restart.

use mailwarden_tests::session_bus::{Kill, SessionBus};
use mailwarden_tests::{binary, workspace_root, TempDb};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

fn in_days(n: i64) -> String {
    (time::OffsetDateTime::now_utc().date() + time::Duration::days(n)).to_string()
}

fn add(db: &TempDb, name: &str, expires: &str) {
    db.add_app_only(name, "Ntf8Q~notificationTestSecret0123456789", &["--secret-expires", expires]);
}

fn notices(log: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(log).unwrap_or_default().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// The background checks the app has finished, from its log file: how many
/// notifications each handed to the desktop. The plugin delivers them on its
/// own task, so a test waits for them to arrive rather than for the check.
fn checks_finished(db: &TempDb) -> Vec<usize> {
    std::fs::read_to_string(db.dir.path().join("mailwarden.log"))
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("watch: check finished"))
        .map(|l| {
            let n = l.split("notices=").nth(1).and_then(|r| r.split_whitespace().next());
            n.and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("a notices count in {l:?}"))
        })
        .collect()
}

/// Wait (up to a generous cap, for a cold machine) until `cond` holds.
fn wait(what: &str, cond: impl FnMut() -> bool) {
    mailwarden_tests::until(what, Duration::from_secs(180), cond);
}

fn launch(db: &TempDb, bus: &str) -> Kill {
    Kill(
        Command::new(binary("mailwarden-desktop"))
            .env("MAILWARDEN_DB", db.path())
            .env("MAILWARDEN_KEY_BACKEND", "file")
            .env("MAILWARDEN_FIRST_CHECK_SECS", "1")
            // Dates here are computed in UTC; the app counts days in its zone.
            .env("TZ", "UTC")
            .env("DBUS_SESSION_BUS_ADDRESS", bus)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

#[test]
fn thresholds_are_announced_once_on_the_desktop() {
    mailwarden_tests::no_stray_apps();
    assert!(std::env::var_os("DISPLAY").is_some(), "run under a display: `xvfb-run -a cargo test` (make test does)");
    let db = TempDb::new();
    add(&db, "Invoices", &in_days(3));
    add(&db, "Payroll", &in_days(20));
    add(&db, "Archive", &in_days(200));

    let session = SessionBus::start();
    let bus = session.address.clone();

    let log = db.dir.path().join("notifications.jsonl");
    let mut listener = Command::new("/usr/bin/python3")
        .arg(workspace_root().join("tests/support/notify_listener.py"))
        .arg(&log)
        .env("DBUS_SESSION_BUS_ADDRESS", &bus)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut ready = String::new();
    BufReader::new(listener.stdout.take().unwrap()).read_line(&mut ready).unwrap();
    assert_eq!(ready.trim(), "ready", "the notification service started");
    let _listener = Kill(listener);

    let app = launch(&db, &bus);
    wait("the first check", || !checks_finished(&db).is_empty());
    assert_eq!(checks_finished(&db), [2], "one per item that needs attention, none for the valid one");
    wait("both notifications delivered", || notices(&log).len() >= 2);
    let shown = notices(&log);
    assert_eq!(shown.len(), 2, "one per item that needs attention, none for the valid one: {shown:?}");
    let all = serde_json::to_string(&shown).unwrap();
    assert!(all.contains("Mailwarden · Invoices") && all.contains("Client secret expires in 3 days"), "{all}");
    assert!(all.contains("Mailwarden · Payroll") && all.contains("in 20 days"), "{all}");
    assert!(!all.contains("Archive"), "{all}");
    assert!(!all.contains("Ntf8Q~"), "no secret in a notification");
    drop(app);

    // Started again: the same thresholds are not announced twice.
    let _app = launch(&db, &bus);
    wait("the check after the restart", || checks_finished(&db).len() >= 2);
    assert_eq!(checks_finished(&db), [2, 0], "nothing handed to the desktop a second time");
    assert_eq!(notices(&log).len(), 2, "{:?}", notices(&log));
}
