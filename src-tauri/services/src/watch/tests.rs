//! The watch on a real SQLite file with a stopped clock in chosen zones:
//! thresholds across zones and DST, the 90-day rule, notification dedup
//! across restarts, the calendar and the secret history.

use crate::clock::FixedClock;
use crate::context::Context;
use crate::crypto::DataKey;
use crate::profile::{AuthMethod, ExpiryState, ProfileDraft, Provider, SendMethod, Thresholds};
use crate::secret::{SecretChange, SecretString};
use crate::store::TokenUpdate;
use crate::watch::AttentionKind;
const REFRESH_TOKEN_IDLE_LIMIT_DAYS: i64 = 90;
use std::sync::Arc;
use time::macros::datetime;
use time::OffsetDateTime;

const NEW_YORK: &str = "EST5EDT,M3.2.0,M11.1.0";
const BERLIN: &str = "CET-1CEST,M3.5.0,M10.5.0/3";

fn core(dir: &tempfile::TempDir, key: &DataKey, now: OffsetDateTime, zone: &str) -> Context {
    let zone = jiff::tz::TimeZone::posix(zone).unwrap();
    Context::for_tests(&dir.path().join("w.db"), key, Arc::new(FixedClock { now, zone }))
}

fn app_only(m: &Context, name: &str, expires: &str) -> i64 {
    let mut d = ProfileDraft::new(Provider::Microsoft365, AuthMethod::ClientCredentials, SendMethod::Graph);
    d.name = name.into();
    d.mailbox = "invoices@contoso.com".into();
    d.tenant = "d9f2fc08-d549-4fcc-bae2-2286c314d3cd".into();
    d.client_id = "351d6cb2-1c69-4081-9cc2-a769d71567cb".into();
    d.client_secret = SecretChange::set("WvR8Q~dburnMyAJOayfq9DUm61D~MzzTESTSECRET");
    d.client_secret_id = "0667485f-2d81-4cef-97f8-723b3fec0642".into();
    d.client_secret_expires = expires.into();
    m.profiles().save(None, &d).unwrap().profile.id
}

fn secret_state(m: &Context) -> Option<(ExpiryState, Option<i64>)> {
    m.watch().attention().unwrap().into_iter().find(|i| i.kind == AttentionKind::Secret).map(|i| (i.state, i.days_left))
}

#[test]
fn thresholds_count_local_days_across_zones_and_dst() {
    let dir = tempfile::tempdir().unwrap();
    let key = DataKey::generate();
    // 04:30 UTC on 7 March 2027: still the 6th in New York, the 7th in Berlin.
    let at = datetime!(2027-03-07 04:30 UTC);
    let m = core(&dir, &key, at, NEW_YORK);
    app_only(&m, "Invoices", "2027-03-14");
    assert_eq!(secret_state(&m), Some((ExpiryState::Soon, Some(8))), "8 days in New York: not yet urgent");
    let m = core(&dir, &key, at, BERLIN);
    assert_eq!(secret_state(&m), Some((ExpiryState::Urgent, Some(7))), "7 days in Berlin: urgent");

    // Across the spring-forward night (14 March 2027 in New York has 23 hours):
    // noon on the 13th to the 15th is two calendar days, not 47/24 rounded down.
    let m = core(&dir, &key, datetime!(2027-03-13 17:00 UTC), NEW_YORK);
    let mut d = m.profiles().draft(1).unwrap();
    d.client_secret_expires = "2027-03-15".into();
    let m = m;
    m.profiles().save(Some(1), &d).unwrap();
    assert_eq!(secret_state(&m), Some((ExpiryState::Urgent, Some(2))));
    // The day after: expired, and said so.
    let m = core(&dir, &key, datetime!(2027-03-16 17:00 UTC), NEW_YORK);
    let item = m.watch().attention().unwrap().remove(0);
    assert_eq!((item.state, item.days_left), (ExpiryState::Expired, Some(-1)));
    assert!(item.title.contains("expired yesterday"), "{}", item.title);

    // Thresholds are settings: 60/14 makes 20 days "soon" and 10 "urgent".
    let m = core(&dir, &key, datetime!(2027-02-23 12:00 UTC), BERLIN);
    let mut s = m.store.settings().unwrap();
    s.thresholds = Thresholds { soon_days: 60, urgent_days: 14 };
    m.store.save_settings(&s).unwrap();
    assert_eq!(secret_state(&m).map(|s| s.0), Some(ExpiryState::Soon));
    assert_eq!(
        m.profiles().list(&Default::default()).unwrap().profiles[0].secret_expiry.as_ref().unwrap().state,
        ExpiryState::Soon
    );
    s.thresholds = Thresholds { soon_days: 10, urgent_days: 20 };
    assert!(m.store.save_settings(&s).is_err(), "urgent after soon is refused");
}

