//! A second Postfix as the classic smart-host set-up the relay replaces (a
//! branch office's Postfix with `relayhost` and SASL credentials), for
//! tests/relay.rs.

use crate::mail::{chmod, free_port, main_cf_head, start_postfix, wait_for_port};
use std::path::PathBuf;
use std::process::{Child, Command};

/// A second Postfix as the classic smart-host set-up a relay replaces:
/// local clients submit to it unauthenticated, and it relays everything to
/// `relayhost` with SASL credentials (`user`, `password`) — e.g. a branch
/// office's Postfix pointing at the Mailwarden relay.
pub struct SmartHost {
    _dir: tempfile::TempDir,
    pub port: u16,
    postfix: Child,
    pf: PathBuf,
}

impl SmartHost {
    pub fn start(relayhost: u16, user: &str, password: &str) -> SmartHost {
        let dir = tempfile::Builder::new().prefix("mw-smarthost-").tempdir_in("/tmp").unwrap();
        chmod(dir.path(), 0o755);
        let pf = dir.path().join("pf");
        for sub in ["data", "queue"] {
            std::fs::create_dir_all(pf.join(sub)).unwrap();
        }
        std::fs::write(pf.join("sasl_passwd"), format!("[127.0.0.1]:{relayhost} {user}:{password}\n")).unwrap();
        chmod(&pf.join("sasl_passwd"), 0o600);
        let port = free_port();
        std::fs::write(
            pf.join("main.cf"),
            format!(
                "{head}mydestination =
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
relayhost = [127.0.0.1]:{relayhost}
smtp_sasl_auth_enable = yes
smtp_sasl_password_maps = texthash:{pf}/sasl_passwd
smtp_sasl_security_options = noanonymous
smtp_sasl_mechanism_filter = plain, login
smtp_tls_security_level = none
smtpd_relay_restrictions = permit_mynetworks, reject
maillog_file_prefixes = /tmp
maillog_file = {pf}/maillog
",
                head = main_cf_head(&pf, "branch.test.local"),
                pf = pf.display()
            ),
        )
        .unwrap();
        let postfix = start_postfix(&pf, &format!("127.0.0.1:{port} inet n - n - - smtpd\n"));
        wait_for_port(port, "the smart-host Postfix", &pf.join("maillog"));
        SmartHost { _dir: dir, port, postfix, pf }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.pf.join("maillog")).unwrap_or_default()
    }
}

impl Drop for SmartHost {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(self.postfix.id().to_string()).status();
        let _ = self.postfix.wait();
    }
}
