//! The expiry watch in the real window (WebKitWebDriver under Xvfb), against
//! the identity-provider simulator: the attention panel lists an expired and
//! a soon secret worst first; its Rotate secret action opens the guided
//! rotation, which refuses a secret Entra does not know and then rotates to
//! the new one; settings change the thresholds, add the autostart entry, and
//! make closing the window keep the app in the tray; a secret Microsoft
//! refuses as expired is expired in the list, the attention panel and the
//! steps alike, whatever date is recorded. Screenshots in target/screenshots/.

use mailwarden_tests::idp::{App, Idp};
use mailwarden_tests::webdriver::{Driver, Session};
use mailwarden_tests::{bin_dir, binary, window_mapped, wm_close, TempDb};
use std::path::Path;

const TENANT: &str = "d9f2fc08-d549-4fcc-bae2-2286c314d3cd";
const CLIENT: &str = "351d6cb2-1c69-4081-9cc2-a769d71567cb";
const SECRET: &str = "OLDs8Q~simulatorSecretValue0123456789";
const NEW_SECRET: &str = "NEWs8Q~rotatedSecretValue0123456789ab";
const NEW_ID: &str = "11111111-2222-3333-4444-555555555555";

fn in_days(n: i64) -> time::Date {
    time::OffsetDateTime::now_utc().date() + time::Duration::days(n)
}

/// An app-only profile whose authority and Graph are the simulator.
fn add(db: &TempDb, idp: &Idp, name: &str, expires: &str) {
    let scopes = format!("{}/.default", idp.base);
    let extra = [
        "--cloud",
        "custom",
        "--authority-url",
        &idp.base,
        "--tenant",
        TENANT,
        "--scopes",
        &scopes,
        "--secret-id",
        "0667485f-2d81-4cef-97f8-723b3fec0642",
        "--secret-expires",
        expires,
    ];
    db.add_app_only(name, SECRET, &extra);
}

/// WebKitWebDriver for the app on `db` against the simulator, its first
/// background check an hour away, its home the database's folder; `more` on top.
fn driver(db: &TempDb, idp: &Idp, more: &[(&str, &Path)]) -> Driver {
    let db_path = db.path();
    let mut env = vec![
        ("MAILWARDEN_DB", db_path.as_path()),
        ("MAILWARDEN_CA_FILE", idp.ca.ca_file.as_path()),
        ("MAILWARDEN_FIRST_CHECK_SECS", Path::new("3600")),
        ("HOME", db.dir.path()),
    ];
    env.extend_from_slice(more);
    Driver::start(&env)
}

fn attention(s: &Session) -> Vec<String> {
    let v = s.script("return [...document.querySelectorAll('[data-testid=attention-item]')].map(e => e.textContent);");
    v.as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_owned()).collect()
}

fn type_into(s: &Session, css: &str, value: &str) {
    let e = s.find(css);
    e.clear();
    e.type_text(value);
}

