//! What the front follows of a carried session, so it can move the session
//! to a new upstream connection when the token's hour runs out (Exchange
//! Online ends a session whose token expired: `* BYE Session invalidated -
//! AccessTokenExpired`): which commands are in flight, the mailbox selected
//! (the command that selected it, to say again), extensions enabled, an
//! IDLE under way, the message count the app knows, and which answers are
//! the front's own (not the app's). Shared by the session's two threads.

use super::wire::{command_head, literal_at_end, Response};
use std::collections::{HashMap, HashSet};

/// The front's own tags start so (an app's tag could too: the front's are
/// only ever in flight while none of the app's is).
pub const OWN: &str = "mw~";

/// One command of the app in flight.
#[derive(Debug)]
struct Command {
    name: String,
    /// The command after its tag (SELECT, EXAMINE, ENABLE), when it can be
    /// said again as it was (no literal).
    again: Option<Vec<u8>>,
}

/// What to do with one line from the app.
#[derive(Debug, PartialEq, Eq)]
pub enum FromApp {
    Carry,
    /// Answer the app this instead, and drop the command.
    Refuse(String),
}

#[derive(Debug, Default)]
pub struct Track {
    in_flight: HashMap<String, Command>,
    /// The command that selected the mailbox (after its tag), if one is.
    pub selected: Option<Vec<u8>>,
    /// A mailbox is selected by a command that cannot be said again.
    pub unrepeatable: bool,
    /// ENABLE commands that succeeded (after their tags).
    pub enabled: Vec<Vec<u8>>,
    /// The tag of the IDLE under way.
    pub idle: Option<String>,
    /// The last `* n EXISTS` the app was told, in the selected mailbox.
    pub exists: Option<u64>,
    /// Tagged answers that are the front's own, not the app's.
    pub swallow: HashSet<String>,
    /// The old connection's BYE is the front's own too.
    pub swallow_bye: bool,
    /// The old connection answered the front's LOGOUT: its reader is done.
    pub old_done: bool,
    /// The tag of a command whose synchronising literal waits for `+`.
    awaiting_literal: Option<String>,
    /// The server refused that literal: the app will not send it.
    pub literal_refused: bool,
    /// The app logged out.
    pub logged_out: bool,
}

impl Track {
    /// A line that begins one of the app's commands.
    pub fn command(&mut self, line: &[u8]) -> FromApp {
        if self.idle.is_some() && line.trim_ascii().eq_ignore_ascii_case(b"DONE") {
            return FromApp::Carry;
        }
        let Some((tag, name)) = command_head(line) else { return FromApp::Carry };
        match name.as_str() {
            "COMPRESS" => return FromApp::Refuse(format!("{tag} NO [CANNOT] Compression is not offered here\r\n")),
            "UNAUTHENTICATE" | "STARTTLS" | "AUTHENTICATE" | "LOGIN" => {
                return FromApp::Refuse(format!("{tag} BAD [CLIENTBUG] Already signed in\r\n"))
            }
            _ => {}
        }
        let literal = literal_at_end(line);
        if literal.is_some() && !line.trim_ascii_end().ends_with(b"+}") {
            self.awaiting_literal = Some(tag.clone());
        }
        let again = match name.as_str() {
            "SELECT" | "EXAMINE" | "ENABLE" if literal.is_none() => Some(line[tag.len() + 1..].to_vec()),
            _ => None,
        };
        if matches!(name.as_str(), "SELECT" | "EXAMINE") {
            self.exists = None;
        }
        if name == "IDLE" {
            self.idle = Some(tag.clone());
        }
        self.in_flight.insert(tag, Command { name, again });
        FromApp::Carry
    }

    /// A line from the server that begins a response; false: it is the
    /// front's own and the app does not see it.
    pub fn response(&mut self, r: &Response) -> bool {
        match r {
            Response::Continue => {
                self.awaiting_literal = None;
                true
            }
            Response::Exists(n) => {
                self.exists = Some(*n);
                true
            }
            Response::Bye => !self.swallow_bye,
            Response::Done { tag, ok } => {
                if self.swallow.remove(tag) {
                    self.old_done |= tag == &format!("{OWN}L");
                    return false;
                }
                if self.awaiting_literal.as_deref() == Some(tag) {
                    self.awaiting_literal = None;
                    self.literal_refused = true;
                }
                self.done(tag, *ok);
                true
            }
            Response::Other => true,
        }
    }

