//! A certificate profile on every route a secret profile takes: app-only
//! SMTP XOAUTH2 (SMTP.SendAsApp) through the real Postfix, the IMAP inbound
//! check against the real Dovecot, the relay delivering a device's message
//! with a token it signed for itself, and Graph's inbound check — each token
//! asked for with a client assertion the simulator checks as Entra does,
//! and no secret anywhere. Needs root for Postfix (see tests/support/mail.rs).

use mailwarden_tests::mail_env::MailEnv;
use mailwarden_tests::oauth_env::app_of;
use mailwarden_tests::relay::{add_device_on, smtplib, Relay};
use mailwarden_tests::text;

const APP: &str = "0c5b7a3e-2f41-4d6a-9b8c-7e6f5d4c3b2a";

fn assertions(env: &MailEnv) -> usize {
    env.idp.state.lock().unwrap().assertion_ids.len()
}

#[test]
fn smtp_imap_and_the_relay_sign_in_with_the_certificate() {
    let env = MailEnv::new();
    let submission = env.mail.submission.to_string();
    let imaps = env.mail.imaps.to_string();
    let args = [
        "--auth",
        "client-credentials",
        "--client-id",
        APP,
        "--mailbox",
        "erp@contoso.com",
        "--scopes",
        "https://outlook.office365.com/.default",
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        &submission,
        "--imap-host",
        "127.0.0.1",
        "--imap-port",
        &imaps,
        "--imap-security",
        "tls",
        "--create-certificate",
    ];
    env.add_profile("Scanner", &args, None);
    let der = env.public_certificate("Scanner");
    let end = time::OffsetDateTime::now_utc().unix_timestamp() + 365 * 86_400;
    let mut app = app_of(&env).roles(&["SMTP.SendAsApp", "IMAP.AccessAsApp"]).certificate(&der, end);
    app.client_id = APP.into();
    app.secret = None;
    env.idp.register(app);
    // Exchange's service principal with access to the mailbox.
    env.idp.grant_mailbox(APP, "erp@contoso.com");

    let o = env.ok(&["test", "send", "Scanner", "--json", "--verbose"], None);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(r["reply"].as_str().unwrap().starts_with("250"), "{r}");
    assert_eq!(assertions(&env), 1, "the token was asked for with a client assertion");
    assert!(env.mail.log().contains("sasl_method=XOAUTH2, sasl_username=erp@contoso.com"), "{}", env.mail.log());
    let token = text(&env.ok(&["token", "Scanner"], None).stdout).trim().to_owned();
    let msg = env.mail.fetch_over_imap("erp@contoso.com", &token, r["messageId"].as_str().unwrap());
    assert!(msg.contains("Subject: Mailwarden test: Scanner"), "{msg}");

    let o = env.ok(&["test", "imap", "Scanner", "--json"], None);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(r["folders"].as_u64().unwrap() >= 1, "{r}");

    // The relay signs in for itself: the cached token forgotten first.
    env.ok(&["disconnect", "Scanner"], None);
    let password = add_device_on(&env, "scanner-2", "Scanner");
    let relay = Relay::start(&env);
    let o = smtplib(relay.port, "scanner-2", &password, "<scan-cert-1@printer.lan>");
    assert!(o.status.success(), "{}", text(&o.stderr));
    let got = env.mail.wait_delivered("erp@contoso.com", "<scan-cert-1@printer.lan>");
    assert!(got.contains("From: erp@contoso.com"), "{got}");
    relay.stop();
    assert_eq!(assertions(&env), 2, "the relay asked with an assertion of its own");
    assert_eq!(env.idp.state.lock().unwrap().apps[APP].secret, None, "no secret at Microsoft");

    // Nothing private in the database or the log in clear.
    let db = std::fs::read(env.db.path()).unwrap();
    let log = std::fs::read(env.db.dir.path().join("mailwarden.log")).unwrap_or_default();
    for (what, bytes) in [("database", &db), ("log", &log)] {
        assert!(!String::from_utf8_lossy(bytes).contains("PRIVATE KEY"), "a private key in the {what}");
    }
}
