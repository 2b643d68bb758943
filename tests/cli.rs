//! The `mailwarden` CLI end to end on real database files.

use mailwarden_tests::{contains, text, TempDb};

const SECRET: &str = "Qz8Q~KnownSecretValueForLeakTest_0123456789";
const TENANT: &str = "d9f2fc08-d549-4fcc-bae2-2286c314d3cd";
const CLIENT: &str = "351d6cb2-1c69-4081-9cc2-a769d71567cb";

fn add_app_only(db: &TempDb, name: &str) {
    let extra = [
        "--tenant",
        TENANT,
        "--client-id",
        CLIENT,
        "--secret-id",
        "0667485f-2d81-4cef-97f8-723b3fec0642",
        "--secret-expires",
        "2027-04-16",
    ];
    db.add_app_only(name, SECRET, &extra);
}

#[test]
fn add_list_show_edit_remove() {
    let db = TempDb::new();
    add_app_only(&db, "ConnectPath");
    let list = db.run(&["profile", "list"], None);
    assert!(list.status.success());
    let out = text(&list.stdout);
    assert!(
        out.contains("ConnectPath") && out.contains("client-credentials") && out.contains("ops@contoso.com"),
        "{out}"
    );

    let show = db.run(&["profile", "show", "connectpath", "--json"], None);
    let v: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(v["hasClientSecret"], true);
    assert_eq!(v["scopes"][0], "https://graph.microsoft.com/.default");
    assert_eq!(v["clientSecretExpires"], "2027-04-16");
    assert!(v.get("clientSecret").is_none());

    // Switching to delegated SMTP re-derives the scopes that were still defaults.
    let edit = db.run(
        &["profile", "edit", "ConnectPath", "--auth", "auth-code", "--send", "smtp", "--name", "Invent ERP"],
        None,
    );
    assert!(edit.status.success(), "{}", text(&edit.stderr));
    let v: serde_json::Value =
        serde_json::from_slice(&db.run(&["profile", "show", "Invent ERP", "--json"], None).stdout).unwrap();
    assert_eq!(v["scopes"][0], "https://outlook.office.com/SMTP.Send");
    assert_eq!(v["tenant"], TENANT, "a typed tenant survives the switch");
    assert_eq!(v["hasClientSecret"], true, "edit keeps the secret unless told otherwise");

    let rm = db.run(&["profile", "rm", "Invent ERP"], None);
    assert_eq!(rm.status.code(), Some(1), "no terminal, no --yes: refuse");
    let rm = db.run(&["profile", "rm", "Invent ERP", "--yes"], None);
    assert!(rm.status.success());
    assert_eq!(db.dump().trim(), "[]");
}

