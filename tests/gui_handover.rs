//! "Use in another product" in the real window (WebKitWebDriver under Xvfb):
//! the values with their other names; the client secret handed over only
//! after a confirmation naming the risk, put on the X clipboard by Rust
//! (read back with xclip), never in the page, cleared from the clipboard
//! after the set time (or when the app quits first) and recorded; a
//! program's configuration shown.

use mailwarden_tests::webdriver::Driver;
use mailwarden_tests::{bin_dir, binary, clipboard, TempDb};
use std::path::Path;
use std::time::Duration;

const SECRET: &str = "HO~HandoverSecretValue_0a1b2c3d4e5f";

#[test]
fn the_secret_goes_to_the_clipboard_not_the_page_and_is_cleared() {
    assert!(std::env::var_os("DISPLAY").is_some(), "run under a display: `xvfb-run -a cargo test` (make test does)");
    let db = TempDb::new();
    db.add_app_only("Scanner relay", SECRET, &["--send", "smtp", "--mailbox", "scanner@contoso.com"]);
    let shots = bin_dir().parent().unwrap().join("screenshots");
    let driver = Driver::start(&[("MAILWARDEN_DB", &db.path()), ("MAILWARDEN_CLIPBOARD_SECONDS", Path::new("3"))]);
    let s = driver.launch(&binary("mailwarden-desktop"));

    s.find("[data-testid=profile-row][data-name=\"Scanner relay\"]").click();
    s.find("[data-testid=step-handover]").click();
    s.find("[data-testid=handover-values]");
    // Each value whole, never cut off by a field's width.
    assert_eq!(s.text_of("[data-value-of=\"Client ID\"]"), "351d6cb2-1c69-4081-9cc2-a769d71567cb");
    let fits = "return [...document.querySelectorAll('[data-value-of]')].every(e => e.scrollWidth <= e.clientWidth);";
    assert_eq!(s.script(fits), serde_json::json!(true), "a value overflows its cell");
    let values = s.find("[data-testid=handover-values]").text();
    assert!(values.contains("Application (client) ID"), "{values}");
    assert!(!values.contains("Authorization endpoint"), "app-only needs none: {values}");
    assert_eq!(s.text_of("[data-value-of=\"SMTP server\"]"), "smtp.office365.com");

    // Nothing is copied until the risk is confirmed; Esc cancels.
    s.find("[data-testid=handover-secret]").click();
    let dialog = s.find("[role=alertdialog]").text();
    assert!(dialog.contains("sign in as this application"), "{dialog}");
    s.screenshot(&shots.join("handover-confirm.png"));
    s.find("[data-testid=confirm-cancel]").click();
    assert_eq!(s.count("[data-testid=handover-history]"), 0);
    assert_ne!(clipboard(), SECRET);

    s.find("[data-testid=handover-secret]").click();
    s.find("[data-testid=confirm-ok]").click();
    s.find("[data-testid=handover-note]");
    assert_eq!(clipboard(), SECRET, "the secret is on the clipboard");
    // Marked as a secret for clipboard managers (kept out of their history).
    let targets = std::process::Command::new("xclip")
        .args(["-o", "-selection", "clipboard", "-t", "TARGETS"])
        .output()
        .expect("xclip");
    let targets = String::from_utf8_lossy(&targets.stdout);
    assert!(targets.lines().any(|t| t == "x-kde-passwordManagerHint"), "{targets}");
    let hint = std::process::Command::new("xclip")
        .args(["-o", "-selection", "clipboard", "-t", "x-kde-passwordManagerHint"])
        .output()
        .expect("xclip");
    assert_eq!(String::from_utf8_lossy(&hint.stdout), "secret");
    assert!(!s.source().contains(SECRET), "the secret reached the page");
    let history = s.find("[data-testid=handover-history]").text();
    assert!(history.contains("client secret was handed over"), "{history}");
    s.screenshot(&shots.join("handover-copied.png"));

    // Cleared after the set time (3 s here, 60 s by default).
    mailwarden_tests::until("the clipboard cleared", Duration::from_secs(30), || clipboard() != SECRET);
    let recorded = String::from_utf8_lossy(&db.run(&["handover", "Scanner relay"], None).stdout).into_owned();
    assert!(recorded.contains("Handed over: the client secret"), "{recorded}");

    // A program's configuration: shown in full, with no secret.
    s.find("[data-testid=program] option[value=msmtp]").click();
    let config = s.find("[data-testid=program-config]").text();
    assert!(config.contains("auth xoauth2") && config.contains("token 'Scanner relay'"), "{config}");
    assert!(!config.contains(SECRET));
    s.quit();
    drop(driver);

    // Handed over again, and the app quits before the minute is up: the
    // secret does not outlive it (a clipboard manager would otherwise keep it).
    let driver = Driver::start(&[("MAILWARDEN_DB", &db.path())]);
    let s = driver.launch(&binary("mailwarden-desktop"));
    s.find("[data-testid=profile-row][data-name=\"Scanner relay\"]").click();
    s.find("[data-testid=step-handover]").click();
    s.find("[data-testid=handover-secret]").click();
    s.find("[data-testid=confirm-ok]").click();
    s.find("[data-testid=handover-note]");
    assert_eq!(clipboard(), SECRET);
    mailwarden_tests::wm_close("Mailwarden");
    s.wait_until("the app to exit", 20, |s| s.title().is_none());
    let log = db.dir.path().join("mailwarden.log");
    mailwarden_tests::eventually_explained(
        "the clipboard cleared as the app quit",
        Duration::from_secs(20),
        || {
            std::fs::read_to_string(&log)
                .unwrap_or_default()
                .contains("cleared from the clipboard (the app quit)")
                .then_some(())
        },
        || std::fs::read_to_string(&log).unwrap_or_default(),
    );
    assert_ne!(clipboard(), SECRET);
}
