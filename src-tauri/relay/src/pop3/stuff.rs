//! A message as a POP3 multi-line reply (RFC 1939): each line starting
//! with `.` gets another, a last line without CRLF gets one, `.` ends it;
//! for TOP, the headers and N lines of the body. The reply's first line is
//! held back until the first byte, so a message that cannot be read is one
//! `-ERR`, never a half-sent `+OK`.

use std::io::{self, Write};

/// Writes a message as a multi-line reply: each line starting with `.`
/// gets another (RFC 1939's byte-stuffing), a last line without CRLF gets
/// one, and `.` ends it; for TOP, the headers and `lines` lines of the body.
pub(super) struct Stuffer<'o> {
    pub(super) out: &'o mut dyn Write,
    /// Body lines still to send (None: all); counted once the headers end.
    lines: Option<u64>,
    in_body: bool,
    at_line_start: bool,
    /// The current line is empty so far (the blank line ends the headers).
    line_empty: bool,
    first: Option<String>,
    pub(super) started: bool,
}

impl<'o> Stuffer<'o> {
    pub(super) fn new(out: &'o mut dyn Write, lines: Option<u64>, first: String) -> Self {
        Stuffer {
            out,
            lines,
            in_body: false,
            at_line_start: true,
            line_empty: true,
            first: Some(first),
            started: false,
        }
    }

    pub(super) fn finish(mut self) -> io::Result<()> {
        self.start()?;
        if !self.at_line_start {
            self.out.write_all(b"\r\n")?;
        }
        self.out.write_all(b".\r\n")
    }

    fn start(&mut self) -> io::Result<()> {
        if let Some(first) = self.first.take() {
            self.started = true;
            self.out.write_all(first.as_bytes())?;
        }
        Ok(())
    }
}

impl Write for Stuffer<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.start()?;
        for &b in buf {
            if self.in_body && self.at_line_start && self.lines == Some(0) {
                break;
            }
            if self.at_line_start && b == b'.' {
                self.out.write_all(b".")?;
            }
            self.out.write_all(&[b])?;
            if b == b'\n' {
                if !self.in_body && self.line_empty {
                    self.in_body = true;
                } else if self.in_body {
                    if let Some(l) = self.lines.as_mut() {
                        *l = l.saturating_sub(1);
                    }
                }
                self.at_line_start = true;
                self.line_empty = true;
            } else {
                self.at_line_start = false;
                if b != b'\r' {
                    self.line_empty = false;
                }
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
