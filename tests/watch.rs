//! The expiry watch through the CLI, against the identity-provider simulator:
//! `check` exit codes per state with `--as-of`, `calendar export` read back by
//! an independent ICS parser, a pasted portal row, secrets read from Graph
//! (200, 403 without Application.Read.All, 404 for an app registered
//! elsewhere), a guided rotation that changes nothing until proven, and the
//! keep-alive.

use mailwarden_tests::oauth_env::{assert_diagnosis, Env, CLIENT, SECRET};
use mailwarden_tests::text;

const OLD_ID: &str = "0667485f-2d81-4cef-97f8-723b3fec0642";

/// An app-only Graph profile whose Graph is the simulator.
fn secret_profile(env: &Env, name: &str, expires: &str) {
    env.app(Some(SECRET), false);
    env.app_only_profile(name, SECRET);
    let scopes = format!("{}/.default", env.idp.base);
    env.ok(&["profile", "edit", name, "--secret-id", OLD_ID, "--secret-expires", expires, "--scopes", &scopes], None);
}

fn check(env: &Env, extra: &[&str]) -> (i32, String) {
    let mut args = vec!["check"];
    args.extend_from_slice(extra);
    let o = env.run(&args, None);
    (o.status.code().unwrap(), text(&o.stdout).to_owned())
}

