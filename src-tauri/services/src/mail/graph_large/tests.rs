//! Taking a message's attachments out for a Graph draft: what stays is a
//! MIME message that parses to the same headers, text and small parts.

use super::*;

/// A scan: a text part, a large PDF and a small logo, base64 with 76-column lines.
fn scan(pdf: &[u8], logo: &[u8]) -> Vec<u8> {
    let b64 = |b: &[u8]| {
        let s = B64.encode(b);
        s.as_bytes().chunks(76).map(|l| String::from_utf8_lossy(l).into_owned()).collect::<Vec<_>>().join("\r\n")
    };
    format!(
        "From: scanner@contoso.com\r\nTo: erp@contoso.com\r\nBcc: audit@contoso.com\r\nSubject: Scan 42\r\n\
         Message-ID: <scan-42@printer.lan>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\nPreamble.\r\n\
         --b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nYour scan is attached.\r\n\
         --b1\r\nContent-Type: application/pdf; name=\"scan 42.pdf\"\r\nContent-Disposition: attachment; filename=\"scan 42.pdf\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}\r\n\
         --b1\r\nContent-Type: image/png\r\nContent-Disposition: inline; filename=\"logo.png\"\r\nContent-ID: <logo@printer>\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--b1--\r\n",
        b64(pdf),
        b64(logo)
    )
    .into_bytes()
}

#[test]
fn a_large_attachment_is_taken_out_and_the_rest_stays_as_it_was() {
    let pdf: Vec<u8> = (0..6 * 1024 * 1024).map(|i| (i * 7 % 251) as u8).collect();
    let logo = b"\x89PNG tiny".to_vec();
    let mime = scan(&pdf, &logo);
    let (draft, out) = split(&mime).unwrap();
    assert_eq!(out.len(), 1, "only what must go: the PDF");
    assert_eq!(out[0].name, "scan 42.pdf");
    assert_eq!(out[0].content_type, "application/pdf");
    assert!(!out[0].inline);
    assert!(out[0].bytes == pdf, "the PDF's bytes, decoded");
    assert!(draft.len() < 4096, "{} bytes", draft.len());
    let m = MessageParser::default().parse(&draft[..]).expect("the draft is MIME");
    assert_eq!(m.message_id(), Some("scan-42@printer.lan"));
    assert_eq!(m.subject(), Some("Scan 42"));
    assert!(m.bcc().is_some(), "the Bcc stays for Graph to send to");
    assert_eq!(m.body_text(0).as_deref().map(str::trim), Some("Your scan is attached."));
    let kept: Vec<_> = m.attachments().collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].attachment_name(), Some("logo.png"));
    assert_eq!(kept[0].contents(), &logo[..]);
    assert!(draft.ends_with(b"--b1--\r\n"), "{}", String::from_utf8_lossy(&draft));
}

#[test]
fn a_message_that_fits_is_left_whole_and_a_huge_text_is_refused() {
    let small = scan(b"%PDF small", b"png");
    assert_eq!(split(&small).unwrap(), (small.clone(), Vec::new()));
    let mut text = b"From: a@contoso.com\r\nTo: b@contoso.com\r\nSubject: long\r\n\r\n".to_vec();
    text.extend(std::iter::repeat_n(b'x', 5 * 1024 * 1024));
    let refused = split(&text).unwrap_err();
    assert_eq!(refused.code, "graph_too_large");
    assert!(refused.cause.contains("its text is over 3 MB"), "{}", refused.cause);
}

#[test]
fn an_upload_url_never_reaches_a_transcript_with_its_authorization() {
    let u = "https://outlook.office.com/api/v2.0/Users('a')/Messages('b')/AttachmentSessions('c')?authtoken=eyJ0";
    assert!(!redact(u).contains("eyJ0") && redact(u).ends_with("?[authorization redacted]"));
}
