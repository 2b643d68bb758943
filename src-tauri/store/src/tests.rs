//! Store tests on real SQLite files in a temp dir.

use super::*;
use crate::profile::{validate, AuthMethod, ProfileDraft, Provider, SendMethod};
use crate::records::{TestKind, TestResult};
use crate::secret::{ExposeSecret, SecretChange, SecretKind};
use crate::{Expect, TokenUpdate};
use time::macros::datetime;

const SECRET: &str = "WvR8Q~dburnMyAJOayfq9DUm61D~MzzTESTSECRET";

fn draft(name: &str) -> ProfileDraft {
    let mut d = ProfileDraft::new(Provider::Microsoft365, AuthMethod::ClientCredentials, SendMethod::Graph);
    d.name = name.into();
    d.mailbox = "invoices@contoso.com".into();
    d.tenant = "d9f2fc08-d549-4fcc-bae2-2286c314d3cd".into();
    d.client_id = "351d6cb2-1c69-4081-9cc2-a769d71567cb".into();
    d.client_secret = SecretChange::set(SECRET);
    d
}

fn open(dir: &tempfile::TempDir, key: &DataKey) -> Store {
    Store::open(&dir.path().join("db").join("m.db"), key).unwrap()
}

#[test]
fn round_trip_and_sealed_secret_never_in_files() {
    let dir = tempfile::tempdir().unwrap();
    let key = DataKey::generate();
    let s = open(&dir, &key);
    let v = validate(&draft("Invoices"), None, crate::profile::TEST_TODAY).unwrap();
    let id = s.insert(&v, datetime!(2026-11-23 12:00 UTC)).unwrap();
    let got = s.get(id).unwrap();
    assert_eq!(got.profile.name, "Invoices");
    assert!(got.has_client_secret && !got.has_password);
    assert_eq!(s.read_secret(id, SecretKind::ClientSecret).unwrap().unwrap().expose_secret(), SECRET);
    drop(s);
    for entry in std::fs::read_dir(dir.path().join("db")).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()));
    }
    // Reopen with the same key: still readable.
    let s = open(&dir, &key);
    assert_eq!(s.list().unwrap().len(), 1);
}

#[test]
fn wrong_key_is_refused_at_open() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(&dir, &DataKey::generate()));
    let err = Store::open(&dir.path().join("db").join("m.db"), &DataKey::generate()).err().unwrap();
    assert!(matches!(err, CoreError::KeyMismatch));
}

#[test]
fn a_sealed_blob_moved_to_another_profile_does_not_open() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(&dir, &DataKey::generate());
    let a = s
        .insert(&validate(&draft("A"), None, crate::profile::TEST_TODAY).unwrap(), datetime!(2026-11-23 12:00 UTC))
        .unwrap();
    let b = s
        .insert(&validate(&draft("B"), None, crate::profile::TEST_TODAY).unwrap(), datetime!(2026-11-23 12:00 UTC))
        .unwrap();
    s.conn()
        .unwrap()
        .execute(
            "UPDATE secrets SET sealed = (SELECT sealed FROM secrets WHERE profile_id = ?1) WHERE profile_id = ?2",
            [a, b],
        )
        .unwrap();
    assert!(matches!(s.read_secret(b, SecretKind::ClientSecret), Err(CoreError::Crypto(_))));
}

#[test]
fn duplicate_names_are_a_field_error_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(&dir, &DataKey::generate());
    s.insert(&validate(&draft("Invoices"), None, crate::profile::TEST_TODAY).unwrap(), datetime!(2026-11-23 12:00 UTC))
        .unwrap();
    let err = s
        .insert(
            &validate(&draft("INVOICES"), None, crate::profile::TEST_TODAY).unwrap(),
            datetime!(2026-11-23 12:00 UTC),
        )
        .unwrap_err();
    assert_eq!(err.field_errors()[0].field, "name");
    assert_eq!(s.list().unwrap().len(), 1);
    let n: i64 = s.conn().unwrap().query_row("SELECT count(*) FROM secrets", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 1, "the failed insert left no secret behind");
}

#[test]
fn update_keeps_clears_and_replaces_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(&dir, &DataKey::generate());
    let t = datetime!(2026-11-23 12:00 UTC);
    let id = s.insert(&validate(&draft("A"), None, crate::profile::TEST_TODAY).unwrap(), t).unwrap();
    let mut d = draft("A2");
    d.client_secret = SecretChange::Keep;
    let existing = crate::profile::Existing { has_client_secret: true, has_password: false, has_certificate: false };
    s.update(id, &validate(&d, Some(existing), crate::profile::TEST_TODAY).unwrap(), datetime!(2026-11-24 12:00 UTC))
        .unwrap();
    let got = s.get(id).unwrap();
    assert_eq!(got.profile.name, "A2");
    assert_eq!(got.profile.created_at, t);
    assert_eq!(got.profile.updated_at, datetime!(2026-11-24 12:00 UTC));
    assert_eq!(s.read_secret(id, SecretKind::ClientSecret).unwrap().unwrap().expose_secret(), SECRET);
    d.client_secret = SecretChange::set("Abc8Q~new-value");
    s.update(id, &validate(&d, Some(existing), crate::profile::TEST_TODAY).unwrap(), t).unwrap();
    assert_eq!(s.read_secret(id, SecretKind::ClientSecret).unwrap().unwrap().expose_secret(), "Abc8Q~new-value");
}

