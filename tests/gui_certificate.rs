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
    let der = mailwarden_tests::der_of_pem(&std::fs::read_to_string(&cer).unwrap());
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

/// Seed 004 with a certificate in the real window: described with no
/// registration yet, the certificate made in the Sign in step, the app
/// created by "Create this registration for me" with the certificate uploaded
/// (no secret) and the app made an owner of itself, a sign-in and a Graph
/// test send; then the watch names the certificate's end, its action opens
/// the certificate, and Rotate has the app add the new one (addKey), prove
/// it, switch, and remove the old — with no administrator.
/// A new app-only Graph profile "Catalyst" typed into the editor, against
/// the simulator's cloud (its client ID when `client` is given).
fn new_app_only_graph(j: &mailwarden_tests::journey::Journey, idp: &Idp, client: Option<&str>) {
    j.new_profile();
    j.choose("authMethod", "client-credentials");
    j.choose("sendMethod", "graph");
    j.choose("cloud", "custom");
    j.fill("name", "Catalyst");
    j.fill("authorityUrl", &idp.base);
    j.fill("tenant", TENANT);
    if let Some(c) = client {
        j.fill("clientId", c);
    }
    j.fill("scopes", &format!("{}/.default", idp.base));
    j.fill("mailbox", "catalyst@contoso.com");
}

#[test]
fn seed_004_with_a_certificate_made_registered_watched_and_rotated_in_the_window() {
    let idp = Idp::start();
    idp.with_admin(TENANT, "admin@contoso.com");
    idp.state.lock().unwrap().user = "admin@contoso.com".into();
    idp.state.lock().unwrap().graph_users.insert("catalyst@contoso.com".into());
    let mut j = mailwarden_tests::journey::Journey::start("004-certificate", &idp);
    new_app_only_graph(&j, &idp, None);
    j.save_and_go_on();

    // The certificate, made first (twenty days, so the watch has to say so).
    j.step("signIn");
    j.s.find("[data-testid=certificate-none]");
    j.fill("certificateDays", "20");
    j.s.button("Make a certificate").click();
    j.wait_text("[data-testid=certificate-thumbprint]", "", 20);
    let first = j.s.text_of("[data-testid=certificate-thumbprint]").trim().to_owned();
    j.shot("certificate-made");

    // The registration, created with the certificate uploaded and no secret.
    j.step("register");
    j.s.find("[data-testid=registration-create]").click();
    let plan = j.wait_text("[data-testid=registration-plan]", "Upload the certificate", 30);
    assert!(plan.contains("Make the app an owner of itself") && !plan.contains("Add a client secret"), "{plan}");
    j.shot("register-plan");
    j.s.find("[data-testid=registration-apply]").click();
    j.wait_text("[data-testid=registration-report]", "in line with this profile", 30);
    let v: serde_json::Value =
        serde_json::from_slice(&j.db.run(&["profile", "show", "Catalyst", "--json"], None).stdout).unwrap();
    let client = v["clientId"].as_str().unwrap().to_owned();
    assert!(idp.state.lock().unwrap().apps[&client].secret.is_none(), "no secret at Microsoft");

    j.step("signIn");
    j.press("Test sign-in", "[data-testid=auth-report]", "Mail.Send");
    j.step("test");
    j.s.button("Send test message").click();
    j.wait_text("[data-testid=send-result]", "", 30);
    assert_eq!(idp.state.lock().unwrap().graph_sent.len(), 1);
    j.shot("test");

    // The watch: the certificate's end, with its action.
    j.wait_text("[data-testid=attention-item]", "Certificate expires in 20 days", 10);
    j.shot("watched");
    j.s.find("[data-testid=attention-item] button").click();
    j.s.wait_until("the Sign in step", 10, |s| s.attr_of("#step-signIn", "aria-selected").as_deref() == Some("true"));
    j.s.find("[data-testid=certificate-rotate]").click();
    j.wait_text("[data-testid=certificate-rotated]", "was removed from the app", 30);
    let second = j.s.text_of("[data-testid=certificate-thumbprint]").trim().to_owned();
    assert_ne!(first, second, "a new certificate");
    {
        let s = idp.state.lock().unwrap();
        assert_eq!(s.added_keys, 1, "added by the app itself (addKey)");
        assert_eq!(s.apps[&client].certificates.len(), 1, "the old one removed from the app");
    }
    j.s.wait_until("the watch quiet again", 10, |s| s.count("[data-testid=attention-item]") == 0);
    j.shot("rotated");
    j.press("Test sign-in", "[data-testid=auth-report]", "Mail.Send");
}

/// The app may not change itself (no Application.ReadWrite.OwnedBy, not its
/// own owner): Rotate in the window ends in Graph's refusal, named, and the
/// card's "Rotate as an administrator…" signs the administrator in (the
/// browser) and rotates with their session — the new key added, proven,
/// switched to, the old one removed.
#[test]
fn a_rotation_the_app_may_not_make_is_made_by_an_administrator_from_the_card() {
    let idp = Idp::start();
    idp.with_admin(TENANT, "admin@contoso.com");
    idp.state.lock().unwrap().user = "admin@contoso.com".into();
    let mut j = mailwarden_tests::journey::Journey::start("004-certificate-admin", &idp);
    new_app_only_graph(&j, &idp, Some(CLIENT));
    // With its client ID known, it needs its credential now: a certificate,
    // made with the save, instead of a secret.
    // (Centred first: the step's sticky actions bar would take a click at the edge.)
    j.s.script("document.getElementById('certificate').scrollIntoView({block: 'center'});");
    j.s.find("#certificate").click();
    j.s.find("[data-testid=certificate-on-save]");
    j.save_and_go_on();
    j.step("signIn");
    j.wait_text("[data-testid=certificate-thumbprint]", "", 20);
    let first = j.s.text_of("[data-testid=certificate-thumbprint]").trim().to_owned();
    // Uploaded by hand in the portal: the app knows it, may read itself, no more.
    let cer = j.db.dir.path().join("catalyst.cer");
    let o = j.db.run(&["certificate", "export-public", "Catalyst", "-o", cer.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let der = mailwarden_tests::der_of_pem(&std::fs::read_to_string(&cer).unwrap());
    let end = time::OffsetDateTime::now_utc().unix_timestamp() + 365 * 86_400;
    idp.register(App::new(CLIENT, TENANT).roles(&["Mail.Send", "Application.Read.All"]).certificate(&der, end));

    j.s.find("[data-testid=certificate-rotate]").click();
    j.s.wait_until("Graph's refusal", 30, |s| s.count("[data-testid=certificate] [data-testid=diagnosis]") == 1);
    let card = j.s.text_of("[data-testid=certificate] [data-testid=diagnosis]");
    assert!(card.contains("would not let the app add the certificate"), "{card}");
    assert!(card.contains("Application.ReadWrite.OwnedBy"), "{card}");
    j.shot("rotation-refused");
    j.s.button("Rotate as an administrator…").click();
    j.wait_text("[data-testid=certificate-rotated]", "Rotated by admin@contoso.com", 40);
    let second = j.s.text_of("[data-testid=certificate-thumbprint]").trim().to_owned();
    assert_ne!(first, second, "a new certificate");
    {
        let s = idp.state.lock().unwrap();
        let on_app: Vec<String> =
            s.apps[CLIENT].certificates.iter().map(|k| mailwarden_tests::thumbprint_of(&k.der)).collect();
        assert_eq!(on_app, std::slice::from_ref(&second), "the new one on the app, the old one removed");
    }
    j.shot("rotated-by-admin");
    j.press("Test sign-in", "[data-testid=auth-report]", "Mail.Send");
}
