//! A relay device as stored and shown: the legacy sender (printer, scanner,
//! old ERP, script) mapped to one profile, the address ranges it may connect
//! from, and the rules those ranges and its name obey. Never its password;
//! the Argon2 hash travels only in [`DeviceRow`], for the relay's checks.

use crate::error::{CoreError, Result};
use ipnet::IpNet;
use serde::Serialize;
use std::net::IpAddr;
use ts_rs::TS;

/// A device as people see it (never its password or hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    #[ts(type = "number")]
    pub id: i64,
    /// Its relay user name (what it sends in AUTH).
    pub name: String,
    #[ts(type = "number")]
    pub profile_id: i64,
    pub profile_name: String,
    /// False: let in by its source address alone.
    pub has_password: bool,
    /// Source addresses it may connect from (CIDR); empty: any the listener takes.
    pub allowed: Vec<String>,
    /// May send without TLS (from its allowed addresses only).
    pub plain_ok: bool,
    /// The From is rewritten to the profile's mailbox when the device's own
    /// may not be sent as (the original kept in Reply-To).
    pub rewrite_from: bool,
    pub created_at: String,
    pub last_seen: Option<String>,
    /// Whether it may read its profile's mailbox, and how.
    pub mailbox: MailboxAccess,
    /// What to worry about in its ranges (wider than one subnet; a range
    /// that means anyone, from an older version), for `relay status`, the
    /// window and `check`.
    pub warning: Option<String>,
}

/// A device's access to its profile's mailbox (the relay's POP3 front).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct MailboxAccess {
    /// It may fetch mail over POP3 (a Graph profile's inbox).
    pub pop3: bool,
    /// It may read its mailbox over IMAP (carried to the profile's IMAP server).
    pub imap: bool,
    /// What its POP3 DELE does at the mailbox: `deleteditems` (moved there),
    /// `read` (marked read, left in the inbox), or `folder:NAME` (moved there).
    pub on_delete: String,
    /// The newest messages it sees (the maildrop's size), 1 to 1,000.
    pub newest: u32,
}

impl Default for MailboxAccess {
    fn default() -> Self {
        MailboxAccess { pop3: false, imap: false, on_delete: "deleteditems".into(), newest: 500 }
    }
}

impl MailboxAccess {
    /// The access as asked for, or the field's error.
    pub fn checked(self) -> Result<MailboxAccess> {
        let on_delete = self.on_delete.trim().to_owned();
        let folder_ok = on_delete
            .strip_prefix("folder:")
            .is_some_and(|f| !f.trim().is_empty() && f.len() <= 255 && !f.chars().any(|c| c.is_control() || c == '/'));
        if !(on_delete == "deleteditems" || on_delete == "read" || folder_ok) {
            return Err(CoreError::invalid(
                "onDelete",
                format!("\"{on_delete}\" is not what a deletion can do: deleteditems (moved to Deleted Items), read (marked read), or folder:NAME (moved to that folder)."),
            ));
        }
        if !(1..=1000).contains(&self.newest) {
            return Err(CoreError::invalid("newest", "A device sees the newest 1 to 1,000 messages of the inbox."));
        }
        Ok(MailboxAccess { on_delete, ..self })
    }
}

/// One server setting a device's mail program is given to fetch its mailbox
/// (what to type into its "incoming mail" form).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MailboxSetting {
    /// `POP3`.
    pub protocol: String,
    /// This computer's name (or the address the relay listens on).
    pub server: String,
    pub port: u16,
    /// As mail programs name it: `STARTTLS`, `SSL/TLS` or `None`.
    pub security: String,
    /// Its relay user name (the password is the one shown when it was added).
    pub user: String,
    /// Where it applies (e.g. "this computer only").
    pub note: Option<String>,
}

/// A stored device with its hash (for the relay's checks only).
#[derive(Clone)]
pub struct DeviceRow {
    pub device: Device,
    pub password_hash: Option<String>,
}

/// What `relay device add` (and the window's form) takes.
#[derive(Debug, Clone, Default, serde::Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct DeviceDraft {
    pub name: String,
    pub profile: String,
    /// No password: let in by source address alone (needs `allowed`).
    pub by_address: bool,
    pub allowed: Vec<String>,
    pub plain_ok: bool,
    pub keep_from: bool,
    /// The person confirmed a range wider than a /24 (IPv4) or /64 (IPv6).
    pub allow_wide: bool,
    /// Its access to the profile's mailbox (POP3), if any.
    pub mailbox: MailboxAccess,
}

