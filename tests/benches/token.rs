//! `mailwarden token P` on a cached, valid token: the whole process, as msmtp's
//! `passwordeval` runs it. Run with `make bench` (it builds the release CLI).
//! Target: median ≤ 5 ms.

use criterion::{criterion_group, criterion_main, Criterion};
use mailwarden_core::keystore;
use mailwarden_core::profile::{validate, AuthMethod, ProfileDraft, Provider, SendMethod};
use mailwarden_core::secret::{SecretChange, SecretString};
use mailwarden_core::store::{Expect, Store, TokenUpdate};
use std::process::Command;

fn bench(c: &mut Criterion) {
    let cli = mailwarden_tests::workspace_root().join("target/release/mailwarden");
    assert!(cli.exists(), "build it first: cargo build --release -p mailwarden-cli (make bench does)");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bench.db");
    std::env::set_var("MAILWARDEN_KEY_BACKEND", "file");
    let store = Store::open_locked(&db).unwrap();
    keystore::unlock(&store).unwrap();
    let mut d = ProfileDraft::new(Provider::Microsoft365, AuthMethod::ClientCredentials, SendMethod::Graph);
    d.name = "Bench".into();
    d.mailbox = "ops@contoso.com".into();
    d.tenant = "contoso.onmicrosoft.com".into();
    d.client_id = "351d6cb2-1c69-4081-9cc2-a769d71567cb".into();
    d.client_secret = SecretChange::set("WvR8Q~bench");
    let now = time::OffsetDateTime::now_utc();
    let id = store.insert(&validate(&d, None).unwrap(), now).unwrap();
    let token = format!("eyJ0eXAiOiJKV1QifQ.{}.sig", "x".repeat(1500)); // a realistic ~1.5 KB token
    store
        .save_tokens(
            id,
            TokenUpdate {
                access_token: SecretString::from(token.clone()),
                access_expires_at: now.unix_timestamp() + 3600,
                refresh_token: None,
                scopes: vec!["https://graph.microsoft.com/.default".into()],
                account: None,
                tenant_id: None,
                object_id: None,
                refreshed: false,
            },
            now,
            Expect::Anything,
        )
        .unwrap();
    drop(store);
    let run = || {
        let o = Command::new(&cli).args(["token", "Bench"]).env("MAILWARDEN_DB", &db).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), token);
    };
    run();
    let mut g = c.benchmark_group("cli");
    g.sample_size(100);
    g.bench_function("token_cached", |b| b.iter(run));
    g.bench_function("process_baseline_true", |b| b.iter(|| Command::new("true").status().unwrap()));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
