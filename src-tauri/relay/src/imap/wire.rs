//! The carried session's framing: after sign-in the front does not parse
//! IMAP, it only finds where each command and response begins — lines, and
//! the literals a line announces at its end (`{n}`, `{n+}`, `~{n}`), whose
//! bytes pass through untouched however large — so it can rewrite the
//! capabilities the app sees, follow which commands are in flight, and
//! refuse the few it must. Written by hand: imap-codec decodes whole
//! messages into memory (a 25 MB FETCH literal included) and would reject
//! any extension it does not know, where a pass-through must carry them all.

/// One piece of the stream, in order.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    /// A whole line, to its LF; `first`: it begins a command or response
    /// (not the rest of one after a literal).
    Line { bytes: &'a [u8], first: bool },
    /// Bytes carried as they are: a literal's, or a line too long to hold.
    Raw(&'a [u8]),
}

/// A line longer than the framer holds, where that is refused.
#[derive(Debug, PartialEq, Eq)]
pub struct Overlong;

/// Splits a byte stream into [`Piece`]s.
pub struct Framer {
    line: Vec<u8>,
    /// Literal bytes still to come.
    literal: u64,
    first: bool,
    /// The line under way passed `cap` and is carried raw (`tail`: its end,
    /// where a literal is announced).
    long: bool,
    tail: Vec<u8>,
    cap: usize,
    long_ok: bool,
}

/// The end of a long line kept to read a literal's announcement.
const TAIL: usize = 32;

impl Framer {
    /// Lines up to `cap` bytes are held whole; a longer one is carried raw
    /// if `long_ok`, else it is an error.
    pub fn new(cap: usize, long_ok: bool) -> Framer {
        Framer { line: Vec::new(), literal: 0, first: true, long: false, tail: Vec::new(), cap, long_ok }
    }

    /// A literal announced was refused by the server (it answered instead of
    /// `+`): the app will not send it, so what follows is a new command.
    pub fn literal_refused(&mut self) {
        self.literal = 0;
        self.first = true;
    }

    /// Nothing is half-read: the next byte starts a new command.
    pub fn at_boundary(&self) -> bool {
        self.literal == 0 && self.first && self.line.is_empty() && !self.long
    }

    /// Feed `input`; `sink` receives its pieces in order.
    pub fn feed<E: From<Overlong>>(
        &mut self,
        mut input: &[u8],
        sink: &mut impl FnMut(Piece<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        while !input.is_empty() {
            if self.literal > 0 {
                let n = input.len().min(usize::try_from(self.literal).unwrap_or(usize::MAX));
                sink(Piece::Raw(&input[..n]))?;
                self.literal -= n as u64;
                input = &input[n..];
                continue;
            }
            let Some(i) = input.iter().position(|&b| b == b'\n') else {
                self.partial(input, sink)?;
                return Ok(());
            };
            let (seg, rest) = input.split_at(i + 1);
            input = rest;
            let literal = if self.long {
                sink(Piece::Raw(seg))?;
                self.keep_tail(seg);
                self.long = false;
                literal_at_end(&std::mem::take(&mut self.tail))
            } else if self.line.is_empty() {
                sink(Piece::Line { bytes: seg, first: self.first })?;
                literal_at_end(seg)
            } else {
                let mut line = std::mem::take(&mut self.line);
                line.extend_from_slice(seg);
                sink(Piece::Line { bytes: &line, first: self.first })?;
                let literal = literal_at_end(&line);
                line.clear();
                self.line = line;
                literal
            };
            match literal {
                Some(n) => {
                    self.literal = n;
                    self.first = false;
                }
                None => self.first = true,
            }
        }
        Ok(())
    }

    /// Bytes of a line whose end has not come.
    fn partial<E: From<Overlong>>(
        &mut self,
        input: &[u8],
        sink: &mut impl FnMut(Piece<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        if !self.long && self.line.len() + input.len() <= self.cap {
            self.line.extend_from_slice(input);
            return Ok(());
        }
        if !self.long {
            if !self.long_ok {
                return Err(Overlong.into());
            }
            self.long = true;
            let held = std::mem::take(&mut self.line);
            if !held.is_empty() {
                sink(Piece::Raw(&held))?;
                self.keep_tail(&held);
            }
        }
        sink(Piece::Raw(input))?;
        self.keep_tail(input);
        Ok(())
    }

    fn keep_tail(&mut self, bytes: &[u8]) {
        self.tail.extend_from_slice(&bytes[bytes.len().saturating_sub(TAIL)..]);
        let extra = self.tail.len().saturating_sub(TAIL);
        self.tail.drain(..extra);
    }
}

/// The size of the literal a line announces at its end (`{12}`, `{12+}`,
/// `{12-}`, `~{12}`), if any.
pub fn literal_at_end(line: &[u8]) -> Option<u64> {
    let line = line.strip_suffix(b"\n")?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let inner = line.strip_suffix(b"}")?;
    let open = inner.iter().rposition(|&b| b == b'{')?;
    let digits = &inner[open + 1..];
    let digits = digits.strip_suffix(b"+").or_else(|| digits.strip_suffix(b"-")).unwrap_or(digits);
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// A command's tag and name (upper case; `UID FETCH` for UID commands).
pub fn command_head(line: &[u8]) -> Option<(String, String)> {
    let text = std::str::from_utf8(line).ok()?;
    let mut words = text.trim_end_matches(['\r', '\n']).splitn(3, ' ');
    let tag = words.next().filter(|t| !t.is_empty())?;
    let mut name = words.next()?.to_ascii_uppercase();
    if name == "UID" {
        let sub = words.next().and_then(|r| r.split(' ').next()).unwrap_or("");
        name = format!("UID {}", sub.to_ascii_uppercase());
    }
    Some((tag.to_owned(), name))
}

/// What a server line that begins a response is.
#[derive(Debug, PartialEq, Eq)]
pub enum Response {
    /// `tag OK|NO|BAD …`: the command `tag` ended (`ok`: it succeeded).
    Done {
        tag: String,
        ok: bool,
    },
    /// `* n EXISTS`.
    Exists(u64),
    /// `* BYE …`: the server is closing.
    Bye,
    /// `+ …`: the server waits for more of the command.
    Continue,
    Other,
}

/// Read a line that begins a response.
pub fn response(line: &[u8]) -> Response {
    let text = String::from_utf8_lossy(line);
    let mut words = text.trim_end_matches(['\r', '\n']).split(' ');
    match (words.next(), words.next(), words.next()) {
        (Some("+"), _, _) => Response::Continue,
        (Some(s), _, _) if s.starts_with('+') => Response::Continue,
        (Some("*"), Some(n), Some(w)) if w.eq_ignore_ascii_case("EXISTS") => {
            n.parse().map_or(Response::Other, Response::Exists)
        }
        (Some("*"), Some(w), _) if w.eq_ignore_ascii_case("BYE") => Response::Bye,
        (Some("*"), _, _) => Response::Other,
        (Some(tag), Some(status), _) => match status.to_ascii_uppercase().as_str() {
            "OK" => Response::Done { tag: tag.to_owned(), ok: true },
            "NO" | "BAD" => Response::Done { tag: tag.to_owned(), ok: false },
            _ => Response::Other,
        },
        _ => Response::Other,
    }
}

/// Capabilities the app never sees after sign-in: the front signed in
/// already, keeps TLS to itself, and carries bytes it must be able to frame
/// (no compression).
fn hidden(cap: &str) -> bool {
    let c = cap.to_ascii_uppercase();
    c.starts_with("AUTH=")
        || c.starts_with("COMPRESS=")
        || matches!(c.as_str(), "STARTTLS" | "LOGINDISABLED" | "SASL-IR" | "UNAUTHENTICATE" | "LOGIN-REFERRALS")
}

/// The line with its capability list filtered (`* CAPABILITY …`, or a
/// `[CAPABILITY …]` response code); None when it names none.
pub fn rewrite_capabilities(line: &[u8]) -> Option<Vec<u8>> {
    let upper = line.to_ascii_uppercase();
    let (start, end) = if upper.starts_with(b"* CAPABILITY ") {
        let end = line.len() - line.iter().rev().take_while(|b| matches!(b, b'\r' | b'\n')).count();
        (b"* CAPABILITY ".len(), end)
    } else {
        let at = upper.windows(12).position(|w| w == b"[CAPABILITY ")? + 12;
        let close = line[at..].iter().position(|&b| b == b']')? + at;
        (at, close)
    };
    let caps = std::str::from_utf8(&line[start..end]).ok()?;
    let kept: Vec<&str> = caps.split(' ').filter(|c| !c.is_empty() && !hidden(c)).collect();
    let mut out = line[..start].to_vec();
    out.extend_from_slice(kept.join(" ").as_bytes());
    out.extend_from_slice(&line[end..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(framer: &mut Framer, chunks: &[&[u8]]) -> Vec<(String, bool, bool)> {
        let mut got = Vec::new();
        for c in chunks {
            framer
                .feed::<Overlong>(c, &mut |p| {
                    got.push(match p {
                        Piece::Line { bytes, first } => (String::from_utf8_lossy(bytes).into_owned(), true, first),
                        Piece::Raw(b) => (String::from_utf8_lossy(b).into_owned(), false, false),
                    });
                    Ok(())
                })
                .unwrap();
        }
        got
    }

    #[test]
    fn literals_pass_whole_and_what_follows_them_continues_the_line() {
        let mut f = Framer::new(1024, true);
        let got = pieces(&mut f, &[b"* 1 FETCH (BODY[] {12}\r\n* CAPABIL", b"ITY)\r\na1 OK done\r\n"]);
        assert_eq!(
            got,
            vec![
                ("* 1 FETCH (BODY[] {12}\r\n".into(), true, true),
                ("* CAPABIL".into(), false, false),
                ("ITY".into(), false, false),
                (")\r\n".into(), true, false),
                ("a1 OK done\r\n".into(), true, true),
            ]
        );
        assert!(f.at_boundary());
    }

    #[test]
    fn a_long_line_is_carried_raw_or_refused() {
        let mut f = Framer::new(8, true);
        let got = pieces(&mut f, &[b"* 1 FETCH (X ", b"\"long\" {3}\r\nabc)\r\n"]);
        assert_eq!(got[0], ("* 1 FETCH (X ".into(), false, false));
        assert_eq!(got.last().unwrap(), &(")\r\n".into(), true, false));
        let mut strict = Framer::new(8, false);
        assert_eq!(strict.feed::<Overlong>(b"a1 FETCH 1:* (FLAGS)", &mut |_| Ok(())), Err(Overlong));
    }

    #[test]
    fn literal_announcements() {
        assert_eq!(literal_at_end(b"a APPEND INBOX {310}\r\n"), Some(310));
        assert_eq!(literal_at_end(b"a APPEND INBOX {310+}\r\n"), Some(310));
        assert_eq!(literal_at_end(b"* 1 FETCH (BINARY[] ~{7}\r\n"), Some(7));
        assert_eq!(literal_at_end(b"a LOGIN {x}\r\n"), None);
        assert_eq!(literal_at_end(b"a SEARCH TEXT \"{5}\"\r\n"), None);
        assert_eq!(literal_at_end(b"a NOOP\r\n"), None);
    }

    #[test]
    fn heads_and_responses() {
        assert_eq!(command_head(b"a1 uid fetch 1:* FLAGS\r\n"), Some(("a1".into(), "UID FETCH".into())));
        assert_eq!(command_head(b"7 IDLE\r\n"), Some(("7".into(), "IDLE".into())));
        assert_eq!(response(b"a1 OK [READ-WRITE] done\r\n"), Response::Done { tag: "a1".into(), ok: true });
        assert_eq!(response(b"a1 NO nope\r\n"), Response::Done { tag: "a1".into(), ok: false });
        assert_eq!(response(b"* 23 EXISTS\r\n"), Response::Exists(23));
        assert_eq!(response(b"* BYE Session invalidated - AccessTokenExpired\r\n"), Response::Bye);
        assert_eq!(response(b"+ idling\r\n"), Response::Continue);
        assert_eq!(response(b"* 3 FETCH (FLAGS ())\r\n"), Response::Other);
    }

    #[test]
    fn capabilities_lose_sign_in_tls_and_compression() {
        let got = rewrite_capabilities(
            b"* CAPABILITY IMAP4rev1 SASL-IR LITERAL+ AUTH=PLAIN AUTH=XOAUTH2 IDLE COMPRESS=DEFLATE MOVE\r\n",
        );
        assert_eq!(got.unwrap(), b"* CAPABILITY IMAP4rev1 LITERAL+ IDLE MOVE\r\n");
        let got = rewrite_capabilities(b"a1 OK [CAPABILITY IMAP4rev1 STARTTLS IDLE] Logged in\r\n");
        assert_eq!(got.unwrap(), b"a1 OK [CAPABILITY IMAP4rev1 IDLE] Logged in\r\n");
        assert_eq!(rewrite_capabilities(b"* 1 FETCH (FLAGS (\\Seen))\r\n"), None);
    }
}
