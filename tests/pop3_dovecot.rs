//! The relay's POP3 front carried to a real POP3 server: a profile that
//! reads over POP3 (Dovecot's, OAuth by introspection at the simulator), a
//! device fetching through `mailwarden relay run --pop3-listen` with its
//! relay password, and Mailwarden signing in upstream with `AUTH XOAUTH2`.
//! Python's poplib, fetchmail and getmail6; POP3S and STLS upstream; DELE
//! applied upstream at QUIT; a rejected token named to the program, in
//! `relay status` and by `check`.

use mailwarden_tests::clients::{fetchmail, getmail};
use mailwarden_tests::mail::free_port;
use mailwarden_tests::mail_env::MailEnv;
use mailwarden_tests::relay::*;
use mailwarden_tests::text;
use std::process::Command;

const MAILBOX: &str = "erp@contoso.com";

fn poplib(port: u16, user: &str, password: &str, script: &str) -> std::process::Output {
    let code = format!(
        "import poplib, sys\np = poplib.POP3('127.0.0.1', {port}, timeout=30)\np.user('{user}')\np.pass_(sys.stdin.readline().strip())\n{script}"
    );
    let mut c = Command::new("python3");
    c.args(["-c", &code]);
    mailwarden_tests::run_with_stdin(c, Some(&format!("{password}\n")))
}

/// The messages in the maildir (delivered and seen).
fn count(env: &MailEnv) -> usize {
    let root = env.mail.path().join("mail").join(MAILBOX);
    ["new", "cur"].iter().map(|d| std::fs::read_dir(root.join(d)).map_or(0, |e| e.count())).sum()
}

#[test]
fn poplib_fetchmail_and_getmail_read_dovecot_pop3_through_the_relay() {
    let env = MailEnv::new();
    let (pop3s, pop3) = (env.mail.pop3s.to_string(), env.mail.pop3.to_string());
    env.connected("Inbox", &["--pop3-host", "127.0.0.1", "--pop3-port", &pop3s, "--pop3-security", "tls"]);
    for n in 1..=3 {
        let mime = format!("From: c{n}@example.com\r\nSubject: Ticket {n}\r\n\r\nBody {n}\r\n.line with a dot\r\n");
        env.mail.deliver_maildir(MAILBOX, mime.as_bytes());
    }
    let port = free_port();
    env.ok(&["settings", "set", "--relay-pop3-listen", &format!("127.0.0.1:{port}")], None);
    let o = env.ok(&["relay", "device", "add", "helpdesk", "--profile", "Inbox", "--pop3"], None);
    let out = text(&o.stdout);
    let password = out.lines().find_map(|l| l.strip_prefix("Relay password:")).unwrap().trim().to_owned();
    assert!(out.contains(&format!("Incoming mail (POP3): server 127.0.0.1  port {port}")), "{out}");
    let relay = Relay::start(&env);

    // poplib: the listing by the server's UIDLs, a message, DELE at QUIT.
    let o = poplib(
        port,
        "helpdesk",
        &password,
        "print(p.stat())\nprint(p.uidl()[1])\nprint(b'\\n'.join(p.retr(2)[1]).decode())\np.dele(1)\np.quit()",
    );
    assert!(o.status.success(), "{}{}", text(&o.stdout), text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.starts_with("(3, "), "{out}");
    assert!(out.contains("Subject: Ticket 2") && out.contains("\n.line with a dot"), "{out}");
    assert_eq!(count(&env), 2, "DELE applied upstream at QUIT");
    assert!(
        env.mail.log().contains("pop3-login: Info: Login: user=<erp@contoso.com>, method=XOAUTH2"),
        "{}",
        env.mail.log()
    );

    // fetchmail keeps, getmail6 reads all and deletes.
    let dir = env.db.dir.path();
    let fetched = fetchmail(dir, "POP3", port, "helpdesk", &password, true);
    assert!(fetched.contains("Subject: Ticket 2") && fetched.contains("Subject: Ticket 3"), "{fetched}");
    assert_eq!(count(&env), 2, "kept");
    let got = getmail(dir, "SimplePOP3Retriever", "", port, "helpdesk", &password, "read_all = true\ndelete = true");
    assert_eq!(got.matches("Subject: Ticket").count(), 2);
    assert_eq!(count(&env), 0, "getmail deleted what it read");

    // STLS upstream.
    env.ok(&["profile", "edit", "Inbox", "--pop3-port", &pop3, "--pop3-security", "starttls"], None);
    env.mail.deliver_maildir(MAILBOX, b"Subject: Over STLS\r\n\r\nhi\r\n");
    let o = poplib(port, "helpdesk", &password, "print(p.stat()[0])\np.quit()");
    assert_eq!(text(&o.stdout).trim(), "1", "{}", text(&o.stderr));

    // A rejected token: named to the program, in relay status, by check.
    env.idp.state.lock().unwrap().introspection_rejects = true;
    let o = poplib(port, "helpdesk", &password, "print(p.stat())");
    assert!(text(&o.stderr).contains("The POP3 server refused the sign-in"), "{}", text(&o.stderr));
    let o = env.run(&["check"], None);
    assert!(text(&o.stdout).contains("Relay device “helpdesk” cannot fetch its mailbox"), "{}", text(&o.stdout));
    env.idp.state.lock().unwrap().introspection_rejects = false;
    assert!(poplib(port, "helpdesk", &password, "p.stat()\np.quit()").status.success());

    relay.stop();
    let log = std::fs::read_to_string(env.db.dir.path().join("mailwarden.log")).unwrap_or_default();
    assert!(!log.contains(&password), "the device password reached the log");
}

/// The relay killed (kill -9) after the program marked a message deleted
/// but before its QUIT: nothing is deleted upstream (the upstream POP3
/// session never reached its own QUIT), and the next session sees it all.
#[test]
fn a_relay_killed_mid_fetch_deletes_nothing_upstream() {
    let env = MailEnv::new();
    let pop3s = env.mail.pop3s.to_string();
    env.connected("Inbox", &["--pop3-host", "127.0.0.1", "--pop3-port", &pop3s, "--pop3-security", "tls"]);
    for n in 1..=2 {
        env.mail.deliver_maildir(MAILBOX, format!("Subject: Ticket {n}\r\n\r\nBody {n}\r\n").as_bytes());
    }
    let port = free_port();
    let o = env.ok(&["relay", "device", "add", "helpdesk", "--profile", "Inbox", "--pop3"], None);
    let password = text(&o.stdout).lines().find_map(|l| l.strip_prefix("Relay password:")).unwrap().trim().to_owned();
    let mut relay = Relay::start_with(&env, &["--pop3-listen", &format!("127.0.0.1:{port}")]);
    let mut child = pop3_marks_then_waits(port, "helpdesk", &password);
    relay.child.kill().unwrap();
    relay.child.wait().unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), b"go\n").unwrap();
    assert!(!child.wait().unwrap().success(), "the program saw its session end without QUIT's +OK");
    assert_eq!(count(&env), 2, "nothing deleted upstream");
    let relay = Relay::start_with(&env, &["--pop3-listen", &format!("127.0.0.1:{port}")]);
    let o = poplib(port, "helpdesk", &password, "print(p.stat()[0])\np.quit()");
    assert_eq!(text(&o.stdout).trim(), "2", "{}", text(&o.stderr));
    relay.stop();
}
