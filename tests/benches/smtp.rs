//! An SMTP test send to the loopback Postfix (STARTTLS, XOAUTH2 checked by
//! Dovecot), Mailwarden's path against Python's smtplib sending the same
//! message with the same token from a warm process. Needs root (Postfix).
//! Run with `make bench`; target: median ratio ≤ 1.2.

use criterion::{criterion_group, criterion_main, Criterion};
use mailwarden_engine::{system_clock, Mailwarden};
use mailwarden_engine::{AuthMethod, Cloud, ProfileDraft, Provider, SendMethod};
use mailwarden_engine::{ExposeSecret, SecretString};
use mailwarden_tests::idp::{App, Idp};
use mailwarden_tests::mail::MailServers;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

const CLIENT: &str = "351d6cb2-1c69-4081-9cc2-a769d71567cb";

fn bench(c: &mut Criterion) {
    let idp = Idp::start();
    idp.register(App::new(CLIENT, "contoso.onmicrosoft.com").public_redirect("http://localhost"));
    let mail =
        MailServers::start(&idp.ca, &idp.introspect_url, &[("erp@contoso.com", "erp@contoso.com")], "contoso.com");
    std::env::set_var("MAILWARDEN_KEY_BACKEND", "file");
    std::env::set_var("MAILWARDEN_CA_FILE", &idp.ca.ca_file);
    let dir = tempfile::tempdir().unwrap();
    let app = Mailwarden::open(&dir.path().join("bench.db"), system_clock()).unwrap();
    let mut d = ProfileDraft::new(Provider::Microsoft365, AuthMethod::RefreshToken, SendMethod::Smtp);
    d.name = "bench".into();
    d.mailbox = "erp@contoso.com".into();
    d.cloud = Cloud::Custom;
    d.authority_url = idp.base.clone();
    d.tenant = "contoso.onmicrosoft.com".into();
    d.client_id = CLIENT.into();
    d.smtp_host = "127.0.0.1".into();
    d.smtp_port = mail.submission.to_string();
    let id = app.profiles().save(None, &d).unwrap().profile.id;
    let scopes =
        ["https://outlook.office.com/SMTP.Send", "https://outlook.office.com/IMAP.AccessAsUser.All", "offline_access"];
    let rt = idp.mint_refresh_token(CLIENT, &scopes);
    app.tokens().connect_refresh_token(id, SecretString::from(rt)).unwrap();
    let p = app.profiles().get(id).unwrap().profile;
    let token = app.tokens().access_token(&p, Default::default()).unwrap().token;

    let script = mailwarden_tests::workspace_root().join("tests/benches/smtp_send.py");
    let mut py = Command::new("python3")
        .arg(script)
        .args(["127.0.0.1", &mail.submission.to_string()])
        .arg(&idp.ca.ca_file)
        .args(["erp@contoso.com", token.expose_secret()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut py_in = py.stdin.take().unwrap();
    let mut py_out = BufReader::new(py.stdout.take().unwrap());

    let mut g = c.benchmark_group("smtp_send_loopback_postfix");
    g.sample_size(30);
    g.bench_function("mailwarden", |b| b.iter(|| app.mail_checks().send_test(id, None, true).unwrap()));
    g.bench_function("python_smtplib", |b| {
        b.iter(|| {
            writeln!(py_in, "go").unwrap();
            let mut line = String::new();
            py_out.read_line(&mut line).unwrap();
            assert_eq!(line.trim(), "ok");
        })
    });
    g.finish();
    drop(py_in);
    let _ = py.wait();
}

criterion_group!(benches, bench);
criterion_main!(benches);
