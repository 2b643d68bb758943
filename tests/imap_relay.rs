//! The relay's IMAP front against the real Dovecot (OAuth by introspection
//! at the simulator), with clients no one here wrote: Python's imaplib,
//! fetchmail and getmail6 sign in with the device's relay password through
//! `mailwarden relay run --imap-listen`, and Mailwarden signs in upstream
//! with `AUTHENTICATE XOAUTH2`. The capabilities they see are the front's;
//! a wrong password, an unknown device and a device that may only send are
//! refused; a revoked grant is named to the app, in `relay status` and by
//! `check`; and a session outlives its token: it moves to a new upstream
//! connection mid-IDLE without the app noticing.

use mailwarden_tests::clients::{fetchmail, getmail};
use mailwarden_tests::mail::free_port;
use mailwarden_tests::mail_env::MailEnv;
use mailwarden_tests::relay::*;
use mailwarden_tests::{eventually_explained, text};
use std::process::Command;
use std::time::Duration;

const MAILBOX: &str = "erp@contoso.com";

/// A profile "Inbox" reading erp@contoso.com over Dovecot's IMAPS, three
/// messages there, a device "helpdesk" that may read it over IMAP, and the
/// relay with an IMAP listener; the port and the device's password.
fn setup(env: &MailEnv) -> (Relay, u16, String) {
    let imaps = env.mail.imaps.to_string();
    env.connected("Inbox", &["--imap-host", "127.0.0.1", "--imap-port", &imaps, "--imap-security", "tls"]);
    for n in 1..=3 {
        let mime = format!(
            "From: customer{n}@example.com\r\nTo: {MAILBOX}\r\nSubject: Ticket {n}\r\nMessage-ID: <ticket-{n}@example.com>\r\n\r\nBody {n}\r\n"
        );
        env.mail.deliver_maildir(MAILBOX, mime.as_bytes());
    }
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    env.ok(&["settings", "set", "--relay-imap-listen", &listen], None);
    let o = env.ok(&["relay", "device", "add", "helpdesk", "--profile", "Inbox", "--imap"], None);
    let out = text(&o.stdout);
    let password = out.lines().find_map(|l| l.strip_prefix("Relay password:")).unwrap().trim().to_owned();
    let want = format!("Incoming mail (IMAP): server 127.0.0.1  port {port}  security None  user helpdesk");
    assert!(out.contains(&want), "{out}");
    (Relay::start(env), port, password)
}

/// Python's imaplib signed in as `user` (the password on stdin), then `script`.
fn imaplib(port: u16, user: &str, password: &str, script: &str) -> std::process::Output {
    let code = format!(
        "import imaplib, sys\nm = imaplib.IMAP4('127.0.0.1', {port}, timeout=30)\nm.login('{user}', sys.stdin.readline().strip())\n{script}"
    );
    let mut c = Command::new("python3");
    c.args(["-c", &code]);
    mailwarden_tests::run_with_stdin(c, Some(&format!("{password}\n")))
}

