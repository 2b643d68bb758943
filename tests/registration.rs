//! The app registration against the simulator's Microsoft Graph directory:
//! checked as the app itself (Application.Read.All) and as an administrator,
//! then created and brought in line by an administrator — and the created
//! registration signs in at once (a browser sign-in, an app-only token), the
//! new secret never printed. A user without the role gets Graph's 403 named.

use mailwarden_tests::oauth_env::*;
use mailwarden_tests::text;
use std::process::Output;

/// The simulator knows Microsoft Graph Command Line Tools and an administrator.
fn env_with_admin() -> Env {
    let env = Env::new();
    env.idp.with_admin(TENANT, "admin@contoso.com");
    env
}

/// Run `args` with the fake browser signing in as `user`.
fn as_user(env: &Env, user: &str, args: &[&str]) -> Output {
    env.idp.state.lock().unwrap().user = user.into();
    let browser = mailwarden_tests::workspace_root().join("tests/support/fake-browser");
    let log = env.db.dir.path().join("browser.log");
    env.cmd(args).env("BROWSER", browser).env("FAKE_BROWSER_LOG", &log).output().unwrap()
}

fn show(env: &Env, name: &str) -> serde_json::Value {
    serde_json::from_slice(&env.ok(&["profile", "show", name, "--json"], None).stdout).unwrap()
}

#[test]
fn the_app_reads_its_own_registration_once_it_may() {
    let env = env_with_admin();
    env.app(Some(SECRET), false);
    env.app_only_profile("Catalyst", SECRET);
    env.ok(&["profile", "edit", "Catalyst", "--scopes", &format!("{}/.default", env.idp.base)], None);
    // Without Application.Read.All: Graph's 403, named, with both ways on.
    let o = env.run(&["registration", "check", "Catalyst"], None);
    assert_diagnosis(&o, "Authorization_RequestDenied", "would not let the app read the app registration");
    assert!(text(&o.stderr).contains("Application.Read.All"), "{}", text(&o.stderr));

    env.idp.state.lock().unwrap().apps.get_mut(CLIENT).unwrap().app_roles.push("Application.Read.All".into());
    let o = env.run(&["registration", "check", "Catalyst"], None);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "no secret at Microsoft matches: {out}");
    assert!(out.contains("read as the app itself"), "{out}");
    assert!(out.contains("ok        Microsoft Graph Mail.Send (Application): added, admin consent granted"), "{out}");
    assert!(out.contains("warning   Microsoft Graph Mail.Read (Application): not in API permissions"), "{out}");
    assert!(out.contains("MISMATCH  Client secret: none"), "{out}");
    assert!(out.contains("Certificates & secrets → New client secret"), "portal words, plain: {out}");

    // The portal's row (its Secret ID) now at Microsoft: only the optional one is left.
    env.idp.state.lock().unwrap().app_secrets.insert(
        CLIENT.into(),
        vec![serde_json::json!({"keyId": "0667485f-2d81-4cef-97f8-723b3fec0642", "hint": "CCs", "endDateTime": "2027-06-01T00:00:00Z"})],
    );
    env.ok(&["profile", "edit", "Catalyst", "--secret-id", "0667485f-2d81-4cef-97f8-723b3fec0642"], None);
    let o = env.ok(&["registration", "check", "Catalyst", "--json"], None);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["mismatches"], 0, "{r:#}");
    let secret = r["findings"].as_array().unwrap().iter().find(|f| f["item"] == "Client secret").unwrap();
    assert_eq!(secret["state"], "ok");
    assert!(secret["found"].as_str().unwrap().contains("until 2027-06-01"), "{secret}");
}

