//! The relay tests' helpers: `mailwarden relay run` as a child process,
//! devices, and senders no one here wrote (Python's smtplib over one
//! connection or a burst, a hand-driven SMTP conversation).

use crate::mail::free_port;
use crate::mail_env::MailEnv;
use crate::oauth_env::Env;
use crate::text;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

pub struct Relay {
    pub child: Child,
    pub port: u16,
}

impl Relay {
    /// Start `relay run` and wait until it says it listens.
    pub fn start(env: &Env) -> Relay {
        Relay::start_with(env, &[])
    }

    /// As [`Relay::start`], with `extra` flags for `relay run`.
    pub fn start_with(env: &Env, extra: &[&str]) -> Relay {
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let mut args = vec!["relay", "run", "--listen", &listen];
        args.extend_from_slice(extra);
        let mut child = env.cmd(&args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        while !line.starts_with("Relay listening on") {
            line.clear();
            assert!(out.read_line(&mut line).unwrap() > 0, "the relay ended before listening");
        }
        std::thread::spawn(move || for _ in out.lines() {});
        Relay { child, port }
    }

    /// SIGTERM: it finishes and exits 0.
    pub fn stop(mut self) -> String {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let status = self.child.wait().unwrap();
        let mut err = String::new();
        std::io::Read::read_to_string(self.child.stderr.as_mut().unwrap(), &mut err).unwrap();
        assert!(status.success(), "relay exit: {status:?}\n{err}");
        err
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// An app-only profile `name` sending as `mailbox` through the simulator's
/// Microsoft Graph (its app registered with Mail.Send).
pub fn graph_profile(env: &Env, name: &str, mailbox: &str) {
    const GRAPH_APP: &str = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9";
    env.idp.register(
        crate::idp::App::new(GRAPH_APP, crate::oauth_env::TENANT)
            .secret(crate::oauth_env::SECRET)
            .roles(&["Mail.Send"]),
    );
    env.idp.state.lock().unwrap().graph_users.insert(mailbox.into());
    let scopes = format!("{}/.default", env.idp.base);
    let extra = ["--client-id", GRAPH_APP, "--auth", "client-credentials", "--send", "graph", "--mailbox", mailbox];
    let mut args: Vec<&str> = extra.to_vec();
    args.extend(["--scopes", &scopes, "--client-secret-stdin"]);
    env.add_profile(name, &args, Some(&format!("{}\n", crate::oauth_env::SECRET)));
}

/// Add device `name` on `profile`; its password, printed once.
pub fn add_device_on(env: &Env, name: &str, profile: &str) -> String {
    let o = env.ok(&["relay", "device", "add", name, "--profile", profile], None);
    let out = text(&o.stdout);
    out.lines().find_map(|l| l.strip_prefix("Relay password:")).expect("the password is printed once").trim().to_owned()
}

/// The mailbox and message Graph (the simulator) was asked to send, once
/// one matching `what` was.
pub fn wait_graph_sent(env: &Env, what: impl Fn(&serde_json::Value) -> bool) -> (String, serde_json::Value) {
    crate::eventually("a message like it at Graph", std::time::Duration::from_secs(30), || {
        env.idp.state.lock().unwrap().graph_sent.iter().find(|s| what(&s.1)).cloned()
    })
}

/// Wait until the queue is empty (its messages sent), showing it if not.
pub fn wait_queue_empty(env: &Env) {
    crate::eventually_explained(
        "the queue empty",
        std::time::Duration::from_secs(10),
        || queue(env).is_empty().then_some(()),
        || format!("{:#?}", queue(env)),
    );
}

/// The queue as `relay queue list --json` shows it.
pub fn queue(env: &Env) -> Vec<serde_json::Value> {
    let o = env.ok(&["relay", "queue", "list", "--json"], None);
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Add device `name` on the profile "Invent ERP".
pub fn add_device(env: &Env, name: &str) -> String {
    add_device_on(env, name, "Invent ERP")
}

/// Python's smtplib: LOGIN over the loopback connection, one message.
pub fn smtplib(port: u16, user: &str, password: &str, msg_id: &str) -> std::process::Output {
    let script = format!(
        r#"
import smtplib, sys
from email.message import EmailMessage
m = EmailMessage()
m["From"] = "scanner@printer.lan"
m["To"] = "erp@contoso.com"
m["Subject"] = "Scan from the printer"
m["Message-ID"] = "{msg_id}"
m.set_content("A scanned page.")
with smtplib.SMTP("127.0.0.1", {port}, timeout=20) as s:
    s.ehlo("printer.lan")
    s.login("{user}", sys.stdin.readline().strip())
    s.send_message(m)
"#
    );
    let mut c = Command::new("python3");
    c.args(["-c", &script]);
    crate::run_with_stdin(c, Some(&format!("{password}\n")))
}

/// A Python sender that sends `count` messages of about `kb` KB over one
/// signed-in connection, printing `OK n` after each `250` (stdout, flushed).
pub fn burst(port: u16, password: &str, count: usize, kb: usize, tag: &str) -> std::process::Child {
    let script = format!(
        r#"
import smtplib, sys
body = ("x" * 76 + "\r\n") * ({kb} * 1024 // 78)
s = smtplib.SMTP("127.0.0.1", {port}, timeout=30)
s.ehlo("burst.lan")
s.login("printer-1", sys.stdin.readline().strip())
for n in range({count}):
    msg = "From: scanner@printer.lan\r\nTo: erp@contoso.com\r\nSubject: {tag} " + str(n) + "\r\nMessage-ID: <{tag}-" + str(n) + "@printer.lan>\r\n\r\n" + body
    s.sendmail("scanner@printer.lan", ["erp@contoso.com"], msg)
    print("OK", n, flush=True)
s.quit()
"#
    );
    let mut child = Command::new("python3")
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    child
}

/// How often each Message-ID `<tag-n@…>` is in the mailbox.
pub fn delivered_counts(env: &MailEnv, tag: &str) -> std::collections::HashMap<usize, usize> {
    let mut counts = std::collections::HashMap::new();
    for m in env.mail.delivered("erp@contoso.com") {
        let needle = format!("Message-ID: <{tag}-");
        if let Some(rest) = m.find(&needle).map(|i| &m[i + needle.len()..]) {
            if let Some(n) = rest.split('@').next().and_then(|n| n.parse().ok()) {
                *counts.entry(n).or_default() += 1;
            }
        }
    }
    counts
}

/// One message as `user` through the relay (Python's smtplib).
pub fn smtp_as(port: u16, user: &str, password: &str, msg_id: &str) -> std::process::Output {
    let script = format!(
        r#"
import smtplib, sys
with smtplib.SMTP("127.0.0.1", {port}, timeout=20) as s:
    s.login("{user}", sys.stdin.readline().strip())
    s.sendmail("dev@printer.lan", ["erp@contoso.com"], "Subject: t\r\nMessage-ID: {msg_id}\r\n\r\nbody\r\n")
"#
    );
    let mut c = Command::new("python3");
    c.args(["-c", &script]);
    crate::run_with_stdin(c, Some(&format!("{password}\n")))
}

/// An SMTP conversation by hand: each line sent, each reply read.
pub fn converse(port: u16, lines: &[&str]) -> Vec<String> {
    let mut c = Conversation::open(port);
    let mut replies = vec![c.greeting.clone()];
    replies.extend(lines.iter().map(|l| c.say(l)));
    replies
}

/// One SMTP connection driven by hand: its greeting read at once (every
/// `220-` line and the last), then each line sent and its whole reply read.
pub struct Conversation {
    tcp: std::net::TcpStream,
    reader: BufReader<std::net::TcpStream>,
    pub greeting: String,
}

impl Conversation {
    pub fn open(port: u16) -> Conversation {
        let tcp = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        tcp.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
        let reader = BufReader::new(tcp.try_clone().unwrap());
        let mut c = Conversation { tcp, reader, greeting: String::new() };
        c.greeting = c.reply();
        c
    }

    /// The next whole reply (all its lines); "(closed)" when the connection
    /// closed before one came.
    pub fn reply(&mut self) -> String {
        let mut all = String::new();
        loop {
            let mut l = String::new();
            if self.reader.read_line(&mut l).unwrap_or(0) == 0 {
                return if all.is_empty() { "(closed)".into() } else { all };
            }
            all.push_str(&l);
            if l.as_bytes().get(3) != Some(&b'-') {
                return all;
            }
        }
    }

    /// Send `line` (CRLF added) and read its reply.
    pub fn say(&mut self, line: &str) -> String {
        self.send(format!("{line}\r\n").as_bytes());
        self.reply()
    }

    /// Send bytes as they are (nothing read).
    pub fn send(&mut self, bytes: &[u8]) {
        std::io::Write::write_all(&mut self.tcp, bytes).unwrap();
    }

    /// Everything said from here until the other side closes.
    pub fn rest(mut self) -> String {
        let mut all = String::new();
        let _ = std::io::Read::read_to_string(&mut self.reader, &mut all);
        all
    }
}

pub fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// A POP3 program (Python's poplib) signed in to `port` as `user`: it reads
/// message 1, marks it deleted, says so, then waits for a line on its stdin
/// before its QUIT — so a test can end the relay in between.
pub fn pop3_marks_then_waits(port: u16, user: &str, password: &str) -> Child {
    let code = format!(
        "import poplib, sys\np = poplib.POP3('127.0.0.1', {port}, timeout=30)\np.user('{user}')\np.pass_(sys.stdin.readline().strip())\np.retr(1)\np.dele(1)\nprint('marked', flush=True)\nsys.stdin.readline()\np.quit()"
    );
    let mut child = Command::new("python3")
        .args(["-c", &code])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), format!("{password}\n").as_bytes()).unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "marked");
    child
}
