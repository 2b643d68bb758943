//! The relay end to end: `mailwarden relay run` as its own process, devices
//! that no one here wrote (Python's smtplib, swaks, msmtp, a Postfix smart
//! host) submitting to it, delivery through the device's profile (SMTP XOAUTH2
//! to the real Postfix, its token checked by the identity simulator, or Graph
//! sendMail), each message read back from the mailbox by its Message-ID;
//! unauthenticated and wrong-password attempts refused, never relayed;
//! SIGTERM stops it with the queue kept. Faults: relay_faults.rs; the
//! listener's limits and TLS: relay_listener.rs.

use mailwarden_tests::mail_env::MailEnv;
use mailwarden_tests::relay::*;
use mailwarden_tests::text;
use std::process::Command;

#[test]
fn devices_submit_and_the_relay_delivers_through_the_profile() {
    let env = MailEnv::new();
    env.connected("Invent ERP", &[]);
    let password = add_device(&env, "printer-1");
    let relay = Relay::start(&env);

    // Python's smtplib, signed in: the message reaches the mailbox, sent as the profile.
    let o = smtplib(relay.port, "printer-1", &password, "<scan-1@printer.lan>");
    assert!(o.status.success(), "{}", text(&o.stderr));
    let got = env.mail.wait_delivered("erp@contoso.com", "<scan-1@printer.lan>");
    assert!(got.contains("From: erp@contoso.com"), "sent as the profile's mailbox:\n{got}");
    assert!(got.contains("Reply-To: scanner@printer.lan"), "the device's own From kept as Reply-To:\n{got}");
    assert!(got.contains("by ") && got.contains("(Mailwarden relay)"), "a Received line:\n{got}");

    // swaks with AUTH PLAIN, and msmtp with AUTH LOGIN.
    let o = Command::new("swaks")
        .args(["--server", &format!("127.0.0.1:{}", relay.port), "--auth", "PLAIN", "--auth-user", "printer-1"])
        .args(["--auth-password", &password, "--from", "erp@contoso.com", "--to", "erp@contoso.com"])
        .args(["--header", "Message-ID: <swaks-1@printer.lan>", "--header", "Subject: from swaks"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stdout));
    env.mail.wait_delivered("erp@contoso.com", "<swaks-1@printer.lan>");

    // Wrong password and no sign-in: refused, never relayed.
    let o = smtplib(relay.port, "printer-1", "not-the-password", "<bad-1@printer.lan>");
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("535"), "{}", text(&o.stderr));
    let o = Command::new("swaks")
        .args(["--server", &format!("127.0.0.1:{}", relay.port), "--from", "a@b.c", "--to", "erp@contoso.com"])
        .args(["--header", "Message-ID: <anon-1@printer.lan>"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(text(&o.stdout).contains("530 5.7.0 Authentication required"), "{}", text(&o.stdout));

    let log = relay.stop();
    assert!(log.contains("Stopped. Messages left in the queue: 0."), "{log}");
    let status = text(&env.ok(&["relay", "status", "--json"], None).stdout).to_owned();
    let status: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert!(status["running"].is_null(), "stopped: {status:#}");
    assert!(status["profiles"][0]["lastDelivery"]["text"].as_str().unwrap().starts_with("250"), "{status:#}");
    // Whatever the relay handed Postfix has been delivered (or bounced).
    env.mail.settle();
    let all = env.mail.delivered("erp@contoso.com").join("\n");
    assert!(
        !all.contains("<bad-1@printer.lan>") && !all.contains("<anon-1@printer.lan>"),
        "a refused message was relayed"
    );
    // Never the password or a token in the relay's log file.
    let logged = std::fs::read_to_string(env.db.dir.path().join("mailwarden.log")).unwrap_or_default();
    assert!(!logged.contains(&password), "the device password reached the log");
    assert!(logged.contains("relay: delivered"), "{logged}");
}

#[test]
fn msmtp_submits_and_a_graph_profile_delivers_with_sendmail() {
    let env = MailEnv::new();
    // An app-only profile sending through Microsoft Graph (the simulator's).
    graph_profile(&env, "Graph out", "noreply@contoso.com");
    let password = add_device_on(&env, "ups-monitor", "Graph out");
    let relay = Relay::start(&env);

    let conf = env.db.dir.path().join("msmtprc");
    std::fs::write(
        &conf,
        format!(
            "account relay\nhost 127.0.0.1\nport {}\nauth login\nuser ups-monitor\npassword {password}\ntls off\nfrom ups@printer.lan\n",
            relay.port
        ),
    )
    .unwrap();
    std::fs::set_permissions(&conf, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let msg = "From: ups@printer.lan\r\nTo: ops@contoso.com\r\nSubject: UPS on battery\r\nMessage-ID: <ups-1@printer.lan>\r\n\r\nMains power lost.\r\n";
    let mut c = Command::new("msmtp");
    c.args(["-C"]).arg(&conf).args(["-a", "relay", "ops@contoso.com"]);
    let o = mailwarden_tests::run_with_stdin(c, Some(msg));
    assert!(o.status.success(), "{}", text(&o.stderr));
    let sent = wait_graph_sent(&env, |m| m["message"]["subject"] == "UPS on battery");
    assert_eq!(sent.0, "noreply@contoso.com", "sent as the profile's mailbox");
    assert!(sent.1["raw"].as_str().unwrap().contains("From: noreply@contoso.com"), "{sent:?}");
    assert_eq!(sent.1["message"]["toRecipients"][0]["emailAddress"]["address"], "ops@contoso.com");
    relay.stop();
}

#[test]
fn the_relay_sends_with_tokens_that_live_ten_more_minutes() {
    let env = MailEnv::new();
    env.idp.set_access_lifetime(540); // nine minutes: fine for a test, too short for the relay
    env.connected("Invent ERP", &[]);
    let password = add_device(&env, "printer-1");
    let before = env.idp.count("refresh_token");
    env.ok(&["token", "Invent ERP"], None);
    assert_eq!(env.idp.count("refresh_token"), before, "a 9-minute token is served from the cache");
    let relay = Relay::start(&env);
    assert!(smtp_as(relay.port, "printer-1", &password, "<margin-1@printer.lan>").status.success());
    env.mail.wait_delivered("erp@contoso.com", "<margin-1@printer.lan>");
    assert_eq!(env.idp.count("refresh_token"), before + 1, "the relay refreshed first");
    relay.stop();
}

#[test]
fn a_postfix_smart_host_relays_through_mailwarden_with_sasl() {
    let env = MailEnv::new();
    env.connected("Invent ERP", &[]);
    let password = add_device(&env, "branch-postfix");
    let relay = Relay::start(&env);
    // The branch office's Postfix: relayhost = [127.0.0.1]:relay, SASL credentials.
    let branch = mailwarden_tests::smarthost::SmartHost::start(relay.port, "branch-postfix", &password);
    let script = format!(
        r#"
import smtplib
with smtplib.SMTP("127.0.0.1", {}, timeout=20) as s:
    s.sendmail("erp@contoso.com", ["erp@contoso.com"], "From: erp@contoso.com\r\nTo: erp@contoso.com\r\nSubject: via the branch\r\nMessage-ID: <branch-1@printer.lan>\r\n\r\nHello\r\n")
"#,
        branch.port
    );
    let o = Command::new("python3").args(["-c", &script]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    mailwarden_tests::eventually_explained(
        "the branch's message in the mailbox",
        std::time::Duration::from_secs(40),
        || env.mail.delivered("erp@contoso.com").iter().any(|m| m.contains("<branch-1@printer.lan>")).then_some(()),
        || format!("branch Postfix:\n{}", branch.log()),
    );
    assert!(branch.log().contains("status=sent"), "{}", branch.log());
    relay.stop();
}
