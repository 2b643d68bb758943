//! The real app window, driven through WebKitWebDriver under Xvfb: create a
//! profile through the form, meet a validation error, fix it, save, see it
//! listed; quit, relaunch, still there; delete it. Screenshots are kept in
//! `target/screenshots/`.

use mailwarden_tests::webdriver::{Driver, Session};
use mailwarden_tests::{bin_dir, binary, contains, screen_shot, window_shown, wm_close, TempDb};

const SECRET: &str = "E2E~GuiSecretValue_9f8e7d6c5b4a";
const CLIENT: &str = "351d6cb2-1c69-4081-9cc2-a769d71567cb";

fn shots() -> std::path::PathBuf {
    bin_dir().parent().unwrap().join("screenshots")
}

fn row_count(s: &Session, name: &str) -> usize {
    s.count(&format!("[data-testid=profile-row][data-name=\"{name}\"]"))
}

#[test]
fn create_validate_fix_save_relaunch_delete() {
    assert!(std::env::var_os("DISPLAY").is_some(), "run under a display: `xvfb-run -a cargo test` (make test does)");
    let db = TempDb::new();
    let db_path = db.path();
    let app = binary("mailwarden-desktop");
    let driver = Driver::start(&[("MAILWARDEN_DB", &db_path)]);

    // First launch: the empty state invites the first mail server.
    let s = driver.launch(&app);
    s.find("[data-testid=empty-state]");
    s.button("Add your first mail server").click();

    s.find("#name").type_text("E2E Invoices");
    s.find("#mailbox").type_text("invoices@contoso.com");
    s.find("#clientId").type_text("not-a-guid");
    s.find("#clientSecret").type_text(SECRET);
    s.button("Save").click();

    let err = s.find("[data-testid=error-clientId]");
    assert!(err.text().contains("not a GUID"), "error shown: {}", err.text());
    assert_eq!(s.find("#clientId").attr("aria-invalid").as_deref(), Some("true"));
    assert_eq!(db.dump().trim(), "[]", "nothing saved while invalid");
    s.screenshot(&shots().join("editor-validation.png"));

    // Fix it and save.
    let cid = s.find("#clientId");
    cid.clear();
    cid.type_text(CLIENT);
    s.button("Save").click();
    s.wait_until("the saved profile in the list", 10, |s| row_count(s, "E2E Invoices") == 1);
    assert_eq!(s.count("[data-testid=error-clientId]"), 0);
    // Saved, a new profile goes on to its first step not done: the registration.
    s.wait_until("the Register step", 10, |s| {
        s.attr_of("[data-testid=step-register]", "aria-selected").as_deref() == Some("true")
    });
    assert_eq!(s.find("[data-testid=step-describe]").attr("data-state").as_deref(), Some("done"));
    s.find("[data-testid=step-describe]").click();
    s.wait_until("the Describe step drawn", 10, |s| {
        s.script("const p = document.getElementById('panel-describe'); return !!p && !p.hidden && p.offsetHeight > 0;")
            .as_bool()
            == Some(true)
    });
    assert_eq!(s.find("[data-testid=clientSecret-state]").text().trim(), "Set");
    // The error about the old value left with it.
    assert_eq!(s.script("return document.getElementById('clientId').value;").as_str(), Some(CLIENT));
    assert_eq!(s.count("[data-testid=error-clientId]"), 0, "an error outlived its fix");
    assert_eq!(s.find("#clientId").attr("aria-invalid").as_deref(), Some("false"));
    s.screenshot(&shots().join("list-and-editor.png"));

    // The secret went in, and nothing brings it back to the webview.
    assert!(!s.source().contains(SECRET), "secret visible in the page");
    let listed: serde_json::Value = serde_json::from_str(&db.dump()).unwrap();
    assert_eq!(listed[0]["name"], "E2E Invoices");
    assert_eq!(listed[0]["hasClientSecret"], true);
    for (path, bytes) in db.all_bytes() {
        assert!(!contains(&bytes, SECRET.as_bytes()), "secret in clear in {}", path.display());
    }
    ipc_returns_no_secret_and_plugins_are_not_exposed(&s, listed[0]["id"].as_i64().unwrap());
    s.quit();

    // Relaunch: still there; delete it with confirmation.
    let s = driver.launch(&app);
    s.wait_until("the profile after relaunch", 10, |s| row_count(s, "E2E Invoices") == 1);
    s.find("[data-testid=profile-row][data-name=\"E2E Invoices\"]").click();
    s.find("#name");
    s.find("summary[aria-label=\"More actions\"]").click();
    s.find("[role=menuitem].danger").click();
    s.find("[role=alertdialog]");
    s.screenshot(&shots().join("delete-confirm.png"));
    s.find("[data-testid=confirm-ok]").click();
    s.wait_until("the row to disappear", 10, |s| row_count(s, "E2E Invoices") == 0);
    s.find("[data-testid=empty-state]");
    assert_eq!(db.dump().trim(), "[]");
    // Undo brings it back as it was, its sealed secret too; then it goes for good.
    assert_eq!(s.text_of("[data-testid=toast-action]"), "Undo");
    s.find("[data-testid=toast-action]").click();
    s.wait_until("the profile back", 10, |s| row_count(s, "E2E Invoices") == 1);
    let back: serde_json::Value = serde_json::from_str(&db.dump()).unwrap();
    assert_eq!((back[0]["name"].as_str(), back[0]["hasClientSecret"].as_bool()), (Some("E2E Invoices"), Some(true)));
    s.find("[data-testid=step-describe]").click();
    assert_eq!(s.find("[data-testid=clientSecret-state]").text().trim(), "Set");
    s.find("summary[aria-label=\"More actions\"]").click();
    s.find("[role=menuitem].danger").click();
    s.find("[data-testid=confirm-ok]").click();
    s.wait_until("the row gone again", 10, |s| row_count(s, "E2E Invoices") == 0);
    assert_eq!(db.dump().trim(), "[]");

    // Closing the window with unsaved edits asks first (a native dialog).
    s.button("Add your first mail server").click();
    s.find("#name").type_text("Half typed");
    s.wait_until("the shell to know about the unsaved edit", 60, |s| {
        s.script("return document.documentElement.dataset.unsavedReported") == "true"
    });
    wm_close("Mailwarden");
    // The close is intercepted: the question appears, the window stays.
    s.wait_until("the discard question", 60, |_| window_shown("Discard unsaved changes?"));
    assert_eq!(s.title().as_deref(), Some("Mailwarden"), "the window must not close with unsaved edits");
    screen_shot(&shots().join("close-guard.png"));
    s.quit();

    // Without unsaved edits, the close button closes the app.
    let s = driver.launch(&app);
    s.find("[data-testid=empty-state]");
    wm_close("Mailwarden");
    s.wait_until("the app to exit", 10, |s| s.title().is_none());
}

