//! The IMAP listener as an attacker or an accident finds it, against the
//! real `mailwarden relay run --imap-listen`: a web page posting to the port
//! (curl, and a request sent by hand), an endless line, a huge literal, a
//! command flood without a sign-in, password guessing (the session closed
//! after three, the address shut out — shared with SMTP's and POP3's count),
//! one host holding every slot, a device without IMAP access and a device
//! of a Graph profile refused at add, and a password never in the log.

use mailwarden_tests::clients::{curl_post_unanswered, talk};
use mailwarden_tests::mail::free_port;
use mailwarden_tests::oauth_env::Env;
use mailwarden_tests::relay::*;
use mailwarden_tests::text;
use std::net::TcpStream;
use std::time::Duration;

#[test]
fn the_imap_port_lets_go_of_web_pages_floods_and_guessers() {
    let env = Env::new();
    env.delegated_profile("Reader");
    let o = env.ok(&["relay", "device", "add", "helpdesk", "--profile", "Reader", "--imap"], None);
    let password = text(&o.stdout).lines().find_map(|l| l.strip_prefix("Relay password:")).unwrap().trim().to_owned();
    env.ok(&["settings", "set", "--relay-max-connections", "6", "--relay-max-per-client", "3"], None);
    // IMAP only where the front can carry it: a profile that reads over IMAP.
    graph_profile(&env, "Tickets", "erp@contoso.com");
    let o = env.run(&["relay", "device", "add", "reader", "--profile", "Tickets", "--imap"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("reads its mailbox over Microsoft Graph, not IMAP"), "{}", text(&o.stderr));
    let port = free_port();
    let relay = Relay::start_with(&env, &["--imap-listen", &format!("127.0.0.1:{port}")]);

    // A web page: curl posting IMAP commands, and the same request by hand.
    let body = format!("a LOGIN helpdesk {password}\r\nb SELECT INBOX\r\n");
    curl_post_unanswered(port, &body);
    let said = talk(port, &["POST / HTTP/1.1", "Host: x", "", &format!("a LOGIN helpdesk {password}")]);
    assert!(said.starts_with("* OK [CAPABILITY ") && !said.contains("a OK"), "{said}");
    assert_eq!(said.lines().count(), 1, "closed without an answer: {said}");

    // An endless line, a literal larger than any password, a command flood.
    let said = talk(port, &[&"A".repeat(20_000)]);
    assert!(said.ends_with("* BYE Command line too long\r\n"), "{said}");
    let said = talk(port, &["a LOGIN helpdesk {50000000}"]);
    assert!(said.contains("a BAD [TOOBIG]"), "{said}");
    let noops = vec!["a NOOP"; 40];
    let said = talk(port, &noops);
    assert!(said.ends_with("* BYE Too many commands without signing in\r\n"), "{said}");

    // One host cannot hold every slot.
    let held: Vec<TcpStream> = (0..3).map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap()).collect();
    mailwarden_tests::eventually("the fourth connection refused", Duration::from_secs(10), || {
        talk(port, &[]).starts_with("* BYE [UNAVAILABLE] Too many connections from your address").then_some(())
    });
    drop(held);
    let last = std::cell::RefCell::new(String::new());
    mailwarden_tests::eventually_explained(
        "the slots back",
        Duration::from_secs(20),
        || {
            *last.borrow_mut() = talk(port, &["a NOOP", "b LOGOUT"]);
            last.borrow().contains("a OK NOOP completed").then_some(())
        },
        || last.borrow().clone(),
    );

    // Guessing: three wrong passwords close the session; the address is then shut out.
    let said = talk(port, &["a LOGIN helpdesk x", "b LOGIN helpdesk y", "c LOGIN helpdesk z", "d NOOP"]);
    assert!(said.ends_with("* BYE Too many failed sign-ins\r\n"), "{said}");
    let said = talk(port, &["d LOGIN helpdesk w"]);
    assert!(said.contains("d NO [AUTHENTICATIONFAILED] Wrong user name or password"), "{said}");
    let said = talk(port, &[&format!("e LOGIN helpdesk {password}")]);
    assert!(
        said.contains("e NO [UNAVAILABLE] Too many failed sign-ins from your address: wait"),
        "even the right password: {said}"
    );

    relay.stop();
    let log = std::fs::read_to_string(env.db.dir.path().join("mailwarden.log")).unwrap_or_default();
    assert!(!log.contains(&password), "the device password reached the log");
    assert!(log.contains("relay: sign-in refused"), "{log}");
}
