//! Cancel ends a flow or a test within a second even while an HTTP request
//! is in flight to a server that never answers (the identity provider's
//! token or device-code endpoint here), and nothing stored changes.

use mailwarden_engine::{system_clock, CoreError, Mailwarden};
use mailwarden_tests::{text, TempDb};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const TENANT: &str = "d9f2fc08-d549-4fcc-bae2-2286c314d3cd";
const CLIENT: &str = "351d6cb2-1c69-4081-9cc2-a769d71567cb";

/// An identity provider on loopback that answers the first `answered`
/// requests with `answer` and then holds every connection open, silent.
/// Returns its base URL and how many requests it has read.
fn silent_idp(answered: usize, answer: &'static str) -> (String, Arc<AtomicUsize>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://127.0.0.1:{}", l.local_addr().unwrap().port());
    let seen = Arc::new(AtomicUsize::new(0));
    let count = seen.clone();
    std::thread::spawn(move || {
        let mut held: Vec<TcpStream> = Vec::new();
        for mut s in l.incoming().flatten() {
            let mut buf = [0u8; 8192];
            let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
            let _ = s.read(&mut buf); // the request (small: one read)
            let n = count.fetch_add(1, Ordering::SeqCst);
            if n < answered {
                let reply = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                    answer.len()
                );
                let _ = s.write_all(reply.as_bytes());
            } else {
                held.push(s); // never answered, never closed
            }
        }
    });
    (base, seen)
}

fn add(db: &TempDb, name: &str, base: &str, extra: &[&str], stdin: Option<&str>) {
    let mut args =
        vec!["profile", "add", "--name", name, "--cloud", "custom", "--authority-url", base, "--tenant", TENANT];
    args.extend_from_slice(&["--client-id", CLIENT]);
    args.extend_from_slice(extra);
    let o = db.run(&args, stdin);
    assert!(o.status.success(), "{}", text(&o.stderr));
}

/// Press Cancel once the server has read its `n`th request (that request is
/// then in flight); the handle tells when it was pressed.
fn cancel_when_in_flight(seen: &Arc<AtomicUsize>, n: usize) -> (Arc<AtomicBool>, JoinHandle<Instant>) {
    let flag = Arc::new(AtomicBool::new(false));
    let (f, seen) = (flag.clone(), seen.clone());
    let pressed = std::thread::spawn(move || {
        mailwarden_tests::until("the request to reach the server", Duration::from_secs(20), || {
            seen.load(Ordering::SeqCst) >= n
        });
        f.store(true, Ordering::SeqCst);
        Instant::now()
    });
    (flag, pressed)
}

#[test]
fn cancel_ends_a_test_send_waiting_on_the_token_endpoint() {
    let (base, seen) = silent_idp(0, "");
    let db = TempDb::new();
    let extra =
        ["--auth", "client-credentials", "--send", "graph", "--mailbox", "ops@contoso.com", "--client-secret-stdin"];
    add(&db, "Silent", &base, &extra, Some("WvR8Q~silent-secret-value\n"));
    let core = Mailwarden::open(&db.path(), system_clock()).unwrap();
    let id = core.profiles().resolve("Silent").unwrap().profile.id;

    let (cancel, pressed) = cancel_when_in_flight(&seen, 1); // the token request
    let e = core.mail_checks().send_test_observed(id, None, true, &mut |_| {}, Some(cancel)).unwrap_err();
    let after_cancel = pressed.join().unwrap().elapsed();
    assert!(after_cancel < Duration::from_secs(1), "ended {after_cancel:?} after Cancel");
    match e {
        CoreError::Auth(d) => assert_eq!(d.code, "cancelled", "{d:?}"),
        other => panic!("{other:?}"),
    }
    assert!(core.tokens().connection(id).unwrap().is_none_or(|c| !c.has_refresh_token), "nothing was stored");
}

#[test]
fn cancel_ends_a_device_code_sign_in_in_either_request() {
    let db = TempDb::new();
    // The device-code request itself hangs.
    let (base, seen) = silent_idp(0, "");
    add(&db, "Hangs early", &base, &["--auth", "device-code", "--mailbox", "erp@contoso.com"], None);
    let core = Mailwarden::open(&db.path(), system_clock()).unwrap();
    let id = core.profiles().resolve("Hangs early").unwrap().profile.id;
    let (cancel, pressed) = cancel_when_in_flight(&seen, 1);
    let e = core.tokens().connect_device_code(id, &cancel, |_| {}).unwrap_err();
    let after_cancel = pressed.join().unwrap().elapsed();
    assert!(after_cancel < Duration::from_secs(1), "ended {after_cancel:?} after Cancel");
    assert!(matches!(&e, CoreError::Flow(m) if m.contains("cancelled")), "{e:?}");
    assert_eq!(seen.load(Ordering::SeqCst), 1);

    // The code is issued; the first poll of the token endpoint hangs.
    const CODE: &str = r#"{"device_code":"dc-1","user_code":"ABCD-EFGH","verification_uri":"https://microsoft.com/devicelogin","expires_in":900,"interval":1}"#;
    let (base, seen) = silent_idp(1, CODE);
    add(&db, "Hangs later", &base, &["--auth", "device-code", "--mailbox", "erp@contoso.com"], None);
    let id = core.profiles().resolve("Hangs later").unwrap().profile.id;
    let (cancel, pressed) = cancel_when_in_flight(&seen, 2); // the first poll
    let mut prompted = false;
    let e = core.tokens().connect_device_code(id, &cancel, |p| prompted = p.user_code == "ABCD-EFGH").unwrap_err();
    let after_cancel = pressed.join().unwrap().elapsed();
    assert!(prompted, "the code was shown");
    assert!(after_cancel < Duration::from_secs(1), "ended {after_cancel:?} after Cancel");
    assert!(matches!(&e, CoreError::Flow(m) if m.contains("cancelled")), "{e:?}");
    assert!(core.tokens().connection(id).unwrap().is_none(), "nothing was stored");
}
