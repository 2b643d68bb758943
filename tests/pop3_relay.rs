//! The relay's POP3 front over Microsoft Graph, with clients no one here
//! wrote: Python's poplib, fetchmail and getmail6 fetch a Graph-only
//! profile's inbox through `mailwarden relay run --pop3-listen`, signed in
//! with the device's relay password; DELE moves a message to Deleted Items
//! only at QUIT, so a relay killed mid-fetch (kill -9) deletes nothing; a
//! wrong password and a device without mailbox access are refused (a
//! password in clear from the LAN: the session's unit tests).

use mailwarden_tests::clients::{fetchmail, getmail};
use mailwarden_tests::mail::free_port;
use mailwarden_tests::mail_env::MailEnv;
use mailwarden_tests::relay::*;
use mailwarden_tests::text;
use std::process::Command;

const GRAPH_APP: &str = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9";

/// A Graph profile "Tickets" for erp@contoso.com whose app may read and move
/// mail, three messages in its inbox, a device that may fetch them, and the
/// relay with a POP3 listener (from the settings, or `relay run
/// --pop3-listen` if `flag`); its port, the device's password, the IDs.
fn setup(env: &MailEnv, flag: bool) -> (Relay, u16, String, Vec<String>) {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    if !flag {
        env.ok(&["settings", "set", "--relay-pop3-listen", &listen], None);
    }
    graph_profile(env, "Tickets", "erp@contoso.com");
    env.idp
        .state
        .lock()
        .unwrap()
        .apps
        .get_mut(GRAPH_APP)
        .unwrap()
        .app_roles
        .extend(["Mail.Read".into(), "Mail.ReadWrite".into()]);
    let ids = (1..=3)
        .map(|n| {
            let mime = format!(
                "From: customer{n}@example.com\r\nTo: erp@contoso.com\r\nSubject: Ticket {n}\r\nMessage-ID: <ticket-{n}@example.com>\r\n\r\nBody {n}\r\n.line with a dot\r\n"
            );
            env.idp.deliver_graph_mime("erp@contoso.com", &format!("2026-12-07T0{n}:00:00Z"), true, mime.as_bytes())
        })
        .collect();
    let o = env.ok(&["relay", "device", "add", "helpdesk", "--profile", "Tickets", "--pop3"], None);
    let out = text(&o.stdout);
    let password = out.lines().find_map(|l| l.strip_prefix("Relay password:")).unwrap().trim().to_owned();
    assert!(out.contains("A POP3 deletion (deleteditems) is applied when the app ends its session (QUIT)."), "{out}");
    if flag {
        assert!(out.contains("the relay has no POP3 listener yet"), "{out}");
    } else {
        let want = format!("Incoming mail (POP3): server 127.0.0.1  port {port}  security None  user helpdesk");
        assert!(out.contains(&want), "{out}");
    }
    let relay = if flag { Relay::start_with(env, &["--pop3-listen", &listen]) } else { Relay::start(env) };
    (relay, port, password, ids)
}

fn poplib(port: u16, user: &str, password: &str, script: &str) -> std::process::Output {
    let code = format!(
        "import poplib, sys\np = poplib.POP3('127.0.0.1', {port}, timeout=30)\np.user('{user}')\np.pass_(sys.stdin.readline().strip())\n{script}"
    );
    let mut c = Command::new("python3");
    c.args(["-c", &code]);
    mailwarden_tests::run_with_stdin(c, Some(&format!("{password}\n")))
}