#[test]
fn an_administrator_creates_the_registration_and_it_signs_in_at_once() {
    let env = env_with_admin();
    let scopes = format!("{b}/SMTP.Send {b}/IMAP.AccessAsUser.All offline_access", b = env.idp.base);
    env.add_profile("Invent ERP", &["--mailbox", "erp@contoso.com", "--scopes", &scopes], None);
    // The profile's client ID is not at Microsoft; its own tokens cannot read.
    let o = env.run(&["registration", "check", "Invent ERP"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("Nothing here may read the app registration yet"), "{}", text(&o.stderr));
    let o = as_user(&env, "admin@contoso.com", &["registration", "check", "Invent ERP", "--admin"]);
    assert!(text(&o.stdout).contains("MISMATCH  App registration: none with this client ID"), "{}", text(&o.stdout));

    // The plan first, nothing done.
    let o = as_user(&env, "admin@contoso.com", &["registration", "apply", "Invent ERP", "--dry-run"]);
    let plan = text(&o.stdout);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(plan.contains("As admin@contoso.com, Mailwarden will:"), "{plan}");
    assert!(plan.contains("1. Create the app registration — “Invent ERP”: supported account types: Single tenant (accounts in this organizational directory only); redirect URI http://localhost (Mobile and desktop applications); API permissions SMTP.Send, IMAP.AccessAsUser.All, offline_access"), "{plan}");
    assert!(plan.contains("Left for you: Exchange Online: SMTP AUTH on for the mailbox"), "{plan}");
    assert_eq!(env.idp.state.lock().unwrap().created_apps, 0);

    // Without confirmation and no terminal: refused.
    let o = as_user(&env, "admin@contoso.com", &["registration", "apply", "Invent ERP"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("add --yes"), "{}", text(&o.stderr));

    // Someone without the directory role: Graph's 403, and what role it takes.
    let o = as_user(&env, "erp@contoso.com", &["registration", "apply", "Invent ERP", "--yes"]);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("FAILED  Create the app registration"), "{out}");
    assert!(out.contains("Application Administrator") && out.contains("Authorization_RequestDenied"), "{out}");
    assert!(out.contains("skipped Create the enterprise application"), "{out}");

    let o = as_user(&env, "admin@contoso.com", &["registration", "apply", "Invent ERP", "--yes"]);
    let out = text(&o.stdout);
    assert!(o.status.success(), "{out}\n{}", text(&o.stderr));
    assert!(out.contains("done    Create the app registration: Application (client) ID"), "{out}");
    assert!(
        out.contains("done    Grant admin consent: Microsoft Graph SMTP.Send IMAP.AccessAsUser.All offline_access"),
        "{out}"
    );
    let v = show(&env, "Invent ERP");
    let client = v["clientId"].as_str().unwrap().to_owned();
    assert_ne!(client, CLIENT, "the profile now holds the created app's ID");
    assert!(env.idp.state.lock().unwrap().apps[&client].public_redirects.contains(&"http://localhost".to_owned()));

    // In line now, and a second apply has nothing to do.
    let o = as_user(&env, "admin@contoso.com", &["registration", "check", "Invent ERP", "--admin", "--json"]);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["mismatches"], 0, "{r:#}");
    assert!(r["findings"].as_array().unwrap().iter().all(|f| f["state"] == "ok"), "{r:#}");
    let o = as_user(&env, "admin@contoso.com", &["registration", "apply", "Invent ERP", "--yes"]);
    assert!(text(&o.stdout).contains("already in line"), "{}", text(&o.stdout));

    // The mailbox signs in to the new app in the browser.
    let o = as_user(&env, "erp@contoso.com", &["connect", "Invent ERP", "--timeout", "30"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("Connected “Invent ERP” as erp@contoso.com"), "{}", text(&o.stderr));
    // `profile show` lists the setup's steps as the editor does.
    let shown = text(&env.ok(&["profile", "show", "Invent ERP"], None).stdout);
    assert!(shown.contains("done      Register in Entra"), "{shown}");
    assert!(shown.contains("done      Sign in            Connected as erp@contoso.com."), "{shown}");
    assert!(shown.contains("to do     Test               Send a test message. ←"), "{shown}");
}

#[test]
fn an_app_only_profile_without_an_app_gets_one_with_its_secret_kept_unseen() {
    let env = env_with_admin();
    // Saved before any registration exists: no client ID, no secret yet.
    env.add_profile(
        "Scanner",
        &[
            "--auth",
            "client-credentials",
            "--send",
            "graph",
            "--mailbox",
            "scanner@contoso.com",
            "--client-id",
            "",
            "--scopes",
            &format!("{}/.default", env.idp.base),
        ],
        None,
    );
    let o = env.run(&["token", "Scanner"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("no Client ID yet"), "{}", text(&o.stderr));

    let o = as_user(&env, "admin@contoso.com", &["registration", "apply", "Scanner", "--yes"]);
    let out = format!("{}{}", text(&o.stdout), text(&o.stderr));
    assert!(o.status.success(), "{out}");
    assert!(out.contains("done    Add a client secret: Secret ID"), "{out}");
    assert!(out.contains("done    Grant admin consent: Microsoft Graph Mail.Send"), "{out}");
    let v = show(&env, "Scanner");
    let client = v["clientId"].as_str().unwrap().to_owned();
    let secret = env.idp.state.lock().unwrap().apps[&client].secret.clone().unwrap();
    assert!(!out.contains(&secret), "the new secret's value was printed");
    assert_eq!(v["hasClientSecret"], true);
    assert!(v["clientSecretId"].is_string() && v["clientSecretExpires"].is_string(), "{v:#}");
    for (path, bytes) in env.db.all_bytes() {
        assert!(!mailwarden_tests::contains(&bytes, secret.as_bytes()), "secret in clear in {}", path.display());
    }
    // The created app signs in app-only with Mail.Send consented.
    let o = env.ok(&["test", "auth", "Scanner", "--json"], None);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(r.to_string().contains("Mail.Send"), "{r:#}");
}

#[test]
fn a_redirect_uri_entra_refuses_is_graph_s_400_named() {
    let env = env_with_admin();
    let scopes = format!("{b}/SMTP.Send offline_access", b = env.idp.base);
    // Longer than the 256 characters Entra keeps: refused at save already.
    let long = format!("https://erp.contoso.com/oauth/{}", "callback/".repeat(30));
    let o = env
        .run(&["profile", "add", "--name", "Web ERP", "--redirect-uri", &long, "--mailbox", "erp@contoso.com"], None);
    assert!(!o.status.success() && text(&o.stderr).contains("Entra takes at most 256"), "{}", text(&o.stderr));
    // A custom scheme on a Web (confidential) registration: Entra takes only
    // https (or http on loopback) there, and Graph's 400 says so.
    let extra = ["--mailbox", "erp@contoso.com", "--scopes", &scopes, "--redirect-uri", "erp-app://oauth/callback"];
    env.add_profile("Web ERP", &extra, Some(&format!("{SECRET}\n")));
    let o = as_user(&env, "admin@contoso.com", &["registration", "apply", "Web ERP", "--yes"]);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("FAILED  Create the app registration: Microsoft Graph refused to create the app registration"),
        "{out}"
    );
    assert!(out.contains("Request_BadRequest") && out.contains("web.redirectUris"), "{out}");
    assert!(out.contains("Check the profile's Redirect URI"), "the fix names the field: {out}");
    assert_eq!(env.idp.state.lock().unwrap().created_apps, 0);
}

#[test]
fn a_certificate_profile_gets_its_app_with_the_certificate_uploaded_and_no_secret() {
    let env = env_with_admin();
    env.idp.state.lock().unwrap().graph_users.insert("scanner@contoso.com".into());
    env.certificate_profile("Scanner", "scanner@contoso.com", &["--client-id", ""]);
    let info: serde_json::Value =
        serde_json::from_slice(&env.ok(&["certificate", "show", "Scanner", "--json"], None).stdout).unwrap();
    let thumbprint = info["thumbprint"].as_str().unwrap().to_owned();

    let o = as_user(&env, "admin@contoso.com", &["registration", "apply", "Scanner", "--yes"]);
    let out = format!("{}{}", text(&o.stdout), text(&o.stderr));
    assert!(o.status.success(), "{out}");
    assert!(out.contains(&format!("done    Upload the certificate: Thumbprint {thumbprint}")), "{out}");
    assert!(!out.contains("Add a client secret"), "a certificate profile needs no secret: {out}");
    let v = show(&env, "Scanner");
    assert_eq!((v["hasClientSecret"].as_bool(), v["hasCertificate"].as_bool()), (Some(false), Some(true)));
    let client = v["clientId"].as_str().unwrap().to_owned();
    let app = env.idp.state.lock().unwrap().apps[&client].clone();
    assert!(app.secret.is_none(), "no secret was made at Microsoft");
    assert_eq!(app.certificates.len(), 1, "the certificate is the app's");

    // It signs in and sends with the certificate alone.
    env.ok(&["test", "auth", "Scanner"], None);
    env.ok(&["test", "send", "Scanner", "--to", "scanner@contoso.com"], None);
    // The check finds it, by its thumbprint, as the portal shows it.
    let o = as_user(&env, "admin@contoso.com", &["registration", "check", "Scanner", "--admin", "--json"]);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|_| panic!("{}", text(&o.stderr)));
    let cert = r["findings"].as_array().unwrap().iter().find(|f| f["item"] == "Certificate").unwrap().clone();
    assert_eq!(cert["state"], "ok", "{r:#}");
    assert!(cert["found"].as_str().unwrap().starts_with(&thumbprint), "{cert}");
    // A second apply changes nothing: the certificate is there.
    let o = as_user(&env, "admin@contoso.com", &["registration", "apply", "Scanner", "--dry-run"]);
    assert!(!text(&o.stdout).contains("Upload the certificate"), "{}", text(&o.stdout));

    // Removed from the app in the portal: the check says so, with the upload as the fix.
    env.idp.state.lock().unwrap().apps.get_mut(&client).unwrap().certificates.clear();
    let o = as_user(&env, "admin@contoso.com", &["registration", "check", "Scanner", "--admin"]);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("MISMATCH  Certificate: none"), "{out}");
    assert!(out.contains("Upload certificate"), "{out}");
}

