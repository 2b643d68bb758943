//! Export and import on real SQLite files: round trips with and without
//! secrets, the passphrase, a newer format, a bad profile named by field,
//! name conflicts and the dry run.

use super::import::{ImportAction, OnConflict};
use crate::clock::FixedClock;
use crate::context::Context;
use crate::crypto::DataKey;
use crate::profile::{AuthMethod, ProfileDraft, Provider, SendMethod};
use crate::secret::{ExposeSecret, SecretChange, SecretKind, SecretString};
use std::collections::HashMap;
use std::sync::Arc;
use time::macros::datetime;

const SECRET: &str = "WvR8Q~TransferSecretValue0123456789";
const TOKEN: &str = "0.ARoA-transfer-refresh-token";

fn core(dir: &tempfile::TempDir, name: &str) -> Context {
    let clock = FixedClock { now: datetime!(2026-12-02 10:00 UTC), zone: jiff::tz::TimeZone::UTC };
    Context::for_tests(&dir.path().join(name), &DataKey::generate(), Arc::new(clock))
}

fn app_only(m: &Context, name: &str) -> i64 {
    let mut d = ProfileDraft::new(Provider::Microsoft365, AuthMethod::ClientCredentials, SendMethod::Graph);
    d.name = name.into();
    d.mailbox = "invoices@contoso.com".into();
    d.tenant = "d9f2fc08-d549-4fcc-bae2-2286c314d3cd".into();
    d.client_id = "351d6cb2-1c69-4081-9cc2-a769d71567cb".into();
    d.client_secret = SecretChange::set(SECRET);
    d.client_secret_expires = "2027-06-01".into();
    m.profiles().save(None, &d).unwrap().profile.id
}

fn delegated(m: &Context, name: &str) -> i64 {
    let mut d = ProfileDraft::new(Provider::Microsoft365, AuthMethod::RefreshToken, SendMethod::Smtp);
    d.name = name.into();
    d.mailbox = "erp@contoso.com".into();
    d.tenant = "contoso.onmicrosoft.com".into();
    d.client_id = "351d6cb2-1c69-4081-9cc2-a769d71567cb".into();
    let id = m.profiles().save(None, &d).unwrap().profile.id;
    m.tokens().adopt_refresh_token(id, SecretString::from(TOKEN.to_owned())).unwrap();
    id
}

fn pass() -> SecretString {
    SecretString::from("correct horse battery".to_owned())
}

fn no_choices() -> HashMap<u32, OnConflict> {
    HashMap::new()
}

#[test]
fn without_secrets_the_profiles_come_across_and_say_what_to_set() {
    let dir = tempfile::tempdir().unwrap();
    let a = core(&dir, "a.db");
    app_only(&a, "Invoices");
    delegated(&a, "Invent ERP");
    let file = a.transfer().export(&[], None).unwrap();
    let text = String::from_utf8(file.clone()).unwrap();
    assert!(text.contains("\"format\": \"mailwarden-profiles\""), "{text}");
    assert!(!text.contains(SECRET) && !text.contains(TOKEN), "no secret without a passphrase");

    let b = core(&dir, "b.db");
    let r = b.transfer().import(&file, None, &no_choices(), None, false).unwrap();
    assert!(!r.encrypted);
    let actions: Vec<_> = r.items.iter().map(|i| (i.name.as_str(), i.action)).collect();
    assert_eq!(actions, [("Invent ERP", ImportAction::Add), ("Invoices", ImportAction::Add)]);
    let invoices = r.items.iter().find(|i| i.name == "Invoices").unwrap();
    assert_eq!(invoices.note, "Set its client secret in the editor: the file holds none.");
    let got = b.profiles().resolve("Invoices").unwrap();
    assert!(!got.has_client_secret);
    assert_eq!(got.profile.client_secret_expires.unwrap().to_string(), "2027-06-01");
    assert_eq!(got.profile.tenant, "d9f2fc08-d549-4fcc-bae2-2286c314d3cd");
    assert!(b.tokens().connection(b.profiles().resolve("Invent ERP").unwrap().profile.id).unwrap().is_none());
}

