//! Input from a person, a file or a server never panics, and a provider's
//! outage is explained as temporary with nothing stored changed.

use mailwarden_tests::idp::http::Response;
use mailwarden_tests::oauth_env::*;
use mailwarden_tests::{text, TempDb};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

const SCOPES: [&str; 3] =
    ["https://outlook.office.com/SMTP.Send", "https://outlook.office.com/IMAP.AccessAsUser.All", "offline_access"];

fn no_panic(o: &std::process::Output) {
    let err = text(&o.stderr);
    assert!(!err.contains("panicked") && !err.contains("RUST_BACKTRACE"), "{err}");
}

/// Failed with a diagnosis (title, code, numbered steps) and nothing on stdout.
fn diagnosed(o: &std::process::Output, code: &str, title: &str) {
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    let err = text(&o.stderr);
    assert!(err.contains(title) && err.contains(code) && err.contains("  1. "), "{err}");
}

#[test]
fn bad_values_from_a_person_are_refused_without_a_panic() {
    let db = TempDb::new();
    // Full-width letters pasted from a document.
    let o = db.run(
        &[
            "profile",
            "add",
            "--name",
            "Wide",
            "--auth",
            "auth-code",
            "--mailbox",
            "a@contoso.com",
            "--tenant",
            "contoso.onmicrosoft.com",
            "--client-id",
            "351d6cb2-1c69-4081-9cc2-a769d71567cb",
            "--redirect-uri",
            "http:ｌｏｃａｌｈｏｓｔ/cb",
        ],
        None,
    );
    no_panic(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("--redirect-uri"), "{}", text(&o.stderr));
    let o = db.run(&["connect", "Wide", "--timeout", "18446744073709551615"], None);
    no_panic(&o);
    assert_eq!(o.status.code(), Some(2), "a usage error: {}", text(&o.stderr));
}

#[test]
fn a_closed_pipe_ends_the_cli_quietly() {
    let db = TempDb::new();
    db.add_app_only("Piped", "Pp8Q~secret", &[]);
    for _ in 0..5 {
        let o = Command::new("sh")
            .args(["-c", "\"$MW\" profile show Piped --json | true; \"$MW\" profile list --json | head -c1 >/dev/null"])
            .env("MW", mailwarden_tests::binary("mailwarden"))
            .env("MAILWARDEN_DB", db.path())
            .env("MAILWARDEN_KEY_BACKEND", "file")
            .output()
            .unwrap();
        no_panic(&o);
    }
}

#[test]
fn absurd_numbers_from_the_server_are_bounded() {
    let env = Env::new();
    env.app(None, true);
    env.delegated_profile("Huge");
    env.idp.set_access_lifetime(1_000_000_000_000); // 31,000 years
    let rt = env.idp.mint_refresh_token(CLIENT, &SCOPES);
    let o = env.run(&["connect", "Huge", "--refresh-token-stdin"], Some(&format!("{rt}\n")));
    no_panic(&o);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = env.run(&["token", "Huge", "--format", "json"], None);
    no_panic(&o);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let in_a_day = time::OffsetDateTime::now_utc().unix_timestamp() + 86_400 + 60;
    assert!(v["expires_at"].as_i64().unwrap() <= in_a_day, "an absurd expires_in is capped: {v}");

    // A device-code interval of i64::MAX seconds: no overflow, and Cancel ends it.
    env.idp.set_device_interval(i64::MAX);
    // In-process: the core trusts the simulator's CA as the CLI does.
    std::env::set_var("MAILWARDEN_CA_FILE", &env.idp.ca.ca_file);
    let core = Arc::new(env.core());
    let id = core.profiles().resolve("Huge").unwrap().profile.id;
    let cancel = Arc::new(AtomicBool::new(false));
    let (c2, flag) = (core.clone(), cancel.clone());
    let (shown, prompt) = std::sync::mpsc::channel();
    let worker = std::thread::spawn(move || {
        c2.tokens().connect_device_code(id, &flag, |_| {
            let _ = shown.send(());
        })
    });
    // Cancel once the code is shown: the flow is then waiting its interval.
    prompt.recv_timeout(std::time::Duration::from_secs(30)).expect("the device code is shown");
    cancel.store(true, Ordering::SeqCst);
    let r = worker.join().expect("no panic on the worker");
    let e = r.expect_err("cancelled, not connected");
    assert!(e.to_string().contains("cancelled"), "{e}");
}

#[test]
fn an_outage_at_the_provider_is_temporary_and_changes_nothing() {
    let env = Env::new();
    env.app(None, true);
    env.delegated_profile("Outage");
    env.idp.set_access_lifetime(60); // every use refreshes
    let rt = env.idp.mint_refresh_token(CLIENT, &SCOPES);
    env.ok(&["connect", "Outage", "--refresh-token-stdin"], Some(&format!("{rt}\n")));
    let core = env.core();
    let id = core.profiles().resolve("Outage").unwrap().profile.id;
    let before = core.tokens().connection(id).unwrap().unwrap();

    env.idp.script_response(Response::html(503, "Service Unavailable"));
    let o = env.run(&["token", "Outage"], None);
    diagnosed(&o, "503", "temporarily unavailable");
    assert!(text(&o.stderr).contains("nothing stored in Mailwarden changed"), "{}", text(&o.stderr));

    let mut throttled = Response::json(
        429,
        &serde_json::json!({"error": "temporarily_unavailable", "error_description": "AADSTS90033: A transient error has occurred."}),
    );
    throttled.headers.push(("Retry-After".into(), "30".into()));
    env.idp.script_response(throttled);
    let o = env.run(&["token", "Outage"], None);
    diagnosed(&o, "429", "throttling");
    assert!(text(&o.stderr).contains("Try again in 30 seconds"), "{}", text(&o.stderr));

    // `temporarily_unavailable` in a 400 answer is explained the same way.
    env.idp.fail_next("temporarily_unavailable", 90033);
    assert_diagnosis(&env.run(&["token", "Outage"], None), "temporarily_unavailable", "temporarily unavailable");

    let after = env.core().tokens().connection(id).unwrap().unwrap();
    assert_eq!(before, after, "an outage changes nothing stored");
    assert!(env.run(&["token", "Outage"], None).status.success(), "works again once the provider answers");
}

/// Bookkeeping (the last-used time) that cannot be written — here another
/// process holds the database's write lock — never fails a token that is
/// already in hand: it is served, with a warning.
#[test]
fn a_token_is_served_when_its_bookkeeping_cannot_be_written() {
    let env = Env::new();
    env.app(Some(SECRET), false);
    env.app_only_profile("Busy disk", SECRET);
    let token = token_of(&env.ok(&["token", "Busy disk"], None));
    // A minute later the last-used time is due again.
    let db = env.db.path();
    let mut holder = Command::new("/usr/bin/python3")
        .args([
            "-c",
            "import sqlite3,sys,time; c=sqlite3.connect(sys.argv[1], isolation_level=None); \
             c.execute('UPDATE tokens SET last_used_at = NULL'); c.execute('BEGIN IMMEDIATE'); \
             print('locked', flush=True); time.sleep(30)",
            db.to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(holder.stdout.as_mut().unwrap()), &mut line).unwrap();
    assert_eq!(line.trim(), "locked");
    let o = env.run(&["token", "Busy disk"], None);
    let _ = holder.kill();
    let _ = holder.wait();
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(token_of(&o), token, "the cached token, from the cache");
    assert!(text(&o.stderr).contains("warning: the token is fine"), "{}", text(&o.stderr));
}