#[test]
fn check_follows_the_monitoring_plugin_convention() {
    let env = Env::new();
    secret_profile(&env, "Invoices", "2027-01-31");
    let (code, out) = check(&env, &["--as-of", "2026-11-01"]);
    assert_eq!((code, out.lines().next().unwrap()), (0, "MAILWARDEN OK - nothing expires within 30 days"));
    let (code, out) = check(&env, &["--as-of", "2027-01-10"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("MAILWARDEN WARNING - 0 critical, 1 warning"), "{out}");
    assert!(out.contains("WARNING: Invoices: Client secret expires in 21 days (soon)"), "{out}");
    let (code, out) = check(&env, &["--as-of", "2027-01-28"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("CRITICAL: Invoices: Client secret expires in 3 days (urgent)"), "{out}");
    let (code, out) = check(&env, &["--as-of", "2027-02-05"]);
    assert!(code == 2 && out.contains("expired 5 days ago (expired)"), "{out}");
    // Thresholds from the command line override the settings.
    assert_eq!(check(&env, &["--as-of", "2026-11-01", "--warn-days", "120", "--crit-days", "10"]).0, 1);
    let (code, json) = check(&env, &["--as-of", "2027-01-28", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!((code, v["status"].as_str(), v["items"][0]["daysLeft"].as_i64()), (2, Some("critical"), Some(3)));
    // UNKNOWN (3) when the check itself cannot run.
    let (code, out) = check(&env, &["--as-of", "31/01/2027"]);
    assert!(code == 3 && out.starts_with("MAILWARDEN UNKNOWN"), "{out}");
    let garbage = env.db.dir.path().join("not-a.db");
    std::fs::write(&garbage, "this is not SQLite, just text long enough to be read as a header....").unwrap();
    let o = env.cmd(&["check"]).env("MAILWARDEN_DB", &garbage).output().unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stdout));
    let missing = env.cmd(&["check"]).env("MAILWARDEN_DB", env.db.dir.path().join("nowhere.db")).output().unwrap();
    assert_eq!(missing.status.code(), Some(3));
    assert!(text(&missing.stdout).contains("no Mailwarden database"), "{}", text(&missing.stdout));
    assert!(!env.db.dir.path().join("nowhere.db").exists(), "checking creates nothing");
    // Settings change the default thresholds.
    env.ok(&["settings", "set", "--warn-days", "100", "--crit-days", "20"], None);
    assert_eq!(check(&env, &["--as-of", "2026-11-01"]).0, 1, "91 days left is soon at 100");
    assert_eq!(check(&env, &["--as-of", "2027-01-15"]).0, 2, "16 days left is critical at 20");
    let o = env.run(&["settings", "set", "--warn-days", "5", "--crit-days", "10"], None);
    assert!(o.status.code() == Some(1) && text(&o.stderr).contains("Urgent must come after"), "{}", text(&o.stderr));
}

#[test]
fn calendar_export_reads_back_with_an_independent_parser() {
    let env = Env::new();
    secret_profile(&env, "Invoices", "2027-01-31");
    let file = env.db.dir.path().join("mailwarden.ics");
    env.ok(&["calendar", "export", file.to_str().unwrap()], None);
    let reader = ical::IcalParser::new(std::io::BufReader::new(std::fs::File::open(&file).unwrap()));
    let cals: Vec<_> = reader.map(Result::unwrap).collect();
    assert_eq!(cals.len(), 1);
    let ev = &cals[0].events[0];
    let prop = |name: &str| ev.properties.iter().find(|p| p.name == name).and_then(|p| p.value.clone());
    assert_eq!(prop("UID").as_deref(), Some(format!("secret-{OLD_ID}@mailwarden").as_str()));
    assert_eq!(prop("DTSTART").as_deref(), Some("20270131"));
    assert_eq!(prop("DTEND").as_deref(), Some("20270201"));
    assert!(prop("SUMMARY").unwrap().contains("Invoices"));
    assert!(prop("DESCRIPTION").unwrap().contains(&format!("Credentials/appId/{CLIENT}")));
    let triggers: Vec<String> = ev
        .alarms
        .iter()
        .filter_map(|a| a.properties.iter().find(|p| p.name == "TRIGGER").and_then(|p| p.value.clone()))
        .collect();
    assert_eq!(triggers, ["-PT2592000S", "-PT604800S"], "30 and 7 days before");
    // Exported again: the same UID, so a calendar updates the event.
    let again = text(&env.ok(&["calendar", "export", "-"], None).stdout).to_owned();
    assert!(again.contains(&format!("UID:secret-{OLD_ID}@mailwarden")));
}

#[test]
fn a_pasted_portal_row_fills_the_secret_id_and_expiry() {
    let env = Env::new();
    env.app(Some(SECRET), false);
    env.app_only_profile("Docs", SECRET);
    let row = "Description\tExpires\tValue ⓘ\tSecret ID\nDocumentation\t4/16/2027\tWvR8Q~dburnMyAJOayfq9DUm61D~M...\t0667485f-2d81-4cef-97f8-723b3fec0642\n";
    let o = env.ok(&["secret", "paste-row", "Docs", "--month-first"], Some(row));
    assert!(text(&o.stdout).contains("expires 2027-04-16"), "{}", text(&o.stdout));
    assert!(text(&o.stderr).contains("cut off by the portal"), "{}", text(&o.stderr));
    let v: serde_json::Value =
        serde_json::from_slice(&env.ok(&["profile", "show", "Docs", "--json"], None).stdout).unwrap();
    assert_eq!(v["clientSecretId"], OLD_ID);
    assert_eq!(v["clientSecretExpires"], "2027-04-16");
    let h: serde_json::Value =
        serde_json::from_slice(&env.ok(&["secret", "history", "Docs", "--json"], None).stdout).unwrap();
    assert_eq!(h[0]["description"], "Documentation");
    // Garbage names what is missing; nothing changes.
    let o = env.run(&["secret", "paste-row", "Docs"], Some("Documentation\t4/16/2027\tWvR8Q~dbu..."));
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("No Secret ID"), "{}", text(&o.stderr));
}

#[test]
fn secrets_are_read_from_graph_with_application_read_all() {
    let env = Env::new();
    secret_profile(&env, "Invoices", "");
    let end = "2027-03-14T03:00:00Z";
    env.idp.state.lock().unwrap().app_secrets.insert(
        CLIENT.into(),
        vec![
            serde_json::json!({"keyId": OLD_ID, "displayName": "Invoices relay", "hint": "CCs", "endDateTime": end}),
            serde_json::json!({"keyId": "99999999-2d81-4cef-97f8-723b3fec0642", "displayName": "Other", "hint": "Zzz", "endDateTime": "2028-01-01T00:00:00Z"}),
        ],
    );
    // Without the permission: which one, and how to grant it.
    let o = env.run(&["secret", "read-graph", "Invoices"], None);
    assert_diagnosis(&o, "Authorization_RequestDenied", "would not let the app read the app registration");
    assert!(text(&o.stderr).contains("Application.Read.All"), "{}", text(&o.stderr));

    env.idp.state.lock().unwrap().apps.get_mut(CLIENT).unwrap().app_roles.push("Application.Read.All".into());
    let o = env.ok(&["secret", "read-graph", "Invoices", "--json"], None);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["updated"], true);
    assert_eq!(r["secrets"].as_array().unwrap().len(), 2);
    assert_eq!(r["secrets"][0]["isProfiles"], true);
    let v: serde_json::Value =
        serde_json::from_slice(&env.ok(&["profile", "show", "Invoices", "--json"], None).stdout).unwrap();
    let expires = v["clientSecretExpires"].as_str().unwrap();
    assert!(expires == "2027-03-14" || expires == "2027-03-13", "the local date of {end}: {expires}");

    env.idp.state.lock().unwrap().foreign_apps.insert(CLIENT.into());
    let o = env.run(&["secret", "read-graph", "Invoices"], None);
    assert_diagnosis(&o, "Request_ResourceNotFound", "does not know this app");
}

