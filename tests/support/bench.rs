//! What the relay benchmarks share: the simulator's app-only registration
//! they sign in with (SMTP.SendAsApp), email-oauth2-proxy to compare with,
//! waiting for a server's port, and a process's memory.

use crate::idp::{App, Idp};
use crate::mail::free_port;
use crate::workspace_root;
use std::path::Path;
use std::process::{Child, Command, Stdio};
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

/// email-oauth2-proxy (PyPI `emailproxy`, installed once into a virtual
/// environment under target/) in `mode` (SMTP, IMAP) before `upstream`
/// (`more`: the server section's further lines), signing in as the
/// benchmarks' app for erp@contoso.com; the process and its port.
pub fn emailproxy(dir: &Path, idp: &Idp, mode: &str, upstream: u16, more: &str) -> (Child, u16) {
    let venv = workspace_root().join("target/bench-venv");
    if !venv.join("bin/emailproxy").exists() {
        let ok = Command::new("python3").args(["-m", "venv"]).arg(&venv).status().unwrap().success();
        assert!(ok, "python3 -m venv (make bench installs python3-venv)");
        let ok = Command::new(venv.join("bin/pip")).args(["install", "-q", "emailproxy==2026.7.3"]).status().unwrap();
        assert!(ok.success(), "pip install emailproxy");
    }
    let port = free_port();
    let config = dir.join(format!("emailproxy-{mode}.config"));
    std::fs::write(
        &config,
        format!(
            "[{mode}-{port}]\nserver_address = 127.0.0.1\nserver_port = {upstream}\n{more}local_address = 127.0.0.1\n\n\
             [erp@contoso.com]\ntoken_url = {base}/{TENANT}/oauth2/v2.0/token\noauth2_scope = https://outlook.office365.com/.default\n\
             oauth2_flow = client_credentials\nclient_id = {CLIENT}\nclient_secret = {SECRET}\n",
            base = idp.base
        ),
    )
    .unwrap();
    let child = Command::new(venv.join("bin/emailproxy"))
        .args(["--no-gui", "--config-file"])
        .arg(&config)
        .env("SSL_CERT_FILE", &idp.ca.ca_file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_port(port, "emailproxy");
    (child, port)
}