/// Profile `id` holds a refresh token obtained at `at`.
fn signed_in_at(m: &Context, id: i64, at: time::OffsetDateTime) {
    let update = TokenUpdate {
        access_token: SecretString::from("at".to_owned()),
        access_expires_at: 0,
        refresh_token: Some(SecretString::from("rt".to_owned())),
        scopes: vec![],
        account: None,
        tenant_id: None,
        object_id: None,
        refreshed: false,
    };
    let lock = m.store.lock_tokens().unwrap();
    m.store.save_tokens(&lock, id, update, at, crate::store::Expect::Anything).unwrap();
}

#[test]
fn refresh_tokens_warn_from_75_idle_days_and_die_after_90() {
    let dir = tempfile::tempdir().unwrap();
    let key = DataKey::generate();
    let signed_in = datetime!(2026-08-01 09:00 UTC);
    let m = core(&dir, &key, signed_in, BERLIN);
    let mut d = ProfileDraft::new(Provider::Microsoft365, AuthMethod::AuthCode, SendMethod::Smtp);
    d.name = "Invent ERP".into();
    d.mailbox = "erp@contoso.com".into();
    d.tenant = "contoso.onmicrosoft.com".into();
    d.client_id = "351d6cb2-1c69-4081-9cc2-a769d71567cb".into();
    let id = m.profiles().save(None, &d).unwrap().profile.id;
    signed_in_at(&m, id, signed_in);
    let rt = |days: i64| {
        let m = core(&dir, &key, signed_in + time::Duration::days(days), BERLIN);
        m.watch()
            .attention()
            .unwrap()
            .into_iter()
            .find(|i| i.kind == AttentionKind::RefreshToken)
            .map(|i| (i.state, i.days_left))
    };
    assert_eq!(rt(74), None);
    assert_eq!(rt(75), Some((ExpiryState::Soon, Some(15))));
    assert_eq!(rt(83), Some((ExpiryState::Urgent, Some(7))));
    assert_eq!(rt(REFRESH_TOKEN_IDLE_LIMIT_DAYS + 1), Some((ExpiryState::Expired, Some(-1))));
}

/// Google's rule is not Microsoft's: nothing at 80 idle days, a warning
/// naming Google (never Microsoft) from 150; a custom server has no rule.
#[test]
fn google_refresh_tokens_follow_googles_rule() {
    let dir = tempfile::tempdir().unwrap();
    let key = DataKey::generate();
    let signed_in = datetime!(2026-08-01 09:00 UTC);
    let m = core(&dir, &key, signed_in, BERLIN);
    let mut d = ProfileDraft::new(Provider::Google, AuthMethod::AuthCode, SendMethod::Smtp);
    d.name = "Gmail relay".into();
    d.mailbox = "ops@example.com".into();
    d.client_id = "1234567890-abc.apps.googleusercontent.com".into();
    d.client_secret = crate::secret::SecretChange::set("GOCSPX-secret");
    let id = m.profiles().save(None, &d).unwrap().profile.id;
    signed_in_at(&m, id, signed_in);
    let rt = |days: i64| {
        let m = core(&dir, &key, signed_in + time::Duration::days(days), BERLIN);
        m.watch().attention().unwrap().into_iter().find(|i| i.kind == AttentionKind::RefreshToken)
    };
    assert!(rt(80).is_none(), "Microsoft's 90-day rule is not applied to Google");
    let item = rt(150).expect("Google's six months are near");
    assert_eq!((item.state, item.days_left), (ExpiryState::Soon, Some(32)));
    assert!(item.detail.contains("Google") && !item.detail.contains("Microsoft"), "{}", item.detail);
    let view = m.profiles().get(id).unwrap();
    assert!(view.refresh_token_rule.is_some_and(|r| r.contains("six months")));
}

