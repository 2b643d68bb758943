//! Sending to exactly the envelope through Graph. SMTP delivers to the
//! `RCPT TO` addresses whatever the headers say; Graph's `sendMail` with a
//! MIME body has no envelope and sends to every address in the message's
//! `To`, `Cc` and `Bcc` headers (Exchange then removes `Bcc` from what
//! recipients see, as MS-OXCMAIL says a MIME writer must). So before a
//! Graph send the message's own `Bcc` lines go, the envelope's recipients
//! missing from `To`/`Cc` (a Bcc given only in `RCPT TO`, as smtplib and
//! most clients send it) become one `Bcc` line — and a message whose
//! `To`/`Cc` name someone outside the envelope (a split transaction, a list
//! of 500 in `To` with one `RCPT`) cannot go by Graph at all, since Graph
//! would send it to them too. Headers are parsed by `mail-parser` (groups,
//! comments, encoded words, folding).

use crate::diagnosis::Diagnosis;
use mail_parser::{HeaderName, MessageParser};

/// The addresses in the message's `To` and `Cc` headers, lower-cased, in
/// their order, each once.
pub fn header_recipients(message: &[u8]) -> Vec<String> {
    let head = &message[..super::head_end(message)];
    let Some(parsed) = MessageParser::default().parse_headers(head) else { return Vec::new() };
    let all: Vec<String> = [HeaderName::To, HeaderName::Cc]
        .into_iter()
        .flat_map(|h| parsed.header_values(h).filter_map(|v| v.as_address()).collect::<Vec<_>>())
        .flat_map(|a| a.iter().filter_map(|a| a.address()).map(|a| a.trim().to_lowercase()).collect::<Vec<_>>())
        .filter(|a| !a.is_empty())
        .collect();
    let mut seen = std::collections::HashSet::new();
    all.into_iter().filter(|a| seen.insert(a.clone())).collect()
}

/// The `To`/`Cc` recipients that are not in the envelope `to` (Graph
/// would send to them too); empty when the message can go by Graph.
pub fn outside(message: &[u8], to: &[String]) -> Vec<String> {
    split(&header_recipients(message), to).1
}

/// The envelope lower-cased, and the header recipients outside it.
fn split(in_headers: &[String], to: &[String]) -> (Vec<String>, Vec<String>) {
    let envelope: Vec<String> = to.iter().map(|a| a.trim().to_lowercase()).collect();
    let outside = in_headers.iter().filter(|a| !envelope.contains(a)).cloned().collect();
    (envelope, outside)
}

/// The message Graph will send to exactly `to`; Err(the header recipients
/// outside `to`) when no such message exists.
pub fn for_graph(message: &[u8], to: &[String]) -> Result<Vec<u8>, Vec<String>> {
    let in_headers = header_recipients(message);
    let (envelope, outside) = split(&in_headers, to);
    if !outside.is_empty() {
        return Err(outside);
    }
    let mut bcc: Vec<&str> = Vec::new();
    for (lower, given) in envelope.iter().zip(to) {
        if !in_headers.contains(lower) && !bcc.iter().any(|b| b.eq_ignore_ascii_case(given)) {
            bcc.push(given.trim());
        }
    }
    let end = super::head_end(message);
    let (head, body) = message.split_at(end);
    let mut out = Vec::with_capacity(message.len() + 64);
    let mut in_bcc = false;
    for line in head.split_inclusive(|b| *b == b'\n') {
        let folded = line.first().is_some_and(|b| *b == b' ' || *b == b'\t');
        if folded && in_bcc {
            continue;
        }
        in_bcc = !folded && line.len() > 4 && line[..4].eq_ignore_ascii_case(b"bcc:");
        if !in_bcc {
            out.extend_from_slice(line);
        }
    }
    if !bcc.is_empty() {
        out.extend_from_slice(format!("Bcc: {}\r\n", bcc.join(", ")).as_bytes());
    }
    out.extend_from_slice(body);
    Ok(out)
}

/// Why a message cannot go by Graph: its headers name people outside the envelope.
pub fn outside_diagnosis(outside: &[String], mailbox: &str) -> Diagnosis {
    let shown: Vec<&str> = outside.iter().take(5).map(String::as_str).collect();
    let more = if outside.len() > 5 { format!(" and {} more", outside.len() - 5) } else { String::new() };
    Diagnosis::new(
        "graph_recipients_outside_envelope",
        "Graph would send this message to people it was not addressed to",
        format!(
            "Its To or Cc header names {}{more}, who are not among the recipients the sender gave (RCPT TO). \
             Microsoft Graph sends a MIME message to every address in its headers, so it cannot send to the given recipients alone.",
            shown.join(", ")
        ),
        vec![
            format!(
                "Add a profile for {mailbox} that sends by SMTP (scope SMTP.Send), then retry: the relay sends such messages through it, to the given recipients only."
            ),
            "Or have the device send one message with all its recipients (not one per recipient), then delete this one.".into(),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::for_graph;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn envelope_only_recipients_become_bcc_and_old_bcc_lines_go() {
        let m = b"From: a@x.com\r\nTo: \"Bob, B.\" <bob@y.com>,\r\n carol@y.com\r\nBcc: evil@z.com,\r\n more@z.com\r\nSubject: s\r\n\r\nBcc: body@stays.com\r\n";
        let out = String::from_utf8(for_graph(m, &s(&["Bob@Y.com", "carol@y.com", "dave@w.com"])).unwrap()).unwrap();
        assert_eq!(
            out,
            "From: a@x.com\r\nTo: \"Bob, B.\" <bob@y.com>,\r\n carol@y.com\r\nSubject: s\r\nBcc: dave@w.com\r\n\r\nBcc: body@stays.com\r\n"
        );
        // A group, a comment and an encoded name are read as addresses.
        let m = b"To: team: ann@y.com, (boss) ben@y.com;\r\nCc: =?utf-8?q?J=C3=B6rg?= <jo@y.com>\r\n\r\nx";
        assert!(for_graph(m, &s(&["ann@y.com", "ben@y.com", "jo@y.com"])).is_ok());
    }

    #[test]
    fn header_recipients_outside_the_envelope_are_refused() {
        let many: Vec<String> = (0..500).map(|i| format!("r{i}@y.com")).collect();
        let m = format!("To: {}\r\n\r\nx", many.join(", "));
        let outside = for_graph(m.as_bytes(), &s(&["r0@y.com"])).unwrap_err();
        assert_eq!(outside.len(), 499);
        assert!(for_graph(b"To: undisclosed-recipients:;\r\n\r\nx", &s(&["a@b.c"])).is_ok());
    }
}