#[test]
fn attention_panel_and_guided_rotation_in_the_window() {
    assert!(std::env::var_os("DISPLAY").is_some(), "run under a display: `xvfb-run -a cargo test` (make test does)");
    let idp = Idp::start();
    idp.register(App::new(CLIENT, TENANT).secret(SECRET).roles(&["Mail.Send"]));
    let db = TempDb::new();
    add(&db, &idp, "Invoices", &in_days(-2).to_string());
    add(&db, &idp, "Payroll", &in_days(20).to_string());
    add(&db, &idp, "Archive", &in_days(200).to_string());

    let config = db.dir.path().join(".config");
    // Dates here are computed in UTC; the app counts days in its zone.
    let driver = driver(&db, &idp, &[("TZ", Path::new("UTC"))]);
    let shots = bin_dir().parent().unwrap().join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let s = driver.launch(&binary("mailwarden-desktop"));

    // Worst first: the expired secret, then the soon one; the valid one is not listed.
    s.wait_until("the attention panel", 10, |s| s.count("[data-testid=attention-item]") == 2);
    s.screenshot(&shots.join("attention.png"));
    let items = attention(&s);
    assert!(items[0].contains("Invoices") && items[0].contains("expired 2 days ago"), "{items:?}");
    assert!(items[1].contains("Payroll") && items[1].contains("in 20 days"), "{items:?}");
    let states: Vec<_> =
        s.find_all("[data-testid=attention-item]").iter().map(|e| e.attr("data-state").unwrap()).collect();
    assert_eq!(states, ["expired", "soon"]);

    // Its action opens the guided rotation for that profile.
    s.find("[data-testid=attention-item] button").click();
    s.find("[data-testid=rotate-form]");
    // Typed with spaces: a Tab key would move the focus (pasting keeps the tabs).
    type_into(&s, "#rotate-row", &format!("Mail relay   {}   NEWs8Q~rot...   {NEW_ID}", in_days(365)));
    s.button("Read row").click();
    s.wait_until("the row read", 5, |s| {
        s.script("return document.getElementById('rotate-secret-id').value;").as_str() == Some(NEW_ID)
    });
    assert!(s.find("[data-testid=row-note]").text().contains("cut the value off"));
    // Not yet created in Entra: the proof fails, nothing changes.
    type_into(&s, "#rotate-value", NEW_SECRET);
    s.button("Prove and rotate").click();
    s.wait_until("the diagnosis", 15, |s| s.count("[data-testid=diagnosis]") == 1);
    assert_eq!(s.count("[data-testid=rotated]"), 0);
    // Created now: proven, saved, the old one retired; the item leaves the panel.
    idp.state.lock().unwrap().apps.get_mut(CLIENT).unwrap().secret = Some(NEW_SECRET.into());
    s.button("Prove and rotate").click();
    s.wait_until("the rotation", 15, |s| s.count("[data-testid=rotated]") == 1);
    assert!(s.find("[data-testid=rotated]").text().contains("got an app-only token"));
    s.wait_until("the panel updated", 10, |s| s.count("[data-testid=attention-item]") == 1);
    assert!(attention(&s)[0].contains("Payroll"));
    s.script("document.querySelector('[data-testid=secret-history]').closest('details').open = true;");
    assert_eq!(s.find_all("[data-testid=secret-history] tbody tr").len(), 2);
    assert!(!s.source().contains(NEW_SECRET) && !s.source().contains(SECRET), "no secret value in the page");
    s.screenshot(&shots.join("rotate.png"));

    // Settings: a 10-day warning leaves nothing to attend to.
    s.find("button[aria-label=Settings]").click();
    s.find("[data-testid=settings]");
    type_into(&s, "#soonDays", "10");
    type_into(&s, "#urgentDays", "12");
    s.find("[data-testid=settings] button.primary").click();
    s.wait_until("the field error", 5, |s| s.count("[data-testid=error-urgentDays]") == 1);
    type_into(&s, "#urgentDays", "5");
    // Keep running in the tray, and start at login.
    s.script("document.querySelectorAll('[data-testid=settings] input[type=checkbox]').forEach(c => c.click());");
    s.find("[data-testid=settings] button.primary").click();
    s.wait_until("the panel cleared", 10, |s| s.count("[data-testid=attention-item]") == 0);
    let o = db.run(&["settings", "show", "--json"], None);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["thresholds"]["soonDays"], 10);
    // Start at login: an autostart entry that launches Mailwarden into the tray.
    let entries: Vec<_> = std::fs::read_dir(config.join("autostart")).expect("an autostart entry").flatten().collect();
    let entry = std::fs::read_to_string(entries[0].path()).unwrap();
    assert!(entry.contains("mailwarden-desktop") && entry.contains("--background"), "{entry}");

    // Closing the window now hides it; the app keeps running in the tray.
    assert!(window_mapped("Mailwarden"));
    wm_close("Mailwarden");
    s.wait_until("the window hidden", 10, |_| !window_mapped("Mailwarden"));
    assert_eq!(s.title().as_deref(), Some("Mailwarden"), "still running");
    s.quit();
}

