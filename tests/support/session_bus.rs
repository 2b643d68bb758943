//! A private D-Bus session bus for a test (`dbus-daemon --session`), so the
//! app's notifications and tray icon talk to test services, never to the
//! desktop's bus; and a guard that kills a child process when dropped.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Kills (and reaps) the child when dropped.
pub struct Kill(pub Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub struct SessionBus {
    /// For `DBUS_SESSION_BUS_ADDRESS`.
    pub address: String,
    _daemon: Kill,
}

impl SessionBus {
    pub fn start() -> SessionBus {
        let mut daemon = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("dbus-daemon (package dbus)");
        let mut address = String::new();
        BufReader::new(daemon.stdout.take().unwrap()).read_line(&mut address).unwrap();
        SessionBus { address: address.trim().to_owned(), _daemon: Kill(daemon) }
    }
}
