//! Certificate credentials through the CLI against the simulator, which
//! checks client assertions as Entra does: a certificate made by Mailwarden,
//! its public half uploaded to the app, a token and a Graph test send signed
//! with it (no secret sent); the key nowhere in clear (database, log, output,
//! the exported .cer); and Entra's refusals — an unknown certificate, an
//! expired one, a key that is not the certificate's — each diagnosed.

use mailwarden_tests::oauth_env::{app_of, assert_diagnosis, Env};
use mailwarden_tests::text;

fn graph_env() -> Env {
    let env = Env::new();
    env.app(None, false);
    env.idp.state.lock().unwrap().graph_users.insert("ops@contoso.com".into());
    env.certificate_profile("Catalyst", "ops@contoso.com", &[]);
    env
}

/// The profile's public certificate, as exported for the portal (DER).
fn exported(env: &Env) -> Vec<u8> {
    env.public_certificate("Catalyst")
}

/// The app's certificates in Entra: this one alone, valid until `end`.
fn upload(env: &Env, der: &[u8], end: i64) {
    let mut app = app_of(env);
    app.certificates.clear();
    env.idp.register(app.certificate(der, end));
}

fn in_a_year() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp() + 365 * 86_400
}

#[test]
fn a_certificate_made_here_signs_in_and_sends_with_no_secret() {
    let env = graph_env();
    let o = env.ok(&["certificate", "show", "Catalyst", "--json"], None);
    let info: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(info["subject"], "CN=Mailwarden Catalyst");
    assert_eq!(info["keyBits"], 2048);
    let thumbprint = info["thumbprint"].as_str().unwrap().to_owned();
    let der = exported(&env);
    upload(&env, &der, in_a_year());
    let shown = text(&env.ok(&["certificate", "show", "Catalyst"], None).stdout).to_owned();
    assert!(shown.contains(&format!("Thumbprint:  {thumbprint}")), "{shown}");

    let token = env.ok(&["token", "Catalyst"], None);
    assert!(text(&token.stdout).starts_with("eyJ"), "an access token");
    let o = env.ok(&["test", "send", "Catalyst", "--to", "ops@contoso.com", "--json"], None);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["reply"], "202 Accepted");
    assert_eq!(env.idp.count("client_credentials"), 1, "the cached token served the send");
    // Graph's inbound check reads the inbox with a token signed the same way.
    let mut app = app_of(&env).roles(&["Mail.Read"]);
    app.certificates.clear();
    env.idp.register(app.certificate(&der, in_a_year()));
    env.ok(&["disconnect", "Catalyst"], None);
    let o = env.ok(&["test", "imap", "Catalyst", "--json"], None);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((r["via"].as_str(), r["mailbox"].as_str()), (Some("graph"), Some("ops@contoso.com")), "{r}");
    assert_eq!(env.idp.count("client_credentials"), 2, "a new token, asked for with an assertion");

    // The key: sealed in the database, never in the log or any output.
    let db = std::fs::read(env.db.path()).unwrap();
    let log = std::fs::read(env.db.dir.path().join("mailwarden.log")).unwrap_or_default();
    for (what, bytes) in [("database", &db), ("log", &log)] {
        let t = String::from_utf8_lossy(bytes);
        assert!(!t.contains("PRIVATE KEY"), "a private key in the {what}");
    }
    for args in [&["certificate", "show", "Catalyst", "--json"][..], &["profile", "show", "Catalyst", "--json"]] {
        let out = env.ok(args, None);
        assert!(!text(&out.stdout).contains("PRIVATE"), "{args:?}");
    }
}

#[test]
fn entras_refusals_of_a_certificate_are_diagnosed() {
    let env = graph_env();
    // Never uploaded: the app does not know it.
    assert_diagnosis(
        &env.run(&["test", "auth", "Catalyst"], None),
        "AADSTS700027",
        "The app does not know this certificate",
    );
    // Uploaded, but its end date at Entra has passed.
    let der = exported(&env);
    upload(&env, &der, time::OffsetDateTime::now_utc().unix_timestamp() - 60);
    assert_diagnosis(&env.run(&["test", "auth", "Catalyst"], None), "AADSTS700027", "The certificate has expired");
    // This computer's clock 20 minutes behind Microsoft's (more than the
    // assertion's ten minutes and Entra's five of skew): the assertion's
    // time is refused, and the diagnosis says by how much.
    upload(&env, &der, in_a_year());
    env.idp.state.lock().unwrap().clock_ahead = 1200;
    let o = env.run(&["test", "auth", "Catalyst"], None);
    assert_diagnosis(&o, "AADSTS700024", "The sign-in was signed at the wrong time");
    let err = text(&o.stderr);
    assert!(err.contains("clock is about 20 minutes behind Microsoft's"), "{err}");
    env.idp.state.lock().unwrap().clock_ahead = 0;
    // The clock right again: the sign-in works.
    env.ok(&["test", "auth", "Catalyst"], None);
}