#[test]
fn delete_removes_secrets_and_duplicate_reseals_them() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(&dir, &DataKey::generate());
    let t = datetime!(2026-11-23 12:00 UTC);
    let id = s.insert(&validate(&draft("A"), None, crate::profile::TEST_TODAY).unwrap(), t).unwrap();
    let copy = s.duplicate(id, "A (copy)", t).unwrap();
    assert_eq!(s.read_secret(copy, SecretKind::ClientSecret).unwrap().unwrap().expose_secret(), SECRET);
    s.delete(id).unwrap();
    assert!(matches!(s.get(id), Err(CoreError::NotFound(_))));
    assert!(s.read_secret(id, SecretKind::ClientSecret).unwrap().is_none());
    assert!(matches!(s.delete(id), Err(CoreError::NotFound(_))));
    assert_eq!(s.list().unwrap().len(), 1);
}

#[cfg(unix)]
#[test]
fn database_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let s = open(&dir, &DataKey::generate());
    let mode = std::fs::metadata(s.path()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let dmode = std::fs::metadata(dir.path().join("db")).unwrap().permissions().mode() & 0o777;
    assert_eq!(dmode, 0o700);
}

#[test]
fn the_list_cache_sees_commits_from_other_connections() {
    let dir = tempfile::tempdir().unwrap();
    let key = DataKey::generate();
    let a = open(&dir, &key);
    let b = open(&dir, &key);
    let t = datetime!(2026-11-23 12:00 UTC);
    assert_eq!(b.list().unwrap().len(), 0);
    a.insert(&validate(&draft("From A"), None, crate::profile::TEST_TODAY).unwrap(), t).unwrap();
    assert_eq!(a.list().unwrap().len(), 1, "own write invalidates");
    assert_eq!(b.list().unwrap().len(), 1, "another connection's commit invalidates");
    let id = a.list().unwrap()[0].profile.id;
    a.delete(id).unwrap();
    assert_eq!(b.list().unwrap().len(), 0);
    assert!(b.list().unwrap().is_empty());
}

#[test]
fn test_history_is_bounded_and_the_latest_is_read_without_a_sort() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(&dir, &DataKey::generate());
    let id = s
        .insert(&validate(&draft("Busy"), None, crate::profile::TEST_TODAY).unwrap(), datetime!(2026-11-23 12:00 UTC))
        .unwrap();
    for i in 0..150 {
        let r = TestResult {
            kind: if i % 2 == 0 { TestKind::Send } else { TestKind::Imap },
            at: format!("2026-11-23T12:{:02}:{:02}Z", i / 60, i % 60),
            ok: i != 149,
            code: None,
            summary: format!("run {i}"),
            failed_before: false,
            current_secret: true,
        };
        s.record_test(id, &r).unwrap();
    }
    let kept: i64 = s.conn().unwrap().query_row("SELECT count(*) FROM test_results", [], |r| r.get(0)).unwrap();
    assert_eq!(kept, 100);
    let latest = s.get(id).unwrap().last_test.unwrap();
    assert_eq!((latest.summary.as_str(), latest.ok, latest.failed_before), ("run 149", false, false));
    assert_eq!(s.list().unwrap()[0].last_test.as_ref().unwrap().summary, "run 149");
    // The list reads this for every profile: it must use the index, not sort.
    let plan: Vec<String> = s
        .conn()
        .unwrap()
        .prepare(
            "EXPLAIN QUERY PLAN SELECT id FROM test_results WHERE profile_id = 1 ORDER BY at DESC, id DESC LIMIT 1",
        )
        .unwrap()
        .query_map([], |r| r.get::<_, String>(3))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(plan.iter().all(|p| !p.contains("TEMP B-TREE")), "{plan:?}");
}

fn update(access: &str, refresh: Option<&str>, refreshed: bool) -> TokenUpdate {
    TokenUpdate {
        access_token: crate::secret::SecretString::from(access),
        access_expires_at: 2_000_000_000,
        refresh_token: refresh.map(crate::secret::SecretString::from),
        scopes: vec!["offline_access".into()],
        account: Some("erp@contoso.com".into()),
        tenant_id: None,
        object_id: None,
        refreshed,
    }
}