    fn done(&mut self, tag: &str, ok: bool) {
        let Some(c) = self.in_flight.remove(tag) else { return };
        match c.name.as_str() {
            "SELECT" | "EXAMINE" => {
                // A failed SELECT leaves no mailbox selected (RFC 3501 6.3.1).
                self.unrepeatable = ok && c.again.is_none();
                self.selected = if ok { c.again } else { None };
            }
            "CLOSE" | "UNSELECT" if ok => {
                self.selected = None;
                self.unrepeatable = false;
            }
            "ENABLE" if ok => self.enabled.extend(c.again),
            "IDLE" => self.idle = None,
            "LOGOUT" => self.logged_out = true,
            _ => {}
        }
    }

    /// Nothing of the app's is in flight but an IDLE, and the session can
    /// be said again on a new connection.
    pub fn movable(&self) -> bool {
        !self.unrepeatable
            && self.awaiting_literal.is_none()
            && !self.logged_out
            && self.in_flight.keys().all(|t| Some(t) == self.idle.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imap::wire::response;

    fn answer(t: &mut Track, line: &[u8]) -> bool {
        t.response(&response(line))
    }

    #[test]
    fn a_selected_mailbox_and_idle_are_followed() {
        let mut t = Track::default();
        assert_eq!(t.command(b"a1 SELECT INBOX\r\n"), FromApp::Carry);
        assert!(!t.movable());
        assert!(answer(&mut t, b"* 4 EXISTS\r\n"));
        assert!(answer(&mut t, b"a1 OK [READ-WRITE] done\r\n"));
        assert_eq!(t.selected.as_deref(), Some(&b"SELECT INBOX\r\n"[..]));
        assert_eq!(t.exists, Some(4));
        t.command(b"a2 IDLE\r\n");
        assert!(t.movable(), "an IDLE alone can be moved");
        assert_eq!(t.command(b"DONE\r\n"), FromApp::Carry);
        answer(&mut t, b"a2 OK IDLE done\r\n");
        assert_eq!(t.idle, None);
        t.command(b"a3 SELECT Nope\r\n");
        answer(&mut t, b"a3 NO no such mailbox\r\n");
        assert_eq!(t.selected, None, "a failed SELECT deselects");
    }

    #[test]
    fn the_fronts_own_answers_are_swallowed() {
        let mut t = Track::default();
        t.swallow.insert(format!("{OWN}1"));
        t.swallow_bye = true;
        assert!(!answer(&mut t, b"* BYE logging out\r\n"));
        assert!(!answer(&mut t, format!("{OWN}1 OK bye\r\n").as_bytes()));
        assert!(answer(&mut t, format!("{OWN}1 OK again\r\n").as_bytes()), "only once");
        t.swallow.insert(format!("{OWN}L"));
        assert!(!answer(&mut t, format!("{OWN}L OK logged out\r\n").as_bytes()));
        assert!(t.old_done, "the old connection's reader may stop there");
    }

    #[test]
    fn a_refused_literal_is_noticed_and_compression_refused() {
        let mut t = Track::default();
        t.command(b"a1 APPEND INBOX {99999999}\r\n");
        assert!(!t.movable());
        answer(&mut t, b"a1 NO [TOOBIG] too big\r\n");
        assert!(t.literal_refused);
        assert!(t.movable());
        assert!(matches!(t.command(b"a2 COMPRESS DEFLATE\r\n"), FromApp::Refuse(r) if r.starts_with("a2 NO")));
        t.command(b"a3 SELECT {5}\r\n");
        answer(&mut t, b"+ go\r\n");
        answer(&mut t, b"a3 OK done\r\n");
        assert!(t.unrepeatable && !t.movable(), "a mailbox chosen by literal cannot be said again");
    }
}
