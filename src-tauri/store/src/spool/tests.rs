//! The queue on disk without a relay or a socket: what is accepted reads
//! back byte for byte, in arrival order, private to its owner; states,
//! removal, the sending marker; ids that are paths are refused before a file
//! is touched; one relay per queue; a stopped relay's half-written file goes.

use super::*;
use std::os::unix::fs::PermissionsExt;
use time::macros::datetime;

fn envelope(spool: &Spool, from: &str) -> Envelope {
    Envelope {
        id: spool.next_id(datetime!(2026-12-07 09:20 UTC)),
        device: "scanner".into(),
        profile_id: 3,
        from: from.into(),
        to: vec!["ops@contoso.com".into(), "hr@contoso.com".into()],
        peer: "192.168.1.20".into(),
        received_at: "2026-12-07T09:20:00Z".into(),
        size: 0,
        bounce_of: None,
        smtputf8: false,
    }
}

fn mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn an_accepted_message_reads_back_whole_in_arrival_order_and_private() {
    let dir = tempfile::tempdir().unwrap();
    let spool = Spool::open(dir.path()).unwrap();
    let first = envelope(&spool, "scan@printer.lan");
    let second = envelope(&spool, "ups@printer.lan");
    assert!(second.id > first.id, "a later id sorts after: {} {}", first.id, second.id);
    let message = b"Subject: s\r\n\r\n.a line with a dot\r\n\r\nbinary \x00\xff end\r\n";
    spool.accept(&second, b"second\r\n").unwrap();
    spool.accept(&first, message).unwrap();

    assert_eq!(spool.ids().unwrap(), [first.id.clone(), second.id.clone()], "oldest first");
    let (e, bytes) = spool.read(&first.id).unwrap();
    assert_eq!((e, bytes.as_slice()), (first.clone(), &message[..]));
    assert_eq!(spool.envelope(&second.id).unwrap(), second);
    let listed: Vec<String> = spool.list().unwrap().into_iter().map(|m| m.envelope.from).collect();
    assert_eq!(listed, ["scan@printer.lan", "ups@printer.lan"]);

    assert_eq!(mode(&dir.path().join("relay/queue")), 0o700);
    assert_eq!(mode(&spool.path(&first.id)), 0o600, "a message is its owner's");
    assert_eq!(fs::read_dir(dir.path().join("relay/incoming")).unwrap().count(), 0, "nothing left half-written");
}

#[test]
fn a_state_is_kept_beside_its_message_and_goes_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let spool = Spool::open(dir.path()).unwrap();
    let e = envelope(&spool, "scan@printer.lan");
    spool.accept(&e, b"m").unwrap();
    assert_eq!(spool.state(&e.id), DeliveryState::default());
    let retry = DeliveryState { attempts: 2, next_at: 1_796_635_300, last_error: Some("refused".into()), held: None };
    spool.set_state(&e.id, &retry).unwrap();
    assert_eq!(spool.state(&e.id), retry);
    assert!(spool.state(&e.id).waiting());
    assert_eq!(spool.list().unwrap()[0].state, retry);
    let held = DeliveryState { held: Some(Diagnosis::new("aadsts70008", "t", "c", vec![])), ..retry };
    spool.set_state(&e.id, &held).unwrap();
    assert!(!spool.state(&e.id).waiting(), "a held message waits for no retry");

    {
        let _marker = spool.sending(&e.id);
        assert!(Spool::view(dir.path()).is_sending(&e.id), "another process sees it being sent");
    }
    assert!(!spool.is_sending(&e.id), "the marker goes with its guard");

    spool.remove(&e.id).unwrap();
    assert!(spool.ids().unwrap().is_empty());
    assert!(fs::read_dir(spool.dir()).unwrap().next().is_none(), "no state or marker left behind");
    assert!(spool.read(&e.id).is_err());
}

#[test]
fn an_id_that_is_a_path_is_refused_before_a_file_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    let spool = Spool::open(dir.path()).unwrap();
    let outside = dir.path().join("secret.msg");
    fs::write(&outside, b"{}\r\nnot the queue's").unwrap();
    for id in ["../secret", "../../secret", "/etc/passwd", "", "1-2-3", "01796635291512215-000001-12546/../x", "a-b-c"]
    {
        let e = spool.read(id).unwrap_err();
        assert!(matches!(&e, CoreError::Validation(f) if f[0].field == "id"), "{id:?}: {e:?}");
        assert!(spool.remove(id).is_err() && spool.set_state(id, &DeliveryState::default()).is_err(), "{id:?}");
        assert_eq!(spool.state(id), DeliveryState::default());
        assert!(!spool.is_sending(id));
    }
    assert!(outside.exists(), "nothing outside the queue was removed");
    assert!(check_id("01796635291512215-000001-12546").is_ok());
}

#[test]
fn one_relay_per_queue_and_a_stopped_relays_half_written_file_goes() {
    let dir = tempfile::tempdir().unwrap();
    assert!(Spool::view(dir.path()).ids().unwrap().is_empty(), "no folder: an empty queue");
    assert!(!dir.path().join("relay").exists(), "a view creates nothing");

    let spool = Spool::open(dir.path()).unwrap();
    let e = envelope(&spool, "scan@printer.lan");
    spool.accept(&e, b"m").unwrap();
    let second = Spool::open(dir.path()).err().expect("the queue is locked");
    assert!(second.to_string().contains("A relay already runs"), "{second}");
    fs::write(dir.path().join("relay/incoming").join("01796635291512215-000009-1"), b"half").unwrap();
    fs::write(spool.dir().join("01796635291512215-000008-1.msg"), b"no envelope line").unwrap();
    drop(spool);

    let reopened = Spool::open(dir.path()).unwrap();
    assert_eq!(fs::read_dir(dir.path().join("relay/incoming")).unwrap().count(), 0, "never acknowledged: removed");
    assert!(reopened.read("01796635291512215-000008-1").unwrap_err().to_string().contains("damaged"));
    let listed: Vec<String> = reopened.list().unwrap().into_iter().map(|m| m.envelope.id).collect();
    assert_eq!(listed, [e.id], "a damaged file is left alone, not listed");
}
