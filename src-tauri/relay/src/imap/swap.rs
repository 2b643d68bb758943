//! Moving a carried session to a new upstream connection before its token
//! runs out. The new connection signs in with a fresh token, says again what
//! shaped the session (ENABLE, then the SELECT or EXAMINE), resumes an IDLE
//! under way with the app's own tag, and only then takes over: the answers
//! thread is handed its reading half (with what was read past the replay),
//! the old connection is told DONE and LOGOUT, and its last answers are
//! marked the front's own. Mail that came meanwhile is announced with one
//! `* n EXISTS`; if messages were expunged meanwhile the move waits (the app
//! must hear of them from the old connection first, or its message numbers
//! would be wrong).

use super::split::{split, ReadHalf, WriteHalf};
use super::track::{Track, OWN};
use super::wire::{self, literal_at_end, Response};
use mailwarden_services::mail::imap_upstream::{Lines, Upstream};
use std::io::{Read, Write};
use std::sync::mpsc::Sender;
use std::sync::Mutex;
use std::time::Duration;

/// How long the new connection may take to answer the replay.
const REPLAY_WAIT: Duration = Duration::from_secs(30);

/// How a session gets a new upstream, and what it must heed.
pub trait Renew: Send + Sync {
    /// A new signed-in upstream, with when its token expires (Unix seconds).
    fn open(&self) -> Result<(Upstream, Option<i64>), String>;
    /// Now, Unix seconds (the engine's clock).
    fn now(&self) -> i64;
    /// The relay is stopping.
    fn stopping(&self) -> bool;
}

/// When to move: a quarter of the token's remaining life before it ends,
/// but no more than 15 minutes before (a token of an hour: at 45 minutes).
pub fn renew_at(now: i64, expires: Option<i64>) -> Option<i64> {
    expires.map(|e| e - ((e - now).max(0) / 4).min(900))
}

/// What the answers thread takes over with.
pub struct Handover {
    pub read: ReadHalf,
    /// Read from the new connection past the replay.
    pub pending: Vec<u8>,
    /// For the app first (new mail announced).
    pub tell: Vec<u8>,
}

/// Move the session: the new connection's writing half and its token's expiry.
pub fn swap(
    renew: &dyn Renew,
    track: &Mutex<Track>,
    old: &mut WriteHalf,
    handover: &Sender<Handover>,
) -> Result<(WriteHalf, Option<i64>), String> {
    let (selected, enabled, idle, known) = {
        let t = track.lock().unwrap_or_else(|p| p.into_inner());
        (t.selected.clone(), t.enabled.clone(), t.idle.clone(), t.exists)
    };
    let (up, expires) = renew.open()?;
    let (read, write) = split(up.stream).map_err(|e| e.to_string())?;
    let _ = read.socket().set_read_timeout(Some(REPLAY_WAIT));
    let mut r = Replay { read, write, lines: Lines { buf: up.leftover } };
    for (i, e) in enabled.iter().enumerate() {
        r.say(&format!("{OWN}e{i}"), e)?;
    }
    let mut exists = None;
    if let Some(s) = &selected {
        exists = r.say(&format!("{OWN}s"), s)?;
    }
    if let (Some(now), Some(before)) = (exists, known) {
        if now < before {
            return Err(format!("{} messages were expunged meanwhile", before - now));
        }
    }
    if let Some(tag) = &idle {
        r.idle(tag)?;
    }
    let _ = r.read.socket().set_read_timeout(None);
    let tell = match (exists, known) {
        (Some(now), Some(before)) if now > before => format!("* {now} EXISTS\r\n").into_bytes(),
        _ => Vec::new(),
    };
    {
        let mut t = track.lock().unwrap_or_else(|p| p.into_inner());
        t.swallow.insert(format!("{OWN}L"));
        t.swallow.extend(idle.clone());
        t.swallow_bye = true;
        if exists.is_some() {
            t.exists = exists;
        }
    }
    let Replay { read, write, lines } = r;
    let pending = lines.buf;
    handover.send(Handover { read, pending, tell }).map_err(|_| "the session is ending".to_owned())?;
    if idle.is_some() {
        let _ = old.write_all(b"DONE\r\n");
    }
    let _ = old.write_all(format!("{OWN}L LOGOUT\r\n").as_bytes());
    Ok((write, expires))
}

/// The new connection during the replay.
struct Replay {
    read: ReadHalf,
    write: WriteHalf,
    lines: Lines,
}

impl Replay {
    /// Send `tag rest` and read to its tagged answer; the EXISTS it gave.
    fn say(&mut self, tag: &str, rest: &[u8]) -> Result<Option<u64>, String> {
        let mut command = format!("{tag} ").into_bytes();
        command.extend_from_slice(rest);
        self.write.write_all(&command).map_err(|e| e.to_string())?;
        let mut exists = None;
        loop {
            match wire::response(&self.line()?) {
                Response::Done { tag: t, ok } if t == tag => {
                    return if ok { Ok(exists) } else { Err(format!("the server refused {}", show(rest))) };
                }
                Response::Exists(n) => exists = Some(n),
                Response::Bye => return Err("the new connection was closed".into()),
                _ => {}
            }
        }
    }

    /// Resume the app's IDLE under its own tag.
    fn idle(&mut self, tag: &str) -> Result<(), String> {
        self.write.write_all(format!("{tag} IDLE\r\n").as_bytes()).map_err(|e| e.to_string())?;
        loop {
            match wire::response(&self.line()?) {
                Response::Continue => return Ok(()),
                Response::Done { .. } | Response::Bye => return Err("the server refused IDLE".into()),
                _ => {}
            }
        }
    }

    /// The next response line (a literal it announces is read past).
    fn line(&mut self) -> Result<Vec<u8>, String> {
        let line = self.lines.next(&mut self.read).map_err(|e| e.to_string())?;
        if let Some(mut n) = literal_at_end(&line) {
            let mut chunk = [0u8; 8192];
            loop {
                let buf = &mut self.lines.buf;
                let here = buf.len().min(usize::try_from(n).unwrap_or(usize::MAX));
                buf.drain(..here);
                n -= here as u64;
                if n == 0 {
                    break;
                }
                match self.read.read(&mut chunk) {
                    Ok(0) => return Err("the new connection was closed".into()),
                    Ok(k) => buf.extend_from_slice(&chunk[..k]),
                    Err(e) => return Err(e.to_string()),
                }
            }
        }
        Ok(line)
    }
}

fn show(command: &[u8]) -> String {
    String::from_utf8_lossy(command).trim().chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::renew_at;

    #[test]
    fn renewal_comes_a_quarter_before_the_end_at_most_fifteen_minutes() {
        assert_eq!(renew_at(0, Some(3600)), Some(2700));
        assert_eq!(renew_at(0, Some(20)), Some(15));
        assert_eq!(renew_at(100, Some(50)), Some(50), "already past: now");
        assert_eq!(renew_at(0, None), None, "a password session is never moved");
    }
}
