//! POP3 over Microsoft Graph, the session and the maildrop together against
//! the simulator's Graph (the relay's POP3 listener comes next): a device
//! signs in, lists the inbox by immutable IDs, reads a message as its MIME
//! (dot-stuffed), deletes it — moved to Deleted Items only at QUIT; with
//! Mail.Read alone, QUIT says -ERR naming Mail.ReadWrite and nothing moves.

use mailwarden_engine::pop3::graph::GraphDrop;
use mailwarden_engine::pop3::{Maildrop, Next, Pop3Host, Pop3Session, Refusal};
use mailwarden_engine::OnDelete;
use mailwarden_tests::oauth_env::{app_of, Env, SECRET};

struct Host {
    engine: mailwarden_engine::Mailwarden,
    profile: i64,
}

impl Pop3Host for Host {
    fn hostname(&self) -> &str {
        "relay.test"
    }
    fn tls_offered(&self) -> bool {
        false
    }
    fn plain_allowed(&self) -> bool {
        true
    }
    fn open(&self, user: &str, password: &[u8], _tls: bool) -> Result<Box<dyn Maildrop>, Refusal> {
        if (user, password) != ("scanner", b"pw".as_slice()) {
            return Err(Refusal("wrong user name or password".into()));
        }
        GraphDrop::open(&self.engine, self.profile, 50, OnDelete::MoveToDeletedItems)
            .map(|d| Box::new(d) as Box<dyn Maildrop>)
            .map_err(|e| Refusal(e.to_string()))
    }
}

fn talk(host: &Host, lines: &[&str]) -> String {
    let mut s = Pop3Session::new(host, false);
    let mut out = Vec::new();
    s.greet(&mut out).unwrap();
    for l in lines {
        if s.line(l.as_bytes(), &mut out).unwrap() == Next::Close {
            break;
        }
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn the_graph_inbox_is_a_pop3_maildrop() {
    let env = Env::new();
    env.app(Some(SECRET), false);
    let scope = format!("{}/.default", env.idp.base);
    let args = ["--auth", "client-credentials", "--send", "graph", "--mailbox", "ops@contoso.com", "--scopes", &scope];
    let mut args = args.to_vec();
    args.push("--client-secret-stdin");
    env.add_profile("Tickets", &args, Some(&format!("{SECRET}\n")));
    env.idp.register(app_of(&env).roles(&["Mail.Read"]));
    env.idp.state.lock().unwrap().graph_users.insert("ops@contoso.com".into());
    let first = env.idp.deliver_graph_mime(
        "ops@contoso.com",
        "2026-12-07T08:00:00Z",
        true,
        b"From: a@example.com\r\nSubject: Ticket 1\r\n\r\nHello\r\n.leading dot\r\n",
    );
    let second = env.idp.deliver_graph_mime(
        "ops@contoso.com",
        "2026-12-07T09:00:00Z",
        true,
        b"Subject: Ticket 2\r\n\r\nBye\r\n",
    );

    std::env::set_var("MAILWARDEN_KEY_BACKEND", "file");
    std::env::set_var("MAILWARDEN_CA_FILE", &env.idp.ca.ca_file);
    let engine = mailwarden_engine::Mailwarden::open(&env.db.path(), mailwarden_engine::system_clock()).unwrap();
    let profile = engine.profiles().resolve("Tickets").unwrap().profile.id;
    let host = Host { engine, profile };

    // Mail.Read alone: read, but a deletion is refused whole at QUIT.
    let t = talk(&host, &["USER scanner", "PASS pw", "UIDL", "RETR 1", "DELE 1", "QUIT"]);
    assert!(
        t.contains(&format!("+OK listing follows\r\n1 {first}\r\n2 {second}\r\n.\r\n")),
        "oldest first, immutable IDs: {t}"
    );
    assert!(t.contains("From: a@example.com\r\nSubject: Ticket 1\r\n\r\nHello\r\n..leading dot\r\n.\r\n"), "{t}");
    assert!(
        t.contains(
            "-ERR nothing was deleted: Could not move the message: the app may only read this mailbox (Mail.Read)"
        ),
        "{t}"
    );
    assert_eq!(env.idp.state.lock().unwrap().graph_inbox["ops@contoso.com"].len(), 2, "nothing moved");

    // With Mail.ReadWrite: DELE moves it to Deleted Items, at QUIT only.
    env.idp.register(app_of(&env).roles(&["Mail.Read", "Mail.ReadWrite"]));
    host.engine.tokens().disconnect(profile).unwrap();
    let t = talk(&host, &["USER scanner", "PASS pw", "STAT", "DELE 1", "QUIT"]);
    assert!(t.contains("+OK 1 deleted, bye\r\n"), "{t}");
    let s = env.idp.state.lock().unwrap();
    assert_eq!(s.graph_inbox["ops@contoso.com"].len(), 1);
    assert_eq!(s.graph_folders["ops@contoso.com/deleteditems"][0].immutable_id, first);
    // A wrong password never reaches Graph.
    drop(s);
    let t = talk(&host, &["USER scanner", "PASS nope", "STAT"]);
    assert!(t.contains("-ERR [AUTH] wrong user name or password") && t.contains("-ERR sign in first"), "{t}");
    a_delegated_profiles_inbox_is_a_maildrop_too(&env);
}

/// A delegated Graph profile (a person's sign-in, /me) of the same app: the
/// same maildrop, read and marked read as the device's setting says.
fn a_delegated_profiles_inbox_is_a_maildrop_too(env: &Env) {
    let b = env.idp.base.clone();
    let scopes = format!("{b}/Mail.Send {b}/Mail.ReadWrite offline_access");
    let extra = [
        "--auth",
        "refresh-token",
        "--send",
        "graph",
        "--mailbox",
        "erp@contoso.com",
        "--scopes",
        &scopes,
        "--client-secret-stdin",
    ];
    env.add_profile("Person", &extra, Some(&format!("{SECRET}\n")));
    let rt = env.idp.mint_refresh_token(
        mailwarden_tests::oauth_env::CLIENT,
        &[&format!("{b}/Mail.Send"), &format!("{b}/Mail.ReadWrite"), "offline_access"],
    );
    env.ok(&["connect", "Person", "--refresh-token-stdin"], Some(&format!("{rt}\n")));
    env.idp.state.lock().unwrap().graph_users.insert("erp@contoso.com".into());
    let id =
        env.idp.deliver_graph_mime("erp@contoso.com", "2026-12-07T08:00:00Z", true, b"Subject: Mine\r\n\r\nHi\r\n");

    let engine = mailwarden_engine::Mailwarden::open(&env.db.path(), mailwarden_engine::system_clock()).unwrap();
    let profile = engine.profiles().resolve("Person").unwrap().profile.id;
    let mut drop = GraphDrop::open(&engine, profile, 10, OnDelete::MarkRead).unwrap();
    let items = drop.list().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].uid, id);
    let mut out = Vec::new();
    drop.fetch(&id, &mut out).unwrap();
    assert_eq!(out, b"Subject: Mine\r\n\r\nHi\r\n");
    drop.delete(std::slice::from_ref(&id)).unwrap();
    let s = env.idp.state.lock().unwrap();
    assert!(!s.graph_inbox["erp@contoso.com"][0].unread, "marked read, left in the inbox");
}