#[test]
fn with_secrets_only_under_a_passphrase_and_they_arrive_sealed() {
    let dir = tempfile::tempdir().unwrap();
    let a = core(&dir, "a.db");
    let invoices = app_only(&a, "Invoices");
    delegated(&a, "Invent ERP");
    let short = SecretString::from("short".to_owned());
    let e = a.transfer().export(&[invoices], Some(&short)).unwrap_err();
    assert!(matches!(&e, crate::CoreError::Validation(f) if f[0].field == "passphrase"), "{e}");

    let file = a.transfer().export(&[], Some(&pass())).unwrap();
    assert!(file.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----"));
    assert!(!contains(&file, SECRET.as_bytes()) && !contains(&file, TOKEN.as_bytes()));

    let b = core(&dir, "b.db");
    let none = b.transfer().import(&file, None, &no_choices(), None, false).unwrap_err();
    assert!(matches!(&none, crate::CoreError::Validation(f) if f[0].field == "passphrase"), "{none}");
    let wrong = SecretString::from("not the passphrase".to_owned());
    let e = b.transfer().import(&file, Some(&wrong), &no_choices(), None, false).unwrap_err();
    assert!(e.to_string().contains("does not open this file"), "{e}");
    assert_eq!(b.profiles().list(&Default::default()).unwrap().total, 0, "nothing imported");

    let r = b.transfer().import(&file, Some(&pass()), &no_choices(), None, false).unwrap();
    assert!(r.encrypted);
    let inv = r.items.iter().find(|i| i.name == "Invoices").unwrap();
    assert_eq!(inv.secrets, ["client secret"]);
    assert_eq!(inv.note, "");
    let id = inv.id.unwrap();
    assert_eq!(b.store.read_secret(id, SecretKind::ClientSecret).unwrap().unwrap().expose_secret(), SECRET);
    let erp = b.profiles().resolve("Invent ERP").unwrap().profile.id;
    let conn = b.tokens().connection(erp).unwrap().expect("connected from the file");
    assert!(conn.has_refresh_token);
    assert_eq!(b.store.read_secret(erp, SecretKind::RefreshToken).unwrap().unwrap().expose_secret(), TOKEN);
    // Sealed in the database file like any typed secret.
    let bytes = std::fs::read(dir.path().join("b.db")).unwrap();
    assert!(!contains(&bytes, SECRET.as_bytes()));
}

#[test]
fn conflicts_are_asked_then_skipped_renamed_or_replaced_and_a_dry_run_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let a = core(&dir, "a.db");
    app_only(&a, "Invoices");
    delegated(&a, "Invent ERP");
    let file = a.transfer().export(&[], Some(&pass())).unwrap();

    let b = core(&dir, "b.db");
    let kept = app_only(&b, "Invoices");
    let r = b.transfer().import(&file, Some(&pass()), &no_choices(), None, true).unwrap();
    assert!(r.dry_run);
    let conflicts: Vec<_> = r.conflicts().map(|i| i.name.as_str()).collect();
    assert_eq!(conflicts, ["Invoices"]);
    assert_eq!(b.profiles().list(&Default::default()).unwrap().total, 1, "a dry run adds nothing");

    let r = b.transfer().import(&file, Some(&pass()), &no_choices(), Some(OnConflict::Rename), false).unwrap();
    let inv = r.items.iter().find(|i| i.name == "Invoices").unwrap();
    assert_eq!((inv.action, inv.stored_as.as_str()), (ImportAction::Rename, "Invoices (imported)"));
    let r = b.transfer().import(&file, Some(&pass()), &no_choices(), Some(OnConflict::Skip), false).unwrap();
    assert!(r.items.iter().all(|i| i.action == ImportAction::Skip), "{:?}", r.items);
    let index = r.items.iter().find(|i| i.name == "Invoices").unwrap().index;
    let choices = HashMap::from([(index, OnConflict::Replace)]);
    let r = b.transfer().import(&file, Some(&pass()), &choices, Some(OnConflict::Skip), false).unwrap();
    let inv = r.items.iter().find(|i| i.name == "Invoices").unwrap();
    assert_eq!((inv.action, inv.id), (ImportAction::Replace, Some(kept)));
    let names: Vec<String> =
        b.profiles().list(&Default::default()).unwrap().profiles.into_iter().map(|p| p.row.name.clone()).collect();
    assert_eq!(names, ["Invent ERP", "Invoices", "Invoices (imported)"]);
}

#[test]
fn a_newer_format_a_foreign_file_and_a_bad_profile_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let b = core(&dir, "b.db");
    let newer = br#"{"format": "mailwarden-profiles", "version": 2, "profiles": []}"#;
    let e = b.transfer().import(newer, None, &no_choices(), None, false).unwrap_err();
    assert!(e.to_string().contains("newer Mailwarden (file format version 2)"), "{e}");
    let e = b.transfer().import(b"name,mailbox\n", None, &no_choices(), None, false).unwrap_err();
    assert!(e.to_string().contains("not a Mailwarden profiles file"), "{e}");

    let file = br#"{"format": "mailwarden-profiles", "version": 1, "profiles": [
        {"name": "Good", "provider": "microsoft365", "authMethod": "refresh-token", "mailbox": "a@contoso.com",
         "tenant": "contoso.onmicrosoft.com", "clientId": "351d6cb2-1c69-4081-9cc2-a769d71567cb",
         "scopes": "https://outlook.office.com/SMTP.Send offline_access", "redirectUri": "http://localhost",
         "smtpHost": "smtp.office365.com", "smtpPort": "587", "imapHost": "", "imapPort": "993"},
        {"name": "Yahoo", "provider": "yahoo"},
        {"name": "No client", "provider": "microsoft365", "authMethod": "refresh-token", "mailbox": "b@contoso.com",
         "tenant": "contoso.onmicrosoft.com", "clientId": "nope"}
    ]}"#;
    let r = b.transfer().import(file, None, &no_choices(), None, false).unwrap();
    let got: Vec<_> = r.items.iter().map(|i| (i.name.as_str(), i.action)).collect();
    assert_eq!(
        got,
        [("Good", ImportAction::Add), ("Yahoo", ImportAction::Invalid), ("No client", ImportAction::Invalid)]
    );
    assert_eq!(r.items[1].errors[0].field, "provider");
    assert!(r.items[1].errors[0].message.contains("unknown variant `yahoo`"), "{:?}", r.items[1].errors);
    assert!(r.items[2].errors.iter().any(|e| e.field == "clientId"), "{:?}", r.items[2].errors);
    assert_eq!(b.profiles().list(&Default::default()).unwrap().total, 1, "only the good one");
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}