#[test]
fn imaplib_fetchmail_and_getmail_read_dovecot_through_the_relay() {
    let env = MailEnv::new();
    let (relay, port, password) = setup(&env);

    // imaplib: the front's capabilities, the mailbox, a message, a deletion.
    let o = imaplib(
        port,
        "helpdesk",
        &password,
        "print(m.capabilities)\nprint(m.capability())\nprint(m.select('INBOX'))\n\
         typ, data = m.fetch('2', '(BODY.PEEK[])')\nprint(data[0][1].decode())\n\
         m.store('1', '+FLAGS', '\\\\Deleted')\nprint(m.expunge())\nm.logout()",
    );
    assert!(o.status.success(), "{}{}", text(&o.stdout), text(&o.stderr));
    let out = text(&o.stdout);
    let caps = out.lines().nth(1).unwrap();
    assert!(caps.contains("IDLE") && caps.contains("IMAP4rev1"), "{out}");
    for hidden in ["AUTH=", "SASL-IR", "STARTTLS", "LOGINDISABLED", "COMPRESS"] {
        assert!(!caps.contains(hidden), "{hidden} is the front's own: {out}");
    }
    assert!(out.contains("('OK', [b'3'])"), "three messages: {out}");
    assert!(out.contains("Subject: Ticket 2") && out.contains("Body 2"), "{out}");
    assert!(out.contains("('OK', [b'1'])"), "message 1 expunged: {out}");
    assert!(env.mail.log().contains("method=XOAUTH2"), "signed in upstream with the token: {}", env.mail.log());

    // fetchmail over IMAP, keeping what it reads.
    let dir = env.db.dir.path();
    let fetched = fetchmail(dir, "IMAP", port, "helpdesk", &password, true);
    assert!(fetched.contains("Subject: Ticket 2") && fetched.contains("Subject: Ticket 3"), "{fetched}");
    assert!(!fetched.contains("Subject: Ticket 1"), "expunged before: {fetched}");

    // getmail6 over IMAP reads what it has not seen (all three) and deletes it.
    env.mail.deliver_maildir(MAILBOX, b"Subject: Ticket 4\r\n\r\nBody 4\r\n");
    let got = getmail(
        dir,
        "SimpleIMAPRetriever",
        "mailboxes = (\"INBOX\",)\n",
        port,
        "helpdesk",
        &password,
        "read_all = false\ndelete = true",
    );
    assert_eq!(got.matches("Subject: Ticket").count(), 3, "{got}");
    assert!(got.contains("Subject: Ticket 4"), "{got}");
    let o = imaplib(port, "helpdesk", &password, "print(m.select('INBOX'))\nm.logout()");
    assert!(text(&o.stdout).contains("('OK', [b'0'])"), "getmail deleted what it read: {}", text(&o.stdout));

    // relay status says who read the mailbox, and over what.
    let st: serde_json::Value = serde_json::from_slice(&env.ok(&["relay", "status", "--json"], None).stdout).unwrap();
    let inbound = &st["profiles"][0]["inbound"];
    assert_eq!((inbound["device"].as_str(), inbound["protocol"].as_str()), (Some("helpdesk"), Some("IMAP")), "{st:#}");

    // Refusals: a wrong password, an unknown device, a device that may only send.
    let o = imaplib(port, "helpdesk", "wrong", "print(m.select())");
    assert!(text(&o.stderr).contains("AUTHENTICATIONFAILED"), "{}", text(&o.stderr));
    let o = imaplib(port, "nobody-here", &password, "print(m.select())");
    assert!(text(&o.stderr).contains("AUTHENTICATIONFAILED"), "an unknown device: {}", text(&o.stderr));
    let sender = add_device_on(&env, "printer", "Inbox");
    let o = imaplib(port, "printer", &sender, "print(m.select())");
    assert!(text(&o.stderr).contains("[NOPERM] Device printer may not read mail over IMAP"), "{}", text(&o.stderr));

    // The grant revoked: the app is told why, the watch names it, check warns.
    env.idp.state.lock().unwrap().introspection_rejects = true;
    let o = imaplib(port, "helpdesk", &password, "print(m.select())");
    let err = text(&o.stderr);
    assert!(
        err.contains("[UNAVAILABLE] The mail server refused Mailwarden: The IMAP server refused the sign-in"),
        "{err}"
    );
    let o = env.run(&["check"], None);
    assert_eq!(o.status.code(), Some(1), "a warning: {}", text(&o.stdout));
    assert!(text(&o.stdout).contains("Relay device “helpdesk” cannot fetch its mailbox"), "{}", text(&o.stdout));
    let status = text(&env.ok(&["relay", "status"], None).stdout).to_owned();
    assert!(status.contains("fetch failing") && status.contains("refused the sign-in"), "{status}");
    env.idp.state.lock().unwrap().introspection_rejects = false;
    assert!(imaplib(port, "helpdesk", &password, "m.select()\nm.logout()").status.success());
    assert!(!text(&env.run(&["check"], None).stdout).contains("cannot fetch its mailbox"));

    let log = relay.stop();
    let file_log = std::fs::read_to_string(env.db.dir.path().join("mailwarden.log")).unwrap_or_default();
    let token = text(&env.ok(&["token", "Inbox"], None).stdout).trim().to_owned();
    for (what, secret) in [("device password", password.as_str()), ("token", token.as_str())] {
        assert!(!log.contains(secret) && !file_log.contains(secret), "the {what} reached the log");
    }
}

