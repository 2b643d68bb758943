//! The sender a profile may use: when a device's From (envelope and header)
//! is not the profile's mailbox or its From address, the relay sends as the
//! profile (Exchange refuses anything else: 5.7.60 SendAsDenied) and keeps
//! the device's own address as Reply-To, so answers still reach it. A
//! per-device setting; headers are edited by hand (a few lines), the body is
//! never touched.

use crate::profile::Profile;

/// The envelope sender and message to send for a device's `from`.
pub fn sender(p: &Profile, from: &str, message: Vec<u8>, rewrite: bool) -> (String, Vec<u8>) {
    let allowed = |a: &str| {
        a.eq_ignore_ascii_case(&p.mailbox) || p.from_address.as_deref().is_some_and(|f| a.eq_ignore_ascii_case(f))
    };
    if !rewrite || allowed(from) {
        return (from.to_owned(), message);
    }
    let as_profile = p.effective_from().to_owned();
    (as_profile.clone(), rewrite_headers(&message, &as_profile))
}

pub(super) use crate::mail::head_end;

/// Replace the From header with `new_from`; the old From becomes Reply-To
/// unless the message has one.
fn rewrite_headers(message: &[u8], new_from: &str) -> Vec<u8> {
    let end = head_end(message);
    let (head, body) = message.split_at(end);
    let mut out = Vec::with_capacity(message.len() + 64);
    let mut old_from: Option<Vec<u8>> = None;
    let mut has_reply_to = false;
    let mut in_from = false;
    for line in head.split_inclusive(|b| *b == b'\n') {
        let folded = line.first().is_some_and(|b| *b == b' ' || *b == b'\t');
        if folded && in_from {
            if let Some(f) = old_from.as_mut() {
                f.extend_from_slice(line);
            }
            continue;
        }
        in_from = false;
        let name_end = line.iter().position(|b| *b == b':').unwrap_or(0);
        let name = &line[..name_end];
        if name.eq_ignore_ascii_case(b"from") {
            in_from = true;
            old_from = Some(line[name_end + 1..].to_vec());
            out.extend_from_slice(format!("From: {new_from}\r\n").as_bytes());
            continue;
        }
        if name.eq_ignore_ascii_case(b"reply-to") {
            has_reply_to = true;
        }
        out.extend_from_slice(line);
    }
    if let (Some(f), false) = (old_from, has_reply_to) {
        let value = String::from_utf8_lossy(&f).trim().to_owned();
        if !value.is_empty() {
            out.extend_from_slice(format!("Reply-To: {value}\r\n").as_bytes());
        }
    }
    out.extend_from_slice(body);
    out
}

#[cfg(test)]
mod tests {
    use super::rewrite_headers;

    #[test]
    fn from_is_replaced_and_kept_as_reply_to() {
        let m = b"Received: x\r\nFrom: Scanner\r\n <scan@printer.lan>\r\nSubject: s\r\n\r\nFrom: body line\r\n";
        let out = String::from_utf8(rewrite_headers(m, "relay@contoso.com")).unwrap();
        assert_eq!(
            out,
            "Received: x\r\nFrom: relay@contoso.com\r\nSubject: s\r\nReply-To: Scanner\r\n <scan@printer.lan>\r\n\r\nFrom: body line\r\n"
        );
        let m = b"From: a@b.c\r\nReply-To: keep@b.c\r\n\r\nbody";
        let out = String::from_utf8(rewrite_headers(m, "x@y.z")).unwrap();
        assert_eq!(out, "From: x@y.z\r\nReply-To: keep@b.c\r\n\r\nbody");
    }
}