impl Device {
    /// Whether `ip` is one of the device's allowed sources (an IPv4 peer on
    /// an IPv6 listener, `::ffff:a.b.c.d`, is the IPv4 address). A range
    /// that means anyone (`/0`, stored by an older version) lets no one in.
    pub fn allows(&self, ip: IpAddr) -> bool {
        self.allowed.is_empty() || self.match_len(ip).is_some()
    }

    /// The longest of the device's ranges holding `ip` (its prefix length),
    /// so that where ranges of two devices overlap the most specific wins.
    pub fn match_len(&self, ip: IpAddr) -> Option<u8> {
        let ip = ip.to_canonical();
        self.allowed
            .iter()
            .filter_map(|a| a.parse::<IpNet>().ok())
            .filter(|n| n.prefix_len() > 0 && n.contains(&ip))
            .map(|n| n.prefix_len())
            .max()
    }

    /// What a person should know about the device's ranges, if anything.
    pub fn range_warning(allowed: &[String], has_password: bool) -> Option<String> {
        let nets: Vec<IpNet> = allowed.iter().filter_map(|a| a.parse().ok()).collect();
        if let Some(n) = nets.iter().find(|n| n.prefix_len() == 0) {
            return Some(format!(
                "{n} means any address: it lets no one in. Remove the device and add it again with its own address."
            ));
        }
        let wide: Vec<String> = nets.iter().filter(|n| is_wide(n)).map(|n| n.to_string()).collect();
        if wide.is_empty() {
            return None;
        }
        let who = if has_password { "may sign in" } else { "sends as its mailbox without a password" };
        Some(format!(
            "{} is wider than one subnet: every computer there {who}. Narrow it to the device's own address if you can.",
            wide.join(", ")
        ))
    }
}

/// Wider than a /24 (IPv4) or a /64 (IPv6): more than one subnet.
fn is_wide(n: &IpNet) -> bool {
    match n {
        IpNet::V4(n) => n.prefix_len() < 24,
        IpNet::V6(n) => n.prefix_len() < 64,
    }
}

pub fn check_name(name: &str) -> Result<()> {
    let ok = (1..=64).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'@'));
    if ok {
        Ok(())
    } else {
        Err(CoreError::invalid(
            "name",
            "A device name is its relay user name: 1 to 64 letters, digits, '.', '_', '-' or '@' (printers take nothing else).",
        ))
    }
}

/// Each range is CIDR, names a network (no host bits set: `10.0.0.5/24` is
/// a typo of either `10.0.0.5` or `10.0.0.0/24`), is not `/0` (anyone), and
/// is no wider than a /24 or /64 unless the person confirmed it.
pub fn check_allowed(allowed: &[String], allow_wide: bool) -> Result<()> {
    for a in allowed {
        let Ok(net) = a.parse::<IpNet>() else {
            return Err(CoreError::invalid(
                "allowed",
                format!("\"{a}\" is not an address range: write it as CIDR, e.g. 192.168.1.20/32 or 10.0.0.0/24."),
            ));
        };
        if net.prefix_len() == 0 {
            return Err(CoreError::invalid(
                "allowed",
                format!("\"{a}\" means any address on any network: name the device's own address (192.168.1.20) or its subnet (192.168.1.0/24)."),
            ));
        }
        if net.trunc() != net {
            return Err(CoreError::invalid(
                "allowed",
                format!(
                    "\"{a}\" has host bits set: write {} for that one address, or {} for its network.",
                    net.addr(),
                    net.trunc()
                ),
            ));
        }
        if is_wide(&net) && !allow_wide {
            return Err(CoreError::invalid(
                "allowed",
                format!(
                    "\"{a}\" is wider than one subnet (/24 for IPv4, /64 for IPv6): every computer in it could send. \
                     Name the device's own address, or confirm the range (--allow-wide; in the window, the box under the field)."
                ),
            ));
        }
    }
    Ok(())
}

/// `192.168.1.20` → `192.168.1.20/32` (a single address is a range of one).
pub fn normalise_range(a: &str) -> String {
    let a = a.trim();
    match a.parse::<IpAddr>() {
        Ok(IpAddr::V4(_)) => format!("{a}/32"),
        Ok(IpAddr::V6(_)) => format!("{a}/128"),
        Err(_) => a.to_owned(),
    }
}
