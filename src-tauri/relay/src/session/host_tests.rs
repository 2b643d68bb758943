//! A session needs only its [`Host`]: driven here against a stand-in with
//! no engine, database, queue folder or socket — what it queues is exactly
//! the envelope it accepted, under the host's name and id; a failing queue
//! is answered 452 (disk full) or 451, never 250; EHLO offers SMTPUTF8 and
//! STARTTLS only when the host says they hold.

use super::{Flow, Host, Session};
use crate::devices::{Device, DeviceRow};
use crate::error::{CoreError, Result};
use crate::server::SignIn;
use crate::spool::Envelope;
use crate::RelaySettings;
use std::cell::{Cell, RefCell};
use std::net::IpAddr;
use std::sync::Arc;

#[derive(Default)]
struct FakeHost {
    settings: RelaySettings,
    utf8: bool,
    /// What the queue answers: Ok, or an I/O error of this raw OS code.
    fail_with: Option<i32>,
    queued: RefCell<Vec<(Envelope, Vec<u8>)>>,
    ids: Cell<u32>,
}

fn scanner() -> DeviceRow {
    DeviceRow {
        device: Device {
            id: 7,
            name: "scanner".into(),
            profile_id: 3,
            profile_name: "Scans".into(),
            has_password: false,
            allowed: vec!["192.0.2.0/24".into()],
            plain_ok: true,
            rewrite_from: true,
            created_at: "2026-12-07T09:00:00Z".into(),
            last_seen: None,
            mailbox: Default::default(),
            warning: None,
        },
        password_hash: None,
    }
}

impl Host for FakeHost {
    fn hostname(&self) -> &str {
        "fake.relay"
    }
    fn settings(&self) -> &RelaySettings {
        &self.settings
    }
    fn tls(&self) -> Option<Arc<rustls::ServerConfig>> {
        None
    }
    fn stopping(&self) -> bool {
        false
    }
    fn plain_allowed(&self, ip: IpAddr) -> bool {
        scanner().device.allows(ip)
    }
    fn open_device(&self, ip: IpAddr, _tls: bool) -> Option<DeviceRow> {
        Some(scanner()).filter(|d| d.device.allows(ip))
    }
    fn authenticate(&self, _ip: IpAddr, _user: &str, _password: &[u8], _tls: bool) -> SignIn {
        SignIn::Refused
    }
    fn device_named(&self, name: &str) -> Option<DeviceRow> {
        Some(scanner()).filter(|d| d.device.name == name)
    }
    fn route_utf8(&self, _profile_id: i64) -> bool {
        self.utf8
    }
    fn any_route_utf8(&self) -> bool {
        self.utf8
    }
    fn now(&self) -> time::OffsetDateTime {
        time::macros::datetime!(2026-12-07 09:20 UTC)
    }
    fn next_id(&self, _now: time::OffsetDateTime) -> String {
        self.ids.set(self.ids.get() + 1);
        format!("01796635291512215-{:06}-1", self.ids.get())
    }
    fn queue(&self, envelope: &Envelope, message: &[u8]) -> Result<()> {
        if let Some(code) = self.fail_with {
            return Err(CoreError::Io { context: "queue".into(), source: std::io::Error::from_raw_os_error(code) });
        }
        self.queued.borrow_mut().push((envelope.clone(), message.to_vec()));
        Ok(())
    }
}

const MESSAGE: &str = "MAIL FROM:<scan@printer.lan>\r\nRCPT TO:<ops@contoso.com>\r\nRCPT TO:<hr@contoso.com>\r\nDATA\r\nSubject: s\r\n\r\nbody\r\n.\r\n";

fn talk(host: &FakeHost, ip: &str, input: &str) -> (String, Flow) {
    let mut s = Session::new(host, ip.parse().unwrap(), false);
    s.greet();
    let flow = s.ingest(input.as_bytes());
    (String::from_utf8(s.take_output()).unwrap(), flow)
}

#[test]
fn what_is_queued_is_the_accepted_envelope_under_the_hosts_name_and_id() {
    let host = FakeHost::default();
    let (said, flow) = talk(&host, "192.0.2.7", &format!("EHLO printer.lan\r\n{MESSAGE}"));
    assert_eq!(flow, Flow::Go);
    assert!(said.starts_with("220 fake.relay"), "{said}");
    assert!(said.contains("250 2.0.0 Ok: queued as 01796635291512215-000001-1"), "{said}");
    let queued = host.queued.borrow();
    let (e, message) = &queued[0];
    assert_eq!((e.device.as_str(), e.profile_id, e.from.as_str()), ("scanner", 3, "scan@printer.lan"));
    assert_eq!(e.to, ["ops@contoso.com", "hr@contoso.com"]);
    assert_eq!((e.peer.as_str(), e.received_at.as_str()), ("192.0.2.7", "2026-12-07T09:20:00Z"));
    let text = String::from_utf8_lossy(message);
    assert!(text.starts_with("Received: from printer.lan ([192.0.2.7]) by fake.relay (Mailwarden relay)"), "{text}");
    assert!(text.ends_with("Subject: s\r\n\r\nbody\r\n"), "{text}");
    assert_eq!(e.size, message.len() as u64);

    let (said, _) = talk(&host, "198.51.100.1", &format!("EHLO x\r\n{MESSAGE}"));
    assert!(said.contains("530 5.7.0"), "an address outside the device's range must sign in: {said}");
    assert_eq!(host.queued.borrow().len(), 1);
}

#[test]
fn a_queue_that_fails_is_never_answered_250() {
    for (code, reply) in [(libc::ENOSPC, "452 4.3.1"), (libc::EACCES, "451 4.3.0")] {
        let host = FakeHost { fail_with: Some(code), ..Default::default() };
        let (said, _) = talk(&host, "192.0.2.7", &format!("EHLO x\r\n{MESSAGE}"));
        assert!(said.contains(reply) && !said.contains("queued as"), "{code}: {said}");
    }
}

#[test]
fn ehlo_offers_what_the_host_says_holds() {
    let (said, _) = talk(&FakeHost::default(), "192.0.2.7", "EHLO x\r\n");
    assert!(!said.contains("SMTPUTF8") && !said.contains("STARTTLS"), "{said}");
    assert!(said.contains("SIZE 36700160"), "the host's size limit: {said}");
    let host = FakeHost {
        utf8: true,
        settings: RelaySettings { max_message_bytes: 1000, ..Default::default() },
        ..Default::default()
    };
    let (said, _) = talk(&host, "192.0.2.7", "EHLO x\r\n");
    assert!(said.contains("SMTPUTF8") && said.contains("SIZE 1000"), "{said}");
}
