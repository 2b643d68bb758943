//! Window start-up, through WebKitWebDriver under Xvfb (release build; run
//! with `make bench`): from launching the app to the *real* first row of a
//! database with 1,000 profiles, and to the empty state of a new database.
//! Also reported: the gap between the first paint (the search box) and the
//! first real row, which should be within 100 ms.

use criterion::{criterion_group, criterion_main, Criterion};
use mailwarden_tests::webdriver::Driver;
use std::time::{Duration, Instant};

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
        mailwarden_tests::seed_profiles(&db, n);
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
