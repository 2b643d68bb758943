//! Property tests of the relay session: random conversations (good, bad
//! and hostile pieces of SMTP, split anywhere) against the invariants — no
//! `250` after DATA without a device that may send, nothing queued outside
//! the envelope that was accepted, no panic, bounded memory.

use super::tests::fixture;
use super::{Flow, Session, MAX_COMMAND};
use crate::RelaySettings;
use proptest::prelude::*;

/// Pieces of SMTP (good, bad, and hostile) that random conversations are made of.
fn piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"EHLO x\r\n".to_vec()),
        Just(b"HELO x\r\n".to_vec()),
        Just(b"MAIL FROM:<a@b.c>\r\n".to_vec()),
        Just(b"RCPT TO:<bob@example.com>\r\n".to_vec()),
        Just(b"RCPT TO:<eve@example.com>\r\n".to_vec()),
        Just(b"DATA\r\n".to_vec()),
        Just(b"To: eve@example.com\r\n".to_vec()),
        Just(b".\r\n".to_vec()),
        Just(b"\r\n.\r\n".to_vec()),
        Just(b"\n.\n".to_vec()),
        Just(b"RSET\r\nNOOP\r\n".to_vec()),
        Just(b"AUTH LOGIN\r\n".to_vec()),
        Just(b"AUTH PLAIN\r\n".to_vec()),
        Just(b"AUTH PLAIN AHByaW50ZXIAd3Jvbmc=\r\n".to_vec()),
        Just(b"dXNlcg==\r\n".to_vec()),
        Just(b"*\r\n".to_vec()),
        Just(b"STARTTLS\r\n".to_vec()),
        Just(b"BDAT 5 LAST\r\n".to_vec()),
        Just(b"QUIT\r\n".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..64),
        proptest::collection::vec(prop_oneof![Just(b'\r'), Just(b'\n'), Just(b'.'), Just(b'A')], 0..16),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// From an address no device may use, nothing is ever queued, nothing
    /// panics and the output stays small; whatever arrives in pieces of
    /// any size.
    #[test]
    fn no_message_is_queued_for_a_client_no_device_lets_in(
        pieces in proptest::collection::vec(piece(), 0..40),
        split in 1usize..50,
    ) {
        let f = fixture(RelaySettings { max_message_bytes: 4096, ..Default::default() });
        f.device("printer", "Scans", &["10.0.0.9"], true);
        let mut s = Session::new(f.shared.as_ref(), "192.0.2.50".parse().unwrap(), false);
        let input: Vec<u8> = pieces.concat();
        let mut replies = 0usize;
        for chunk in input.chunks(split) {
            let flow = s.ingest(chunk);
            let out = s.take_output();
            replies += out.len();
            prop_assert!(out.len() < 64 * 1024);
            prop_assert!(!String::from_utf8_lossy(&out).contains("Ok: queued"));
            prop_assert!(s.message.len() <= 4096 && s.line.len() <= MAX_COMMAND);
            if flow != Flow::Go {
                break;
            }
        }
        prop_assert!(replies < 1024 * 1024);
        prop_assert!(f.queued().is_empty());
    }

    /// A device that may send gets exactly the envelope it gave queued:
    /// whatever the headers or the body say, the queued recipients are
    /// the RCPT TO ones it was told 250 for.
    #[test]
    fn what_is_queued_is_the_envelope_that_was_accepted(
        pieces in proptest::collection::vec(piece(), 0..30),
        split in 1usize..50,
    ) {
        let f = fixture(RelaySettings { max_message_bytes: 4096, ..Default::default() });
        f.device("printer", "Scans", &["127.0.0.1"], true);
        let mut s = Session::new(f.shared.as_ref(), "127.0.0.1".parse().unwrap(), false);
        let input: Vec<u8> = pieces.concat();
        for chunk in input.chunks(split) {
            if s.ingest(chunk) != Flow::Go {
                break;
            }
            let _ = s.take_output();
        }
        for (envelope, message) in f.queued() {
            prop_assert!(!envelope.to.is_empty());
            prop_assert!(envelope.to.iter().all(|t| t == "bob@example.com" || t == "eve@example.com"));
            prop_assert!(!message.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r'));
        }
    }
}
