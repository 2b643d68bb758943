//! The relay in the real window (WebKitWebDriver under Xvfb), against real
//! Postfix + Dovecot and the identity simulator: the Relay dialog shows a
//! relay another process runs (and cannot start a second), starts its own,
//! adds a device whose password goes to the X clipboard (read back with
//! xclip), never into the page; Python's smtplib signs in with it and the
//! message reaches the mailbox; a message for a profile whose grant is
//! revoked is held with its diagnosis and deleted from the window; the
//! relay's settings (a bounce address refused by the core, then saved); Stop.

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
fn the_relay_dialog_runs_the_relay_and_its_devices() {
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
    s.settle();
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
    s.wait_until("the message held", 30, |s| s.count("[data-testid=relay-queue] li[data-held=true]") == 1);
    let held = s.find("[data-testid=relay-queue] li[data-held=true]");
    assert!(held.text().contains("scanner-dead"), "{}", held.text());
    assert!(s.count("[data-testid=relay-queue] [data-testid=diagnosis]") >= 1, "the diagnosis is shown");
    assert!(s.find("[data-testid=relay-queue-summary]").text().contains("1 held"));
    // A dialog taller than the window scrolls: the held message and Close can be reached.
    s.script("document.querySelector('[data-testid=relay-queue] li[data-held=true]').scrollIntoView();");
    let fits = "const r = document.querySelector('[data-testid=relay-queue] li[data-held=true]').getBoundingClientRect(); return r.top >= 0 && r.top < window.innerHeight;";
    assert_eq!(s.script(fits), serde_json::json!(true), "the held message scrolled into view");
    s.settle();
    s.screenshot(&shots.join("relay-window.png"));
    s.script("document.querySelector('[data-testid=relay-queue] li[data-held=true] button.danger').click();");
    s.wait_until("the queue empty", 10, |s| s.count("[data-testid=relay-queue] li") == 0);

    // Its settings: a bounce address the core refuses, then one it takes.
    s.script("document.querySelector('[data-testid=relay-settings-section]').open = true;");
    s.script("const sel = document.getElementById('relayBounceTo'); sel.value = 'to'; sel.dispatchEvent(new Event('change'));");
    s.find("#relayBounceAddress").type_text("not an address");
    s.find("[data-testid=relay-settings] button[type=submit]").click();
    s.wait_until("the field error", 10, |s| s.count("[data-testid=error-relayBounceAddress]") == 1);
    assert!(s.find("[data-testid=error-relayBounceAddress]").text().contains("not an e-mail address"));
    s.find("#relayBounceAddress").clear();
    s.find("#relayBounceAddress").type_text("it-admin@contoso.com");
    s.find("[data-testid=relay-settings] button[type=submit]").click();
    s.wait_until("saved", 10, |s| s.count("[data-testid=relay-settings-note]") == 1);
    assert!(s.find("[data-testid=relay-settings-note]").text().contains("until it is started again"));
    s.script("document.querySelector('[data-testid=relay-settings-section]').scrollIntoView();");
    s.settle();
    s.screenshot(&shots.join("relay-settings.png"));
    let shown = text(&env.ok(&["settings", "show"], None).stdout).to_owned();
    assert!(shown.contains("relay bounces:    to it-admin@contoso.com"), "{shown}");

    // Stopped: the port is free again.
    s.find("[data-testid=relay-toggle]").click();
    s.wait_until("stopped", 30, |s| state(s) == "Stopped");
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "nothing listens any more");
    s.quit();
}
