//! The relay in the real window (WebKitWebDriver under Xvfb), against real
//! Postfix + Dovecot and the identity simulator: the relay pane shows a
//! relay another process runs (and cannot start a second), starts its own,
//! adds a device whose password goes to the X clipboard (read back with
//! xclip), never into the page; Python's smtplib signs in with it and the
//! message reaches the mailbox; a message for a profile whose grant is
//! revoked is held — a queue row with its subject, its diagnosis and the
//! Reconnect button — and deleted from the window; the relay's settings (a
//! bounce address refused by the core, then saved, then Restart); Stop.

use mailwarden_tests::mail::free_port;
use mailwarden_tests::mail_env::MailEnv;
use mailwarden_tests::relay::*;
use mailwarden_tests::webdriver::{Driver, Session};
use mailwarden_tests::{bin_dir, binary, clipboard, text};
use std::path::Path;

fn state(s: &Session) -> String {
    s.text_of("[data-testid=relay-state]")
}

#[test]
fn the_relay_pane_runs_the_relay_its_queue_devices_and_settings() {
    assert!(std::env::var_os("DISPLAY").is_some(), "run under a display: `xvfb-run -a cargo test` (make test does)");
    let env = MailEnv::new();
    env.connected("Invent ERP", &[]);
    let port = free_port();
    env.ok(&["settings", "set", "--relay-listen", &format!("127.0.0.1:{port}")], None);
    let driver = Driver::start(&[
        ("MAILWARDEN_DB", &env.db.path()),
        ("MAILWARDEN_CA_FILE", &env.idp.ca.ca_file),
        ("MAILWARDEN_CLIPBOARD_SECONDS", Path::new("120")),
    ]);
    let shots = bin_dir().parent().unwrap().join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let s = driver.launch(&binary("mailwarden-desktop"));
    // Ready when the list has drawn its profile (a click before layout is "not interactable").
    s.wait_until("the profile list", 10, |s| s.count("[data-testid=profile-row]") == 1);
    s.find("button[aria-label=\"Relay for printers and old apps\"]").click();
    s.find("[data-testid=relay]");
    s.wait_until("the relay's state", 10, |s| state(s) == "Stopped");

    // A relay run by another process (the systemd service): shown, and no second one.
    let service = Relay::start(&env);
    s.wait_until("the other relay", 10, |s| state(s) == "Running in another process");
    let elsewhere = s.find("[data-testid=relay-elsewhere]").text();
    assert!(elsewhere.contains(&format!("Process {}", service.child.id())), "{elsewhere}");
    assert_eq!(s.count("[data-testid=relay-toggle]"), 0, "no Start while another relay runs");
    service.stop();
    s.wait_until("the other relay gone", 10, |s| state(s) == "Stopped");

    // Its own relay: started here, listening where the settings say.
    s.find("[data-testid=relay-toggle]").click();
    s.wait_until("listening", 10, |s| state(s) == "Listening");
    assert!(s.find("[data-testid=relay]").text().contains(&format!("127.0.0.1:{port}")));

    // A device added in the window: its password on the clipboard, not in the page.
    s.find("#relay-tab-devices").click();
    s.find("#deviceName").type_text("scanner-gui");
    s.find("[data-testid=relay-add] button[type=submit]").click();
    s.wait_until("the device added", 10, |s| s.count("[data-testid=relay-note]") == 1);
    assert!(s.find("[data-testid=relay-note]").text().contains("password is on the clipboard"));
    let password = clipboard();
    assert_eq!(password.len(), 24, "a generated password: {password:?}");
    assert!(!s.source().contains(&password), "the password is not in the page");
    assert!(s.find("[data-testid=relay-devices]").text().contains("scanner-gui"));

    // A range wider than a subnet: refused by the core, named at the field;
    // confirmed with the box, taken and warned about in the device list.
    s.find("#deviceName").type_text("lab-floor");
    s.find("#deviceAllowed").type_text("10.8.0.0/16");
    s.find("[data-testid=relay-add] button[type=submit]").click();
    s.wait_until("the range refused", 10, |s| s.text_of("[data-testid=relay-add]").contains("wider than one subnet"));
    s.find("[data-testid=allow-wide]").click();
    s.find("[data-testid=relay-add] button[type=submit]").click();
    s.wait_until("the wide device warned", 10, |s| s.count("[data-testid=device-warning]") == 1);
    assert!(s.find("[data-testid=device-warning]").text().contains("10.8.0.0/16 is wider than one subnet"));
    s.screenshot(&shots.join("relay-wide-range.png"));

    let o = smtplib(port, "scanner-gui", &password, "<gui-1@printer.lan>");
    assert!(o.status.success(), "{}", text(&o.stderr));
    env.mail.wait_delivered("erp@contoso.com", "<gui-1@printer.lan>");

    // A profile whose grant is revoked: the message is held, its diagnosis shown; deleted here.
    // A one-second token: the relay asks for one lasting ten minutes, so it refreshes (no wait for it to expire).
    env.idp.set_access_lifetime(1);
    env.connected("Dead", &[]);
    let live: Vec<String> = env.idp.state.lock().unwrap().refresh_tokens.keys().cloned().collect();
    for rt in &live {
        env.idp.revoke(rt);
    }
    let dead = add_device_on(&env, "scanner-dead", "Dead");
    let o = smtplib(port, "scanner-dead", &dead, "<gui-dead@printer.lan>");
    assert!(o.status.success(), "{}", text(&o.stderr));
    s.find("#relay-tab-queue").click();
    const HELD: &str = "[data-testid=queue-row][data-held=true]";
    s.wait_until("the message held", 30, |s| s.count(HELD) == 1);
    // A row a person scans: device, from → to, the subject, the state.
    let row = s.text_of(HELD);
    for part in ["scanner-dead", "Dead", "→ erp@contoso.com", "Scan from the printer", "Held"] {
        assert!(row.contains(part), "{part} in {row}");
    }
    assert_eq!(s.count("[data-testid=relay-queue] [data-testid=diagnosis]"), 1, "the diagnosis is shown");
    assert_eq!(
        s.count("[data-testid=relay-queue] [data-testid=diagnosis] button[data-fix=reconnect]"),
        1,
        "its fix is a button"
    );
    assert!(s.text_of("#relay-tab-queue").contains("1 held"));
    // The window says the same beside the pane: the attention panel and the list.
    s.wait_until("the attention item", 10, |s| {
        s.text_of("[data-testid=attention]").contains("1 message held by the relay")
    });
    s.wait_until("the profile listed", 10, |s| s.text_of(".list-pane").contains("Dead"));
    // The pane's title stays in view above a long queue.
    let title_top = "return document.getElementById('relay-title').getBoundingClientRect().top >= 0;";
    s.script(&format!("document.querySelector('{HELD}').scrollIntoView();"));
    assert_eq!(s.script(title_top), serde_json::json!(true));
    s.screenshot(&shots.join("relay-window.png"));
    s.find(&format!("{HELD} button.danger")).click();
    s.wait_until("the queue empty", 10, |s| s.count("[data-testid=queue-row]") == 0);
    assert!(s.text_of("[data-testid=relay-deleted]").contains("will not be sent"));

    // Its settings: a bounce address the core refuses, then one it takes.
    s.find("#relay-tab-settings").click();
    s.script("const sel = document.getElementById('relayBounceTo'); sel.value = 'to'; sel.dispatchEvent(new Event('change'));");
    s.find("#relayBounceAddress").type_text("not an address");
    s.find("[data-testid=relay-settings] button[type=submit]").click();
    s.wait_until("the field error", 10, |s| s.count("[data-testid=error-relayBounceAddress]") == 1);
    assert!(s.find("[data-testid=error-relayBounceAddress]").text().contains("not an e-mail address"));
    s.find("#relayBounceAddress").clear();
    s.find("#relayBounceAddress").type_text("it-admin@contoso.com");
    s.find("[data-testid=relay-settings] button[type=submit]").click();
    s.wait_until("saved", 10, |s| s.count("[data-testid=relay-settings-note]") == 1);
    assert!(s.find("[data-testid=relay-settings-note]").text().contains("once restarted"));
    // The running relay still has the old settings: Restart, beside Save, takes them up.
    s.wait_until("the restart asked for", 10, |s| s.count("[data-testid=relay-restart-needed]") == 1);
    s.screenshot(&shots.join("relay-settings.png"));
    s.find("[data-testid=relay-settings-restart]").click();
    s.wait_until("restarted", 30, |s| s.text_of("[data-testid=relay-settings-note]").contains("Restarted"));
    s.wait_until("the restart done", 10, |s| s.count("[data-testid=relay-restart-needed]") == 0);
    assert_eq!(state(&s), "Listening");
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok(), "listening again on its port");
    let shown = text(&env.ok(&["settings", "show"], None).stdout).to_owned();
    assert!(shown.contains("relay bounces:    to it-admin@contoso.com"), "{shown}");

    // Stopped: the port is free again. (The pane scrolled to its Save row:
    // the header's toggle is brought back into view, as a person scrolls up.)
    s.script("document.querySelector('[data-testid=relay-toggle]').scrollIntoView({block: 'center'});");
    s.find("[data-testid=relay-toggle]").click();
    s.wait_until("stopped", 30, |s| state(s) == "Stopped");
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "nothing listens any more");
    s.quit();
}
