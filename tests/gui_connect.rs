//! "Connect your Outlook account" in the real window, against the identity
//! provider simulator, with a fake browser first on PATH as xdg-open. Also
//! Test for an app-only profile, and a failure shown as a Diagnosis card.

use mailwarden_tests::idp::{App, Idp};
use mailwarden_tests::mail::MailServers;
use mailwarden_tests::webdriver::{Driver, Session};
use mailwarden_tests::{bin_dir, binary, text, TempDb};
use std::path::Path;

const TENANT: &str = "d9f2fc08-d549-4fcc-bae2-2286c314d3cd";
const CLIENT: &str = "351d6cb2-1c69-4081-9cc2-a769d71567cb";
const SECRET: &str = "GUIs8Q~simulatorSecretValue0123456789";

fn add(db: &TempDb, idp: &Idp, args: &[&str], stdin: Option<&str>) {
    let mut all = vec![
        "profile",
        "add",
        "--cloud",
        "custom",
        "--authority-url",
        &idp.base,
        "--tenant",
        TENANT,
        "--client-id",
        CLIENT,
    ];
    all.extend_from_slice(args);
    let o = db.run(&all, stdin);
    assert!(o.status.success(), "{}", text(&o.stderr));
}

/// Opens a profile at its Sign in step.
fn open_profile(s: &Session, name: &str) {
    let row = s.find(&format!("[data-testid=profile-row][data-name=\"{name}\"]"));
    // As a person would: scroll the list to the row first.
    s.script(&format!(
        "document.querySelector('[data-testid=profile-row][data-name=\"{name}\"]').scrollIntoView({{block: 'nearest'}});"
    ));
    row.click();
    open_step(s, name, "signIn");
    s.find("[data-testid=connection]");
}

/// Goes to a setup step of the profile now in the editor.
fn open_step(s: &Session, name: &str, step: &str) {
    s.wait_until("the profile in the editor", 10, |s| {
        s.script("return document.querySelector('.editor h1')?.textContent ?? '';").as_str() == Some(name)
    });
    s.find(&format!("[data-testid=step-{step}]")).click();
    s.wait_until("the step shown", 10, |s| {
        s.script(&format!("return !document.getElementById('panel-{step}').hidden;")).as_bool() == Some(true)
    });
}