/// Seed 004 with a certificate, end to end: created with the profile,
/// uploaded by "create this registration" (which also makes the app an owner
/// of itself with Application.ReadWrite.OwnedBy), a token and a Graph test
/// send, then rotated by the app itself — addKey proven by the old key, a
/// sign-in proved with the new, the old removed — with no administrator.
#[test]
fn seed_004_with_a_certificate_rotates_itself_without_an_administrator() {
    let env = env_with_admin();
    env.idp.state.lock().unwrap().graph_users.insert("catalyst@contoso.com".into());
    env.certificate_profile("Catalyst", "catalyst@contoso.com", &["--client-id", ""]);
    let o = as_user(&env, "admin@contoso.com", &["registration", "apply", "Catalyst", "--yes"]);
    let out = format!("{}{}", text(&o.stdout), text(&o.stderr));
    assert!(o.status.success(), "{out}");
    assert!(out.contains("done    Make the app an owner of itself"), "{out}");
    assert!(out.contains("done    Grant admin consent: Microsoft Graph Application.ReadWrite.OwnedBy"), "{out}");
    env.ok(&["test", "send", "Catalyst", "--to", "catalyst@contoso.com"], None);
    let client = show(&env, "Catalyst")["clientId"].as_str().unwrap().to_owned();
    let old: serde_json::Value =
        serde_json::from_slice(&env.ok(&["certificate", "show", "Catalyst", "--json"], None).stdout).unwrap();

    // The check (as the app) sees the certificate and that the app owns itself.
    let o = env.ok(&["registration", "check", "Catalyst", "--json"], None);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let state =
        |item: &str| r["findings"].as_array().unwrap().iter().find(|f| f["item"] == item).map(|f| f["state"].clone());
    assert_eq!(state("Certificate"), Some("ok".into()), "{r:#}");
    assert_eq!(state("App is an owner of itself"), Some("ok".into()), "{r:#}");

    // Rotation by the app itself: no browser, no administrator.
    let o = env.ok(&["certificate", "rotate", "Catalyst", "--json"], None);
    let rot: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(rot["by"], "the app itself");
    assert_eq!(rot["oldThumbprint"], old["thumbprint"]);
    assert!(rot["oldLeft"].is_null(), "the old one removed: {rot:#}");
    assert_ne!(rot["new"]["thumbprint"], old["thumbprint"]);
    let s = env.idp.state.lock().unwrap();
    assert_eq!(s.added_keys, 1, "addKey, not a PATCH by an administrator");
    assert_eq!(s.apps[&client].certificates.len(), 1, "only the new certificate is left on the app");
    drop(s);
    // The profile signs in with the new one (a fresh token, no cache).
    env.ok(&["test", "auth", "Catalyst"], None);
    env.ok(&["test", "send", "Catalyst", "--to", "catalyst@contoso.com", "--force"], None);
    let now: serde_json::Value =
        serde_json::from_slice(&env.ok(&["certificate", "show", "Catalyst", "--json"], None).stdout).unwrap();
    assert_eq!(now["thumbprint"], rot["new"]["thumbprint"]);
}

