//! List + filter 10,000 profiles through the core (SQLite read, expiry badges,
//! filtering), as the list pane and `mailwarden profile list` do.
//! Run: `make bench` (target: median ≤ 20 ms).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use mailwarden_engine::SecretChange;
use mailwarden_engine::{system_clock, Mailwarden};
use mailwarden_engine::{AuthMethod, ExpiryState, ProfileDraft, ProfileQuery, Provider, SendMethod};
use std::hint::black_box;

const N: usize = 10_000;

fn seeded() -> (tempfile::TempDir, Mailwarden) {
    std::env::set_var("MAILWARDEN_KEY_BACKEND", "file");
    let dir = tempfile::tempdir().unwrap();
    let app = Mailwarden::open(&dir.path().join("bench.db"), system_clock()).unwrap();
    let providers = [Provider::Microsoft365, Provider::OutlookCom, Provider::Google];
    for i in 0..N {
        let provider = providers[i % providers.len()];
        let mut d = ProfileDraft::new(provider, AuthMethod::AuthCode, SendMethod::Smtp);
        d.name = format!("Profile {i:05}");
        d.mailbox = format!("user{i}@tenant{}.example.com", i % 97);
        d.client_id = if provider == Provider::Google {
            format!("{i}-abc.apps.googleusercontent.com")
        } else {
            format!("351d6cb2-1c69-4081-9cc2-{i:012x}")
        };
        d.notes = format!("Batch {} of the nightly invoices", i % 13);
        d.client_secret_expires = format!("2027-{:02}-{:02}", 1 + i % 12, 1 + i % 28);
        d.client_secret = SecretChange::set(format!("WvR8Q~bench-secret-{i}"));
        app.profiles().save(None, &d).unwrap();
    }
    (dir, app)
}

fn bench(c: &mut Criterion) {
    let (_dir, app) = seeded();
    assert_eq!(app.profiles().list(&ProfileQuery::default()).unwrap().profiles.len(), N);
    let text = ProfileQuery { text: "tenant42 invoices".into(), ..Default::default() };
    let narrow = ProfileQuery {
        provider: Some(Provider::OutlookCom),
        expiry: Some(ExpiryState::Ok),
        text: "user1".into(),
        ..Default::default()
    };
    let mut g = c.benchmark_group("profiles_10k");
    g.sample_size(30);
    g.bench_function("list_all", |b| b.iter(|| black_box(app.profiles().list(&ProfileQuery::default()).unwrap())));
    // Cold: the rows cached by the last call are dropped before the clock
    // starts (a window opening has none to drop), and so is each result.
    g.bench_function("list_all_uncached", |b| {
        b.iter_batched(
            || app.profiles().reload(),
            |()| app.profiles().list(&ProfileQuery::default()).unwrap(),
            BatchSize::PerIteration,
        )
    });
    g.bench_function("list_filter_text_uncached", |b| {
        b.iter_batched(|| app.profiles().reload(), |()| app.profiles().list(&text).unwrap(), BatchSize::PerIteration)
    });
    g.bench_function("list_filter_text", |b| b.iter(|| black_box(app.profiles().list(&text).unwrap())));
    g.bench_function("list_filter_provider_expiry_text", |b| {
        b.iter(|| black_box(app.profiles().list(&narrow).unwrap()))
    });
    let raw = rusqlite::Connection::open(_dir.path().join("bench.db")).unwrap();
    g.bench_function("raw_sqlite_scan", |b| {
        b.iter(|| {
            let mut st = raw.prepare_cached("SELECT * FROM profiles ORDER BY name").unwrap();
            let mut rows = st.query([]).unwrap();
            let mut n = 0usize;
            while let Some(r) = rows.next().unwrap() {
                for i in 0..28 {
                    if let Ok(rusqlite::types::ValueRef::Text(t)) = r.get_ref(i) {
                        n += t.len();
                    }
                }
            }
            black_box(n)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
