//! A scripted SMTP server on loopback (no TLS) for replies the real Postfix
//! cannot give: Microsoft 365 answers a bad XOAUTH2 token with a direct `535`
//! (no `334` challenge), or `535 5.7.139` when SMTP AUTH is disabled. With a
//! `235` AUTH reply it takes the message, as Exchange Online does.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

pub struct FakeSmtp {
    pub port: u16,
}

impl FakeSmtp {
    /// Answer every AUTH with `auth_reply` (e.g. `535 5.7.3 Authentication unsuccessful`).
    pub fn start(auth_reply: &str) -> FakeSmtp {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let auth_reply = auth_reply.to_owned();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut out) = conn else { continue };
                let reply = auth_reply.clone();
                std::thread::spawn(move || {
                    let mut lines = BufReader::new(out.try_clone().unwrap());
                    let _ = out.write_all(b"220 fake.outlook.test Microsoft ESMTP MAIL Service ready\r\n");
                    let mut line = String::new();
                    let mut in_data = false;
                    while lines.read_line(&mut line).unwrap_or(0) > 0 {
                        let cmd = line.trim().to_ascii_uppercase();
                        let answer = if in_data {
                            in_data = line != ".\r\n";
                            if in_data {
                                line.clear();
                                continue;
                            }
                            "250 2.6.0 <fake@outlook.test> [InternalId=1] Queued mail for delivery\r\n".to_owned()
                        } else if cmd.starts_with("EHLO") {
                            "250-fake.outlook.test Hello\r\n250-SIZE 157286400\r\n250 AUTH LOGIN XOAUTH2\r\n".to_owned()
                        } else if cmd.starts_with("AUTH") {
                            format!("{reply}\r\n")
                        } else if cmd.starts_with("MAIL FROM:") || cmd.starts_with("RCPT TO:") {
                            "250 2.1.0 OK\r\n".to_owned()
                        } else if cmd == "DATA" {
                            in_data = true;
                            "354 Start mail input; end with <CRLF>.<CRLF>\r\n".to_owned()
                        } else if cmd.starts_with("QUIT") {
                            let _ = out.write_all(b"221 2.0.0 Service closing transmission channel\r\n");
                            break;
                        } else {
                            "503 5.5.1 Bad sequence of commands\r\n".to_owned()
                        };
                        let _ = out.write_all(answer.as_bytes());
                        line.clear();
                    }
                });
            }
        });
        FakeSmtp { port }
    }
}