#[test]
fn poplib_fetchmail_and_getmail_read_a_graph_inbox_through_the_relay() {
    let env = MailEnv::new();
    let (relay, port, password, ids) = setup(&env, false);

    // poplib: the listing by immutable IDs, a message byte for byte, DELE at QUIT.
    let o = poplib(
        port,
        "helpdesk",
        &password,
        "print(p.stat())\nprint(p.uidl()[1])\nprint(b'\\n'.join(p.retr(2)[1]).decode())\np.dele(1)\np.quit()",
    );
    assert!(o.status.success(), "{}{}", text(&o.stdout), text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.starts_with("(3, "), "{out}");
    for (n, id) in ids.iter().enumerate() {
        assert!(out.contains(&format!("{} {id}", n + 1)), "UIDL {n}: {out}");
    }
    assert!(out.contains("Subject: Ticket 2") && out.contains("\n.line with a dot"), "unstuffed by poplib: {out}");
    {
        let s = env.idp.state.lock().unwrap();
        assert_eq!(s.graph_inbox["erp@contoso.com"].len(), 2);
        assert_eq!(s.graph_folders["erp@contoso.com/deleteditems"][0].immutable_id, ids[0]);
    }

    // fetchmail, over its own POP3 client, keeping nothing at the server (it deletes at QUIT).
    let dir = env.db.dir.path();
    let fetched = fetchmail(dir, "POP3", port, "helpdesk", &password, false);
    assert!(fetched.contains("Subject: Ticket 2") && fetched.contains("Subject: Ticket 3"), "{fetched}");
    assert!(env.idp.state.lock().unwrap().graph_inbox["erp@contoso.com"].is_empty(), "fetchmail deleted what it got");

    // getmail6 reads an empty inbox; then a new message, read and kept.
    env.idp.deliver_graph_mime("erp@contoso.com", "2026-12-07T10:00:00Z", true, b"Subject: Ticket 4\r\n\r\nBody 4\r\n");
    let got = getmail(dir, "SimplePOP3Retriever", "", port, "helpdesk", &password, "read_all = true\ndelete = false");
    assert!(got.contains("Subject: Ticket 4") && got.matches("Subject: Ticket").count() == 1, "{got}");
    assert_eq!(env.idp.state.lock().unwrap().graph_inbox["erp@contoso.com"].len(), 1, "kept (delete = false)");

    // relay status says who fetched, and when.
    let st: serde_json::Value = serde_json::from_slice(&env.ok(&["relay", "status", "--json"], None).stdout).unwrap();
    let inbound = &st["profiles"][0]["inbound"];
    assert_eq!((inbound["device"].as_str(), inbound["messages"].as_u64()), (Some("helpdesk"), Some(1)), "{st:#}");
    assert!(inbound["failure"].is_null(), "{st:#}");

    // The grant revoked: the program is told, the watch names it, check warns.
    env.idp.state.lock().unwrap().apps.get_mut(GRAPH_APP).unwrap().app_roles.retain(|r| r == "Mail.Send");
    env.ok(&["disconnect", "Tickets"], None);
    let o = poplib(port, "helpdesk", &password, "print(p.stat())");
    assert!(
        text(&o.stderr)
            .contains("-ERR [SYS/TEMP] Could not read the inbox: the app may not read this mailbox: grant Mail.Read"),
        "{}",
        text(&o.stderr)
    );
    let o = env.run(&["check"], None);
    assert_eq!(o.status.code(), Some(1), "a warning: {}", text(&o.stdout));
    assert!(text(&o.stdout).contains("Relay device “helpdesk” cannot fetch its mailbox"), "{}", text(&o.stdout));
    let status = text(&env.ok(&["relay", "status"], None).stdout).to_owned();
    assert!(status.contains("fetch failing") && status.contains("grant Mail.Read"), "{status}");
    // Granted again: the next fetch clears it.
    env.idp.state.lock().unwrap().apps.get_mut(GRAPH_APP).unwrap().app_roles.push("Mail.Read".into());
    env.ok(&["disconnect", "Tickets"], None);
    assert!(poplib(port, "helpdesk", &password, "print(p.stat())\np.quit()").status.success());
    assert!(!text(&env.run(&["check"], None).stdout).contains("cannot fetch its mailbox"));

    // Refusals: a wrong password; a device that may only send.
    let o = poplib(port, "helpdesk", "wrong", "print(p.stat())");
    assert!(!o.status.success() && text(&o.stderr).contains("wrong user name or password"), "{}", text(&o.stderr));
    let sender = add_device_on(&env, "printer", "Tickets");
    let o = poplib(port, "printer", &sender, "print(p.stat())");
    assert!(text(&o.stderr).contains("may send but not read mail"), "{}", text(&o.stderr));
    relay.stop();
    let log = std::fs::read_to_string(env.db.dir.path().join("mailwarden.log")).unwrap_or_default();
    assert!(!log.contains(&password), "the device password reached the log");
}

