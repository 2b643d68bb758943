//! Mail programs no one here wrote, as the inbound tests drive them against
//! the relay's fronts: fetchmail and getmail6 (Debian's), each writing what
//! it fetched to an mbox file in the test's folder, curl posting to a port
//! as a web page would, and a conversation by hand (lines after the
//! greeting, everything said until the server closed).

use crate::text;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// fetchmail over `protocol` (POP3, IMAP) from the relay's `port` as `user`,
/// keeping the messages at the server if `keep`; what it fetched.
pub fn fetchmail(dir: &Path, protocol: &str, port: u16, user: &str, password: &str, keep: bool) -> String {
    let rc = dir.join("fetchmailrc");
    let mbox = dir.join("fetchmail.mbox");
    let keep = if keep { " keep" } else { "" };
    std::fs::write(
        &rc,
        format!(
            "poll 127.0.0.1 protocol {protocol} port {port} user \"{user}\" password \"{password}\" is \"erp\" here{keep}\n  sslproto ''\n  mda \"/bin/sh -c 'cat >> {}'\"\n",
            mbox.display()
        ),
    )
    .unwrap();
    // fetchmail reads only a configuration its owner alone may read.
    Command::new("chmod").args(["600", rc.to_str().unwrap()]).status().unwrap();
    let o = Command::new("fetchmail")
        .args(["--fetchmailrc", rc.to_str().unwrap(), "--nodetach", "--nosyslog", "--fetchall"])
        .env("HOME", dir)
        .env("FETCHMAILHOME", dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "fetchmail: {}{}", text(&o.stdout), text(&o.stderr));
    std::fs::read_to_string(&mbox).unwrap_or_default()
}

/// getmail6 with `retriever` (SimplePOP3Retriever, SimpleIMAPRetriever; its
/// extra lines in `more`) from the relay's `port` as `user`, with `options`
/// (`read_all`, `delete`); what it fetched.
pub fn getmail(
    dir: &Path,
    retriever: &str,
    more: &str,
    port: u16,
    user: &str,
    password: &str,
    options: &str,
) -> String {
    let mbox = dir.join("getmail.mbox");
    let rc = dir.join("getmailrc");
    // An external delivery, which getmail allows as root when told (the tests
    // run as root for Postfix).
    std::fs::write(
        &rc,
        format!(
            "[retriever]\ntype = {retriever}\nserver = 127.0.0.1\nport = {port}\nusername = {user}\npassword = {password}\n{more}\n\
             [destination]\ntype = MDA_external\npath = /bin/sh\narguments = (\"-c\", \"cat >> {}\")\nallow_root_commands = true\n\n\
             [options]\n{options}\nverbose = 0\n",
            mbox.display()
        ),
    )
    .unwrap();
    let o = Command::new("getmail")
        .args(["--getmaildir", dir.to_str().unwrap(), "--rcfile", rc.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "getmail: {}{}", text(&o.stdout), text(&o.stderr));
    std::fs::read_to_string(&mbox).unwrap_or_default()
}

/// Send `lines` to `port` after its greeting; everything the server said
/// (the greeting first) until it closed.
pub fn talk(port: u16, lines: &[&str]) -> String {
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut greeting = String::new();
    BufReader::new(tcp.try_clone().unwrap()).read_line(&mut greeting).unwrap();
    for l in lines {
        if tcp.write_all(format!("{l}\r\n").as_bytes()).is_err() {
            break;
        }
    }
    let _ = tcp.shutdown(std::net::Shutdown::Write);
    let mut rest = String::new();
    let _ = tcp.read_to_string(&mut rest);
    format!("{greeting}{rest}")
}

/// A web page posting `body` to `port` (curl): no HTTP answer may come back.
pub fn curl_post_unanswered(port: u16, body: &str) {
    let curl = Command::new("curl")
        .args(["-s", "-m", "20", "--data-binary", body, &format!("http://127.0.0.1:{port}/")])
        .output()
        .unwrap();
    assert!(!curl.status.success(), "curl got an HTTP answer: {}", text(&curl.stdout));
}