#[test]
fn connect_test_and_diagnose_in_the_window() {
    assert!(std::env::var_os("DISPLAY").is_some(), "run under a display: `xvfb-run -a cargo test` (make test does)");
    let idp = Idp::start();
    idp.register(
        App::new(CLIENT, TENANT)
            .secret(SECRET)
            .public_redirect("http://localhost")
            .web_redirect("https://localhost")
            .roles(&["Mail.Send"]),
    );
    let mail =
        MailServers::start(&idp.ca, &idp.introspect_url, &[("erp@contoso.com", "erp@contoso.com")], "contoso.com");
    let (smtp, imaps) = (mail.submission.to_string(), mail.imaps.to_string());
    let db = TempDb::new();
    let erp = [
        "--name",
        "Invent ERP",
        "--mailbox",
        "erp@contoso.com",
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        &smtp,
        "--imap-host",
        "127.0.0.1",
        "--imap-port",
        &imaps,
        "--imap-security",
        "tls",
    ];
    add(&db, &idp, &erp, None);
    add(
        &db,
        &idp,
        &[
            "--name",
            "Catalyst",
            "--auth",
            "client-credentials",
            "--send",
            "graph",
            "--mailbox",
            "ops@contoso.com",
            "--client-secret-stdin",
        ],
        Some(&format!("{SECRET}\n")),
    );
    add(
        &db,
        &idp,
        &[
            "--name",
            "Wrong secret",
            "--auth",
            "client-credentials",
            "--send",
            "graph",
            "--mailbox",
            "ops@contoso.com",
            "--client-secret-stdin",
        ],
        Some("Nope8Q~wrong\n"),
    );

    add(&db, &idp, &["--name", "Device", "--auth", "device-code", "--mailbox", "erp@contoso.com"], None);
    let web = [
        "--name",
        "Web app",
        "--mailbox",
        "erp@contoso.com",
        "--redirect-uri",
        "https://localhost",
        "--client-secret-stdin",
    ];
    add(&db, &idp, &web, Some(&format!("{SECRET}\n")));

    // The fake browser answers as xdg-open, first on PATH.
    let path = mailwarden_tests::path_with_fake_browser(db.dir.path());
    let log = db.dir.path().join("browser.log");
    let driver = Driver::start(&[
        ("MAILWARDEN_DB", &db.path()),
        ("MAILWARDEN_CA_FILE", &idp.ca.ca_file),
        ("PATH", Path::new(&path)),
        ("FAKE_BROWSER_LOG", &log),
    ]);
    let shots = bin_dir().parent().unwrap().join("screenshots");
    let s = driver.launch(&binary("mailwarden-desktop"));

    open_profile(&s, "Invent ERP");
    s.button("Connect your Outlook account").click();
    s.wait_until("the connected card", 20, |s| s.count("[data-testid=connected-account]") == 1);
    assert_eq!(s.find("[data-testid=connected-account]").text(), "erp@contoso.com");
    assert!(std::fs::read_to_string(&log).unwrap().contains("<h1>Signed in</h1>"));
    assert_eq!(idp.count("authorization_code"), 1);
    s.screenshot(&shots.join("connected.png"));

    // Send a test message through the real Postfix, then check inbound over IMAP.
    open_step(&s, "Invent ERP", "test");
    s.button("Send test message").click();
    s.wait_until("the send result", 30, |s| {
        s.count("[data-testid=send-result]") + s.count("[data-testid=diagnosis]") > 0
    });
    assert_eq!(s.count("[data-testid=diagnosis]"), 0, "{}", mail.log());
    assert!(s.find("[data-testid=send-reply]").text().starts_with("250"));
    assert_eq!(s.count("[data-testid=transcript]"), 1);
    assert!(s.source().contains("token redacted"), "the conversation is shown, the token is not");
    let id = s.script("return document.querySelector('[data-testid=send-result] dd.mono').textContent.trim();");
    mail.wait_delivered("erp@contoso.com", id.as_str().unwrap().split_whitespace().next().unwrap());
    s.button("Check inbound").click();
    s.wait_until("the inbound result", 30, |s| s.count("[data-testid=inbound-result]") == 1);
    let imap = s.script("return document.querySelector('[data-testid=inbound-transcript]').textContent;");
    let imap = imap.as_str().unwrap();
    assert!(imap.contains("AUTHENTICATE XOAUTH2") && imap.contains("[SASL response: credentials redacted]"), "{imap}");
    s.screenshot(&shots.join("test-send.png"));

    // Device code: the code is shown; the person approves elsewhere.
    idp.set_device_interval(1);
    open_profile(&s, "Device");
    s.button("Sign in with a code").click();
    s.wait_until("the device code", 20, |s| s.count("[data-testid=user-code]") == 1);
    let code = s.find("[data-testid=user-code]").text();
    s.screenshot(&shots.join("device-code.png"));
    idp.set_device_status(&code, mailwarden_tests::idp::DeviceStatus::Approved);
    s.wait_until("the connected card after the device code", 20, |s| s.count("[data-testid=connected-account]") == 1);

    // A Web redirect (https://localhost): open the address, paste where the browser ended.
    open_profile(&s, "Web app");
    s.button("Connect your Outlook account").click();
    s.find("[data-testid=manual]");
    let url = s.script("return document.querySelector('[data-testid=manual] input[readonly]').value;");
    let redirect = idp.sign_in(url.as_str().unwrap());
    s.find("#pasted").type_text(&redirect);
    s.button("Finish").click();
    s.wait_until("the connected card after pasting", 20, |s| s.count("[data-testid=connected-account]") == 1);

    open_profile(&s, "Catalyst");
    s.button("Test sign-in").click();
    s.wait_until("the token report", 20, |s| s.count("[data-testid=auth-report]") == 1);
    assert!(s.find("[data-testid=auth-report]").text().contains("Mail.Send"));

    open_profile(&s, "Wrong secret");
    s.button("Test sign-in").click();
    s.wait_until("the diagnosis", 20, |s| s.count("[data-testid=diagnosis]") == 1);
    let d = s.find("[data-testid=diagnosis]");
    assert_eq!(d.attr("data-code").as_deref(), Some("aadsts7000215"));
    assert!(
        d.text().contains("The client secret is wrong") && d.text().contains("Certificates & secrets"),
        "{}",
        d.text()
    );
    s.screenshot(&shots.join("diagnosis.png"));
    assert!(!s.source().contains(SECRET));
    s.quit();
}