#[test]
fn a_relay_killed_mid_fetch_deletes_nothing() {
    let env = MailEnv::new();
    let (mut relay, port, password, _) = setup(&env, true);
    // The client reads and marks a message, then waits for the test's word;
    // the relay dies before its QUIT.
    let mut child = pop3_marks_then_waits(port, "helpdesk", &password);
    relay.child.kill().unwrap();
    relay.child.wait().unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), b"quit now\n").unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(!o.status.success(), "QUIT could not reach a dead relay");
    let s = env.idp.state.lock().unwrap();
    assert_eq!(s.graph_inbox["erp@contoso.com"].len(), 3, "nothing deleted upstream");
    assert!(s.graph_folders.is_empty());
}

/// POP3 over TLS, as a LAN device needs it: STLS on the POP3 port and
/// implicit TLS (POP3S) on its own, with the relay's generated certificate
/// checked by the client (poplib with Python's ssl).
#[test]
fn stls_and_implicit_tls_carry_the_sign_in() {
    let env = MailEnv::new();
    let (plain, tls) = (free_port(), free_port());
    graph_profile(&env, "Tickets", "erp@contoso.com");
    env.idp.state.lock().unwrap().apps.get_mut(GRAPH_APP).unwrap().app_roles.push("Mail.Read".into());
    env.idp.deliver_graph_mime("erp@contoso.com", "2026-12-07T08:00:00Z", true, b"Subject: Over TLS\r\n\r\nHi\r\n");
    let o = env.ok(&["relay", "device", "add", "helpdesk", "--profile", "Tickets", "--pop3"], None);
    let password = text(&o.stdout).lines().find_map(|l| l.strip_prefix("Relay password:")).unwrap().trim().to_owned();
    let relay = Relay::start_with(
        &env,
        &["--pop3-listen", &format!("127.0.0.1:{plain}"), "--pop3-tls-listen", &format!("127.0.0.1:{tls}")],
    );
    let cert = env.db.dir.path().join("relay-cert.pem");
    let script = format!(
        "import poplib, ssl, sys\n\
         ctx = ssl.create_default_context(cafile='{cert}')\n\
         ctx.check_hostname = False\n\
         pw = sys.stdin.readline().strip()\n\
         p = poplib.POP3('127.0.0.1', {plain}, timeout=30)\n\
         assert 'STLS' in p.capa(), p.capa()\n\
         p.stls(context=ctx)\n\
         assert 'STLS' not in p.capa()\n\
         p.user('helpdesk'); p.pass_(pw)\n\
         print('stls', p.stat()[0], b'\\n'.join(p.retr(1)[1]).decode().splitlines()[0])\n\
         p.quit()\n\
         s = poplib.POP3_SSL('127.0.0.1', {tls}, context=ctx, timeout=30)\n\
         s.user('helpdesk'); s.pass_(pw)\n\
         print('pop3s', s.stat()[0])\n\
         s.quit()\n",
        cert = cert.display()
    );
    let mut c = Command::new("python3");
    c.args(["-c", &script]);
    let o = mailwarden_tests::run_with_stdin(c, Some(&format!("{password}\n")));
    assert!(o.status.success(), "{}{}", text(&o.stdout), text(&o.stderr));
    assert_eq!(text(&o.stdout), "stls 1 Subject: Over TLS\npop3s 1\n");
    relay.stop();
}
