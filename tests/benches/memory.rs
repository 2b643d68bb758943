//! Idle memory of the desktop window (release builds under Xvfb; run with
//! `make bench`): Mailwarden with 1,000 profiles and with none, against an
//! empty Tauri v2 app of the same version and features (tests/empty-app).
//! Targets (issue 9): within 1.25× and 1.15× of the empty app.
//!
//! Memory is the proportional set size (PSS: shared pages split between the
//! processes that map them) of the app and every process it started —
//! WebKit's web and network processes hold most of it — read once the
//! total has settled after the page is shown. Each figure is the median of
//! five fresh launches: whether WebKit keeps one frame buffer or two after
//! the first frames is chance, and a second one (a 1180×760 buffer shared
//! with the app, and its llvmpipe render target) adds ~12 MB to any launch,
//! the empty app's too.

use mailwarden_tests::webdriver::Driver;
use std::path::Path;
use std::time::{Duration, Instant};

const LAUNCHES: usize = 5;

/// PSS in kB of `pid` (0 once it has gone).
fn pss_kb(pid: u32) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    let line = text.lines().find(|l| l.starts_with("Pss:")).unwrap_or("Pss: 0 kB");
    line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// The launched app's total PSS once four samples half a second apart stay
/// within 1 % of each other (at most 30 s).
fn settled_pss_kb(driver: &Driver) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut samples: Vec<u64> = Vec::new();
    loop {
        samples.push(mailwarden_tests::descendants(driver.pid()).into_iter().map(pss_kb).sum());
        if let Some(last) = samples.last_chunk::<4>() {
            let (lo, hi) = (last.iter().min().unwrap(), last.iter().max().unwrap());
            if (hi - lo) * 100 <= *hi || Instant::now() > deadline {
                return last[3];
            }
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn median(mut v: Vec<u64>) -> u64 {
    v.sort();
    v[v.len() / 2]
}

/// Median idle PSS (kB) of `app` over fresh launches, once `ready` shows.
fn idle_pss(app: &Path, env: &[(&str, &Path)], ready: &str) -> u64 {
    let runs = (0..LAUNCHES)
        .map(|_| {
            let driver = Driver::start(env);
            let session = driver.launch(app);
            session.find(ready);
            let kb = settled_pss_kb(&driver);
            if std::env::var_os("MAILWARDEN_BENCH_DETAIL").is_some() {
                for pid in mailwarden_tests::descendants(driver.pid()) {
                    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
                    eprintln!("    {:>8} kB  {}", pss_kb(pid), comm.trim());
                }
            }
            session.quit();
            kb
        })
        .collect();
    median(runs)
}

fn main() {
    assert!(std::env::var_os("DISPLAY").is_some(), "run under Xvfb (make bench does)");
    let target = mailwarden_tests::workspace_root().join("target/release");
    let (app, empty) = (target.join("mailwarden-desktop"), target.join("mailwarden-empty-app"));
    for b in [&app, &empty] {
        assert!(b.exists(), "build {} first (make bench does)", b.display());
    }
    let baseline = idle_pss(&empty, &[], "#ready");
    let mut rows = vec![("empty Tauri v2 app", baseline, None)];
    for (name, n, ready, budget) in [
        ("Mailwarden, no profiles", 0, "[data-testid=empty-state]", 1.15),
        ("Mailwarden, 1,000 profiles", 1000, "[data-testid=profile-row]", 1.25),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("bench.db");
        mailwarden_tests::seed_profiles(&db, n);
        rows.push((name, idle_pss(&app, &[("MAILWARDEN_DB", &db)], ready), Some(budget)));
    }
    println!("idle memory (PSS of the app and its WebKit processes, median of {LAUNCHES} launches)");
    for (name, kb, budget) in rows {
        let ratio = kb as f64 / baseline as f64;
        let against = budget.map(|b| format!("  target ≤ {b:.2}×")).unwrap_or_default();
        println!("  {name:<28} {:>7.1} MB  {ratio:.2}×{against}", kb as f64 / 1024.0);
    }
}