#[test]
fn a_rotation_the_app_may_not_make_is_refused_and_nothing_changes() {
    let env = Env::new();
    env.app(None, false);
    env.idp.state.lock().unwrap().apps.get_mut(CLIENT).unwrap().app_roles.push("Application.Read.All".into());
    env.certificate_profile("Catalyst", "ops@contoso.com", &[]);
    let der = env.public_certificate("Catalyst");
    let end = time::OffsetDateTime::now_utc().unix_timestamp() + 86_400 * 30;
    env.idp.register(app_of(&env).certificate(&der, end));
    let before = text(&env.ok(&["certificate", "show", "Catalyst"], None).stdout).to_owned();
    // Without Application.ReadWrite.OwnedBy and ownership: Graph's 403, named.
    let o = env.run(&["certificate", "rotate", "Catalyst"], None);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(err.contains("would not let the app add the certificate"), "{err}");
    assert!(err.contains("Application.ReadWrite.OwnedBy") && err.contains("--admin"), "{err}");
    assert_eq!(
        text(&env.ok(&["certificate", "show", "Catalyst"], None).stdout),
        before,
        "the profile kept its certificate"
    );
    assert_eq!(env.idp.state.lock().unwrap().apps[CLIENT].certificates.len(), 1, "nothing added to the app");
    env.ok(&["test", "auth", "Catalyst"], None);
}