#[test]
fn microsofts_refusal_of_a_secret_is_one_verdict_everywhere() {
    assert!(std::env::var_os("DISPLAY").is_some(), "run under a display: `xvfb-run -a cargo test` (make test does)");
    let idp = Idp::start();
    let mut app = App::new(CLIENT, TENANT).secret(SECRET).roles(&["Mail.Send"]);
    app.secret_expired = true;
    idp.register(app);
    let db = TempDb::new();
    // Recorded to last another 200 days; Microsoft says otherwise.
    add(&db, &idp, "Archive", &in_days(200).to_string());
    let path = mailwarden_tests::path_with_fake_browser(db.dir.path());
    let log = db.dir.path().join("browser.log");
    let driver = driver(
        &db,
        &idp,
        &[("PATH", Path::new(&path)), ("FAKE_BROWSER_LOG", &log), ("FAKE_BROWSER_MODE", Path::new("idle"))],
    );
    let s = driver.launch(&binary("mailwarden-desktop"));
    s.find("[data-testid=attention-ok]");
    assert_eq!(s.attr_of("[data-testid=profile-row] .pill.expiry", "data-state").as_deref(), Some("ok"));

    s.find("[data-testid=profile-row]").click();
    s.find("#step-signIn").click();
    s.button("Test sign-in").click();
    s.wait_until("the diagnosis", 15, |s| s.count("[data-testid=diagnosis]") == 1);
    assert_eq!(s.attr_of("[data-testid=diagnosis]", "data-code").as_deref(), Some("aadsts7000222"));
    // The row, the attention panel and the step agree with the diagnosis.
    s.wait_until("the row's badge", 10, |s| {
        s.attr_of("[data-testid=profile-row] .pill.expiry", "data-state").as_deref() == Some("expired")
    });
    s.wait_until("the attention item", 10, |s| s.count("[data-testid=attention-item]") == 1);
    assert_eq!(s.attr_of("[data-testid=attention-item]", "data-state").as_deref(), Some("expired"));
    assert!(attention(&s)[0].contains("Client secret expired: Microsoft refused it"), "{:?}", attention(&s));
    s.wait_until("the step marked failing", 10, |s| {
        s.attr_of("#step-signIn", "data-state").as_deref() == Some("failing")
    });
    let shots = bin_dir().parent().unwrap().join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    // The card says it in full: the step's line does not repeat its title,
    // and its fix is the one primary button of the pane.
    assert_eq!(s.count("[data-testid=step-summary]"), 0, "the line would repeat the card's title");
    let primaries = "Array.from(document.querySelectorAll('.editor button.primary')).filter(b => b.offsetParent).map(b => b.textContent.trim())";
    assert_eq!(s.script(&format!("return {primaries};")), serde_json::json!(["Replace the client secret…"]));
    s.screenshot(&shots.join("secret-refused.png"));

    // The portal address in the steps is a link the system browser opens.
    assert_eq!(s.text_of("[data-testid=diagnosis-link]").trim(), "Open in Entra");
    s.find("[data-testid=diagnosis-link]").click();
    mailwarden_tests::until("the browser opened at the portal", std::time::Duration::from_secs(10), || {
        std::fs::read_to_string(&log).is_ok_and(|l| l.contains("browser done"))
    });
    let opened = std::fs::read_to_string(&log).unwrap();
    assert!(opened.contains(&format!("opened https://entra.microsoft.com/#view/Microsoft_AAD_RegisteredApps/ApplicationMenuBlade/~/Credentials/appId/{CLIENT}")), "{opened}");
    // And the fix the steps name is a button: the guided rotation.
    s.find("[data-testid=diagnosis-fixes] button[data-fix=replaceSecret]").click();
    s.find("[data-testid=rotate-form]");
    assert_eq!(s.attr_of("#step-watch", "aria-selected").as_deref(), Some("true"));
    // Without the card (the window opened again), the line says which test
    // failed, when, and what it found.
    // A mark on the old page tells it from the reloaded one (whose rows
    // are new elements).
    s.script("window.__beforeReload = true; location.reload();");
    s.wait_until("the window reloaded", 20, |s| {
        s.script("return !window.__beforeReload && !!document.querySelector('[data-testid=profile-row]');").as_bool()
            == Some(true)
    });
    s.find("[data-testid=profile-row]").click();
    s.find("#step-signIn").click();
    s.wait_until("the failing step's line", 10, |s| s.text_of("[data-testid=step-summary]").contains(" failed: "));
    let line = s.text_of("[data-testid=step-summary]");
    let (head, tail) = line.trim().split_once(" failed: ").unwrap_or_else(|| panic!("{line}"));
    let hhmm = head.strip_prefix("Sign-in test at ").unwrap_or_else(|| panic!("{line}"));
    assert!(hhmm.len() == 5 && hhmm.as_bytes()[2] == b':', "{line}");
    assert_eq!(tail, "The client secret has expired.");
    s.quit();
}
