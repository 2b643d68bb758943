//! The test mail servers' mailboxes, read and written as a test needs them:
//! what was delivered (the maildir), a message read back over IMAP with its
//! own client (independent of the app's IMAP code), and a message put in as
//! a delivery would.

use crate::mail::MailServers;
use std::time::Duration;

impl MailServers {
    /// The messages delivered to `mailbox`'s INBOX (raw RFC 5322 text).
    pub fn delivered(&self, mailbox: &str) -> Vec<String> {
        let new = self.dir.path().join("mail").join(mailbox).join("new");
        let Ok(entries) = std::fs::read_dir(new) else { return Vec::new() };
        entries.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok()).collect()
    }

    /// Wait until a message containing `needle` reaches `mailbox`.
    pub fn wait_delivered(&self, mailbox: &str, needle: &str) -> String {
        crate::eventually_explained(
            &format!("{needle} in {mailbox}"),
            Duration::from_secs(20),
            || self.delivered(mailbox).into_iter().find(|m| m.contains(needle)),
            || format!("Postfix log:\n{}", self.log()),
        )
    }

    /// Read a message back over IMAP (the plain port: loopback, plaintext
    /// auth allowed) signed in with `token` — independent of the app's IMAP
    /// code. Waits up to 20 s for the message whose Message-ID is `id`.
    pub fn fetch_over_imap(&self, user: &str, token: &str, id: &str) -> String {
        struct XOAuth2(String);
        impl imap::Authenticator for XOAuth2 {
            type Response = String;
            fn process(&self, _: &[u8]) -> String {
                self.0.clone()
            }
        }
        let tcp = std::net::TcpStream::connect(("127.0.0.1", self.imap)).unwrap();
        let mut client = imap::Client::new(tcp);
        client.read_greeting().unwrap();
        let auth = XOAuth2(format!("user={user}\x01auth=Bearer {token}\x01\x01"));
        let mut session = client.authenticate("XOAUTH2", &auth).map_err(|(e, _)| e).expect("IMAP sign-in");
        let query = format!("HEADER Message-ID \"{id}\"");
        let uid = crate::eventually_explained(
            &format!("{id} over IMAP"),
            Duration::from_secs(20),
            || {
                session.select("INBOX").unwrap();
                session.uid_search(&query).unwrap().into_iter().next()
            },
            || self.log(),
        );
        let fetched = session.uid_fetch(uid.to_string(), "BODY.PEEK[]").unwrap();
        let body = fetched.iter().next().and_then(|f| f.body()).expect("a body");
        let body = String::from_utf8_lossy(body).into_owned();
        let _ = session.logout();
        body
    }

    /// Put `mime` into `user`'s inbox as a delivery would (a maildir file
    /// moved into `new/`, owned by the user Dovecot reads as).
    pub fn deliver_maildir(&self, user: &str, mime: &[u8]) {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        let root = self.dir.path().join("mail").join(user);
        for sub in ["", "cur", "new", "tmp"] {
            let dir = root.join(sub);
            std::fs::create_dir_all(&dir).unwrap();
            std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).unwrap();
        }
        let name = format!("{}.M{}P{}.test", std::process::id(), N.fetch_add(1, Ordering::SeqCst), 1);
        let tmp = root.join("tmp").join(&name);
        std::fs::write(&tmp, mime).unwrap();
        std::os::unix::fs::chown(&tmp, Some(65534), Some(65534)).unwrap();
        std::fs::rename(&tmp, root.join("new").join(&name)).unwrap();
    }
}