#[test]
fn a_certificate_is_asked_for_only_where_it_can_be_used_and_nothing_is_half_saved() {
    let env = Env::new();
    env.app(None, false);
    // App-only with neither credential: the error offers the certificate.
    let o = env.add_profile_raw("Bare", &["--auth", "client-credentials"]);
    assert!(text(&o.stderr).contains("or make a certificate for this profile instead"), "{}", text(&o.stderr));
    // A certificate for a public client (a desktop app's loopback
    // redirect): refused by field, nothing saved.
    let o = env.add_profile_raw("Delegated", &["--auth", "auth-code", "--create-certificate"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("--create-certificate"), "the flag named: {}", text(&o.stderr));
    assert!(text(&o.stderr).contains("desktop (public) app"), "{}", text(&o.stderr));
    // A PEM file without its key: refused, and no profile half-made.
    let cert_only = env.db.dir.path().join("cert-only.pem");
    std::fs::write(&cert_only, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").unwrap();
    let o = env
        .add_profile_raw("Pem", &["--auth", "client-credentials", "--certificate-file", cert_only.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let list = text(&env.ok(&["profile", "list", "--json"], None).stdout).to_owned();
    assert!(!list.contains("\"Pem\"") && !list.contains("\"Delegated\"") && !list.contains("\"Bare\""), "{list}");
}

#[test]
fn the_watch_reads_a_certificates_end_like_a_secrets() {
    let env = Env::new();
    env.app(None, false);
    env.certificate_profile("Short", "ops@contoso.com", &["--certificate-days", "10"]);
    let info: serde_json::Value =
        serde_json::from_slice(&env.ok(&["certificate", "show", "Short", "--json"], None).stdout).unwrap();
    let thumbprint = info["thumbprint"].as_str().unwrap();
    // The list's badge is the certificate's (the credential in use), as the watch says it.
    let list: serde_json::Value = serde_json::from_slice(&env.ok(&["profile", "list", "--json"], None).stdout).unwrap();
    let row = list.as_array().map(|a| a[0].clone()).unwrap_or_else(|| list["profiles"][0].clone());
    assert_eq!(row["secretExpiry"]["text"], "Certificate expires in 10 days", "{list:#}");
    assert_eq!(row["secretExpiry"]["state"], "soon");
    let soon = env.ok(&["profile", "list", "--expiry", "soon", "--json"], None);
    assert!(text(&soon.stdout).contains("\"Short\""), "the filter agrees: {}", text(&soon.stdout));
    // Ten days left: a warning at the default thresholds (30 soon, 7 urgent).
    let o = env.run(&["check"], None);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stdout));
    assert!(text(&o.stdout).contains("WARNING: Short: Certificate expires in 10 days (soon)"), "{}", text(&o.stdout));
    // Five days from now it is urgent; twelve, expired.
    let day = |n: i64| (time::OffsetDateTime::now_utc() + time::Duration::days(n)).date().to_string();
    let o = env.run(&["check", "--as-of", &day(5), "--json"], None);
    assert_eq!(o.status.code(), Some(2));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let item = &r["items"][0];
    assert_eq!((item["kind"].as_str(), item["state"].as_str()), (Some("certificate"), Some("urgent")));
    assert_eq!(item["action"], "rotateCertificate");
    assert!(item["detail"].as_str().unwrap().contains(thumbprint));
    let o = env.run(&["check", "--as-of", &day(12)], None);
    assert!(text(&o.stdout).contains("Certificate expired 2 days ago (expired)"), "{}", text(&o.stdout));
    // The calendar holds its end, keyed by the thumbprint.
    let o = env.ok(&["calendar", "export", "-"], None);
    let ics = text(&o.stdout);
    assert!(ics.contains(&format!("UID:certificate-{thumbprint}@mailwarden")), "{ics}");
    assert!(ics.contains("SUMMARY:Certificate expires: Short"), "{ics}");
}

/// Entra may end a key before its certificate does (an app-management
/// policy's `asymmetricKeyLifetime`, an end set at upload): read from Graph,
/// that end is the one the watch and the list count.
#[test]
fn entras_earlier_end_for_the_certificate_is_the_one_watched() {
    let env = graph_env();
    // The app may read its own registration (Application.Read.All).
    let upload_readable = |env: &Env, der: &[u8], end: i64| {
        let mut app = app_of(env).roles(&["Application.Read.All"]);
        app.certificates.clear();
        env.idp.register(app.certificate(der, end));
    };
    let der = exported(&env);
    let in_days = |n: i64| time::OffsetDateTime::now_utc().unix_timestamp() + n * 86_400;
    upload_readable(&env, &der, in_days(6));
    let badge = |env: &Env| {
        let list: serde_json::Value =
            serde_json::from_slice(&env.ok(&["profile", "list", "--json"], None).stdout).unwrap();
        let row = list.as_array().map(|a| a[0].clone()).unwrap_or_else(|| list["profiles"][0].clone());
        row["secretExpiry"]["text"].as_str().unwrap_or_default().to_owned()
    };
    assert_eq!(badge(&env), "Certificate expires in 365 days", "before Entra is read");
    let o = env.ok(&["secret", "read-graph", "Catalyst"], None);
    assert!(text(&o.stdout).contains("this profile's"), "{}", text(&o.stdout));
    assert_eq!(badge(&env), "Certificate expires in 6 days");
    let o = env.run(&["check", "--json"], None);
    assert_eq!(o.status.code(), Some(2), "urgent at 6 days: {}", text(&o.stdout));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(r["items"][0]["detail"].as_str().unwrap().contains("in Entra"), "{r:#}");

    // The registration check reads it too: Entra now keeps it a year.
    upload_readable(&env, &der, in_days(200));
    env.ok(&["registration", "check", "Catalyst"], None);
    assert_eq!(badge(&env), "Certificate expires in 200 days");
}

#[test]
fn an_export_carries_the_certificate_only_under_its_passphrase() {
    let env = graph_env();
    let der = exported(&env);
    upload(&env, &der, in_a_year());
    let thumbprint = serde_json::from_slice::<serde_json::Value>(
        &env.ok(&["certificate", "show", "Catalyst", "--json"], None).stdout,
    )
    .unwrap()["thumbprint"]
        .as_str()
        .unwrap()
        .to_owned();
    // Without a passphrase: no key, no certificate in the file.
    let plain = env.db.dir.path().join("plain.json");
    env.ok(&["profile", "export", "-o", plain.to_str().unwrap()], None);
    let text_of_file = std::fs::read_to_string(&plain).unwrap();
    assert!(!text_of_file.contains("PRIVATE KEY") && !text_of_file.contains("CERTIFICATE"), "{text_of_file}");
    // With one: sealed, and the other database signs in with the same certificate.
    let sealed = env.db.dir.path().join("sealed.age");
    let pass = "correct horse battery";
    env.ok(
        &["profile", "export", "-o", sealed.to_str().unwrap(), "--with-secrets", "--passphrase-stdin"],
        Some(&format!("{pass}\n")),
    );
    let bytes = std::fs::read(&sealed).unwrap();
    assert!(!String::from_utf8_lossy(&bytes).contains("PRIVATE KEY"), "the key in clear in the file");
    let other = Env { db: mailwarden_tests::TempDb::new(), idp: env.idp };
    let o =
        other.ok(&["profile", "import", sealed.to_str().unwrap(), "--passphrase-stdin"], Some(&format!("{pass}\n")));
    assert!(text(&o.stdout).contains("certificate and its key"), "{}", text(&o.stdout));
    let info: serde_json::Value =
        serde_json::from_slice(&other.ok(&["certificate", "show", "Catalyst", "--json"], None).stdout).unwrap();
    assert_eq!(info["thumbprint"], thumbprint.as_str());
    other.ok(&["test", "auth", "Catalyst"], None);
    for (path, bytes) in other.db.all_bytes() {
        assert!(!String::from_utf8_lossy(&bytes).contains("PRIVATE KEY"), "the key in clear in {}", path.display());
    }
}

#[test]
fn the_key_leaves_only_as_a_pfx_under_a_passphrase_and_comes_back_from_one() {
    let env = graph_env();
    let thumbprint = |e: &Env| {
        serde_json::from_slice::<serde_json::Value>(&e.ok(&["certificate", "show", "Catalyst", "--json"], None).stdout)
            .unwrap()["thumbprint"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let ours = thumbprint(&env);
    let pfx = env.db.dir.path().join("catalyst.pfx");
    let pass = "a long passphrase";
    // A short passphrase is refused and nothing is written or recorded.
    let o = env.run(
        &["certificate", "export-pfx", "Catalyst", "-o", pfx.to_str().unwrap(), "--passphrase-stdin"],
        Some("short\n"),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(!pfx.exists());
    env.ok(
        &["certificate", "export-pfx", "Catalyst", "-o", pfx.to_str().unwrap(), "--passphrase-stdin"],
        Some(&format!("{pass}\n")),
    );
    let bytes = std::fs::read(&pfx).unwrap();
    assert!(!String::from_utf8_lossy(&bytes).contains("PRIVATE KEY"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&pfx).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // Another program (OpenSSL) opens it with the passphrase and finds our certificate.
    let o = std::process::Command::new("openssl")
        .args(["pkcs12", "-in", pfx.to_str().unwrap(), "-nokeys", "-passin", "stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(format!("{pass}\n").as_bytes())?;
            c.wait_with_output()
        })
        .expect("openssl");
    assert!(o.status.success(), "openssl: {}", text(&o.stderr));
    assert!(text(&o.stdout).contains("BEGIN CERTIFICATE"), "{}", text(&o.stdout));
    // Recorded as a hand-over.
    let h: serde_json::Value =
        serde_json::from_slice(&env.ok(&["handover", "Catalyst", "--json"], None).stdout).unwrap();
    assert!(h.to_string().contains("certificateKey"), "{h:#}");

    // Brought in elsewhere from the PFX: a wrong passphrase is named; the right one works.
    let other = Env { db: mailwarden_tests::TempDb::new(), idp: env.idp };
    other.certificate_profile("Catalyst", "ops@contoso.com", &[]);
    let import = ["certificate", "import", "Catalyst", "--file", pfx.to_str().unwrap(), "--passphrase-stdin"];
    let o = other.run(&import, Some("wrong passphrase\n"));
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("The passphrase does not open this PFX file"), "{}", text(&o.stderr));
    other.ok(&import, Some(&format!("{pass}\n")));
    assert_eq!(thumbprint(&other), ours);
}

/// Seed 001's route — a Web redirect (https://localhost), the address
/// pasted back — with a certificate where the seed has a secret: the code
/// is redeemed and the refresh token used with a client assertion, and the
/// app holds no secret at all. A device code (a public client's sign-in) is
/// refused a certificate at save, saying why.
#[test]
fn a_web_app_a_person_signs_in_to_proves_itself_with_its_certificate() {
    let env = Env::new();
    env.app(None, false);
    let web = ["--mailbox", "erp@contoso.com", "--redirect-uri", "https://localhost", "--create-certificate"];
    env.add_profile("ERP", &web, None);
    let der = env.public_certificate("ERP");
    upload(&env, &der, in_a_year());
    let o = env.manual_connect("ERP", |url| env.idp.sign_in(&url));
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(env.idp.count("authorization_code"), 1);
    // The refresh-token grant is signed too (the keep-alive refreshes now).
    let o = env.ok(&["keepalive", "--idle-days", "0", "--json"], None);
    assert!(text(&o.stdout).contains("ERP"), "{}", text(&o.stdout));
    assert_eq!(env.idp.count("refresh_token"), 1, "{}", text(&o.stdout));
    assert!(text(&env.ok(&["token", "ERP"], None).stdout).starts_with("eyJ"));
    assert_eq!(env.idp.state.lock().unwrap().assertion_ids.len(), 2, "one assertion per request");

    // Another certificate on the app: Entra no longer knows this one.
    let mut other = app_of(&env);
    other.certificates.clear();
    let unknown = mailwarden_services::certificate::create("Other", 30, 2048, time::OffsetDateTime::now_utc()).unwrap();
    env.idp.register(other.certificate(&unknown.der, in_a_year()));
    let o = env.run(&["keepalive", "--idle-days", "0"], None);
    assert_ne!(o.status.code(), Some(0));
    let said = format!("{}{}", text(&o.stdout), text(&o.stderr));
    assert!(said.contains("ERP") && said.contains("The app does not know this certificate"), "{said}");

    // A device code is a public client's sign-in: refused, nothing saved.
    let o = env
        .add_profile_raw("Device", &["--mailbox", "erp@contoso.com", "--create-certificate", "--auth", "device-code"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("public client"), "{}", text(&o.stderr));
    assert!(!text(&env.ok(&["profile", "list"], None).stdout).contains("Device"), "not saved");
}