#[test]
fn a_tenant_that_forbids_secrets_is_named_and_a_certificate_offered() {
    let env = env_with_admin();
    env.idp.state.lock().unwrap().secrets_forbidden = true;
    let scope = format!("{}/.default", env.idp.base);
    let extra =
        ["--auth", "client-credentials", "--mailbox", "scanner@contoso.com", "--client-id", "", "--scopes", &scope];
    env.add_profile("Scanner", &extra, None);
    let o = as_user(&env, "admin@contoso.com", &["registration", "apply", "Scanner", "--yes"]);
    let out = format!("{}{}", text(&o.stdout), text(&o.stderr));
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains(
            "FAILED  Add a client secret: The tenant's policy does not let Microsoft Graph add a client secret"
        ),
        "{out}"
    );
    assert!(out.contains("The app registration was created"), "what was made is said: {out}");
    // The certificate instead: the same apply finishes, with no secret.
    env.ok(&["certificate", "create", "Scanner"], None);
    let o = as_user(&env, "admin@contoso.com", &["registration", "apply", "Scanner", "--yes"]);
    let out = format!("{}{}", text(&o.stdout), text(&o.stderr));
    assert!(o.status.success(), "{out}");
    assert!(out.contains("done    Upload the certificate"), "{out}");
    env.ok(&["test", "auth", "Scanner"], None);
}
