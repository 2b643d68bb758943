//! The DATA stream of a relay session, line by line, as Postfix 3.9 reads
//! it by default (`smtpd_forbid_bare_newline = normal`, the answer to SMTP
//! smuggling, CVE-2023-51764): only `<CR><LF>.<CR><LF>` ends the message;
//! a line that ends in a bare LF or a bare CR is taken as if it ended in
//! CRLF, so what is queued has one kind of line end and a later hop cannot
//! read an end of message the relay did not. A leading dot is removed
//! (RFC 5321 §4.5.2); a lone "." that does not end the message (after a
//! bare line end) stays as text. Hand-written because smtp-proto's receiver
//! keeps bare line ends as they came and also ends DATA on `.<CR><CR><LF>`.

/// Reads one message's DATA; [`DataReader::ingest`] until it says done.
pub struct DataReader {
    /// The previous line ended in CRLF (or this is the first line).
    clean_start: bool,
    /// The last byte was a CR whose meaning waits for the next byte.
    cr: bool,
    /// The current line began with a dot (held back).
    dot: bool,
    /// Bytes of the current line after that dot.
    line_len: usize,
    /// Lines that ended in a bare LF or CR.
    pub bare_line_ends: usize,
    /// The message's size as queued (counted past the cap too).
    pub size: usize,
    cap: usize,
}

impl DataReader {
    /// A reader that keeps at most `cap` bytes (the rest is counted, not kept).
    pub fn new(cap: usize) -> Self {
        DataReader { clean_start: true, cr: false, dot: false, line_len: 0, bare_line_ends: 0, size: 0, cap }
    }

    /// More than `cap` bytes came: the message is refused at its end.
    pub fn over(&self) -> bool {
        self.size > self.cap
    }

    fn emit(&mut self, out: &mut Vec<u8>, bytes: &[u8]) {
        self.size += bytes.len();
        if self.size <= self.cap {
            out.extend_from_slice(bytes);
        }
    }

    /// Take bytes from `bytes` into `out` (normalised, unstuffed) until the
    /// end of DATA; true when it was read (the iterator then holds what
    /// follows it: the next pipelined command).
    pub fn ingest(&mut self, bytes: &mut std::slice::Iter<'_, u8>, out: &mut Vec<u8>) -> bool {
        while let Some(&b) = bytes.as_slice().first() {
            bytes.next();
            if self.cr {
                self.cr = false;
                if b == b'\n' {
                    if self.end_line(out, true) {
                        return true;
                    }
                    continue;
                }
                self.end_line(out, false); // a bare CR ends its line; `b` starts the next
            }
            match b {
                b'\r' => self.cr = true,
                b'\n' => {
                    self.end_line(out, false);
                }
                _ if self.line_len == 0 && !self.dot && b == b'.' => self.dot = true,
                _ => {
                    // The rest of the line up to the next CR or LF at once.
                    let rest = bytes.as_slice();
                    let n = rest.iter().position(|c| *c == b'\r' || *c == b'\n').unwrap_or(rest.len());
                    self.emit(out, &[b]);
                    self.emit(out, &rest[..n]);
                    self.line_len += 1 + n;
                    *bytes = rest[n..].iter();
                }
            }
        }
        false
    }

    /// A line ended (in CRLF when `crlf`); true when it was the end of DATA.
    fn end_line(&mut self, out: &mut Vec<u8>, crlf: bool) -> bool {
        if self.dot && self.line_len == 0 {
            if crlf && self.clean_start {
                return true;
            }
            self.emit(out, b".");
        }
        self.emit(out, b"\r\n");
        if !crlf {
            self.bare_line_ends += 1;
        }
        self.clean_start = crlf;
        self.dot = false;
        self.line_len = 0;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::DataReader;

    /// The message read from `input` fed in pieces of `step` bytes, and what followed it.
    fn read(input: &[u8], step: usize) -> Option<(Vec<u8>, Vec<u8>)> {
        let mut r = DataReader::new(1 << 20);
        let mut out = Vec::new();
        for (i, chunk) in input.chunks(step).enumerate() {
            let mut it = chunk.iter();
            if r.ingest(&mut it, &mut out) {
                let mut rest = it.as_slice().to_vec();
                rest.extend(input.iter().skip((i + 1) * step));
                return Some((out, rest));
            }
        }
        None
    }

    #[test]
    fn only_crlf_dot_crlf_ends_and_line_ends_are_normalised() {
        for step in [1, 2, 3, 7, 1000] {
            let (m, rest) = read(b"a\r\n..b\r\n.\r\nQUIT\r\n", step).unwrap();
            assert_eq!(m, b"a\r\n.b\r\n");
            assert_eq!(rest, b"QUIT\r\n");
            // Smuggling attempts: none of these ends the message, and each
            // comes out with CRLF only, the lone dot kept as text.
            let (m, _) = read(b"x\n.\nMAIL FROM:<a@b>\r\n.\r\n", step).unwrap();
            assert_eq!(m, b"x\r\n.\r\nMAIL FROM:<a@b>\r\n");
            let (m, _) = read(b"x\r.\r\nRCPT\r\n.\r\n", step).unwrap();
            assert_eq!(m, b"x\r\n.\r\nRCPT\r\n");
            let (m, _) = read(b"x\r\n.\r\r\ny\r\n.\r\n", step).unwrap();
            assert_eq!(m, b"x\r\n.\r\n\r\ny\r\n");
            let (m, _) = read(b"x\n.\r\ny\r\n.\r\n", step).unwrap();
            assert_eq!(m, b"x\r\n.\r\ny\r\n");
            assert!(read(b"x\r\n.\n", step).is_none(), "a dot line ending in a bare LF does not end DATA");
        }
    }

    #[test]
    fn an_empty_message_and_the_cap() {
        assert_eq!(read(b".\r\n", 1).unwrap().0, b"");
        let mut r = DataReader::new(4);
        let mut out = Vec::new();
        assert!(r.ingest(&mut b"abcdef\r\n.\r\n".iter(), &mut out));
        assert!(r.over());
        assert!(out.len() <= 4);
        assert_eq!(r.size, 8);
    }
}
