//! `mailwarden profile export` / `import` between two real databases: without
//! secrets by default; with them only in an age file under a passphrase read
//! from standard input (never argv); a wrong passphrase, a newer format and a
//! bad profile each named; name conflicts refused without a choice, asked at
//! a terminal, and a dry run that changes nothing.

use mailwarden_tests::{contains, text, TempDb};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};

const SECRET: &str = "XF~TransferCliSecretValue_77a1b2";
const PASS: &str = "correct horse battery staple";

fn source() -> TempDb {
    let db = TempDb::new();
    db.add_app_only("Invoices", SECRET, &["--secret-expires", "2027-06-01"]);
    db.add_app_only("Scanner", SECRET, &["--mailbox", "scanner@contoso.com"]);
    db
}

fn ok(db: &TempDb, args: &[&str], stdin: Option<&str>) -> String {
    let o = db.run(args, stdin);
    assert!(o.status.success(), "{args:?}: {}{}", text(&o.stderr), text(&o.stdout));
    format!("{}{}", text(&o.stdout), text(&o.stderr))
}

#[test]
fn without_secrets_by_default_with_them_only_under_a_passphrase() {
    let from = source();
    let plain = from.dir.path().join("profiles.json");
    let p = plain.to_str().unwrap();
    ok(&from, &["profile", "export", "-o", p], None);
    let bytes = std::fs::read(&plain).unwrap();
    assert!(!contains(&bytes, SECRET.as_bytes()), "a secret in a file without a passphrase");
    assert_eq!(std::fs::metadata(&plain).unwrap().permissions().mode() & 0o777, 0o600);

    let to = TempDb::new();
    let out = ok(&to, &["profile", "import", p], None);
    assert!(out.contains("added          “Invoices”"), "{out}");
    assert!(out.contains("Set its client secret in the editor"), "{out}");
    let shown = ok(&to, &["profile", "show", "Invoices", "--json"], None);
    let v: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(v["hasClientSecret"], false);
    assert_eq!(v["clientSecretExpires"], "2027-06-01");

    // With secrets: the passphrase from stdin; the file is age, not JSON.
    let sealed = from.dir.path().join("profiles.age");
    let s = sealed.to_str().unwrap();
    let o = from.run(&["profile", "export", "Invoices", "-o", s, "--with-secrets"], None);
    assert_eq!(o.status.code(), Some(1), "no passphrase, no terminal");
    assert!(text(&o.stderr).contains("--passphrase-stdin"), "{}", text(&o.stderr));
    ok(
        &from,
        &["profile", "export", "Invoices", "-o", s, "--with-secrets", "--passphrase-stdin"],
        Some(&format!("{PASS}\n")),
    );
    let bytes = std::fs::read(&sealed).unwrap();
    assert!(bytes.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----"));
    assert!(!contains(&bytes, SECRET.as_bytes()));

    let other = TempDb::new();
    let o = other.run(&["profile", "import", s, "--passphrase-stdin"], Some("wrong passphrase\n"));
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("does not open this file"), "{}", text(&o.stderr));
    assert_eq!(other.dump().trim(), "[]");
    let out = ok(&other, &["profile", "import", s, "--passphrase-stdin"], Some(&format!("{PASS}\n")));
    assert!(out.contains("“Invoices” (with its client secret)"), "{out}");
    let revealed = ok(&other, &["reveal", "Invoices", "--client-secret"], None);
    assert!(revealed.starts_with(SECRET), "{revealed}");
    for (path, bytes) in other.all_bytes() {
        assert!(!contains(&bytes, SECRET.as_bytes()), "the secret in clear in {}", path.display());
        assert!(!contains(&bytes, PASS.as_bytes()), "the passphrase in {}", path.display());
    }
}

