//! The IMAP conversation for the person, recorded from the bytes our stream
//! carries (above TLS): the `imap` crate has no hook for it. Credentials are
//! redacted as the lines are cut — a `LOGIN` password, a SASL initial
//! response, every client line answering a `+` continuation — and a failure
//! challenge (`+` and base64 JSON) is shown decoded.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use std::cell::RefCell;
use std::io::{self, Read, Write};
use std::rc::Rc;

/// LIST lines shown before the rest are only counted.
const LIST_SHOWN: usize = 8;
/// Longest line kept, in characters.
const LINE_MAX: usize = 300;

#[derive(Default)]
pub(super) struct Log {
    pub lines: Vec<String>,
    out: Vec<u8>,
    inp: Vec<u8>,
    sasl_next: bool,
    listed: usize,
}

pub(super) type Shared = Rc<RefCell<Log>>;

impl Log {
    pub fn note(&mut self, line: impl Into<String>) {
        self.lines.push(format!("* {}", line.into()));
    }

    pub fn client_line(&mut self, line: &str) {
        let line = line.trim_end_matches(['\r', '\n']);
        let shown = if std::mem::take(&mut self.sasl_next) {
            if line.is_empty() {
                "(empty response, as SASL requires after a failure challenge)".to_owned()
            } else {
                "[SASL response: credentials redacted]".to_owned()
            }
        } else {
            let words: Vec<&str> = line.split(' ').collect();
            match words.get(1).map(|w| w.to_ascii_uppercase()).as_deref() {
                Some("LOGIN") => format!("{} LOGIN {} [password redacted]", words[0], words.get(2).unwrap_or(&"")),
                Some("AUTHENTICATE") if words.len() > 3 => {
                    format!("{} AUTHENTICATE {} [initial response redacted]", words[0], words[2])
                }
                _ => line.to_owned(),
            }
        };
        self.push("C", &shown);
    }

    pub fn server_line(&mut self, line: &str) {
        let line = line.trim_end_matches(['\r', '\n']);
        if let Some(rest) = line.strip_prefix('+') {
            self.sasl_next = true;
            let decoded = B64.decode(rest.trim()).ok().and_then(|b| String::from_utf8(b).ok());
            return match decoded.filter(|d| !d.trim().is_empty()) {
                Some(d) => self.push("S", &format!("+ [decoded: {d}]")),
                None => self.push("S", line),
            };
        }
        if line.starts_with("* LIST ") {
            self.listed += 1;
            if self.listed > LIST_SHOWN {
                return;
            }
        } else if self.listed > LIST_SHOWN {
            let more = self.listed - LIST_SHOWN;
            self.listed = 0;
            self.note(format!("… {more} more LIST lines"));
        }
        self.push("S", line);
    }

    fn push(&mut self, who: &str, line: &str) {
        let mut line = line.to_owned();
        if line.chars().count() > LINE_MAX {
            line = line.chars().take(LINE_MAX).collect::<String>() + "…";
        }
        self.lines.push(format!("{who}: {line}"));
    }

    fn bytes(&mut self, client: bool, data: &[u8]) {
        let buf = if client { &mut self.out } else { &mut self.inp };
        buf.extend_from_slice(data);
        let mut lines = Vec::new();
        while let Some(end) = buf.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = buf.drain(..=end).collect();
            lines.push(String::from_utf8_lossy(&line).into_owned());
        }
        for line in lines {
            if client {
                self.client_line(&line);
            } else {
                self.server_line(&line);
            }
        }
    }
}

/// A stream whose lines are recorded in a [`Log`].
pub(super) struct Recorded<S> {
    pub inner: S,
    pub log: Shared,
}

impl<S: Read> Read for Recorded<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.log.borrow_mut().bytes(false, &buf[..n]);
        Ok(n)
    }
}

impl<S: Write> Write for Recorded<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.log.borrow_mut().bytes(true, &buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<S: std::fmt::Debug> std::fmt::Debug for Recorded<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::Log;

    #[test]
    fn credentials_are_redacted_and_challenges_decoded() {
        let mut log = Log::default();
        log.bytes(false, b"* OK ready\r\n");
        log.bytes(true, b"a1 LOGIN bob hunter2\r\n");
        log.bytes(true, b"a2 AUTHENTICATE XOAUTH2 dXNlcj1ib2IBYXV0aD1CZWFyZXIgc2VjcmV0AQE=\r\n");
        log.bytes(true, b"a3 AUTHENTICATE XOAUTH2\r\n");
        log.bytes(false, b"+ \r\n");
        log.bytes(true, b"dXNlcj1ib2IBYXV0aD1CZWFyZXIgc2VjcmV0");
        log.bytes(true, b"AQE=\r\n");
        log.bytes(false, b"+ eyJzdGF0dXMiOiI0MDEifQ==\r\n");
        log.bytes(true, b"\r\n");
        log.bytes(false, b"a3 NO [AUTHENTICATIONFAILED] failed\r\n");
        let text = log.lines.join("\n");
        assert!(!text.contains("hunter2") && !text.contains("dXNlcj1"), "{text}");
        assert!(text.contains("C: a1 LOGIN bob [password redacted]"), "{text}");
        assert!(text.contains("C: a2 AUTHENTICATE XOAUTH2 [initial response redacted]"), "{text}");
        assert!(text.contains("C: [SASL response: credentials redacted]"), "{text}");
        assert!(text.contains(r#"S: + [decoded: {"status":"401"}]"#), "{text}");
        assert!(text.contains("C: (empty response"), "{text}");
    }

    #[test]
    fn long_folder_lists_are_counted() {
        let mut log = Log::default();
        for i in 0..20 {
            log.server_line(&format!("* LIST (\\HasNoChildren) \"/\" F{i}\r\n"));
        }
        log.server_line("a4 OK List completed\r\n");
        assert_eq!(log.lines.len(), 8 + 2, "{:?}", log.lines);
        assert!(log.lines.contains(&"* … 12 more LIST lines".to_owned()));
    }
}
