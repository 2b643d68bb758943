//! What each route carries, end to end: a message over Microsoft Graph's
//! 4 MB request limit is held (diagnosed, and bounced to its sender when
//! the settings ask) until the mailbox also has an SMTP profile, then goes
//! by SMTP; SMTPUTF8 is offered once an upstream offers it, and refused
//! (553 5.6.7) for a device whose route cannot carry it; two profiles of
//! one mailbox share that mailbox's pace.

use mailwarden_tests::mail_env::MailEnv;
use mailwarden_tests::relay::*;
use mailwarden_tests::text;
use std::process::Command;
use std::time::Duration;

/// Python's smtplib sending `message` to `to` as `user`, with SMTPUTF8 if asked;
/// prints the refusal and exits 1 when refused.
fn send(port: u16, user: &str, password: &str, to: &str, message: &str, utf8: bool) -> std::process::Output {
    let script = format!(
        r#"
import smtplib, sys
password = sys.stdin.readline().strip()
message = sys.stdin.read()
try:
    with smtplib.SMTP("127.0.0.1", {port}, timeout=60) as s:
        s.login("{user}", password)
        s.sendmail("scanner@printer.lan", ["{to}"], message.encode(), mail_options={opts})
except smtplib.SMTPException as e:
    print("refused:", e)
    sys.exit(1)
"#,
        opts = if utf8 { "[\"SMTPUTF8\"]" } else { "[]" }
    );
    let mut c = Command::new("python3");
    c.args(["-c", &script]);
    mailwarden_tests::run_with_stdin(c, Some(&format!("{password}\n{message}")))
}

#[test]
fn a_message_too_large_for_graph_is_held_and_bounced_then_goes_by_smtp() {
    let env = MailEnv::new();
    graph_profile(&env, "ERP graph", "erp@contoso.com");
    let password = add_device_on(&env, "scanner", "ERP graph");
    env.ok(&["settings", "set", "--relay-bounces", "sender"], None);
    let o = env.cmd(&["settings", "set", "--relay-bounces", "not an address"]).output().unwrap();
    assert!(!o.status.success() && text(&o.stderr).contains("not an e-mail address"), "{}", text(&o.stderr));
    let relay = Relay::start(&env);

    // About 3.5 MB: over Graph's 4 MB once base64-encoded.
    let line = format!("{}\r\n", "x".repeat(998));
    let big = format!(
        "From: Scanner <scanner@printer.lan>\r\nTo: erp@contoso.com\r\nSubject: Big scan\r\nMessage-ID: <big-1@printer.lan>\r\n\r\n{}",
        line.repeat(3500)
    );
    let o = send(relay.port, "scanner", &password, "erp@contoso.com", &big, false);
    assert!(o.status.success(), "{}{}", text(&o.stdout), text(&o.stderr));

    // Held with the reason, and the sender told by a DSN sent through the same profile.
    let held = mailwarden_tests::eventually_explained(
        "the big message held",
        Duration::from_secs(30),
        || queue(&env).into_iter().find(|m| !m["state"]["held"].is_null()),
        || format!("{:#?}", queue(&env)),
    );
    assert_eq!(held["state"]["held"]["code"], "relay_graph_too_large", "{held:#}");
    let steps = held["state"]["held"]["steps"].to_string();
    assert!(steps.contains("sends by SMTP"), "{steps}");
    let (_, dsn) = wait_graph_sent(&env, |m| m["message"]["subject"] == "Undelivered: Big scan");
    assert_eq!(dsn["message"]["toRecipients"][0]["emailAddress"]["address"], "scanner@printer.lan");
    assert!(dsn["message"]["contentType"].as_str().unwrap().starts_with("multipart/report"), "{dsn:#}");
    let raw = dsn["raw"].as_str().unwrap();
    assert!(raw.contains("Final-Recipient: rfc822; erp@contoso.com\r\nAction: failed"), "{raw}");
    assert!(raw.contains("relay_graph_too_large") && raw.contains("In-Reply-To: <big-1@printer.lan>"), "{raw}");

    // The mailbox gains an SMTP profile: retried, the message goes by SMTP.
    env.connected("ERP smtp", &[]);
    let id = held["envelope"]["id"].as_str().unwrap();
    env.ok(&["relay", "queue", "retry", id], None);
    let got = env.mail.wait_delivered("erp@contoso.com", "<big-1@printer.lan>");
    assert!(got.len() > 3_400_000, "the whole message: {} bytes", got.len());
    wait_queue_empty(&env);
    relay.stop();
}

