//! Test sends through real Postfix and Dovecot on loopback: the app's SMTP path
//! (XOAUTH2 with a token from the identity-provider simulator, or PLAIN),
//! delivered into Dovecot's mailboxes and read back over IMAP. Needs root for Postfix (make test runs as
//! root on CI; see tests/support/mail.rs).

use mailwarden_tests::mail_env::MailEnv as Env;
use mailwarden_tests::text;

#[test]
fn xoauth2_over_starttls_is_delivered() {
    let env = Env::new();
    env.connected("Invent ERP", &[]);
    let o = env.ok(&["test", "send", "Invent ERP", "--json"], None);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let id = r["messageId"].as_str().unwrap();
    assert!(r["reply"].as_str().unwrap().starts_with("250"), "{r}");
    let token = text(&env.ok(&["token", "Invent ERP"], None).stdout).trim().to_owned();
    let msg = env.mail.fetch_over_imap("erp@contoso.com", &token, id);
    assert!(msg.contains("Subject: Mailwarden test: Invent ERP"), "{msg}");

    // The result is kept; a second send within 10 s is held back unless forced.
    let v: serde_json::Value =
        serde_json::from_slice(&env.ok(&["profile", "show", "Invent ERP", "--json"], None).stdout).unwrap();
    assert_eq!(v["lastTest"]["kind"], "send");
    assert_eq!(v["lastTest"]["ok"], true);
    assert!(v["lastTest"]["summary"].as_str().unwrap().starts_with("Sent to erp@contoso.com at "), "{v}");
    let again = env.run(&["test", "send", "Invent ERP"], None);
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again.stderr).contains("wait"), "{}", text(&again.stderr));
    let o = env.ok(&["test", "send", "Invent ERP", "--force", "--verbose"], None);
    let transcript = text(&o.stdout);
    for step in [
        "C: STARTTLS",
        "C: AUTH XOAUTH2 [user=erp@contoso.com, token redacted]",
        "S: 235",
        "C: MAIL FROM:<erp@contoso.com>",
        "S: 250",
        "C: DATA",
        "S: 354",
    ] {
        assert!(transcript.contains(step), "missing {step}:\n{transcript}");
    }
    assert!(!transcript.contains(&token), "the token is redacted");

    // The steps in flight, as the GUI shows them.
    use mailwarden_engine::TestStep::*;
    std::env::set_var("MAILWARDEN_CA_FILE", &env.idp.ca.ca_file);
    let core = env.core();
    let pid = core.profiles().resolve("Invent ERP").unwrap().profile.id;
    let mut steps = Vec::new();
    core.mail_checks().send_test_observed(pid, None, true, &mut |s| steps.push(s), None).unwrap();
    assert_eq!(steps, [Token, Connect, Tls, Auth, Send]);
    assert!(env.mail.log().contains("sasl_method=XOAUTH2, sasl_username=erp@contoso.com"), "{}", env.mail.log());
}

#[test]
fn password_over_implicit_tls_is_delivered() {
    let env = Env::new();
    let port = env.mail.smtps.to_string();
    env.ok(
        &[
            "profile",
            "add",
            "--name",
            "Legacy",
            "--provider",
            "custom",
            "--auth",
            "basic",
            "--mailbox",
            "basic@contoso.com",
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            &port,
            "--smtp-security",
            "tls",
            "--password-stdin",
        ],
        Some("Basic-Pa55word\n"),
    );
    // The sender map lets basic@ send as itself only.
    let o = env.run(&["test", "send", "Legacy", "--to", "erp@contoso.com", "--json"], None);
    assert!(o.status.success(), "{}\n{}", text(&o.stderr), env.mail.log());
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    env.mail.wait_delivered("erp@contoso.com", r["messageId"].as_str().unwrap());
}

#[test]
fn a_rejected_token_is_reported_with_the_servers_challenge_decoded() {
    let env = Env::new();
    env.connected("Rejected", &[]);
    env.idp.state.lock().unwrap().introspection_rejects = true;
    let o = env.run(&["test", "send", "Rejected", "--verbose"], None);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(err.contains("The mail server rejected the access token"), "{err}\n{}", env.mail.log());
    assert!(err.contains("535"), "the final reply is shown: {err}");
    assert!(err.contains("the server's challenge: status"), "the 334 challenge is decoded: {err}");
    assert!(
        err.contains("S: 334 [decoded:") && err.contains("(empty response"),
        "the transcript shows the challenge: {err}"
    );
    assert!(env.mail.delivered("erp@contoso.com").is_empty());
}