#[test]
fn a_session_outlives_its_token_moving_upstream_mid_idle() {
    let env = MailEnv::new();
    // Tokens live 20 seconds: the front moves the session at 15.
    env.idp.state.lock().unwrap().access_lifetime = 20;
    let (relay, port, password) = setup(&env);
    let logins = || env.mail.log().matches("imap-login: Info: Login: user=<erp@contoso.com>").count();
    let before = logins();
    // The app selects the inbox and IDLEs; it reads every line it is sent.
    let script = format!(
        "import socket, sys\n\
         s = socket.create_connection(('127.0.0.1', {port}), timeout=90)\n\
         f = s.makefile('rb')\n\
         def line():\n    l = f.readline().decode()\n    print('S: ' + l.strip(), flush=True)\n    return l\n\
         def upto(tag):\n    while not line().startswith(tag): pass\n\
         line()\n\
         s.sendall(b'a1 LOGIN helpdesk ' + sys.stdin.readline().strip().encode() + b'\\r\\n'); upto('a1 ')\n\
         s.sendall(b'a2 SELECT INBOX\\r\\n'); upto('a2 ')\n\
         s.sendall(b'a3 IDLE\\r\\n'); upto('+')\n\
         print('idling', flush=True)\n\
         while 'EXISTS' not in line(): pass\n\
         s.sendall(b'DONE\\r\\n'); upto('a3 ')\n\
         s.sendall(b'a4 FETCH 4 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])\\r\\n'); upto('a4 ')\n\
         s.sendall(b'a5 LOGOUT\\r\\n'); upto('a5 ')\n"
    );
    let mut child = Command::new("python3")
        .args(["-c", &script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), format!("{password}\n").as_bytes()).unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut seen = String::new();
    while !seen.ends_with("idling\n") {
        assert!(std::io::BufRead::read_line(&mut out, &mut seen).unwrap() > 0, "{seen}");
    }
    // The token runs out: a second upstream sign-in, the first logged out.
    eventually_explained(
        "the session to move to a new connection",
        Duration::from_secs(60),
        || (logins() >= before + 2).then_some(()),
        || env.mail.log(),
    );
    // New mail reaches the app over the new connection, mid-IDLE.
    env.mail.deliver_maildir(MAILBOX, b"Subject: After the hour\r\n\r\nstill here\r\n");
    let status = child.wait().unwrap();
    std::io::Read::read_to_string(&mut out, &mut seen).unwrap();
    assert!(status.success(), "{seen}");
    assert!(seen.contains("S: * 4 EXISTS"), "{seen}");
    assert!(seen.contains("S: a3 OK"), "the IDLE ended on the new connection: {seen}");
    assert!(seen.contains("Subject: After the hour") && seen.contains("S: a4 OK"), "still selected: {seen}");
    assert!(!seen.contains("* BYE") || seen.matches("* BYE").count() == 1, "one BYE, at LOGOUT: {seen}");
    relay.stop();
    let log = std::fs::read_to_string(env.db.dir.path().join("mailwarden.log")).unwrap_or_default();
    assert!(log.contains("the session moved to a connection with a fresh token"), "{log}");
}

