//! The carried session: the app's bytes go upstream on the session's thread,
//! the server's come back on a second one, each framed ([`wire`]) and
//! followed ([`Track`]) but never buffered whole — a 25 MB message passes
//! in 64 KiB pieces, so memory stays flat however much is fetched. The
//! capabilities the app sees lose what the front keeps to itself; COMPRESS
//! and a second sign-in are refused. Before the upstream's token runs out,
//! at a moment when nothing but an IDLE is in flight, the session moves to
//! a new connection signed in with a fresh token ([`super::swap`]): the
//! mailbox is selected again, an IDLE resumed, new mail announced, and the
//! old connection logged out with its answers kept from the app — which
//! never notices. The relay's stop and a silent app (31 minutes, past
//! RFC 3501's 30-minute autologout floor) end the session with a BYE.

use super::split::{ReadHalf, WriteHalf};
use super::swap::{renew_at, swap, Handover, Renew};
use super::track::{FromApp, Track, OWN};
use super::wire::{self, Framer, Overlong, Piece};
use mailwarden_services::mail::imap_upstream::Upstream;
use std::io::{self, Read, Write};
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The longest command line an app may send (Dovecot's own limit).
const APP_LINE_MAX: usize = 64 * 1024;
/// The longest server line held whole; longer ones pass raw.
const SERVER_LINE_MAX: usize = 64 * 1024;
/// How often the session looks at the clock, the relay's stop and the renewal.
const TICK: Duration = Duration::from_secs(1);
/// RFC 3501 5.4: the autologout timer is at least 30 minutes.
const SILENT_MAX: Duration = Duration::from_secs(31 * 60);
/// A renewal that failed is tried again after this.
const RETRY: i64 = 60;
/// Bytes gathered before one write.
const CHUNK: usize = 64 * 1024;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Carry the signed-in session between the app (`app_r`, `app_w`, and what
/// it sent after signing in) and `up`, until either ends.
pub fn carry(
    mut app_r: ReadHalf,
    app_w: WriteHalf,
    app_pending: Vec<u8>,
    up: Upstream,
    expires: Option<i64>,
    renew: &dyn Renew,
) {
    let (up_r, mut up_w) = match super::split::split(up.stream) {
        Ok(halves) => halves,
        Err(e) => {
            tracing::warn!(error = %e, "imap: the upstream connection could not be carried");
            return;
        }
    };
    let app_w = Arc::new(Mutex::new(app_w));
    let track = Arc::new(Mutex::new(Track::default()));
    let (tx, rx) = channel::<Handover>();
    let answers = {
        let (app_w, track) = (app_w.clone(), track.clone());
        let leftover = up.leftover;
        std::thread::Builder::new()
            .name("mailwarden-imap-answers".into())
            .spawn(move || answers(up_r, leftover, &app_w, &track, &rx))
    };
    let Ok(answers) = answers else {
        tracing::error!("imap: could not start the session's answer thread");
        return;
    };
    let _ = app_r.socket().set_read_timeout(Some(TICK));
    let mut framer = Framer::new(APP_LINE_MAX, false);
    let mut next_renewal = renew_at(renew.now(), expires);
    let mut last = Instant::now();
    let mut buf = vec![0u8; CHUNK];
    let mut pending = app_pending;
    let bye = loop {
        if !pending.is_empty() {
            match commands(&pending, &mut framer, &track, &app_w, &mut up_w) {
                Ok(()) => pending.clear(),
                Err(Stop::Overlong) => break Some("* BYE Command line too long\r\n"),
                Err(Stop::Gone) => break None,
            }
        }
        if renew.stopping() {
            break Some("* BYE The relay is shutting down; connect again shortly\r\n");
        }
        if last.elapsed() > SILENT_MAX {
            break Some("* BYE Autologout; the session was idle too long\r\n");
        }
        let due = next_renewal.is_some_and(|at| renew.now() >= at);
        if due && framer.at_boundary() && lock(&track).movable() {
            match swap(renew, &track, &mut up_w, &tx) {
                Ok((w, expires)) => {
                    up_w = w;
                    next_renewal = renew_at(renew.now(), expires);
                    tracing::info!("imap: the session moved to a connection with a fresh token");
                }
                Err(why) => {
                    tracing::warn!(%why, "imap: could not renew the upstream session; trying again in a minute");
                    next_renewal = Some(renew.now() + RETRY);
                }
            }
        }
        match app_r.read(&mut buf) {
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Ok(0) | Err(_) => break None,
            Ok(n) => {
                last = Instant::now();
                pending.extend_from_slice(&buf[..n]);
            }
        }
    };
    if let Some(bye) = bye {
        let _ = lock(&app_w).write_all(bye.as_bytes());
    }
    // Sign out upstream, then let the answers thread see the end.
    let _ = up_w.write_all(format!("{OWN}0 LOGOUT\r\n").as_bytes());
    up_w.close();
    lock(&app_w).close();
    let _ = answers.join();
}

enum Stop {
    Overlong,
    Gone,
}

impl From<Overlong> for Stop {
    fn from(_: Overlong) -> Stop {
        Stop::Overlong
    }
}

/// The app's bytes, framed, followed and carried upstream.
fn commands(
    input: &[u8],
    framer: &mut Framer,
    track: &Mutex<Track>,
    app_w: &Mutex<WriteHalf>,
    up_w: &mut WriteHalf,
) -> Result<(), Stop> {
    {
        let mut t = lock(track);
        if std::mem::take(&mut t.literal_refused) {
            framer.literal_refused();
        }
    }
    let mut out = Vec::with_capacity(input.len());
    let mut dropping = false;
    framer.feed(input, &mut |piece| {
        match piece {
            Piece::Line { bytes, first: true } => match lock(track).command(bytes) {
                FromApp::Carry => {
                    dropping = false;
                    out.extend_from_slice(bytes);
                }
                FromApp::Refuse(answer) => {
                    dropping = true;
                    lock(app_w).write_all(answer.as_bytes()).map_err(|_| Stop::Gone)?;
                }
            },
            Piece::Line { bytes, .. } | Piece::Raw(bytes) if !dropping => out.extend_from_slice(bytes),
            _ => {}
        }
        Ok::<(), Stop>(())
    })?;
    up_w.write_all(&out).map_err(|_| Stop::Gone)
}

/// The server's bytes to the app, until the upstream ends (and no new one
/// is handed over).
fn answers(
    mut up: ReadHalf,
    mut pending: Vec<u8>,
    app_w: &Mutex<WriteHalf>,
    track: &Mutex<Track>,
    handover: &Receiver<Handover>,
) {
    let mut framer = Framer::new(SERVER_LINE_MAX, true);
    let mut out = Vec::with_capacity(CHUNK * 2);
    let mut buf = vec![0u8; CHUNK];
    let mut told_bye = false;
    loop {
        if !pending.is_empty() {
            let _ = framer.feed::<Overlong>(&pending, &mut |piece| {
                told_bye |= response(piece, track, &mut out);
                Ok(())
            });
            pending.clear();
        }
        if !out.is_empty() {
            if lock(app_w).write_all(&out).is_err() {
                break;
            }
            out.clear();
        }
        // The old connection answered LOGOUT (or ended): the new one takes over.
        let old_done = std::mem::take(&mut lock(track).old_done);
        let read = if old_done { Ok(0) } else { up.read(&mut buf) };
        match read {
            Ok(n) if n > 0 => pending.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            _ => match handover.try_recv() {
                Ok(h) => {
                    up = h.read;
                    pending = h.pending;
                    out.extend_from_slice(&h.tell);
                    framer = Framer::new(SERVER_LINE_MAX, true);
                    lock(track).swallow_bye = false;
                }
                Err(_) => break,
            },
        }
    }
    let mut w = lock(app_w);
    if !told_bye && !lock(track).logged_out {
        let _ = w.write_all(b"* BYE The mail server ended the session\r\n");
    }
    w.close();
}

/// One piece of the server's answer for the app (`out`); true: a BYE was passed on.
fn response(piece: Piece<'_>, track: &Mutex<Track>, out: &mut Vec<u8>) -> bool {
    match piece {
        Piece::Line { bytes, first: true } => {
            let r = wire::response(bytes);
            if !lock(track).response(&r) {
                return false;
            }
            match wire::rewrite_capabilities(bytes) {
                Some(line) => out.extend_from_slice(&line),
                None => out.extend_from_slice(bytes),
            }
            r == wire::Response::Bye
        }
        Piece::Line { bytes, .. } | Piece::Raw(bytes) => {
            out.extend_from_slice(bytes);
            false
        }
    }
}