/// Call the app's commands straight from the page, as a compromised page could,
/// and check that no answer carries the secret; plugin commands that the
/// capability does not grant are refused.
fn ipc_returns_no_secret_and_plugins_are_not_exposed(s: &Session, id: i64) {
    let call = |cmd: &str, args: &str| -> serde_json::Value {
        s.script_async(&format!(
            "window.__TAURI_INTERNALS__.invoke('{cmd}', {args}).then(v => done({{ok: JSON.stringify(v)}}), e => done({{err: JSON.stringify(e)}}));"
        ))
    };
    let q = r#"{query: {text: '', provider: null, authMethod: null, enabled: null, expiry: null}}"#;
    for (cmd, args) in [
        ("list_profiles", q.to_string()),
        ("get_profile", format!("{{id: {id}}}")),
        ("edit_draft", format!("{{id: {id}}}")),
        ("app_status", "{}".to_string()),
        ("duplicate_profile", format!("{{id: {id}}}")),
        ("secret_history", format!("{{id: {id}}}")),
        ("attention", "{}".to_string()),
        ("get_settings", "{}".to_string()),
        ("handover", format!("{{id: {id}}}")),
        ("program_config", format!("{{id: {id}, program: 'msmtp'}}")),
    ] {
        let v = call(cmd, &args);
        let ok = v["ok"].as_str().unwrap_or_else(|| panic!("{cmd} failed: {v}"));
        assert!(!ok.contains(SECRET), "{cmd} returned the secret");
        assert!(!ok.contains("E2E~"), "{cmd} returned part of the secret");
    }
    // The duplicate made above: remove it through the same channel.
    let list = call("list_profiles", q);
    let copies: serde_json::Value = serde_json::from_str(list["ok"].as_str().unwrap()).unwrap();
    let copy = copies["profiles"].as_array().unwrap().iter().find(|p| p["name"] == "E2E Invoices (copy)").unwrap();
    assert_eq!(copy["hasClientSecret"], true, "the copy holds the re-sealed secret");
    assert!(call("delete_profile", &format!("{{id: {}}}", copy["id"]))["ok"].is_string());

    for (cmd, args) in [
        ("plugin:opener|open_url", "{url: 'https://example.com'}"),
        ("plugin:clipboard-manager|read_text", "{}"),
        ("plugin:dialog|open", "{options: {}}"),
        ("plugin:autostart|enable", "{}"),
        ("plugin:notification|notify", "{options: {title: 'x'}}"),
    ] {
        let v = call(cmd, args);
        let err = v["err"].as_str().unwrap_or_else(|| panic!("{cmd} was allowed: {v}"));
        assert!(err.contains("not allowed"), "{cmd}: {err}");
    }
}
