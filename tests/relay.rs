//! The relay end to end: `mailwarden relay run` as its own process, devices
//! that no one here wrote (Python's smtplib, swaks, msmtp) submitting to it,
//! delivery through the device's profile (SMTP XOAUTH2 to the real Postfix,
//! its token checked by the identity simulator), each message read back from
//! the mailbox by its Message-ID; unauthenticated and wrong-password
//! attempts refused, never relayed; SIGTERM stops it with the queue kept.

use mailwarden_tests::mail::free_port;
use mailwarden_tests::mail_env::MailEnv;
use mailwarden_tests::text;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

struct Relay {
    child: Child,
    port: u16,
}

impl Relay {
    /// Start `relay run` and wait until it says it listens.
    fn start(env: &MailEnv) -> Relay {
        let port = free_port();
        let mut child = env
            .cmd(&["relay", "run", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        while !line.starts_with("Relay listening on") {
            line.clear();
            assert!(out.read_line(&mut line).unwrap() > 0, "the relay ended before listening");
        }
        std::thread::spawn(move || for _ in out.lines() {});
        Relay { child, port }
    }

    /// SIGTERM: it finishes and exits 0.
    fn stop(mut self) -> String {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let status = self.child.wait().unwrap();
        let mut err = String::new();
        std::io::Read::read_to_string(self.child.stderr.as_mut().unwrap(), &mut err).unwrap();
        assert!(status.success(), "relay exit: {status:?}\n{err}");
        err
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn add_device(env: &MailEnv, name: &str) -> String {
    let o = env.ok(&["relay", "device", "add", name, "--profile", "Invent ERP"], None);
    let out = text(&o.stdout);
    out.lines().find_map(|l| l.strip_prefix("Relay password:")).expect("the password is printed once").trim().to_owned()
}

/// Python's smtplib: LOGIN over the loopback connection, one message.
fn smtplib(port: u16, user: &str, password: &str, msg_id: &str) -> std::process::Output {
    let script = format!(
        r#"
import smtplib, sys
from email.message import EmailMessage
m = EmailMessage()
m["From"] = "scanner@printer.lan"
m["To"] = "erp@contoso.com"
m["Subject"] = "Scan from the printer"
m["Message-ID"] = "{msg_id}"
m.set_content("A scanned page.")
with smtplib.SMTP("127.0.0.1", {port}, timeout=20) as s:
    s.ehlo("printer.lan")
    s.login("{user}", sys.stdin.readline().strip())
    s.send_message(m)
"#
    );
    let mut c = Command::new("python3");
    c.args(["-c", &script]);
    mailwarden_tests::run_with_stdin(c, Some(&format!("{password}\n")))
}

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
    assert!(log.contains("Stopped; 0 message(s) stay in the queue"), "{log}");
    std::thread::sleep(std::time::Duration::from_millis(300));
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