#[test]
fn conflicts_need_a_choice_a_dry_run_changes_nothing_and_bad_files_are_named() {
    let from = source();
    let file = from.dir.path().join("profiles.json");
    let f = file.to_str().unwrap();
    ok(&from, &["profile", "export", "-o", f], None);

    let to = TempDb::new();
    to.add_app_only("Invoices", "other", &[]);
    let before = to.dump();
    let o = to.run(&["profile", "import", f], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("“Invoices” exist(s) already: pass --on-conflict"), "{}", text(&o.stderr));
    let out = ok(&to, &["profile", "import", f, "--on-conflict", "rename", "--dry-run"], None);
    assert!(out.contains("would add as   “Invoices” → “Invoices (imported)”"), "{out}");
    assert!(out.contains("Dry run: nothing was changed."), "{out}");
    assert_eq!(to.dump(), before, "the dry run changed the database");

    // At a terminal the question is asked for each conflict.
    let cmd = format!("'{}' profile import '{f}'", mailwarden_tests::binary("mailwarden").display());
    let mut child = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env("MAILWARDEN_DB", to.path())
        .env("MAILWARDEN_KEY_BACKEND", "file")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"R\n").unwrap();
    let o = child.wait_with_output().unwrap();
    let out = text(&o.stdout);
    assert!(out.contains("“Invoices” exists already. Skip, rename or replace it?"), "{out}");
    assert!(out.contains("replaced       “Invoices”"), "{out}");
    assert!(out.contains("added          “Scanner”"), "{out}");

    // A file from a newer Mailwarden, and a profile the core refuses.
    let newer = to.dir.path().join("newer.json");
    std::fs::write(&newer, r#"{"format": "mailwarden-profiles", "version": 7, "profiles": []}"#).unwrap();
    let o = to.run(&["profile", "import", newer.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("newer Mailwarden (file format version 7)"), "{}", text(&o.stderr));
    let bad = to.dir.path().join("bad.json");
    let body = std::fs::read_to_string(&file).unwrap().replace("\"smtpPort\": \"587\"", "\"smtpPort\": \"70000\"");
    std::fs::write(&bad, body).unwrap();
    let o = to.run(&["profile", "import", bad.to_str().unwrap(), "--on-conflict", "skip", "--json"], None);
    assert_eq!(o.status.code(), Some(1), "an invalid profile is reported as a failure");
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let invalid: Vec<&serde_json::Value> =
        r["items"].as_array().unwrap().iter().filter(|i| i["action"] == "invalid").collect();
    assert!(!invalid.is_empty(), "{r}");
    assert_eq!(invalid[0]["errors"][0]["field"], "smtpPort", "{r}");
}

/// A hostile or careless file: a replace that points the profile's secrets
/// at another server drops them (shown field by field in the dry run); a
/// plain file carrying secrets is refused; an age file demanding gigabytes
/// is refused before any work; an export replaces (never follows) what is
/// at its path and is 0600 whatever was there.
#[test]
fn hostile_files_take_no_secret_anywhere() {
    let from = source();
    let file = from.dir.path().join("profiles.json");
    let f = file.to_str().unwrap();
    ok(&from, &["profile", "export", "Invoices", "-o", f], None);
    let to = TempDb::new();
    to.add_app_only("Invoices", SECRET, &["--secret-expires", "2027-06-01"]);

    // Same servers: a replace keeps the stored secret.
    ok(&to, &["profile", "import", f, "--on-conflict", "replace"], None);
    assert!(ok(&to, &["reveal", "Invoices", "--client-secret"], None).starts_with(SECRET));

    // The file moves the token endpoint elsewhere: the dry run names it, the import drops the secret.
    let body = std::fs::read_to_string(&file).unwrap();
    let moved: serde_json::Value = {
        let mut v: serde_json::Value = serde_json::from_str(&body).unwrap();
        v["profiles"][0]["tokenUrl"] = "https://attacker.example/token".into();
        v["profiles"][0]["notes"] = "moved".into();
        v
    };
    let hostile = to.dir.path().join("hostile.json");
    std::fs::write(&hostile, moved.to_string()).unwrap();
    let h = hostile.to_str().unwrap();
    let out = ok(&to, &["profile", "import", h, "--on-conflict", "replace", "--dry-run"], None);
    assert!(out.contains("tokenUrl: (empty) → https://attacker.example/token"), "{out}");
    assert!(out.contains("notes: (empty) → moved"), "{out}");
    assert!(out.contains("would be dropped"), "{out}");
    assert!(ok(&to, &["reveal", "Invoices", "--client-secret"], None).starts_with(SECRET), "the dry run changed it");
    let out = ok(&to, &["profile", "import", h, "--on-conflict", "replace"], None);
    assert!(out.contains("were dropped"), "{out}");
    let v: serde_json::Value =
        serde_json::from_str(&ok(&to, &["profile", "show", "Invoices", "--json"], None)).unwrap();
    assert_eq!(v["hasClientSecret"], false);
    assert_eq!(v["profile"]["tokenUrl"].as_str().or(v["tokenUrl"].as_str()), Some("https://attacker.example/token"));

    // A plain file may not carry secrets (a planted refresh token).
    let mut planted: serde_json::Value = serde_json::from_str(&body).unwrap();
    planted["profiles"][0]["name"] = "Planted".into();
    planted["profiles"][0]["secrets"] = serde_json::json!({"refreshToken": "0.AAAA-planted", "clientSecret": "x"});
    let p = to.dir.path().join("planted.json");
    std::fs::write(&p, planted.to_string()).unwrap();
    let o = to.run(&["profile", "import", p.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stdout).contains("This plain (unencrypted) file carries secrets"), "{}", text(&o.stdout));
    assert!(!to.dump().contains("Planted"));

    // An age file asking for scrypt work factor 30 (a 1 TiB key derivation): refused at once.
    let header = "age-encryption.org/v1\n-> scrypt c2FsdHNhbHRzYWx0c2FsdA 30\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n";
    let greedy = to.dir.path().join("greedy.age");
    let mut bytes = header.as_bytes().to_vec();
    bytes.extend_from_slice(&[0u8; 64]);
    std::fs::write(&greedy, bytes).unwrap();
    let o = to.run(&["profile", "import", greedy.to_str().unwrap(), "--passphrase-stdin"], Some(&format!("{PASS}\n")));
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("need 1024 GiB of memory to open (scrypt work factor 30)"), "{}", text(&o.stderr));

    // An export over a 0644 file, and over a symlink to someone's file.
    let loose = to.dir.path().join("loose.json");
    std::fs::write(&loose, "old").unwrap();
    std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).unwrap();
    ok(&to, &["profile", "export", "-o", loose.to_str().unwrap()], None);
    assert_eq!(std::fs::metadata(&loose).unwrap().permissions().mode() & 0o777, 0o600);
    let target = to.dir.path().join("not-mine.txt");
    std::fs::write(&target, "someone's file").unwrap();
    let link = to.dir.path().join("link.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    ok(&to, &["profile", "export", "-o", link.to_str().unwrap()], None);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "someone's file", "the export followed the symlink");
    assert!(!std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
}
