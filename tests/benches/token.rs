//! `mailwarden token P` on a cached, valid token: the whole process, as msmtp's
//! `passwordeval` runs it. Run with `make bench` (it builds the release CLI).
//! Target: ≤ 2.5 × `/bin/true` in the same run (the issue-9 budget).
//!
//! The token is cached the way a person's is: an app-only profile signs in
//! once against the identity-provider simulator.

use criterion::{criterion_group, criterion_main, Criterion};
use mailwarden_tests::idp::{App, Idp};
use std::process::{Command, Stdio};

const CLIENT: &str = "351d6cb2-1c69-4081-9cc2-a769d71567cb";
const TENANT: &str = "d9f2fc08-d549-4fcc-bae2-2286c314d3cd";
const SECRET: &str = "Bnc8Q~benchSecretValue0123456789";

fn bench(c: &mut Criterion) {
    let cli = mailwarden_tests::workspace_root().join("target/release/mailwarden");
    assert!(cli.exists(), "build it first: cargo build --release -p mailwarden-cli (make bench does)");
    let dir = tempfile::tempdir().unwrap();
    // MAILWARDEN_BENCH_DIR keeps the database for profiling the CLI by hand.
    let kept = std::env::var_os("MAILWARDEN_BENCH_DIR").map(std::path::PathBuf::from);
    let db = kept.unwrap_or_else(|| dir.path().to_path_buf()).join("bench.db");
    for suffix in ["", "-wal", "-shm", ".key"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let idp = Idp::start();
    idp.register(App {
        client_id: CLIENT.into(),
        tenant: TENANT.into(),
        secret: Some(SECRET.into()),
        secret_expired: false,
        public_redirects: vec![],
        web_redirects: vec![],
        app_roles: vec!["Mail.Send".into()],
    });
    let cmd = |args: &[&str]| {
        let mut c = Command::new(&cli);
        c.args(args)
            .env("MAILWARDEN_DB", &db)
            .env("MAILWARDEN_KEY_BACKEND", "file")
            .env("MAILWARDEN_CA_FILE", &idp.ca.ca_file)
            .stdin(Stdio::piped());
        c
    };
    let scope = format!("{}/.default", idp.base);
    let mut add = cmd(&[
        "profile",
        "add",
        "--name",
        "Bench",
        "--auth",
        "client-credentials",
        "--send",
        "graph",
        "--mailbox",
        "ops@contoso.com",
        "--cloud",
        "custom",
        "--authority-url",
        &idp.base,
        "--tenant",
        TENANT,
        "--client-id",
        CLIENT,
        "--scopes",
        &scope,
        "--client-secret-stdin",
    ])
    .spawn()
    .unwrap();
    std::io::Write::write_all(&mut add.stdin.take().unwrap(), format!("{SECRET}\n").as_bytes()).unwrap();
    assert!(add.wait().unwrap().success(), "profile add");
    let first = cmd(&["token", "Bench"]).output().unwrap();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let token = String::from_utf8_lossy(&first.stdout).trim().to_owned();
    let run = || {
        let o = cmd(&["token", "Bench"]).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), token, "served from the cache");
    };
    run();
    assert_eq!(idp.count("client_credentials"), 1, "one sign-in, then the cache");
    let mut g = c.benchmark_group("cli");
    g.sample_size(100);
    g.bench_function("token_cached", |b| b.iter(run));
    g.bench_function("process_baseline_true", |b| b.iter(|| Command::new("true").status().unwrap()));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