#[test]
fn rotation_changes_nothing_until_the_new_secret_is_proven() {
    let env = Env::new();
    secret_profile(&env, "Invoices", "2026-12-01");
    let new_value = "NEW8Q~rotatedSecretValue0123456789abc";
    let new_id = "11111111-2222-3333-4444-555555555555";
    let rotate = ["secret", "rotate", "Invoices", "--secret-id", new_id, "--expires", "2027-11-23"];
    // Not yet created in Entra (the simulator knows only the old one): refused.
    let o = env.run(&rotate, Some(&format!("{new_value}\n")));
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stdout));
    let h: serde_json::Value =
        serde_json::from_slice(&env.ok(&["secret", "history", "Invoices", "--json"], None).stdout).unwrap();
    assert_eq!(h.as_array().unwrap().len(), 1, "nothing retired: {h}");
    env.ok(&["test", "auth", "Invoices"], None);
    // A truncated value is refused before any request.
    let o = env.run(&rotate, Some("NEW8Q~rotatedSecr...\n"));
    assert!(text(&o.stderr).contains("cut off") || text(&o.stderr).contains("..."), "{}", text(&o.stderr));

    // Created in Entra now: proven, saved, the old one retired.
    env.idp.state.lock().unwrap().apps.get_mut(CLIENT).unwrap().secret = Some(new_value.into());
    let o = env.ok(&rotate, Some(&format!("{new_value}\n")));
    assert!(text(&o.stdout).contains("Rotated: got an app-only token"), "{}", text(&o.stdout));
    assert!(text(&o.stdout).contains(&format!("Retired {OLD_ID}")), "{}", text(&o.stdout));
    assert!(text(&o.stdout).contains(&format!("Credentials/appId/{CLIENT}")), "where to delete it");
    let h: serde_json::Value =
        serde_json::from_slice(&env.ok(&["secret", "history", "Invoices", "--json"], None).stdout).unwrap();
    assert_eq!((h[0]["secretId"].as_str(), h[0]["hint"].as_str()), (Some(new_id), Some("NEW")));
    assert!(h[1]["retiredAt"].is_string());
    env.ok(&["test", "auth", "Invoices"], None);
    assert!(!text(&o.stdout).contains(new_value) && !text(&o.stderr).contains(new_value));
}

#[test]
fn keepalive_refreshes_idle_refresh_tokens() {
    let env = Env::new();
    env.app(None, true);
    env.delegated_profile("Invent ERP");
    let scopes =
        ["https://outlook.office.com/SMTP.Send", "https://outlook.office.com/IMAP.AccessAsUser.All", "offline_access"];
    let rt = env.idp.mint_refresh_token(CLIENT, &scopes);
    env.ok(&["connect", "Invent ERP", "--refresh-token-stdin"], Some(&format!("{rt}\n")));
    let before = env.idp.count("refresh_token");
    let o = env.ok(&["keepalive"], None);
    assert!(text(&o.stdout).contains("No refresh token needed"), "{}", text(&o.stdout));
    assert_eq!(env.idp.count("refresh_token"), before);
    let o = env.ok(&["keepalive", "--idle-days", "0", "--json"], None);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((r[0]["profileName"].as_str(), r[0]["error"].is_null()), (Some("Invent ERP"), true));
    assert_eq!(env.idp.count("refresh_token"), before + 1);
}
