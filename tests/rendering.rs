//! The window draws its page without GPU compositing unless the person asked
//! for it: WebKit's web process is started with
//! `WEBKIT_DISABLE_COMPOSITING_MODE=1`, and a value set beforehand (`0`, to
//! bring compositing back) is kept. (Why: src-tauri/src/window.rs.)

use mailwarden_tests::session_bus::{Kill, SessionBus};
use mailwarden_tests::{binary, descendants, environ, TempDb};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Launch the app with `extra` in its environment and return the
/// compositing setting its web process was started with.
fn web_process_setting(extra: Option<&str>) -> Option<String> {
    let db = TempDb::new();
    let session = SessionBus::start();
    let mut cmd = Command::new(binary("mailwarden-desktop"));
    cmd.env("MAILWARDEN_DB", db.path())
        .env("MAILWARDEN_KEY_BACKEND", "file")
        .env("DBUS_SESSION_BUS_ADDRESS", &session.address)
        .env_remove("WEBKIT_DISABLE_COMPOSITING_MODE")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(v) = extra {
        cmd.env("WEBKIT_DISABLE_COMPOSITING_MODE", v);
    }
    let app = Kill(cmd.spawn().unwrap());
    // A cap for a cold machine, not a wait: it returns once the web process runs.
    let deadline = Instant::now() + Duration::from_secs(120);
    let web = loop {
        let found = descendants(app.0.id()).into_iter().find(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.starts_with("WebKitWebProces"))
        });
        if let Some(pid) = found {
            break pid;
        }
        assert!(Instant::now() < deadline, "the app started no web process");
        std::thread::sleep(Duration::from_millis(100));
    };
    let env = environ(web);
    env.iter().find_map(|v| v.strip_prefix("WEBKIT_DISABLE_COMPOSITING_MODE=").map(str::to_owned))
}

#[test]
fn the_page_is_drawn_without_gpu_compositing_unless_asked() {
    mailwarden_tests::no_stray_apps();
    assert!(std::env::var_os("DISPLAY").is_some(), "run under a display: `xvfb-run -a cargo test` (make test does)");
    assert_eq!(web_process_setting(None).as_deref(), Some("1"), "compositing off by default");
    mailwarden_tests::no_stray_apps();
    assert_eq!(web_process_setting(Some("0")).as_deref(), Some("0"), "the person's own setting is kept");
}
