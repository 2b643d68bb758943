//! Window start-up: from launching the app to its list being on screen (the
//! empty state rendered from the core's answer), through WebKitWebDriver under
//! Xvfb. Run with `make bench` (release build).

use criterion::{criterion_group, criterion_main, Criterion};
use mailwarden_tests::webdriver::Driver;
use std::time::{Duration, Instant};

fn bench(c: &mut Criterion) {
    assert!(std::env::var_os("DISPLAY").is_some(), "run under Xvfb (make bench does)");
    let app = mailwarden_tests::workspace_root().join("target/release/mailwarden-desktop");
    assert!(app.exists(), "build it first: cargo build --release -p mailwarden-desktop (make bench does)");
    let db = tempfile::tempdir().unwrap();
    let path = db.path().join("bench.db");
    let driver = Driver::start(&[("MAILWARDEN_DB", &path)]);
    let mut g = c.benchmark_group("window");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("launch_to_list", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let t = Instant::now();
                let s = driver.launch(&app);
                s.find("[data-testid=empty-state]");
                total += t.elapsed();
                s.quit();
            }
            total
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