#[test]
fn smtputf8_is_offered_when_the_upstream_carries_it_and_refused_where_not() {
    let env = MailEnv::new();
    env.connected("Invent ERP", &[]);
    let password = add_device(&env, "printer-1");
    graph_profile(&env, "Graph out", "noreply@contoso.com");
    let graph_password = add_device_on(&env, "ups-monitor", "Graph out");
    let relay = Relay::start(&env);

    // The relay asks Postfix what it carries as it starts: EHLO offers SMTPUTF8 once it knows.
    mailwarden_tests::until("SMTPUTF8 offered", Duration::from_secs(20), || {
        converse(relay.port, &["EHLO probe.lan", "QUIT"]).iter().any(|r| r.contains("SMTPUTF8"))
    });

    // To an internationalized address (Postfix delivers utf8.test itself).
    let msg = "From: scanner@printer.lan\r\nTo: jörg@utf8.test\r\nSubject: Rapport für Jörg\r\nMessage-ID: <utf8-1@printer.lan>\r\n\r\nGrüße\r\n";
    let o = send(relay.port, "printer-1", &password, "jörg@utf8.test", msg, true);
    assert!(o.status.success(), "{}{}", text(&o.stdout), text(&o.stderr));
    let got = env.mail.wait_delivered("utf8", "<utf8-1@printer.lan>");
    assert!(got.contains("Delivered-To: jörg@utf8.test"), "{got}");
    assert!(got.contains("Subject: Rapport für Jörg"), "{got}");
    // Each hop names the protocol: the relay took it, and handed it on, as SMTPUTF8.
    assert!(got.contains("(Mailwarden relay) with UTF8SMTPA"), "{got}");
    assert!(got.contains("with UTF8SMTPSA"), "Postfix received it with SMTPUTF8:\n{got}");

    // A device routed through Graph: SMTPUTF8 refused at MAIL FROM, with the reason.
    let o = send(relay.port, "ups-monitor", &graph_password, "jörg@utf8.test", msg, true);
    assert!(!o.status.success());
    assert!(text(&o.stdout).contains("553") && text(&o.stdout).contains("5.6.7"), "{}", text(&o.stdout));
    relay.stop();
}

#[test]
fn two_profiles_of_one_mailbox_share_its_pace() {
    let env = MailEnv::new();
    env.connected("ERP one", &[]);
    env.connected("ERP two", &[]);
    env.ok(&["settings", "set", "--relay-per-minute", "2", "--relay-other-per-minute", "2"], None);
    let one = add_device_on(&env, "printer-1", "ERP one");
    let two = add_device_on(&env, "printer-2", "ERP two");
    let relay = Relay::start(&env);
    for (user, password, n) in
        [("printer-1", &one, 1), ("printer-1", &one, 2), ("printer-2", &two, 3), ("printer-2", &two, 4)]
    {
        let o = smtp_as(relay.port, user, password, &format!("<pace-{n}@printer.lan>"));
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
    mailwarden_tests::until("two delivered", Duration::from_secs(20), || delivered_counts(&env, "pace").len() >= 2);
    // Separate pacers would send all four at once (and never wait); one
    // mailbox's pace holds two back for a minute, and says so in the log.
    let log = env.db.dir.path().join("mailwarden.log");
    mailwarden_tests::until("the pace to hold a message", Duration::from_secs(20), || {
        std::fs::read_to_string(&log).is_ok_and(|l| l.contains("the mailbox's pace is reached"))
    });
    assert_eq!(delivered_counts(&env, "pace").len(), 2, "two messages a minute for the mailbox");
    assert_eq!(queue(&env).len(), 2, "the other two wait their turn");
    relay.stop();
}
