//! The data key in a real OS keyring: GNOME Keyring (Secret Service) on a private
//! D-Bus session, and the visible fallback to a key file when none answers.

use mailwarden_tests::{binary, contains, text, TempDb};
use std::process::Command;

const SECRET: &str = "Kr8Q~KeyringBackedSecretValue_42";

/// Run `script` in bash inside a fresh D-Bus session with an unlocked GNOME
/// Keyring whose files live under the temp dir.
fn in_keyring_session(db: &TempDb, script: &str) -> std::process::Output {
    let home = db.dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let prelude =
        "eval \"$(printf 'test-password' | gnome-keyring-daemon --unlock --components=secrets)\" >/dev/null\n";
    Command::new("dbus-run-session")
        .args(["--", "bash", "-euc", &format!("{prelude}{script}")])
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("MAILWARDEN_DB", db.path())
        .env("MW", binary("mailwarden"))
        .env_remove("MAILWARDEN_KEY_BACKEND")
        .output()
        .expect("dbus-run-session and gnome-keyring must be installed (make test installs them)")
}

#[test]
fn the_key_lives_in_the_secret_service_when_one_is_running() {
    let db = TempDb::new();
    let out = in_keyring_session(
        &db,
        &format!(
            r#"echo '{SECRET}' | "$MW" profile add --name Keyring --auth client-credentials --send graph \
                 --mailbox ops@contoso.com --tenant contoso.onmicrosoft.com \
                 --client-id 351d6cb2-1c69-4081-9cc2-a769d71567cb --client-secret-stdin
               "$MW" doctor --json
               # A second process opens the same database with the key from the keyring.
               "$MW" profile show Keyring --json"#
        ),
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "stderr: {}\nstdout: {stdout}", text(&out.stderr));
    assert!(stdout.contains(r#""backend": "keyring""#), "{stdout}");
    assert!(stdout.contains(r#""hasClientSecret": true"#), "{stdout}");
    assert!(!db.dir.path().join("mailwarden.db.key").exists(), "no key file when the keyring works");
    for (path, bytes) in db.all_bytes() {
        assert!(!contains(&bytes, SECRET.as_bytes()), "secret in clear in {}", path.display());
    }
}

#[test]
fn without_a_keyring_the_key_falls_back_to_a_file_and_says_so() {
    let db = TempDb::new();
    let run = |backend: Option<&str>, args: &[&str]| {
        let mut c = Command::new(binary("mailwarden"));
        c.args(args)
            .env("MAILWARDEN_DB", db.path())
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
            .env("XDG_RUNTIME_DIR", db.dir.path());
        match backend {
            Some(b) => c.env("MAILWARDEN_KEY_BACKEND", b),
            None => c.env_remove("MAILWARDEN_KEY_BACKEND"),
        };
        c.output().unwrap()
    };
    let forced = run(Some("keyring"), &["doctor"]);
    assert_eq!(forced.status.code(), Some(1));
    assert!(text(&forced.stderr).contains("system keyring is not available"), "{}", text(&forced.stderr));
    assert!(!db.dir.path().join("mailwarden.db.key").exists());

    let auto = run(None, &["doctor", "--json"]);
    assert!(auto.status.success(), "{}", text(&auto.stderr));
    let v: serde_json::Value = serde_json::from_slice(&auto.stdout).unwrap();
    assert_eq!(v["key"]["backend"], "file");
    assert!(v["key"]["notice"].as_str().unwrap().contains("No system keyring is in use"));
    assert!(db.dir.path().join("mailwarden.db.key").exists());
}

/// A keyring-backed database opened once without the keyring (cron, SSH, a
/// locked keyring at autostart) stays keyring-backed: no key file is made,
/// the reason is given, and the next run with the keyring works. A copy of
/// the database at another path finds the same key (the entry is named by
/// the database's id), and the key moves to a file and back.
#[test]
fn a_run_without_the_keyring_never_locks_out_a_keyring_backed_database() {
    let db = TempDb::new();
    let setup = in_keyring_session(
        &db,
        &format!(
            r#"echo '{SECRET}' | "$MW" profile add --name Keyring --auth client-credentials --send graph \
                 --mailbox ops@contoso.com --tenant contoso.onmicrosoft.com \
                 --client-id 351d6cb2-1c69-4081-9cc2-a769d71567cb --client-secret-stdin"#
        ),
    );
    assert!(setup.status.success(), "{}", text(&setup.stderr));
    let without = |args: &[&str]| {
        Command::new(binary("mailwarden"))
            .args(args)
            .env("MAILWARDEN_DB", db.path())
            .env("HOME", db.dir.path().join("home"))
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env_remove("MAILWARDEN_KEY_BACKEND")
            .env("XDG_RUNTIME_DIR", db.dir.path())
            .output()
            .unwrap()
    };
    let list = without(&["profile", "list"]);
    assert!(list.status.success(), "list works without the key: {}", text(&list.stderr));
    let token = without(&["token", "Keyring"]);
    assert_eq!(token.status.code(), Some(1));
    let err = text(&token.stderr);
    assert!(err.contains("no D-Bus session bus") && err.contains("Unlock the keyring"), "{err}");
    assert!(!db.dir.path().join("mailwarden.db.key").exists(), "no key file for a keyring-backed database");

    let copy = db.dir.path().join("moved.db");
    std::fs::copy(db.path(), &copy).unwrap();
    let back = in_keyring_session(
        &db,
        &format!(
            r#""$MW" profile show Keyring --json
               MAILWARDEN_DB='{copy}' "$MW" profile show Keyring --json
               "$MW" key move --to file
               test -f "$MAILWARDEN_DB.key"
               "$MW" doctor --json
               "$MW" key move --to keyring
               test ! -e "$MAILWARDEN_DB.key"
               "$MW" doctor --json"#,
            copy = copy.display()
        ),
    );
    let out = text(&back.stdout);
    assert!(back.status.success(), "stderr: {}\nstdout: {out}", text(&back.stderr));
    assert_eq!(out.matches(r#""hasClientSecret": true"#).count(), 2, "{out}");
    let file_at = out.find(r#""backend": "file""#).expect("after the move to a file");
    let ring_at = out.rfind(r#""backend": "keyring""#).expect("after the move back");
    assert!(file_at < ring_at, "{out}");
}
