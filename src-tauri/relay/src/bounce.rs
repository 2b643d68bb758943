//! Bounces: when a message is held (a permanent failure), the relay can tell
//! its sender — or an administrator's address — with a delivery status
//! notification (RFC 3464 in a `multipart/report`, RFC 6522): what failed in
//! plain words, the fix, the per-recipient status, and the original headers.
//! The bounce is queued like any message, through the same profile, with
//! the relay as its device; a held bounce never bounces again.
//!
//! lettre writes the outer headers; the report's three parts are written
//! here because lettre's multipart kinds have no `report`.

use super::spool::{Envelope, Spool};
use crate::diagnosis::Diagnosis;
use crate::Bounces;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;

/// The device name bounces are queued under.
pub const DEVICE: &str = "mailwarden-relay";

/// What a bounce needs: the queue it goes into, where the settings send it,
/// and the name the relay gives itself.
pub struct Bouncer<'a> {
    pub spool: &'a Spool,
    pub bounces: &'a Bounces,
    pub hostname: &'a str,
}

impl Bouncer<'_> {
    /// Queue a bounce for held message `id`, if the settings ask for one:
    /// sent as `from_of(profile id)` (the address its profile sends as),
    /// at `now`. The bounce's id, or None when none is due or it could not
    /// be written (logged).
    pub fn queue(
        &self,
        id: &str,
        why: &Diagnosis,
        now: time::OffsetDateTime,
        from_of: impl FnOnce(i64) -> Option<String>,
    ) -> Option<String> {
        let (envelope, message) = self.spool.read(id).ok()?;
        if envelope.bounce_of.is_some() {
            return None;
        }
        let to = match self.bounces {
            Bounces::Off => return None,
            Bounces::Sender if envelope.from.is_empty() => return None,
            Bounces::Sender => envelope.from.clone(),
            Bounces::To(address) => address.clone(),
        };
        let from = from_of(envelope.profile_id)?;
        let dsn = match report(self.hostname, &from, &to, &envelope, &message, why, now) {
            Ok(m) => m,
            Err(e) => {
                tracing::error!(id = %id, "relay: could not write the bounce: {e}");
                return None;
            }
        };
        let bounce = Envelope {
            id: self.spool.next_id(now),
            device: DEVICE.into(),
            profile_id: envelope.profile_id,
            from,
            to: vec![to],
            peer: "127.0.0.1".into(),
            received_at: crate::clock::rfc3339(now),
            size: dsn.len() as u64,
            bounce_of: Some(envelope.id.clone()),
            smtputf8: false,
        };
        match self.spool.accept(&bounce, &dsn) {
            Ok(()) => {
                tracing::info!(id = %id, bounce = %bounce.id, "relay: bounce queued for the held message");
                Some(bounce.id)
            }
            Err(e) => {
                tracing::error!(id = %id, "relay: could not queue the bounce: {e}");
                None
            }
        }
    }
}

/// The enhanced status code a diagnosis carries (`5.7.3`), else `5.0.0`.
fn status(why: &Diagnosis) -> String {
    let enhanced = |w: &str| {
        let parts: Vec<&str> = w.split('.').collect();
        parts.len() == 3
            && parts[0] == "5"
            && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    };
    why.codes
        .iter()
        .chain(why.transcript.iter())
        .flat_map(|c| c.split_whitespace())
        .find(|w| enhanced(w))
        .unwrap_or("5.0.0")
        .to_owned()
}

/// Printable ASCII only, one line (a report field or a header).
fn ascii_line(s: &str) -> String {
    s.chars()
        .take(400)
        .map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '?' })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// The original message's header block, 7-bit.
fn headers_of(message: &[u8]) -> String {
    let end = super::rewrite::head_end(message).min(64 * 1024);
    let head = String::from_utf8_lossy(&message[..end]);
    head.lines()
        .map(|l| format!("{}\r\n", l.chars().take(990).map(|c| if c.is_ascii() { c } else { '?' }).collect::<String>()))
        .collect()
}

/// A header of the original message as it was (UTF-8 kept), unfolded naively.
fn header(message: &[u8], name: &str) -> Option<String> {
    let end = super::rewrite::head_end(message).min(64 * 1024);
    String::from_utf8_lossy(&message[..end])
        .lines()
        .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim().to_owned()))
}

