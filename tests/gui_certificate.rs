//! A certificate in the real window over WebDriver (seed 004's app-only Graph
//! send): made in the Sign in step, its public half uploaded to the
//! simulator's app, the sign-in test and a test send signed with it — the
//! simulator checks each client assertion as Entra does — and no key in the
//! page or the database in clear.

use mailwarden_tests::idp::{App, Idp};
use mailwarden_tests::webdriver::Driver;
use mailwarden_tests::{bin_dir, binary, text, TempDb};
use std::path::Path;

const TENANT: &str = "d9f2fc08-d549-4fcc-bae2-2286c314d3cd";
const CLIENT: &str = "351d6cb2-1c69-4081-9cc2-a769d71567cb";
const SECRET: &str = "OLDs8Q~simulatorSecretValue0123456789";

#[test]
fn a_certificate_made_in_the_window_signs_in_and_sends() {
    assert!(std::env::var_os("DISPLAY").is_some(), "run under a display: `xvfb-run -a cargo test` (make test does)");
    let idp = Idp::start();
    idp.register(App::new(CLIENT, TENANT).secret(SECRET).roles(&["Mail.Send"]));
    idp.state.lock().unwrap().graph_users.insert("ops@contoso.com".into());
    let db = TempDb::new();
    let scopes = format!("{}/.default", idp.base);
    let extra = ["--cloud", "custom", "--authority-url", &idp.base, "--tenant", TENANT, "--scopes", &scopes];
    db.add_app_only("Catalyst", SECRET, &extra);

    let db_path = db.path();
    let driver = Driver::start(&[
        ("MAILWARDEN_DB", db_path.as_path()),
        ("MAILWARDEN_CA_FILE", idp.ca.ca_file.as_path()),
        ("MAILWARDEN_FIRST_CHECK_SECS", Path::new("3600")),
        ("HOME", db.dir.path()),
    ]);
    let s = driver.launch(&binary("mailwarden-desktop"));
    s.find("[data-testid=profile-row]").click();
    s.find("#step-signIn").click();
    s.find("[data-testid=certificate-none]");
    s.button("Make a certificate").click();
    s.wait_until("the certificate", 20, |s| s.count("[data-testid=certificate-thumbprint]") == 1);
    let thumbprint = s.text_of("[data-testid=certificate-thumbprint]").trim().to_owned();
    assert_eq!(s.text_of("[data-testid=certificate-subject]").trim(), "CN=Mailwarden Catalyst");
    assert!(s.text_of("[data-testid=connection]").contains("token with the certificate"));

    // The core holds the same certificate; its public half goes to Entra
    // (here the CLI writes the .cer the window's Save writes).
    let shown = db.run(&["certificate", "show", "Catalyst", "--json"], None);
    let info: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(info["thumbprint"], thumbprint.as_str());
    let cer = db.dir.path().join("catalyst.cer");
    let o = db.run(&["certificate", "export-public", "Catalyst", "-o", cer.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let pem = std::fs::read_to_string(&cer).unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    use base64::Engine;
    let der = base64::engine::general_purpose::STANDARD.decode(body).unwrap();
    let end = time::OffsetDateTime::now_utc().unix_timestamp() + 365 * 86_400;
    // The app keeps no secret now: only the certificate can sign in.
    idp.register(App::new(CLIENT, TENANT).roles(&["Mail.Send"]).certificate(&der, end));

    s.button("Test sign-in").click();
    s.wait_until("signed in", 20, |s| {
        s.count("[data-testid=auth-report]") == 1 || s.count("[data-testid=diagnosis]") == 1
    });
    assert_eq!(s.count("[data-testid=diagnosis]"), 0, "{}", s.text_of("[data-testid=connection]"));
    assert_eq!(idp.state.lock().unwrap().assertion_ids.len(), 1, "signed with a client assertion");
    let shots = bin_dir().parent().unwrap().join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    s.screenshot(&shots.join("certificate-signed-in.png"));

    s.find("#step-test").click();
    s.find("#test-recipient").type_text("ops@contoso.com");
    s.button("Send test message").click();
    s.wait_until("sent", 20, |s| s.text_of("[data-testid=step-summary]").contains("Sent to ops@contoso.com"));
    assert_eq!(idp.state.lock().unwrap().graph_sent.len(), 1);

    let page = s.script("return document.documentElement.outerHTML;");
    assert!(!page.as_str().unwrap().contains("PRIVATE KEY"), "no key in the page");
    let stored = std::fs::read(db.path()).unwrap();
    assert!(!String::from_utf8_lossy(&stored).contains("PRIVATE KEY"), "no key in the database in clear");
    s.quit();
}
