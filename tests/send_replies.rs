//! Replies only Microsoft gives, from a scripted SMTP server: a direct `535`
//! to XOAUTH2 (no challenge) is a rejected token; `535 5.7.139` is SMTP AUTH
//! turned off; a token whose audience cannot work is named before sending;
//! and a send without TLS (loopback only) succeeds with a warning.

use mailwarden_tests::fake_smtp::FakeSmtp;
use mailwarden_tests::oauth_env::{Env, CLIENT};
use mailwarden_tests::text;

fn profile(env: &Env, name: &str, port: u16, resource: &str) {
    let port = port.to_string();
    let scopes = format!("{resource}/SMTP.Send offline_access");
    let extra = [
        "--auth",
        "refresh-token",
        "--mailbox",
        "erp@contoso.com",
        "--scopes",
        &scopes,
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        &port,
        "--smtp-security",
        "none",
    ];
    env.add_profile(name, &extra, None);
    let rt = env.idp.mint_refresh_token(CLIENT, &[&format!("{resource}/SMTP.Send"), "offline_access"]);
    env.ok(&["connect", name, "--refresh-token-stdin"], Some(&format!("{rt}\n")));
}

#[test]
fn direct_535_auth_disabled_and_a_wrong_audience_named_before_sending() {
    let env = Env::new();
    env.app(None, true);

    let rejects = FakeSmtp::start("535 5.7.3 Authentication unsuccessful [AM0PR01CA0001.eurprd01.prod.outlook.com]");
    profile(&env, "Direct 535", rejects.port, "https://outlook.office.com");
    let o = env.run(&["test", "send", "Direct 535", "--verbose"], None);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(err.contains("The mail server rejected the access token") && err.contains("5.7.3"), "{err}");
    assert!(err.contains("S: 535 5.7.3"), "the transcript shows the reply: {err}");
    assert!(!err.contains("Before sending"), "an Outlook token raises no audience warning: {err}");

    let disabled = FakeSmtp::start(
        "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.",
    );
    profile(&env, "Auth off", disabled.port, "https://outlook.office.com");
    let o = env.run(&["test", "send", "Auth off"], None);
    assert!(
        text(&o.stderr).contains("SMTP AUTH is turned off") && text(&o.stderr).contains("Set-CASMailbox"),
        "{}",
        text(&o.stderr)
    );

    // A token for another resource: the claims say so before the server does.
    profile(&env, "Wrong audience", rejects.port, &env.idp.base);
    let o = env.run(&["test", "send", "Wrong audience"], None);
    let err = text(&o.stderr);
    assert!(err.contains("Before sending, the token already showed") && err.contains("not Outlook"), "{err}");
}

#[test]
fn a_send_without_tls_to_loopback_succeeds_with_a_warning() {
    let env = Env::new();
    env.app(None, true);
    let accepts = FakeSmtp::start("235 2.7.0 Authentication successful");
    profile(&env, "Plain loopback", accepts.port, "https://outlook.office.com");
    let o = env.ok(&["test", "send", "Plain loopback", "--json"], None);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(r["reply"].as_str().unwrap().starts_with("250 2.6.0"), "{r}");
    let warnings = r["warnings"].to_string();
    assert!(warnings.contains("Sent without TLS") && warnings.contains("127.0.0.1"), "{warnings}");
    let transcript = r["transcript"].to_string();
    assert!(transcript.contains("S: 235 2.7.0") && !transcript.contains("TLS handshake"), "{transcript}");
}

#[test]
fn basic_auth_switched_off_and_smtp_auth_off_for_a_mailbox_are_told_apart() {
    let env = Env::new();
    env.app(None, true);
    let basic = FakeSmtp::start("535 5.7.139 Authentication unsuccessful, basic authentication is disabled. [BN9PR03CA0001.namprd03.prod.outlook.com]");
    profile(&env, "Basic off", basic.port, "https://outlook.office.com");
    let err = text(&env.run(&["test", "send", "Basic off"], None).stderr);
    assert!(err.contains("no longer accepts passwords") && err.contains("SMTP.Send"), "{err}");
    assert!(!err.contains("Set-CASMailbox"), "not the mailbox setting: {err}");

    let mailbox = FakeSmtp::start(
        "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information.",
    );
    profile(&env, "Mailbox off", mailbox.port, "https://outlook.office.com");
    let err = text(&env.run(&["test", "send", "Mailbox off"], None).stderr);
    assert!(err.contains("turned off for this mailbox") && err.contains("Set-CASMailbox"), "{err}");
}

/// A "server" that answers with one endless line (anyone on the path can,
/// before STARTTLS): the test ends with a diagnosis, not an abort.
#[test]
fn an_endless_greeting_is_a_diagnosis_not_an_abort() {
    use std::io::Write;
    let env = Env::new();
    env.app(None, true);
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut s in l.incoming().flatten() {
            std::thread::spawn(move || {
                let _ = s.write_all(b"220 ");
                let chunk = [b'x'; 65536];
                while s.write_all(&chunk).is_ok() {}
            });
        }
    });
    profile(&env, "Flood", port, "https://outlook.office.com");
    let o = env.run(&["test", "send", "Flood"], None);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(err.contains("sent an answer no mail server sends") && err.contains("longer than 64 KB"), "{err}");
}