#[test]
fn each_threshold_is_announced_once_even_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let key = DataKey::generate();
    let m = core(&dir, &key, datetime!(2026-11-01 12:00 UTC), BERLIN);
    app_only(&m, "Invoices", "2026-12-01");
    assert_eq!(m.watch().due_notices().unwrap().len(), 1, "soon: announced");
    assert!(m.watch().due_notices().unwrap().is_empty(), "not twice");
    drop(m);
    let m = core(&dir, &key, datetime!(2026-11-02 12:00 UTC), BERLIN);
    assert!(m.watch().due_notices().unwrap().is_empty(), "not after a restart either");
    let m2 = core(&dir, &key, datetime!(2026-11-25 12:00 UTC), BERLIN);
    let due = m2.watch().due_notices().unwrap();
    assert_eq!((due.len(), due[0].state), (1, ExpiryState::Urgent), "crossing into urgent is new");
    drop(m);
    // A rotated secret is a new item: its thresholds are announced afresh.
    let mut d = m2.profiles().draft(1).unwrap();
    d.client_secret = SecretChange::set("Abc8Q~0123456789abcdefghijklmnopqrstuvwx");
    d.client_secret_id = "11111111-2222-3333-4444-555555555555".into();
    d.client_secret_expires = "2026-12-10".into();
    m2.profiles().save(Some(1), &d).unwrap();
    assert_eq!(m2.watch().due_notices().unwrap().len(), 1);
}

#[test]
fn history_and_calendar_follow_a_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let key = DataKey::generate();
    let m = core(&dir, &key, datetime!(2026-11-23 12:00 UTC), BERLIN);
    let id = app_only(&m, "Invoices", "2027-05-01");
    let h = m.store.secret_history(id).unwrap();
    assert_eq!((h.len(), h[0].hint.as_deref(), h[0].retired_at.is_none()), (1, Some("WvR"), true));
    let ics = m.watch().expiry_calendar().unwrap();
    assert!(ics.contains("UID:secret-0667485f-2d81-4cef-97f8-723b3fec0642@mailwarden"), "{ics}");
    assert!(ics.contains("DTSTART;VALUE=DATE:20270501") && ics.contains("DTEND;VALUE=DATE:20270502"), "{ics}");
    assert!(ics.contains("TRIGGER:-PT2592000S") && ics.contains("TRIGGER:-PT604800S"), "30 and 7 days before: {ics}");

    let mut d = m.profiles().draft(id).unwrap();
    d.client_secret = SecretChange::set("Abc8Q~0123456789abcdefghijklmnopqrstuvwx");
    d.client_secret_id = "11111111-2222-3333-4444-555555555555".into();
    d.client_secret_expires = "2027-11-01".into();
    m.profiles().save(Some(id), &d).unwrap();
    let h = m.store.secret_history(id).unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(
        (h[0].secret_id.as_deref(), h[0].hint.as_deref()),
        (Some("11111111-2222-3333-4444-555555555555"), Some("Abc"))
    );
    assert!(h[1].retired_at.is_some() && h[1].expires_on.as_deref() == Some("2027-05-01"));
    let ics = m.watch().expiry_calendar().unwrap();
    assert!(ics.contains("STATUS:CANCELLED"), "the retired secret's event is cancelled: {ics}");
    // Editing only the date follows the current record; nothing new is added.
    let mut d = m.profiles().draft(id).unwrap();
    d.client_secret_expires = "2027-10-31".into();
    m.profiles().save(Some(id), &d).unwrap();
    let h = m.store.secret_history(id).unwrap();
    assert_eq!((h.len(), h[0].expires_on.as_deref()), (2, Some("2027-10-31")));
    let db = std::fs::read(dir.path().join("w.db")).unwrap();
    assert!(!db.windows(10).any(|w| w == b"Abc8Q~0123"), "history holds no values");
}

#[test]
fn a_secret_without_an_expiry_date_needs_attention() {
    let dir = tempfile::tempdir().unwrap();
    let m = core(&dir, &DataKey::generate(), datetime!(2026-12-01 12:00 UTC), BERLIN);
    let id = app_only(&m, "No date", "");
    let items = m.watch().attention().unwrap();
    let item = items.iter().find(|i| i.kind == AttentionKind::Secret).expect("an item for the unknown expiry");
    assert_eq!(
        (item.state, item.days_left, item.action),
        (ExpiryState::Unknown, None, crate::watch::AttentionAction::SecretExpiry)
    );
    assert!(item.title.contains("expiry unknown") && item.detail.contains("Certificates & secrets"), "{item:?}");
    // Recording the date ends it (and a far date needs no attention at all).
    let mut d = m.profiles().draft(id).unwrap();
    d.client_secret_expires = "2028-06-01".into();
    m.profiles().save(Some(id), &d).unwrap();
    assert!(m.watch().attention().unwrap().is_empty());
}

