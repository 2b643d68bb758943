//! The tray icon as a desktop panel sees it: on a private session bus with a
//! test StatusNotifierWatcher (tests/support/sni_watcher.py), the app's icon
//! registers, its menu (read over com.canonical.dbusmenu) shows how many items
//! need attention after the first check, and "Open Mailwarden" brings back a
//! window that was closed to the tray.

use mailwarden_tests::session_bus::{Kill, SessionBus};
use mailwarden_tests::{binary, text, window_mapped, wm_close, workspace_root, TempDb};
use std::io::{BufRead, BufReader, Write};
use std::process::{ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;

struct Panel {
    input: ChildStdin,
    output: BufReader<ChildStdout>,
    _process: Kill,
}

impl Panel {
    fn ask(&mut self, command: &str) -> String {
        writeln!(self.input, "{command}").unwrap();
        let mut line = String::new();
        self.output.read_line(&mut line).unwrap();
        line.trim().to_owned()
    }

    fn labels(&mut self) -> Vec<String> {
        serde_json::from_str(&self.ask("labels")).unwrap_or_default()
    }
}

fn wait(what: &str, secs: u64, cond: impl FnMut() -> bool) {
    mailwarden_tests::until(what, Duration::from_secs(secs), cond);
}

#[test]
fn the_tray_menu_counts_what_needs_attention_and_opens_the_window() {
    mailwarden_tests::no_stray_apps();
    assert!(std::env::var_os("DISPLAY").is_some(), "run under a display: `xvfb-run -a cargo test` (make test does)");
    let db = TempDb::new();
    let expired = (time::OffsetDateTime::now_utc().date() - time::Duration::days(2)).to_string();
    db.add_app_only("Invoices", "Try8Q~trayTestSecretValue0123456789", &["--secret-expires", &expired]);
    // The relay starts with the app (a setting) and the tray says where it listens.
    let relay_port = mailwarden_tests::mail::free_port();
    let listen = format!("127.0.0.1:{relay_port}");
    let o = db.run(&["settings", "set", "--relay-with-app", "true", "--relay-listen", &listen], None);
    assert!(o.status.success(), "{}", mailwarden_tests::text(&o.stderr));
    let o = db.run(&["settings", "set", "--close-to-tray", "true"], None);
    assert!(o.status.success(), "{}", text(&o.stderr));

    let session = SessionBus::start();
    let bus = session.address.clone();

    let mut watcher = Command::new("/usr/bin/python3")
        .arg(workspace_root().join("tests/support/sni_watcher.py"))
        .env("DBUS_SESSION_BUS_ADDRESS", &bus)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut panel = Panel {
        input: watcher.stdin.take().unwrap(),
        output: BufReader::new(watcher.stdout.take().unwrap()),
        _process: Kill(watcher),
    };
    let mut ready = String::new();
    panel.output.read_line(&mut ready).unwrap();
    assert_eq!(ready.trim(), "ready");

    let _app = Kill(
        Command::new(binary("mailwarden-desktop"))
            .env("MAILWARDEN_DB", db.path())
            .env("MAILWARDEN_KEY_BACKEND", "file")
            .env("MAILWARDEN_FIRST_CHECK_SECS", "1")
            // Dates here are computed in UTC; the app counts days in its zone.
            .env("TZ", "UTC")
            .env("DBUS_SESSION_BUS_ADDRESS", &bus)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait("the tray menu to count the expired secret", 180, || {
        panel.labels().iter().any(|l| l == "1 item needs attention")
    });
    let labels = panel.labels();
    assert!(labels.iter().any(|l| l == &format!("Relay: listening on {listen}")), "{labels:?}");
    // Its greeting (a first connection gets postscreen's `220-` line first).
    let greeting = mailwarden_tests::relay::Conversation::open(relay_port).greeting;
    assert!(greeting.lines().last().is_some_and(|l| l.starts_with("220 ")), "{greeting}");
    for want in ["Open Mailwarden", "Check now", "Quit Mailwarden"] {
        assert!(labels.iter().any(|l| l.replace('_', "") == want), "{labels:?}");
    }

    // Closed to the tray, then opened again from its menu.
    wait("the window", 180, || {
        std::process::Command::new("xwininfo").args(["-name", "Mailwarden"]).output().is_ok_and(|o| o.status.success())
    });
    wait("the window shown", 180, || window_mapped("Mailwarden"));
    wm_close("Mailwarden");
    wait("the window hidden", 10, || !window_mapped("Mailwarden"));
    assert_eq!(panel.ask("click Open Mailwarden"), "ok");
    wait("the window shown again", 10, || window_mapped("Mailwarden"));
}