#[test]
fn from_not_allowed_wrong_mailbox_server_down_untrusted_cert_and_a_3kb_token() {
    let env = Env::new();

    // From differs from what the account may send as.
    env.connected("Spoof", &["--from", "ceo@contoso.com"]);
    let o = env.run(&["test", "send", "Spoof", "--to", "erp@contoso.com"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("The From address is not allowed"), "{}", text(&o.stderr));
    let v: serde_json::Value =
        serde_json::from_slice(&env.ok(&["profile", "show", "Spoof", "--json"], None).stdout).unwrap();
    assert_eq!(
        (v["lastTest"]["ok"].as_bool(), v["lastTest"]["code"].as_str()),
        (Some(false), Some("smtp_send_as_denied"))
    );

    // The token's account (erp@) is not the profile's mailbox.
    env.connected("Other box", &["--mailbox", "other@contoso.com"]);
    let o = env.run(&["test", "send", "Other box", "--to", "erp@contoso.com"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("rejected the access token"), "{}", text(&o.stderr));

    // Nothing listens on the port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port().to_string();
    env.connected("Down", &["--smtp-port", &closed]);
    let o = env.run(&["test", "send", "Down"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("Could not reach") || text(&o.stderr).contains("refused"), "{}", text(&o.stderr));

    // The server's certificate is not trusted (no extra CA): the token comes from
    // the cache, the TLS handshake fails.
    env.connected("Untrusted", &[]);
    env.ok(&["token", "Untrusted"], None);
    let o = env.db.cli().args(["test", "send", "Untrusted"]).env_remove("MAILWARDEN_CA_FILE").output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("secure connection"), "{}", text(&o.stderr));

    // A realistic 3 KB token goes through (Postfix line_length_limit).
    env.idp.state.lock().unwrap().token_padding = 2600;
    env.connected("Big token", &[]);
    let token = text(&env.ok(&["token", "Big token"], None).stdout);
    assert!(token.trim().len() > 3000, "token is {} bytes", token.trim().len());
    let o = env.ok(&["test", "send", "Big token", "--json"], None);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    env.mail.wait_delivered("erp@contoso.com", r["messageId"].as_str().unwrap());
}

#[test]
fn imap_check_over_tls_and_starttls_and_a_rejected_token() {
    let env = Env::new();
    let imaps = env.mail.imaps.to_string();
    let imap = env.mail.imap.to_string();
    env.connected("Inbound TLS", &["--imap-host", "127.0.0.1", "--imap-port", &imaps, "--imap-security", "tls"]);
    let o = env.ok(&["test", "imap", "Inbound TLS", "--json"], None);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(r["folders"].as_u64().unwrap() >= 1, "{r}");

    env.connected(
        "Inbound STARTTLS",
        &["--imap-host", "127.0.0.1", "--imap-port", &imap, "--imap-security", "starttls"],
    );
    let o = env.ok(&["test", "imap", "Inbound STARTTLS", "--verbose"], None);
    assert!(env.mail.log().contains("method=XOAUTH2"), "{}", env.mail.log());
    let transcript = text(&o.stdout);
    for step in [
        "C: m0 STARTTLS",
        "S: m0 OK",
        "* TLS handshake, certificate checked",
        "AUTHENTICATE XOAUTH2",
        "C: [SASL response: credentials redacted]",
        "S: * LIST",
        "listed",
    ] {
        assert!(transcript.contains(step), "missing {step}:\n{transcript}");
    }
    let token = text(&env.ok(&["token", "Inbound STARTTLS"], None).stdout).trim().to_owned();
    assert!(!transcript.contains(&token) && !transcript.contains("auth=Bearer"), "{transcript}");

    env.idp.state.lock().unwrap().introspection_rejects = true;
    let o = env.run(&["test", "imap", "Inbound TLS", "--verbose"], None);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(err.contains("The IMAP server refused the sign-in"), "{err}");
    assert!(
        err.contains("NO [AUTHENTICATIONFAILED]") || err.contains(" NO "),
        "the transcript shows the refusal: {err}"
    );
}

/// The transport sends any message it is handed — the relay's path: the
/// envelope as given (two recipients), the bytes as they are (a line
/// starting with a dot, UTF-8), through the profile's route.
#[test]
fn the_transport_sends_any_message_as_handed() {
    use mailwarden_services::mail::{net::Limits, Outgoing};
    let env = Env::new();
    env.connected("Relay route", &[]);
    std::env::set_var("MAILWARDEN_CA_FILE", &env.idp.ca.ca_file);
    let core = env.core();
    let p = core.profiles().resolve("Relay route").unwrap().profile;
    let id = format!("<printer-{}@scanner.contoso.com>", std::process::id());
    let message = format!(
        "From: Scanner <erp@contoso.com>\r\nTo: erp@contoso.com, basic@contoso.com\r\nSubject: Scan from the 2nd floor \u{2013} r\u{e9}sum\u{e9}\r\nMessage-ID: {id}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nPage 1 of 1.\r\n.a line that starts with a dot\r\nEnd.\r\n"
    );
    let to = ["erp@contoso.com".to_owned(), "basic@contoso.com".to_owned()];
    let out = Outgoing { from: "erp@contoso.com", to: &to, message: message.as_bytes(), smtputf8: false };
    let d = core.transport().send(&p, &out, &mut |_| {}, Limits::test(None)).unwrap();
    assert!(d.reply.starts_with("250"), "{}", d.reply);
    let token = text(&env.ok(&["token", "Relay route"], None).stdout).trim().to_owned();
    let got = env.mail.fetch_over_imap("erp@contoso.com", &token, &id);
    assert!(got.contains(".a line that starts with a dot"), "dot-stuffing undone by the server: {got}");
    assert!(got.contains("r\u{e9}sum\u{e9}") || got.contains("Subject: Scan from"), "{got}");
    let log = env.mail.log();
    assert!(log.contains("to=<basic@contoso.com>"), "both envelope recipients delivered: {log}");
}