#[test]
fn a_late_refresh_never_replaces_or_deletes_a_newer_connection() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(&dir, &DataKey::generate());
    let id = s
        .insert(&validate(&draft("Tokens"), None, crate::profile::TEST_TODAY).unwrap(), datetime!(2026-11-23 12:00 UTC))
        .unwrap();
    let t = datetime!(2026-11-23 12:00 UTC);
    let lock = s.lock_tokens().unwrap();
    assert!(s.save_tokens(&lock, id, update("at1", Some("rt1"), false), t, Expect::Anything).unwrap());
    // A refresh starts from this state …
    let base = Expect::Generation(s.token_generation(id).unwrap());
    // … meanwhile the person disconnects: the late answer must not bring it back.
    s.delete_tokens(&lock, id).unwrap();
    assert!(!s.save_tokens(&lock, id, update("at-late", Some("rt-late"), true), t, base).unwrap());
    assert!(s.token_record(id).unwrap().is_none(), "a disconnect is not undone");
    // … and signs in again: a late invalid_grant from the old refresh token
    // must not delete the new connection, nor a late success replace it.
    assert!(s.save_tokens(&lock, id, update("at2", Some("rt2"), false), t, Expect::Anything).unwrap());
    assert!(!s.mark_grant_dead(&lock, id, base).unwrap());
    assert!(!s.save_tokens(&lock, id, update("at-late", Some("rt-late"), true), t, base).unwrap());
    let rt = s.read_secret(id, SecretKind::RefreshToken).unwrap().unwrap();
    assert_eq!(rt.expose_secret(), "rt2");
    // The current state's own refresh applies, and its invalid_grant too.
    let now = Expect::Generation(s.token_generation(id).unwrap());
    assert!(s.save_tokens(&lock, id, update("at3", Some("rt3"), true), t, now).unwrap());
    let now = Expect::Generation(s.token_generation(id).unwrap());
    assert!(s.mark_grant_dead(&lock, id, now).unwrap());
    assert!(s.token_record(id).unwrap().unwrap().needs_reconnect);
}

/// Can another connection (another process, as far as SQLite's locks go)
/// read the database right now, without waiting?
fn readable_by_another(path: &Path) -> bool {
    let other = rusqlite::Connection::open(path).unwrap();
    other.busy_timeout(std::time::Duration::ZERO).unwrap();
    other.query_row("SELECT count(*) FROM profiles", [], |r| r.get::<_, i64>(0)).is_ok()
}

#[test]
fn a_brief_store_holds_the_database_alone_until_it_shares() {
    let dir = tempfile::tempdir().unwrap();
    let key = DataKey::generate();
    let path = dir.path().join("db").join("m.db");
    let s = open(&dir, &key);
    let id = s
        .insert(
            &validate(&draft("Invoices"), None, crate::profile::TEST_TODAY).unwrap(),
            datetime!(2026-11-23 12:00 UTC),
        )
        .unwrap();
    drop(s);
    let shm = path.with_extension("db-shm");
    let _ = std::fs::remove_file(&shm); // no connection is open

    // Nothing else has it open: held alone, and still fully usable.
    let brief = Store::open_for(&path, true).unwrap();
    brief.unlock(&key).unwrap();
    assert_eq!(brief.get(id).unwrap().profile.name, "Invoices");
    assert!(!readable_by_another(&path), "held alone");
    assert!(!shm.exists(), "no shared WAL index is built while alone");
    brief.share();
    assert!(readable_by_another(&path), "let go once shared");
    // Reads and writes go on through ordinary connections.
    brief.touch_token(id, datetime!(2026-11-23 12:05 UTC)).unwrap();
    assert_eq!(brief.get(id).unwrap().profile.name, "Invoices");
    drop(brief);

    // Another process has it open: a brief store shares from the start.
    let other = rusqlite::Connection::open(&path).unwrap();
    other.query_row("SELECT count(*) FROM profiles", [], |r| r.get::<_, i64>(0)).unwrap();
    let brief = Store::open_for(&path, true).unwrap();
    assert_eq!(brief.get(id).unwrap().profile.name, "Invoices");
    assert!(readable_by_another(&path));
}

#[test]
fn a_brief_store_on_a_new_database_is_an_ordinary_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new").join("m.db");
    let s = Store::open_for(&path, true).unwrap();
    assert!(s.list().unwrap().is_empty());
    assert!(readable_by_another(&path));
}