#[test]
fn one_network_failure_is_a_warning_until_it_repeats() {
    use crate::mail::results::{TestKind, TestResult};
    let dir = tempfile::tempdir().unwrap();
    let m = core(&dir, &DataKey::generate(), datetime!(2026-12-01 12:00 UTC), BERLIN);
    let id = app_only(&m, "Flaky", "2028-06-01");
    let record = |minute: u8, ok: bool, code: Option<&str>| {
        let r = TestResult {
            kind: TestKind::Send,
            at: format!("2026-12-01T11:{minute:02}:00Z"),
            ok,
            code: code.map(str::to_owned),
            summary: if ok { "sent".into() } else { "failed".into() },
            failed_before: false,
            current_secret: true,
        };
        m.store.record_test(id, &r).unwrap();
    };
    let test_state = || {
        m.watch().attention().unwrap().into_iter().find(|i| i.kind == AttentionKind::Test).map(|i| (i.state, i.detail))
    };
    record(0, true, None);
    record(1, false, Some("network_timeout"));
    let (state, detail) = test_state().unwrap();
    assert_eq!(state, ExpiryState::Soon, "one timeout after a success: a warning");
    assert!(detail.contains("test again"), "{detail}");
    record(2, false, Some("network_dns"));
    assert_eq!(test_state().unwrap().0, ExpiryState::Urgent, "it repeated");
    record(3, true, None);
    assert_eq!(test_state(), None, "passed again");
    record(4, false, Some("535_5_7_3"));
    assert_eq!(test_state().unwrap().0, ExpiryState::Urgent, "a refusal is no accident of the network");
}

#[test]
fn microsofts_refusal_of_the_secret_is_one_verdict_until_the_secret_is_replaced() {
    use crate::mail::results::{TestKind, TestResult};
    let dir = tempfile::tempdir().unwrap();
    let key = DataKey::generate();
    let m = core(&dir, &key, datetime!(2026-12-01 12:00 UTC), BERLIN);
    // Recorded to expire in 2028, but Microsoft says it has expired.
    let id = app_only(&m, "Invoices", "2028-06-01");
    m.store.describe_current_secret(id, "ERP relay").unwrap();
    let refused = TestResult {
        kind: TestKind::Auth,
        at: "2026-12-01T12:05:00Z".into(),
        ok: false,
        code: Some("aadsts7000222".into()),
        summary: "The client secret has expired".into(),
        failed_before: false,
        current_secret: true,
    };
    m.store.record_test(id, &refused).unwrap();
    let items = m.watch().attention().unwrap();
    assert_eq!(items.len(), 1, "said once, as the secret's item, not also as a failed test: {items:?}");
    let item = &items[0];
    assert_eq!(
        (item.kind, item.state, item.action),
        (AttentionKind::Secret, ExpiryState::Expired, crate::watch::AttentionAction::RotateSecret)
    );
    assert_eq!(item.title, "Client secret expired: Microsoft refused it");
    assert!(item.detail.contains("whatever the date recorded here (2028-06-01) says"), "{}", item.detail);
    assert!(item.detail.contains("client secret “ERP relay” of app"), "by its description: {}", item.detail);
    // The list row, its filter and the editor's view say the same.
    let list = m.profiles().list(&Default::default()).unwrap();
    assert_eq!(list.profiles[0].secret_expiry.as_ref().unwrap().state, ExpiryState::Expired);
    let expired = crate::profile::ProfileQuery { expiry: Some(ExpiryState::Expired), ..Default::default() };
    assert_eq!(m.profiles().list(&expired).unwrap().profiles.len(), 1);
    assert_eq!(m.profiles().get(id).unwrap().secret_expiry.unwrap().state, ExpiryState::Expired);

    // A new secret pasted an hour later: the refusal was about the old one.
    let m = core(&dir, &key, datetime!(2026-12-01 13:00 UTC), BERLIN);
    let mut d = m.profiles().draft(id).unwrap();
    d.client_secret = SecretChange::Set { value: SecretString::from("NEW8Q~anotherSecretValue0123456789abcd") };
    m.profiles().save(Some(id), &d).unwrap();
    assert_eq!(m.profiles().get(id).unwrap().secret_expiry.unwrap().state, ExpiryState::Ok);
    assert_eq!(
        m.profiles().list(&Default::default()).unwrap().profiles[0].secret_expiry.as_ref().unwrap().state,
        ExpiryState::Ok
    );
    let items = m.watch().attention().unwrap();
    assert!(items.iter().all(|i| i.kind != AttentionKind::Secret), "{items:?}");
    assert_eq!(items.len(), 1, "the failed test is still the last test: {items:?}");
    assert_eq!(items[0].kind, AttentionKind::Test);
}
