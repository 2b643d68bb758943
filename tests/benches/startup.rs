//! Window start-up, through WebKitWebDriver under Xvfb (release build; run
//! with `make bench`): from launching the app to the *real* first row of a
//! database with 1,000 profiles, and to the empty state of a new database.
//! Also reported: the gap between the first paint (the search box) and the
//! first real row, which should be within 100 ms.

use criterion::{criterion_group, criterion_main, Criterion};
use mailwarden_core::profile::{AuthMethod, ProfileDraft, Provider, SendMethod};
use mailwarden_core::{clock, Mailwarden};
use mailwarden_tests::webdriver::Driver;
use std::path::Path;
use std::time::{Duration, Instant};

fn seed(db: &Path, n: usize) {
    std::env::set_var("MAILWARDEN_KEY_BACKEND", "file");
    let app = Mailwarden::open(db, clock::system()).unwrap();
    for i in 0..n {
        let mut d = ProfileDraft::new(Provider::Microsoft365, AuthMethod::AuthCode, SendMethod::Smtp);
        d.name = format!("Profile {i:04}");
        d.mailbox = format!("user{i}@contoso.com");
        d.tenant = "contoso.onmicrosoft.com".into();
        d.client_id = format!("351d6cb2-1c69-4081-9cc2-{i:012x}");
        app.profiles().save(None, &d).unwrap();
    }
}

fn bench(c: &mut Criterion) {
    assert!(std::env::var_os("DISPLAY").is_some(), "run under Xvfb (make bench does)");
    let app = mailwarden_tests::workspace_root().join("target/release/mailwarden-desktop");
    assert!(app.exists(), "build it first: cargo build --release -p mailwarden-desktop (make bench does)");
    let mut g = c.benchmark_group("window");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    for (name, n, target) in [
        ("launch_to_empty_state", 0, "[data-testid=empty-state]"),
        ("launch_to_first_of_1000_rows", 1000, "[data-testid=profile-row]"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("bench.db");
        seed(&db, n);
        let driver = Driver::start(&[("MAILWARDEN_DB", &db)]);
        let mut gaps = Vec::new();
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let t = Instant::now();
                    let s = driver.launch(&app);
                    s.find("[aria-label='Search profiles']");
                    let painted = t.elapsed();
                    s.find(target);
                    let shown = t.elapsed();
                    gaps.push(shown.saturating_sub(painted));
                    total += shown;
                    s.quit();
                }
                total
            })
        });
        gaps.sort();
        if let Some(median) = gaps.get(gaps.len() / 2) {
            eprintln!("{name}: first paint → target, median {median:?} over {} launches", gaps.len());
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