fn report(
    hostname: &str,
    from: &str,
    to: &str,
    envelope: &Envelope,
    message: &[u8],
    why: &Diagnosis,
    now: time::OffsetDateTime,
) -> Result<Vec<u8>, String> {
    use lettre::message::header::ContentType;
    let boundary = format!("=_mailwarden_{}", envelope.id);
    let mut human = format!(
        "Your message to {} could not be delivered.\r\n\r\n{}\r\n{}\r\n\r\nWhat to do:\r\n",
        envelope.to.join(", "),
        why.title,
        why.cause
    );
    for s in &why.steps {
        human.push_str(&format!("- {s}\r\n"));
    }
    human.push_str(&format!(
        "\r\nThe message stays in the Mailwarden relay's queue on {hostname} (id {}): once the cause is fixed, retry it there (relay queue retry), or delete it.\r\n",
        envelope.id
    ));
    let human = B64
        .encode(human.as_bytes())
        .as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8_lossy(c) + "\r\n")
        .collect::<String>();
    let arrival = time::OffsetDateTime::parse(&envelope.received_at, &time::format_description::well_known::Rfc3339)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc2822).ok())
        .unwrap_or_default();
    let status = status(why);
    let mut fields =
        format!("Reporting-MTA: dns; {}\r\nX-Mailwarden-Queue-Id: {}\r\n", ascii_line(hostname), envelope.id);
    if !arrival.is_empty() {
        fields.push_str(&format!("Arrival-Date: {arrival}\r\n"));
    }
    for rcpt in &envelope.to {
        fields.push_str(&format!(
            "\r\nFinal-Recipient: rfc822; {}\r\nAction: failed\r\nStatus: {status}\r\nDiagnostic-Code: x-mailwarden; {}: {}\r\n",
            ascii_line(rcpt),
            ascii_line(&why.code),
            ascii_line(&why.title)
        ));
    }
    let body = format!(
        "This is a delivery status notification (RFC 3464).\r\n\r\n--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{human}\r\n--{boundary}\r\nContent-Type: message/delivery-status\r\n\r\n{fields}\r\n--{boundary}\r\nContent-Type: text/rfc822-headers\r\n\r\n{}\r\n--{boundary}--\r\n",
        headers_of(message)
    );
    let subject =
        header(message, "subject").map_or_else(|| "Undelivered message".to_owned(), |s| format!("Undelivered: {s}"));
    let content_type =
        ContentType::parse(&format!("multipart/report; report-type=delivery-status; boundary=\"{boundary}\""))
            .map_err(|e| e.to_string())?;
    let mut b = lettre::Message::builder()
        .from(format!("Mailwarden relay <{from}>").parse().map_err(|e: lettre::address::AddressError| e.to_string())?)
        .to(to.parse().map_err(|e: lettre::address::AddressError| format!("{to}: {e}"))?)
        .subject(subject)
        .date(now.into())
        .message_id(Some(format!("<bounce-{}@{}>", envelope.id, ascii_line(hostname))))
        .header(content_type);
    if let Some(original) = header(message, "message-id") {
        b = b.in_reply_to(original.clone()).references(original);
    }
    // 7-bit by construction (ASCII, lines under 998): a multipart body is
    // never re-encoded (lettre would quote lines over 76 characters).
    let body = lettre::message::Body::dangerous_pre_encoded(
        body.into_bytes(),
        lettre::message::header::ContentTransferEncoding::SevenBit,
    );
    let m = b.body(body).map_err(|e| e.to_string())?;
    let mut out = m.formatted();
    // RFC 3834: an automatic answer, never to be answered automatically.
    out.splice(0..0, b"Auto-Submitted: auto-replied\r\n".iter().copied());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_names_the_cause_the_fix_and_each_recipient() {
        let envelope = Envelope {
            id: "00001-000001-1".into(),
            device: "scanner".into(),
            profile_id: 1,
            from: "scan@printer.lan".into(),
            to: vec!["ops@contoso.com".into(), "hr@contoso.com".into()],
            peer: "192.168.1.20".into(),
            received_at: "2026-12-02T10:00:00Z".into(),
            size: 10,
            bounce_of: None,
            smtputf8: false,
        };
        let mut why = Diagnosis::new(
            "aadsts70008",
            "The sign-in has expired",
            "The grant was revoked.",
            vec!["Connect the account again.".into()],
        );
        why.transcript = vec!["S: 535 5.7.3 Authentication unsuccessful".into()];
        let msg = b"From: Scanner <scan@printer.lan>\r\nSubject: Scan \xc3\xa9t\xc3\xa9\r\nMessage-ID: <s-1@printer.lan>\r\n\r\nbody";
        let now = time::macros::datetime!(2026-12-02 10:05 UTC);
        let out = report("relay.lan", "erp@contoso.com", "scan@printer.lan", &envelope, msg, &why, now).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("Auto-Submitted: auto-replied\r\n"), "{text}");
        assert!(text.contains("multipart/report; report-type=delivery-status"), "{text}");
        assert!(text.contains("Final-Recipient: rfc822; ops@contoso.com\r\nAction: failed\r\nStatus: 5.7.3"), "{text}");
        assert!(text.contains("Final-Recipient: rfc822; hr@contoso.com"), "{text}");
        assert!(text.contains("Diagnostic-Code: x-mailwarden; aadsts70008: The sign-in has expired"), "{text}");
        assert!(text.contains("In-Reply-To: <s-1@printer.lan>"), "{text}");
        assert!(text.contains("\r\nSubject: Scan ?t?\r\n"), "original headers in 7 bits: {text}");
        assert!(
            text.contains("Subject: Undelivered: Scan =?utf-8?"),
            "the bounce's own subject keeps the accents, encoded: {text}"
        );
        assert!(text.is_ascii(), "{text}");
        let human = text.split("base64\r\n\r\n").nth(1).unwrap().split("\r\n\r\n").next().unwrap().replace("\r\n", "");
        let human = String::from_utf8(B64.decode(human).unwrap()).unwrap();
        assert!(human.contains("The grant was revoked.") && human.contains("- Connect the account again."), "{human}");
        assert_eq!(status(&Diagnosis::new("x", "t", "c", vec![])), "5.0.0");
    }

    fn held(spool: &Spool, from: &str, bounce_of: Option<&str>) -> String {
        let now = time::macros::datetime!(2026-12-02 10:00 UTC);
        let e = Envelope {
            id: spool.next_id(now),
            device: "scanner".into(),
            profile_id: 7,
            from: from.into(),
            to: vec!["ops@contoso.com".into()],
            peer: "192.168.1.20".into(),
            received_at: crate::clock::rfc3339(now),
            size: 9,
            bounce_of: bounce_of.map(str::to_owned),
            smtputf8: false,
        };
        spool.accept(&e, b"Subject: s\r\n\r\nbody\r\n").unwrap();
        e.id
    }

    #[test]
    fn a_held_message_is_bounced_as_the_settings_say_into_the_queue() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path()).unwrap();
        let why = Diagnosis::new("aadsts70008", "The sign-in has expired", "c", vec![]);
        let now = time::macros::datetime!(2026-12-02 10:05 UTC);
        let sender = Bounces::Sender;
        let to_admin = Bounces::To("it@contoso.com".into());
        let off = Bounces::Off;
        let bouncer = |bounces| Bouncer { spool: &spool, bounces, hostname: "relay.lan" };
        let from_of = |id: i64| (id == 7).then(|| "erp@contoso.com".to_owned());

        let id = held(&spool, "scan@printer.lan", None);
        let b = bouncer(&sender).queue(&id, &why, now, from_of).expect("a bounce to the sender");
        let (e, dsn) = spool.read(&b).unwrap();
        assert_eq!(
            (e.from.as_str(), e.to.as_slice(), e.bounce_of.as_deref()),
            ("erp@contoso.com", &["scan@printer.lan".to_owned()][..], Some(id.as_str()))
        );
        assert_eq!((e.device.as_str(), e.profile_id), (DEVICE, 7));
        assert!(String::from_utf8(dsn).unwrap().contains("aadsts70008"));

        let b = bouncer(&to_admin).queue(&id, &why, now, from_of).unwrap();
        assert_eq!(spool.envelope(&b).unwrap().to, ["it@contoso.com"]);

        assert_eq!(bouncer(&off).queue(&id, &why, now, from_of), None, "bounces off");
        let bounce = held(&spool, "erp@contoso.com", Some(&id));
        assert_eq!(bouncer(&to_admin).queue(&bounce, &why, now, from_of), None, "a bounce never bounces");
        let null_sender = held(&spool, "", None);
        assert_eq!(bouncer(&sender).queue(&null_sender, &why, now, from_of), None, "no one to tell");
        assert_eq!(bouncer(&sender).queue("00000-000000-0", &why, now, from_of), None, "gone from the queue");
        let count = spool.ids().unwrap().len();
        assert_eq!(count, 5, "three held messages and two bounces, nothing else");
    }
}