#[test]
fn list_rows_agree_with_the_full_profiles_and_follow_writes() {
    let dir = tempfile::tempdir().unwrap();
    let key = DataKey::generate();
    let a = open(&dir, &key);
    let b = open(&dir, &key);
    let t = datetime!(2026-11-23 12:00 UTC);
    let mut d = draft("beta");
    d.notes = "Nightly invoices".into();
    d.client_secret_expires = "2027-04-16".into();
    let beta = a.insert(&validate(&d, None, crate::profile::TEST_TODAY).unwrap(), t).unwrap();
    let mut d = ProfileDraft::new(Provider::OutlookCom, AuthMethod::AuthCode, SendMethod::Smtp);
    d.name = "Alpha".into();
    d.mailbox = "me@outlook.com".into();
    d.client_id = "351d6cb2-1c69-4081-9cc2-a769d71567cb".into();
    a.insert(&validate(&d, None, crate::profile::TEST_TODAY).unwrap(), t).unwrap();
    let r = TestResult {
        kind: TestKind::Send,
        at: "2026-11-23T12:01:00Z".into(),
        ok: true,
        code: None,
        summary: "sent".into(),
        failed_before: false,
        current_secret: true,
    };
    a.record_test(beta, &r).unwrap();

    let rows = b.list_rows().unwrap();
    let full = b.list().unwrap();
    assert_eq!(rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["Alpha", "beta"], "NOCASE order");
    for (r, f) in rows.iter().zip(full.iter()) {
        let p = &f.profile;
        assert_eq!((r.id, &r.name, &r.mailbox, r.enabled), (p.id, &p.name, &p.mailbox, p.enabled));
        assert_eq!((r.provider, r.auth_method, r.send_method), (p.provider, p.auth_method, p.send_method));
        assert_eq!((r.has_client_secret, r.has_password), (f.has_client_secret, f.has_password));
        assert_eq!(r.client_secret_expires, p.client_secret_expires);
        assert_eq!(r.last_test.as_ref().map(|t| &t.summary), f.last_test.as_ref().map(|t| &t.summary));
        let from = p.from_address.as_deref().unwrap_or("");
        let searched = [from, &p.notes, &p.client_id, &p.tenant, &p.smtp_host, &p.imap_host].map(|f| format!("{f}\n"));
        assert_eq!(r.searched, searched.concat());
    }
    assert!(rows[1].has_client_secret && !rows[0].has_client_secret);
    assert_eq!(rows[1].last_test.as_ref().unwrap().summary, "sent");

    a.delete(beta).unwrap();
    assert_eq!(b.list_rows().unwrap().len(), 1, "another connection's commit invalidates");
    a.insert(&validate(&draft("Gamma"), None, crate::profile::TEST_TODAY).unwrap(), t).unwrap();
    assert_eq!(a.list_rows().unwrap().len(), 2, "own write invalidates");
}

#[test]
fn a_deleted_profile_comes_back_whole_and_only_if_its_place_is_free() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(&dir, &DataKey::generate());
    let t = datetime!(2026-11-23 12:00 UTC);
    let id = s.insert(&validate(&draft("Invoices"), None, crate::profile::TEST_TODAY).unwrap(), t).unwrap();
    let lock = s.lock_tokens().unwrap();
    s.save_tokens(&lock, id, update("at1", Some("rt1"), false), t, Expect::Anything).unwrap();
    drop(lock);
    let ok = TestResult {
        kind: TestKind::Send,
        at: "2026-11-23T12:01:00Z".into(),
        ok: true,
        code: None,
        summary: "Sent".into(),
        failed_before: false,
        current_secret: true,
    };
    s.record_test(id, &ok).unwrap();
    let before = (s.get(id).unwrap().profile, s.token_record(id).unwrap(), s.secret_history(id).unwrap());

    let deleted = s.delete(id).unwrap();
    assert!(s.get(id).is_err() && s.token_record(id).unwrap().is_none());
    assert!(!format!("{deleted:?}").contains("rt1"), "no value in its Debug");
    s.restore(&deleted).unwrap();
    let after = s.get(id).unwrap();
    assert_eq!((after.profile.clone(), s.token_record(id).unwrap(), s.secret_history(id).unwrap()), before);
    assert!(after.has_client_secret && after.last_test.as_ref().is_some_and(|r| r.ok));
    // The secrets open again: sealed under the same id.
    assert_eq!(s.read_secret(id, SecretKind::ClientSecret).unwrap().unwrap().expose_secret(), SECRET);
    assert_eq!(s.read_secret(id, SecretKind::RefreshToken).unwrap().unwrap().expose_secret(), "rt1");

    // Deleted again, and a new profile took its name: nothing half-restored.
    let deleted = s.delete(id).unwrap();
    s.insert(&validate(&draft("Invoices"), None, crate::profile::TEST_TODAY).unwrap(), t).unwrap();
    let e = s.restore(&deleted).unwrap_err();
    assert!(e.to_string().contains("cannot come back"), "{e}");
    // SQLite gave the new one the freed id: it stays as it is, without the
    // old one's connection, history or tests.
    assert!(s.token_record(id).unwrap().is_none() && s.get(id).unwrap().last_test.is_none(), "nothing half-restored");
}