/// IMAP over TLS, as a LAN device needs it: STARTTLS on the IMAP port and
/// implicit TLS (IMAPS) on its own, the relay's generated certificate
/// checked by the client; a 6 MB message crosses both TLS hops intact.
#[test]
fn starttls_and_implicit_tls_carry_a_large_message_intact() {
    use sha2::{Digest, Sha256};
    let env = MailEnv::new();
    let imaps = env.mail.imaps.to_string();
    env.connected("Inbox", &["--imap-host", "127.0.0.1", "--imap-port", &imaps, "--imap-security", "tls"]);
    let mut big = b"Subject: Scan\r\nContent-Type: text/plain\r\n\r\n".to_vec();
    let mut n = 0u64;
    while big.len() < 6 * 1024 * 1024 {
        n = n.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        big.extend_from_slice(format!("{n:016x}{n:032x}{:x}\r\n", n >> 7).as_bytes());
    }
    env.mail.deliver_maildir(MAILBOX, &big);
    let want = format!("{:x}", Sha256::digest(&big));
    let o = env.ok(&["relay", "device", "add", "helpdesk", "--profile", "Inbox", "--imap"], None);
    let password = text(&o.stdout).lines().find_map(|l| l.strip_prefix("Relay password:")).unwrap().trim().to_owned();
    let (plain, tls) = (free_port(), free_port());
    let relay = Relay::start_with(
        &env,
        &["--imap-listen", &format!("127.0.0.1:{plain}"), "--imap-tls-listen", &format!("127.0.0.1:{tls}")],
    );
    let cert = env.db.dir.path().join("relay-cert.pem");
    let script = format!(
        "import imaplib, ssl, sys, hashlib\n\
         ctx = ssl.create_default_context(cafile='{cert}')\n\
         ctx.check_hostname = False\n\
         pw = sys.stdin.readline().strip()\n\
         m = imaplib.IMAP4('127.0.0.1', {plain}, timeout=60)\n\
         assert 'STARTTLS' in m.capabilities and 'LOGINDISABLED' not in m.capabilities, m.capabilities\n\
         m.starttls(ssl_context=ctx)\n\
         assert 'STARTTLS' not in m.capabilities, m.capabilities\n\
         m.login('helpdesk', pw); m.select('INBOX')\n\
         print('starttls', hashlib.sha256(m.fetch('1', '(BODY.PEEK[])')[1][0][1]).hexdigest())\n\
         m.logout()\n\
         s = imaplib.IMAP4_SSL('127.0.0.1', {tls}, ssl_context=ctx, timeout=60)\n\
         s.login('helpdesk', pw); s.select('INBOX')\n\
         print('imaps', hashlib.sha256(s.fetch('1', '(BODY.PEEK[])')[1][0][1]).hexdigest())\n\
         s.logout()\n",
        cert = cert.display()
    );
    let mut c = Command::new("python3");
    c.args(["-c", &script]);
    let o = mailwarden_tests::run_with_stdin(c, Some(&format!("{password}\n")));
    assert!(o.status.success(), "{}{}", text(&o.stdout), text(&o.stderr));
    assert_eq!(text(&o.stdout), format!("starttls {want}\nimaps {want}\n"));
    relay.stop();
}

/// neomutt, a real mail program, reads the mailbox through the front and
/// waits in IDLE; new mail reaches it there. It runs in a pseudo-terminal
/// (`script`); its debug log shows the IMAP conversation.
#[test]
fn neomutt_idles_through_the_front() {
    let env = MailEnv::new();
    let (relay, port, password) = setup(&env);
    let dir = env.db.dir.path();
    let rc = dir.join("neomuttrc");
    let debug = dir.join("neomutt.log");
    std::fs::write(
        &rc,
        format!(
            "set folder = \"imap://helpdesk@127.0.0.1:{port}/\"\nset spoolfile = \"+INBOX\"\nset imap_pass = \"{password}\"\n\
             set imap_idle = yes\nset imap_keepalive = 60\nset mail_check = 1\nset timeout = 1\nset ssl_starttls = no\n\
             set ssl_force_tls = no\nset header_cache = \"\"\nset message_cachedir = \"\"\nset record = \"\"\n"
        ),
    )
    .unwrap();
    let command = format!("neomutt -n -F {} -d 5 -l {}", rc.display(), debug.display());
    let mut child = Command::new("script")
        .args(["-qfec", &command, "/dev/null"])
        .env("TERM", "xterm")
        .env("HOME", dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let log = || {
        std::fs::read_to_string(dir.join("neomutt.log0"))
            .or_else(|_| std::fs::read_to_string(&debug))
            .unwrap_or_default()
    };
    eventually_explained("neomutt to IDLE", Duration::from_secs(60), || log().contains("+ idling").then_some(()), log);
    env.mail.deliver_maildir(MAILBOX, b"Subject: While idling\r\n\r\nhello\r\n");
    eventually_explained(
        "neomutt to hear of it",
        Duration::from_secs(60),
        || log().contains("* 4 EXISTS").then_some(()),
        log,
    );
    let _ = child.kill();
    let _ = child.wait();
    let log = log();
    assert!(log.contains("AUTHENTICATE PLAIN") || log.contains("LOGIN"), "{log}");
    assert!(!log.contains("XOAUTH2"), "the app sees the front's mechanisms only");
    relay.stop();
}
