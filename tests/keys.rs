//! The data key on a fresh machine and when its home is unreachable: a first
//! run without keyring or session bus works; a database that has a key never
//! gets a new one; the key can be backed up, restored and moved; an unsafe
//! key file is refused with the fix.

use mailwarden_tests::{binary, text, TempDb};
use std::path::Path;
use std::process::{Command, Output};

const SECRET: &str = "Qz8Q~KeyTestsSecretValue_0001";

/// The CLI as a new user on a fresh machine runs it: an empty HOME, no
/// session bus, no XDG variables, no key backend forced, no --db.
fn fresh(home: &Path, args: &[&str]) -> Output {
    Command::new(binary("mailwarden"))
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .output()
        .unwrap()
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_first_run_on_a_fresh_home_without_a_session_bus_works() {
    let home = tempfile::tempdir().unwrap();
    let list = fresh(home.path(), &["profile", "list"]);
    assert!(list.status.success(), "profile list on a fresh HOME: {}", text(&list.stderr));
    let doctor = fresh(home.path(), &["doctor"]);
    assert!(doctor.status.success(), "doctor: {}", text(&doctor.stderr));
    let out = text(&doctor.stdout);
    assert!(out.contains("key file") && out.contains("No system keyring"), "{out}");
    let data = home.path().join(".local/share/mailwarden");
    #[cfg(unix)]
    {
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&data.join("mailwarden.db")), 0o600);
        assert_eq!(mode(&data.join("mailwarden.db.key")), 0o600);
    }
    // --db into a folder that does not exist yet.
    let nested = home.path().join("a/b/c/m.db");
    let o = fresh(home.path(), &["--db", nested.to_str().unwrap(), "profile", "list"]);
    assert!(o.status.success(), "--db into a new folder: {}", text(&o.stderr));
    assert!(nested.with_file_name("m.db.key").exists());
}

#[test]
fn a_lost_key_locks_the_secrets_but_not_the_profiles_and_is_never_replaced() {
    let db = TempDb::new();
    db.add_app_only("Keyed", SECRET, &[]);
    let backup = db.dir.path().join("backup.key");
    let o = db.run(&["key", "export", backup.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    #[cfg(unix)]
    assert_eq!(mode(&backup), 0o600);
    assert!(!text(&std::fs::read(&backup).unwrap()).contains(SECRET));
    let again = db.run(&["key", "export", backup.to_str().unwrap()], None);
    assert_eq!(again.status.code(), Some(1), "an export never overwrites a file");

    let key_file = db.dir.path().join("mailwarden.db.key");
    std::fs::remove_file(&key_file).unwrap();
    // Everything that needs no secret still works.
    let list = db.run(&["profile", "list"], None);
    assert!(list.status.success(), "{}", text(&list.stderr));
    assert!(text(&list.stdout).contains("Keyed"));
    assert!(db.run(&["profile", "show", "Keyed"], None).status.success());
    // What needs the secret says why not and what to do.
    let token = db.run(&["token", "Keyed"], None);
    assert_eq!(token.status.code(), Some(1));
    let err = text(&token.stderr);
    assert!(err.contains("key file") && err.contains("missing") && err.contains("key import"), "{err}");
    let doctor = db.run(&["doctor"], None);
    assert_eq!(doctor.status.code(), Some(1));
    assert!(text(&doctor.stdout).contains("problem"), "{}", text(&doctor.stdout));
    assert!(!key_file.exists(), "no new key is made for a database that has one");

    // A key from another database is refused.
    let other = TempDb::new();
    other.add_app_only("Other", SECRET, &[]);
    let other_backup = other.dir.path().join("other.key");
    assert!(other.run(&["key", "export", other_backup.to_str().unwrap()], None).status.success());
    let wrong = db.run(&["key", "import", other_backup.to_str().unwrap()], None);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(text(&wrong.stderr).contains("another database"), "{}", text(&wrong.stderr));
    assert!(!key_file.exists());

    // The backup brings everything back.
    let import = db.run(&["key", "import", backup.to_str().unwrap()], None);
    assert!(import.status.success(), "{}", text(&import.stderr));
    #[cfg(unix)]
    assert_eq!(mode(&key_file), 0o600);
    let show = db.run(&["profile", "show", "Keyed", "--json"], None);
    assert!(text(&show.stdout).contains(r#""hasClientSecret": true"#));
    assert!(db.run(&["doctor"], None).status.success());
}

#[cfg(unix)]
#[test]
fn a_key_file_others_can_read_is_refused_with_the_fix() {
    use std::os::unix::fs::PermissionsExt;
    let db = TempDb::new();
    db.add_app_only("Keyed", SECRET, &[]);
    let key_file = db.dir.path().join("mailwarden.db.key");
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let o = db.run(&["profile", "list"], None);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(err.contains("can be read by others") && err.contains("chmod 600"), "{err}");
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(db.run(&["profile", "list"], None).status.success());
}

#[test]
fn the_key_is_never_written_to_a_terminal() {
    let db = TempDb::new();
    db.add_app_only("Keyed", SECRET, &[]);
    let o = db.run_in_terminal("key export -");
    assert!(!o.status.success());
    assert!(text(&o.stdout).contains("not printed to a terminal"), "{}", text(&o.stdout));
    // Into a pipe it is written, and it reads back.
    let piped = db.run(&["key", "export", "-"], None);
    assert!(piped.status.success());
    assert!(text(&piped.stdout).contains("mailwarden-key-v1"));
}

/// `check` from cron keeps checking dates while the key is unreachable, and
/// says the key is a problem of its own (WARNING), never UNKNOWN.
#[test]
fn check_runs_on_a_locked_database_and_names_the_key() {
    let db = TempDb::new();
    db.add_app_only("Dated", SECRET, &["--secret-expires", "2099-01-01"]);
    std::fs::remove_file(db.dir.path().join("mailwarden.db.key")).unwrap();
    let o = db.run(&["check"], None);
    assert_eq!(o.status.code(), Some(1), "WARNING: {}", text(&o.stdout));
    let out = text(&o.stdout);
    assert!(out.starts_with("MAILWARDEN WARNING") && out.contains("data key:") && out.contains("missing"), "{out}");
}
