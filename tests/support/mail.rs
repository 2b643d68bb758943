//! Real mail servers on loopback for the send and inbound tests: Dovecot (IMAP,
//! POP3, LMTP, and SASL for Postfix, validating bearer tokens by introspection at the
//! identity-provider simulator) and Postfix (submission on STARTTLS and implicit
//! TLS, SASL through Dovecot, delivery into Dovecot's maildirs over LMTP).
//! Both run from private configurations in a temp dir and stop on drop.
//!
//! Postfix needs root (its services drop to the `postfix` user). Its `postfix`
//! command refuses configuration directories not listed in /etc/postfix, so
//! the master daemon is started directly.

use crate::tls::TestCa;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct MailServers {
    pub dir: tempfile::TempDir,
    pub submission: u16,
    pub smtps: u16,
    pub imap: u16,
    pub imaps: u16,
    pub pop3: u16,
    pub pop3s: u16,
    dovecot: Child,
    postfix: Child,
}

/// A port for a server started later (Postfix, Dovecot bind it themselves).
/// Taken below Linux's ephemeral range (32768–60999), where every listener on
/// port 0 (the simulators, other tests' servers) is placed: a port freed here
/// and bound later cannot be taken meanwhile by one of those. Never the same
/// port twice in this process (tests run in parallel threads).
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    // Start from the process id so that test binaries run one after another
    // (or side by side) begin at different places.
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let _ =
        NEXT.compare_exchange(0, 20000 + (std::process::id() % 4000) as u16 * 3, Ordering::SeqCst, Ordering::SeqCst);
    loop {
        let port = NEXT.fetch_add(1, Ordering::SeqCst);
        if port >= 32700 {
            NEXT.store(20000, Ordering::SeqCst);
            continue;
        }
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

pub(crate) fn wait_for_port(port: u16, what: &str, log: &Path) {
    crate::eventually_explained(
        &format!("{what} to listen on {port}"),
        Duration::from_secs(20),
        || std::net::TcpStream::connect(("127.0.0.1", port)).ok(),
        || std::fs::read_to_string(log).unwrap_or_default(),
    );
}

pub(crate) fn chown(path: &Path, owner: &str) {
    let ok = Command::new("chown").arg(owner).arg(path).status().unwrap();
    assert!(ok.success(), "chown {owner} {}", path.display());
}

pub(crate) fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

impl MailServers {
    /// Start both servers. `introspect_url` validates bearer tokens; `senders`
    /// lists (From address, SASL login allowed to use it).
    pub fn start(ca: &TestCa, introspect_url: &str, senders: &[(&str, &str)], domain: &str) -> MailServers {
        let uid = Command::new("id").arg("-u").output().expect("id");
        assert_eq!(
            String::from_utf8_lossy(&uid.stdout).trim(),
            "0",
            "the mail tests start Postfix, which needs root: run `make test` as root (CI does) or with sudo"
        );
        let dir = tempfile::Builder::new().prefix("mw-mail-").tempdir_in("/tmp").unwrap();
        chmod(dir.path(), 0o755);
        let d = dir.path().to_path_buf();
        let (submission, smtps, imap, imaps) = (free_port(), free_port(), free_port(), free_port());
        let (pop3, pop3s) = (free_port(), free_port());
        for sub in ["run", "state", "mail", "home", "pf", "pf/data", "pf/queue"] {
            std::fs::create_dir_all(d.join(sub)).unwrap();
        }
        chmod(&d.join("mail"), 0o1777);
        chmod(&d.join("home"), 0o1777);
        let tls_dir = d.join("tls");
        std::fs::create_dir_all(&tls_dir).unwrap();
        std::fs::copy(&ca.cert_file, tls_dir.join("cert.pem")).unwrap();
        std::fs::copy(&ca.key_file, tls_dir.join("key.pem")).unwrap();

        std::fs::write(
            d.join("oauth2.conf"),
            format!(
                "introspection_mode = post\nintrospection_url = {introspect_url}\nusername_attribute = username\n\
                 active_attribute = active\nactive_value = true\nforce_introspection = yes\n"
            ),
        )
        .unwrap();
        std::fs::write(d.join("passwd"), "basic@contoso.com:{PLAIN}Basic-Pa55word\n").unwrap();
        let dv = format!(
            r#"base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap pop3 lmtp
listen = 127.0.0.1
ssl = yes
ssl_cert = <{d}/tls/cert.pem
ssl_key = <{d}/tls/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2 oauthbearer
auth_verbose = yes
mail_location = maildir:{d}/mail/%u
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {d}/oauth2.conf
}}
passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
userdb {{
  driver = static
  args = uid=65534 gid=65534 home={d}/home/%u allow_all_users=yes
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps}
    ssl = yes
  }}
}}
service pop3-login {{
  chroot =
  inet_listener pop3 {{
    address = 127.0.0.1
    port = {pop3}
  }}
  inet_listener pop3s {{
    address = 127.0.0.1
    port = {pop3s}
    ssl = yes
  }}
}}
service lmtp {{
  unix_listener {d}/lmtp {{
    mode = 0666
  }}
}}
service auth {{
  unix_listener {d}/auth {{
    mode = 0666
  }}
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"#,
            d = d.display()
        );
        std::fs::write(d.join("dovecot.conf"), dv).unwrap();
        let dovecot = Command::new("dovecot")
            .args(["-F", "-c"])
            .arg(d.join("dovecot.conf"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(d.join("dovecot.out")).unwrap())
            .spawn()
            .expect(
                "dovecot must be installed (make test installs dovecot-core dovecot-imapd dovecot-pop3d dovecot-lmtpd)",
            );
        wait_for_port(imap, "Dovecot", &d.join("dovecot.out"));

        let pf = d.join("pf");
        let senders: String = senders.iter().map(|(from, login)| format!("{from} {login}\n")).collect();
        std::fs::write(pf.join("senders"), senders).unwrap();
        std::fs::write(
            pf.join("main.cf"),
            format!(
                "{head}mydestination =
alias_maps =
alias_database =
local_recipient_maps =
virtual_transport = lmtp:unix:{d}/lmtp
smtpd_tls_cert_file = {d}/tls/cert.pem
smtpd_tls_key_file = {d}/tls/key.pem
smtpd_tls_security_level = may
smtpd_sasl_type = dovecot
smtpd_sasl_path = {d}/auth
line_length_limit = 16384
maillog_file_prefixes = /tmp
maillog_file = {pf}/maillog
smtpd_sender_login_maps = texthash:{pf}/senders
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_recipient_restrictions = permit_sasl_authenticated, reject
smtpd_sender_restrictions = reject_sender_login_mismatch
# utf8.test: delivered by Postfix itself (virtual(8)), which takes
# internationalized (SMTPUTF8) mail — Dovecot 2.3's LMTP does not offer it.
virtual_mailbox_domains = {domain} utf8.test
transport_maps = inline:{{ utf8.test=virtual: }}
virtual_mailbox_base = {d}/mail
virtual_mailbox_maps = static:utf8/
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
",
                head = main_cf_head(&pf, "mail.test.local"),
                pf = pf.display(),
                d = d.display()
            ),
        )
        .unwrap();
        let master = format!(
            "127.0.0.1:{submission} inet n - n - - smtpd -o smtpd_tls_security_level=encrypt -o smtpd_sasl_auth_enable=yes\n\
             127.0.0.1:{smtps} inet n - n - - smtpd -o smtpd_tls_wrappermode=yes -o smtpd_sasl_auth_enable=yes\n\
             virtual unix - n n - - virtual\n"
        );
        let postfix = start_postfix(&pf, &master);
        wait_for_port(submission, "Postfix", &pf.join("maillog"));
        MailServers { dir, submission, smtps, imap, imaps, pop3, pop3s, dovecot, postfix }
    }

    /// Wait until Postfix holds no message (every one it accepted is
    /// delivered or bounced): after this, a message that was never
    /// delivered never will be.
    pub fn settle(&self) {
        fn files(dir: &Path) -> usize {
            let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
            entries.flatten().map(|e| if e.path().is_dir() { files(&e.path()) } else { 1 }).sum()
        }
        let queue = self.dir.path().join("pf/queue");
        let held = || {
            ["maildrop", "incoming", "active", "deferred", "hold"].iter().map(|d| files(&queue.join(d))).sum::<usize>()
        };
        crate::eventually_explained(
            "Postfix's queue to empty",
            Duration::from_secs(30),
            || (held() == 0).then_some(()),
            || format!("Postfix log:\n{}", self.log()),
        );
    }

    pub fn log(&self) -> String {
        let pf = std::fs::read_to_string(self.dir.path().join("pf/maillog")).unwrap_or_default();
        let dv = std::fs::read_to_string(self.dir.path().join("dovecot.log")).unwrap_or_default();
        format!("{pf}\n--- dovecot ---\n{dv}")
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

impl Drop for MailServers {
    fn drop(&mut self) {
        // SIGTERM lets Postfix's master stop its children.
        let _ = Command::new("kill").arg(self.postfix.id().to_string()).status();
        let _ = Command::new("kill").arg(self.dovecot.id().to_string()).status();
        let _ = self.postfix.wait();
        let _ = self.dovecot.wait();
    }
}

/// Start Postfix's master on the instance in `pf` (its main.cf written):
/// `listeners` are master.cf's inet lines, the usual services follow; the
/// queue is laid out as `postfix set-permissions` would.
pub(crate) fn start_postfix(pf: &Path, listeners: &str) -> Child {
    let services = [
        ("pickup", "unix", "n", "60", "1", "pickup"),
        ("cleanup", "unix", "n", "-", "0", "cleanup"),
        ("qmgr", "unix", "n", "300", "1", "qmgr"),
        ("tlsmgr", "unix", "-", "1000?", "1", "tlsmgr"),
        ("rewrite", "unix", "-", "-", "-", "trivial-rewrite"),
        ("bounce", "unix", "-", "-", "0", "bounce"),
        ("defer", "unix", "-", "-", "0", "bounce"),
        ("trace", "unix", "-", "-", "0", "bounce"),
        ("verify", "unix", "-", "-", "1", "verify"),
        ("flush", "unix", "n", "1000?", "0", "flush"),
        ("proxymap", "unix", "-", "-", "-", "proxymap"),
        ("smtp", "unix", "-", "-", "-", "smtp"),
        ("relay", "unix", "-", "-", "-", "smtp"),
        ("showq", "unix", "n", "-", "-", "showq"),
        ("error", "unix", "-", "-", "-", "error"),
        ("retry", "unix", "-", "-", "-", "error"),
        ("discard", "unix", "-", "-", "-", "discard"),
        ("lmtp", "unix", "-", "-", "-", "lmtp"),
        ("anvil", "unix", "-", "-", "1", "anvil"),
        ("scache", "unix", "-", "-", "1", "scache"),
        ("postlog", "unix-dgram", "n", "-", "1", "postlogd"),
    ];
    let mut master = listeners.to_owned();
    for (name, kind, private, wake, limit, cmd) in services {
        master.push_str(&format!("{name} {kind} {private} - n {wake} {limit} {cmd}\n"));
    }
    std::fs::write(pf.join("master.cf"), master).unwrap();
    // The queue layout `postfix set-permissions` would create.
    let q = pf.join("queue");
    for sub in
        ["active", "bounce", "corrupt", "defer", "deferred", "flush", "hold", "incoming", "private", "saved", "trace"]
    {
        std::fs::create_dir_all(q.join(sub)).unwrap();
        chown(&q.join(sub), "postfix");
        chmod(&q.join(sub), 0o700);
    }
    for (sub, mode) in [("maildrop", 0o1730), ("public", 0o2710)] {
        std::fs::create_dir_all(q.join(sub)).unwrap();
        chown(&q.join(sub), "postfix:postdrop");
        chmod(&q.join(sub), mode);
    }
    std::fs::create_dir_all(q.join("pid")).unwrap();
    chown(&pf.join("data"), "postfix");
    Command::new("/usr/lib/postfix/sbin/master")
        .arg("-c")
        .arg(pf)
        .arg("-d")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(pf.join("master.out")).unwrap())
        .spawn()
        .expect("postfix must be installed (make test installs it)")
}

/// The lines every private Postfix instance here starts its main.cf with.
pub(crate) fn main_cf_head(pf: &Path, hostname: &str) -> String {
    format!(
        "compatibility_level = 3.6\nqueue_directory = {pf}/queue\ndata_directory = {pf}/data\nmail_owner = postfix\n\
         setgid_group = postdrop\ninet_interfaces = 127.0.0.1\ninet_protocols = ipv4\nmyhostname = {hostname}\n",
        pf = pf.display()
    )
}