#[test]
fn list_filters_by_text_provider_and_expiry() {
    let db = TempDb::new();
    add_app_only(&db, "Alpha billing");
    let out = db.run(
        &[
            "profile",
            "add",
            "--name",
            "Beta personal",
            "--provider",
            "outlook",
            "--auth",
            "device-code",
            "--mailbox",
            "me@outlook.com",
            "--client-id",
            CLIENT,
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let names = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["profile", "list", "--json"];
        a.extend_from_slice(args);
        let v: Vec<serde_json::Value> = serde_json::from_slice(&db.run(&a, None).stdout).unwrap();
        v.iter().map(|p| p["name"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(names(&[]), ["Alpha billing", "Beta personal"]);
    assert_eq!(names(&["--search", "BILLING"]), ["Alpha billing"]);
    assert_eq!(names(&["--search", "outlook.com"]), ["Beta personal"]);
    assert_eq!(names(&["--provider", "outlook"]), ["Beta personal"]);
    assert_eq!(names(&["--expiry", "ok"]), ["Alpha billing"]);
    assert!(names(&["--expiry", "expired"]).is_empty());
}

#[test]
fn the_secret_never_reaches_files_or_output_in_clear() {
    let db = TempDb::new();
    add_app_only(&db, "Leak check");
    let mut outputs = Vec::new();
    for args in [
        &["profile", "list"][..],
        &["profile", "list", "--json"],
        &["profile", "show", "Leak check"],
        &["profile", "show", "Leak check", "--json"],
        &["doctor"],
        &["doctor", "--json"],
    ] {
        let o = db.run(args, None);
        assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
        outputs.push(o.stdout);
        outputs.push(o.stderr);
    }
    for o in &outputs {
        assert!(!contains(o, SECRET.as_bytes()), "secret printed: {}", text(o));
    }
    let files = db.all_bytes();
    assert!(files.iter().any(|(p, _)| p.extension().is_some_and(|e| e == "db")), "database exists");
    for (path, bytes) in files {
        assert!(!contains(&bytes, SECRET.as_bytes()), "secret in clear in {}", path.display());
        assert!(!contains(&bytes, &SECRET.as_bytes()[..16]), "secret prefix in clear in {}", path.display());
    }
}

#[test]
fn key_file_is_private_and_doctor_says_so() {
    let db = TempDb::new();
    let o = db.run(&["doctor", "--json"], None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["key"]["backend"], "file");
    assert!(v["key"]["notice"].as_str().unwrap().contains("No system keyring"));
    let human = text(&db.run(&["doctor"], None).stdout);
    assert!(human.contains("key file") && human.contains("warning"), "{human}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let key = db.dir.path().join("mailwarden.db.key");
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    }
}

#[test]
fn usage_errors_exit_2_and_unknown_profiles_exit_1() {
    let db = TempDb::new();
    assert_eq!(db.run(&["profile", "frobnicate"], None).status.code(), Some(2));
    assert_eq!(db.run(&["profile", "add"], None).status.code(), Some(2), "--name is required");
    assert_eq!(db.run(&["profile", "add", "--name", "x", "--provider", "yahoo"], None).status.code(), Some(2));
    let o = db.run(&["profile", "show", "nope"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("No profile \"nope\""), "{}", text(&o.stderr));
    assert!(!text(&o.stderr).contains("Did you mean"), "nothing close: {}", text(&o.stderr));
    // A typing slip, another case, or part of a name: the names it may mean.
    db.add_app_only("Invoices via Microsoft 365", "WvR8Q~first", &[]);
    db.add_app_only("Invoices (test tenant)", "WvR8Q~second", &[]);
    for (typed, means) in [
        ("Invoices via Microsoft 356", &["Invoices via Microsoft 365"][..]),
        ("invoices-via-microsoft-365", &["Invoices via Microsoft 365"]),
        ("invoices", &["Invoices via Microsoft 365", "Invoices (test tenant)"]),
    ] {
        let o = db.run(&["profile", "show", typed], None);
        assert_eq!(o.status.code(), Some(1), "{typed}");
        let err = text(&o.stderr);
        assert!(err.contains("Did you mean"), "{typed}: {err}");
        for m in means {
            assert!(err.contains(&format!("\"{m}\"")), "{typed}: {err}");
        }
    }
    let o = db.run(&["profile", "list", "--sort", "urgency", "--json"], None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = db.run(&["profile", "list", "--sort", "soonest"], None);
    assert_eq!(o.status.code(), Some(2), "name or urgency only");
    let o = db.run(&["token", "Invoices via Microsoft 356"], None);
    assert!(text(&o.stderr).contains("Did you mean \"Invoices via Microsoft 365\"?"), "{}", text(&o.stderr));
    // `token` takes a short route through clap; help, bad flags and the
    // global options still behave as for every other command.
    let help = db.run(&["token", "--help"], None);
    assert_eq!(help.status.code(), Some(0));
    assert!(text(&help.stdout).contains("Usage: mailwarden token [OPTIONS] <PROFILE>"), "{}", text(&help.stdout));
    let bad = db.run(&["token", "x", "--format", "yaml"], None);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("--format"), "{}", text(&bad.stderr));
    assert_eq!(db.run(&["token"], None).status.code(), Some(2), "the profile is required");
    let o = db.run(&["-v", "token", "nope"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("No profile \"nope\""), "{}", text(&o.stderr));
}

#[test]
fn secrets_are_refused_as_arguments() {
    let db = TempDb::new();
    let o = db.run(&["profile", "add", "--name", "x", "--client-secret", SECRET], None);
    assert_eq!(o.status.code(), Some(2), "there is no --client-secret flag");
}

/// `mailwarden guide NAME`: what to register in the portal for that profile,
/// as text or as a Markdown handout.
#[test]
fn guide_says_what_to_register_for_the_profile() {
    let db = TempDb::new();
    db.add_app_only("Catalyst outbound", "WvR8Q~first", &["--secret-expires", "2027-04-16"]);
    let o = db.run(&["guide", "Catalyst outbound", "--markdown"], None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let md = text(&o.stdout);
    assert!(md.starts_with("# Setting up “Catalyst outbound” in the portal"), "{md}");
    for want in [
        "## 1. Register the application",
        "| Microsoft Graph | `Mail.Send` | Application | required |",
        "/v2.0/adminconsent?client_id=351d6cb2-1c69-4081-9cc2-a769d71567cb",
        "```powershell",
        "New-ApplicationAccessPolicy -AppId 351d6cb2-1c69-4081-9cc2-a769d71567cb",
        "This profile's secret expires: `2027-04-16`",
    ] {
        assert!(md.contains(want), "{want} missing:\n{md}");
    }
    assert!(!md.contains("WvR8Q~first"), "never the secret");
    let plain = text(&db.run(&["guide", "Catalyst outbound"], None).stdout);
    assert!(
        plain.contains("Certificates & secrets → Client secrets → New client secret") && !plain.contains("**"),
        "{plain}"
    );
    let o = db.run(&["guide", "Catalyst"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("Did you mean \"Catalyst outbound\"?"), "{}", text(&o.stderr));
}

/// Hand-over: the plain values under the names products use; a secret only on
/// an explicit request, never to a terminal unasked, and each one recorded.
#[test]
fn handover_gives_the_values_and_a_secret_only_on_request() {
    let db = TempDb::new();
    let secret = "WvR8Q~handedOverToTheProduct";
    db.add_app_only("Catalyst outbound", secret, &["--secret-id", "0667485f-2d81-4cef-97f8-723b3fec0642"]);
    let o = db.run(&["handover", "Catalyst outbound"], None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    for want in [
        "Directory (tenant) ID",
        "351d6cb2-1c69-4081-9cc2-a769d71567cb",
        "0667485f-2d81-4cef-97f8-723b3fec0642",
        "ops@contoso.com",
    ] {
        assert!(out.contains(want), "{want}:\n{out}");
    }
    assert!(!out.contains(secret), "the plain values never hold the secret");
    // Into a pipe (as a product's CLI reads it): written, and recorded.
    let o = db.run(&["reveal", "Catalyst outbound", "--client-secret"], None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout).trim(), secret);
    assert!(text(&o.stderr).contains("recorded"));
    let v: serde_json::Value =
        serde_json::from_slice(&db.run(&["handover", "Catalyst outbound", "--json"], None).stdout).unwrap();
    assert_eq!(v["handedOver"][0]["what"], "clientSecret");
    assert_eq!(v["handedOver"][0]["kept"], true);
    assert!(!v.to_string().contains(secret));
    // To a terminal only with --yes.
    let o = db.run_in_terminal("reveal 'Catalyst outbound' --client-secret");
    assert!(!o.status.success());
    assert!(text(&o.stdout).contains("Pipe it") && !text(&o.stdout).contains(secret), "{}", text(&o.stdout));
    // Nothing to hand over, and options that do not go together.
    let o = db.run(&["reveal", "Catalyst outbound", "--refresh-token"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("holds no refresh token"), "{}", text(&o.stderr));
    assert_eq!(db.run(&["reveal", "Catalyst outbound", "--client-secret", "--forget"], None).status.code(), Some(2));
    assert_eq!(db.run(&["reveal", "Catalyst outbound"], None).status.code(), Some(2), "say which");
    let v: serde_json::Value =
        serde_json::from_slice(&db.run(&["handover", "Catalyst outbound", "--json"], None).stdout).unwrap();
    assert_eq!(v["handedOver"].as_array().unwrap().len(), 1, "refusals record nothing");
}
