//! What the relay benchmarks share: the simulator's app-only registration
//! they sign in with (SMTP.SendAsApp), waiting for a server's port, and a
//! process's memory.

use crate::idp::{App, Idp};
use std::time::Duration;

pub const CLIENT: &str = "7d1e2f30-4a5b-4c6d-8e9f-a0b1c2d3e4f5";
pub const SECRET: &str = "BNCs8Q~benchSecretValue0123456789abcd";
pub const TENANT: &str = "d9f2fc08-d549-4fcc-bae2-2286c314d3cd";

/// Register the benchmarks' app-only app (client credentials, SMTP.SendAsApp).
pub fn register_app(idp: &Idp) {
    idp.register(App::new(CLIENT, TENANT).secret(SECRET).roles(&["SMTP.SendAsApp"]));
}

/// Wait until something listens on `port` (`what`, for the failure).
pub fn wait_port(port: u16, what: &str) {
    crate::eventually(&format!("{what} to listen on {port}"), Duration::from_secs(30), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).ok()
    });
}

/// A field of `/proc/PID/status` in kB (`VmRSS:`, `VmHWM:`); 0 if gone.
pub fn rss_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}
