//! The POP3 listener as an attacker or an accident finds it, against the
//! real `mailwarden relay run --pop3-listen`: a web page posting to the port
//! (curl, and a request sent by hand), an endless line, a command flood
//! without a sign-in, password guessing (a session closed after three, the
//! address shut out after a few — shared with SMTP's count), one host
//! holding every slot, and a device's password never in the log.

use mailwarden_tests::clients::{curl_post_unanswered, talk};
use mailwarden_tests::mail::free_port;
use mailwarden_tests::oauth_env::Env;
use mailwarden_tests::relay::*;
use mailwarden_tests::text;
use std::net::TcpStream;
use std::time::Duration;

#[test]
fn the_pop3_port_lets_go_of_web_pages_floods_and_guessers() {
    let env = Env::new();
    graph_profile(&env, "Tickets", "erp@contoso.com");
    let app = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9";
    env.idp.state.lock().unwrap().apps.get_mut(app).unwrap().app_roles.push("Mail.Read".into());
    let o = env.ok(&["relay", "device", "add", "helpdesk", "--profile", "Tickets", "--pop3"], None);
    let password = text(&o.stdout).lines().find_map(|l| l.strip_prefix("Relay password:")).unwrap().trim().to_owned();
    env.ok(&["settings", "set", "--relay-max-connections", "6", "--relay-max-per-client", "3"], None);
    // Mailbox access only where the front can serve it: a Graph profile's
    // inbox, or a profile with a POP3 server.
    env.delegated_profile("Smtp");
    let o = env.run(&["relay", "device", "add", "reader", "--profile", "Smtp", "--pop3"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("“Smtp” has no POP3 server: set one in the profile"), "{}", text(&o.stderr));
    let port = free_port();
    let relay = Relay::start_with(&env, &["--pop3-listen", &format!("127.0.0.1:{port}")]);

    // A web page: curl posting POP3 commands, and the same request by hand.
    let body = format!("USER helpdesk\r\nPASS {password}\r\nDELE 1\r\nQUIT\r\n");
    curl_post_unanswered(port, &body);
    let said = talk(port, &["POST / HTTP/1.1", "Host: x", "", "USER helpdesk", &format!("PASS {password}")]);
    assert!(
        said.starts_with("+OK ") && said.contains("-ERR this is a POP3 server, not a web server: closing"),
        "{said}"
    );
    assert!(!said.contains("+OK send PASS"), "{said}");

    // An endless line, a command flood without a sign-in.
    let said = talk(port, &[&"A".repeat(5000)]);
    assert!(said.ends_with("-ERR line too long\r\n"), "{said}");
    let noops = vec!["NOOP"; 40];
    let said = talk(port, &noops);
    assert!(said.ends_with("-ERR too many commands without signing in: closing\r\n"), "{said}");

    // One host cannot hold every slot.
    let held: Vec<TcpStream> = (0..3).map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap()).collect();
    mailwarden_tests::eventually("the fourth connection refused", Duration::from_secs(10), || {
        let said = talk(port, &[]);
        said.starts_with("-ERR [SYS/TEMP] Too many connections from your address").then_some(())
    });
    drop(held);
    let last = std::cell::RefCell::new(String::new());
    mailwarden_tests::eventually_explained(
        "the slots back",
        Duration::from_secs(20),
        || {
            *last.borrow_mut() = talk(port, &["USER helpdesk", &format!("PASS {password}"), "QUIT"]);
            last.borrow().contains("+OK 0 messages").then_some(())
        },
        || last.borrow().clone(),
    );

    // Guessing: three wrong passwords close the session; the address is then shut out.
    let said = talk(port, &["USER helpdesk", "PASS a", "USER helpdesk", "PASS b", "USER helpdesk", "PASS c", "STAT"]);
    assert!(said.ends_with("-ERR too many failed sign-ins: closing\r\n"), "{said}");
    let said = talk(port, &["USER helpdesk", "PASS d"]);
    assert!(said.contains("-ERR [AUTH] wrong user name or password"), "{said}");
    let said = talk(port, &["USER helpdesk", &format!("PASS {password}")]);
    assert!(
        said.contains("-ERR [AUTH] too many failed sign-ins from your address: wait"),
        "even the right password: {said}"
    );

    relay.stop();
    let log = std::fs::read_to_string(env.db.dir.path().join("mailwarden.log")).unwrap_or_default();
    assert!(!log.contains(&password), "the device password reached the log");
    assert!(log.contains("relay: sign-in refused"), "{log}");
}
