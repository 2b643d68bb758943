//! The setup steps against a real SQLite file and a stopped clock: each
//! step's state follows what was seen (a connection is made here directly in
//! the store, under its token lock, as the tokens service would).

use super::{StepId, StepState};
use crate::{AuthMethod, ProfileDraft, Provider, Reveal, SendMethod, TestKind, TestResult};
use crate::{Mailwarden, SecretChange};
use mailwarden_model::clock::FixedClock;
use mailwarden_store::crypto::DataKey;
use std::sync::Arc;
use time::macros::datetime;

fn states(m: &Mailwarden, id: i64) -> (Vec<(StepId, StepState)>, StepId) {
    let p = m.progress(id).unwrap();
    (p.steps.iter().map(|s| (s.id, s.state)).collect(), p.current)
}

/// An engine on a new database in `dir`, its clock stopped at noon on 1 December.
fn engine(dir: &tempfile::TempDir) -> Mailwarden {
    let clock = Arc::new(FixedClock::at(datetime!(2026-12-01 12:00 UTC)));
    Mailwarden::for_tests(&dir.path().join("p.db"), &DataKey::generate(), clock)
}

/// A saved Microsoft 365 profile with a client secret expiring in 2027.
fn saved(m: &Mailwarden, name: &str, mailbox: &str, auth: AuthMethod, send: SendMethod) -> i64 {
    let mut d = ProfileDraft::new(Provider::Microsoft365, auth, send);
    d.name = name.into();
    d.mailbox = mailbox.into();
    d.tenant = "contoso.onmicrosoft.com".into();
    d.client_id = "351d6cb2-1c69-4081-9cc2-a769d71567cb".into();
    d.client_secret = SecretChange::set("WvR8Q~dburnMyAJOayfq9DUm61D~MzzTESTSECRET");
    d.client_secret_expires = "2027-11-23".into();
    m.profiles().save(None, &d).unwrap().profile.id
}

fn result(kind: TestKind, ok: bool, code: Option<&str>) -> TestResult {
    TestResult {
        kind,
        at: "2026-12-01T12:00:00Z".into(),
        ok,
        code: code.map(Into::into),
        summary: if ok { "Worked.".into() } else { "Refused.".into() },
        failed_before: false,
        current_secret: true,
    }
}

#[test]
fn the_steps_follow_what_was_seen_and_the_editor_opens_at_the_first_not_done() {
    use StepId::*;
    use StepState::*;
    let dir = tempfile::tempdir().unwrap();
    let m = engine(&dir);
    let id = saved(&m, "Catalyst", "noreply@contoso.com", AuthMethod::ClientCredentials, SendMethod::Graph);

    // Saved, nothing tried: the registration is next, and nothing is
    // watched until a sign-in works.
    let (steps, current) = states(&m, id);
    assert_eq!(
        steps,
        [(Describe, Done), (Register, Todo), (SignIn, Todo), (Test, Todo), (Handover, Optional), (Watch, Todo)]
    );
    assert_eq!(current, Register);

    // A sign-in refused for the registration's sake fails that step, with its code.
    m.store.record_test(id, &result(TestKind::Auth, false, Some("aadsts7000215"))).unwrap();
    let p = m.progress(id).unwrap();
    assert_eq!((p.steps[1].state, p.steps[1].code.as_deref()), (Failing, Some("aadsts7000215")));
    assert_eq!((p.steps[2].state, p.current), (Failing, Register));

    // A token, then a send: all done but the hand-over; the watch is where it rests.
    m.store.record_test(id, &result(TestKind::Auth, true, None)).unwrap();
    m.store.record_test(id, &result(TestKind::Send, true, None)).unwrap();
    let (steps, current) = states(&m, id);
    assert_eq!(
        steps,
        [(Describe, Done), (Register, Done), (SignIn, Done), (Test, Done), (Handover, Optional), (Watch, Done)]
    );
    assert_eq!(current, Watch);

    // A failed send after that: the Test step is where to go.
    m.store.record_test(id, &result(TestKind::Send, false, Some("graph_403"))).unwrap();
    assert_eq!(states(&m, id).1, Test);

    // A hand-over is recorded with its date.
    m.handovers().reveal(id, Reveal::ClientSecret, true, |_| Ok(())).unwrap();
    let p = m.progress(id).unwrap();
    assert_eq!(p.steps[4].state, Done);
    assert_eq!(p.steps[4].summary, "Handed over: the client secret.", "the date is the panel's list's");

    // A secret without its expiry is something the watch cannot do: that step fails.
    let mut d = m.profiles().draft(id).unwrap();
    d.client_secret_expires = String::new();
    m.profiles().save(Some(id), &d).unwrap();
    let p = m.progress(id).unwrap();
    assert_eq!(p.steps[5].state, Failing, "{}", p.steps[5].summary);

    // A mailbox password has nothing to register or connect.
    let mut b = ProfileDraft::new(Provider::Custom, AuthMethod::Basic, SendMethod::Smtp);
    b.name = "Printer".into();
    b.mailbox = "printer@example.com".into();
    b.smtp_host = "mail.example.com".into();
    b.password = SecretChange::set("hunter2hunter2");
    let b = m.profiles().save(None, &b).unwrap().profile.id;
    let (steps, current) = states(&m, b);
    assert_eq!((steps[1].1, steps[2].1, steps[5].1, current), (Optional, Optional, Optional, Test));
}

#[test]
fn a_connection_whose_sign_in_test_fails_since_is_not_done() {
    use mailwarden_store::{Expect, TokenUpdate};
    let dir = tempfile::tempdir().unwrap();
    let m = engine(&dir);
    let id = saved(&m, "ERP", "erp@contoso.com", AuthMethod::AuthCode, SendMethod::Smtp);
    let connect = |at| {
        let update = TokenUpdate {
            access_token: "at".to_owned().into(),
            access_expires_at: 0,
            refresh_token: Some("rt".to_owned().into()),
            scopes: vec![],
            account: Some("erp@contoso.com".into()),
            tenant_id: None,
            object_id: None,
            refreshed: false,
        };
        let lock = m.store.lock_tokens().unwrap();
        m.store.save_tokens(&lock, id, update, at, Expect::Anything).unwrap();
    };
    connect(datetime!(2026-12-01 11:00 UTC));
    let sign_in = |m: &Mailwarden| m.progress(id).unwrap().steps[2].clone();
    assert_eq!(sign_in(&m).state, StepState::Done);
    // Microsoft refuses the secret at noon: the connection no longer works.
    m.store.record_test(id, &result(TestKind::Auth, false, Some("aadsts7000222"))).unwrap();
    let s = sign_in(&m);
    assert_eq!((s.state, s.code.as_deref()), (StepState::Failing, Some("aadsts7000222")));
    // Connected again after it: done again.
    connect(datetime!(2026-12-01 13:00 UTC));
    assert_eq!(sign_in(&m).state, StepState::Done);
}
