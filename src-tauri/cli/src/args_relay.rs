//! The command line's shape for the relay: `relay run|status`, `relay
//! device …`, `relay queue …` (clap derive).

use clap::Subcommand;

#[derive(Subcommand)]
pub enum RelayCommand {
    /// Run the relay in the foreground (for systemd): devices submit here and
    /// Mailwarden delivers through their profiles. SIGTERM or Ctrl+C finishes
    /// the open transactions and keeps the queue.
    Run {
        #[command(flatten)]
        at: Listeners,
        /// PEM certificate chain for TLS (with --key).
        #[arg(long, value_name = "FILE", requires = "key")]
        cert: Option<String>,
        /// PEM private key for TLS (with --cert).
        #[arg(long, value_name = "FILE", requires = "cert")]
        key: Option<String>,
    },
    /// Whether the relay runs, its devices, and its queue per profile.
    Status {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Devices (printers, scanners, old apps) and their relay credentials.
    Device {
        #[command(subcommand)]
        command: DeviceCommand,
    },
    /// Messages waiting or held.
    Queue {
        #[command(subcommand)]
        command: QueueCommand,
    },
}

/// Where `relay run` listens (each replaces its setting).
#[derive(clap::Args)]
pub struct Listeners {
    /// Where devices submit (default: the setting, 127.0.0.1:2525). A LAN
    /// address gets TLS (a certificate is generated unless --cert/--key).
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: Option<String>,
    /// Implicit TLS (SMTPS) as well, e.g. 0.0.0.0:465.
    #[arg(long, value_name = "ADDR:PORT")]
    pub tls_listen: Option<String>,
    /// Devices fetch mail over POP3 here (STLS once TLS is on), e.g. 127.0.0.1:1110.
    #[arg(long, value_name = "ADDR:PORT")]
    pub pop3_listen: Option<String>,
    /// POP3 with implicit TLS, e.g. 0.0.0.0:995.
    #[arg(long, value_name = "ADDR:PORT")]
    pub pop3_tls_listen: Option<String>,
    /// Devices read mail over IMAP here (STARTTLS once TLS is on), e.g. 127.0.0.1:1143.
    #[arg(long, value_name = "ADDR:PORT")]
    pub imap_listen: Option<String>,
    /// IMAP with implicit TLS, e.g. 0.0.0.0:993.
    #[arg(long, value_name = "ADDR:PORT")]
    pub imap_tls_listen: Option<String>,
}

#[derive(Subcommand)]
pub enum DeviceCommand {
    /// Add a device; its generated password is printed once (relay user name:
    /// the device's name).
    Add {
        /// The device's name, also its relay user name (letters, digits, . _ - @).
        name: String,
        /// The profile it sends through (name or id).
        #[arg(long)]
        profile: String,
        /// A source address or range (CIDR) it may connect from; repeat for more.
        #[arg(long = "allow", value_name = "CIDR")]
        allow: Vec<String>,
        /// Confirm a range wider than one subnet (/24 for IPv4, /64 for IPv6):
        /// every computer in it may then send through the device.
        #[arg(long)]
        allow_wide: bool,
        /// No password: let it in by its source address alone (needs --allow).
        #[arg(long)]
        no_password: bool,
        /// Allow plain SMTP (no TLS) from its --allow addresses, for devices
        /// that speak only TLS 1.0/1.1.
        #[arg(long)]
        plain: bool,
        /// Send with the device's own From even if the profile may not send as it.
        #[arg(long)]
        keep_from: bool,
        /// It may also fetch its profile's mailbox over POP3 (Graph profiles).
        #[arg(long)]
        pop3: bool,
        /// What its POP3 DELE does: deleteditems (moved there), read (marked
        /// read), or folder:NAME (moved to that folder).
        #[arg(long, value_name = "WHAT", default_value = "deleteditems", requires = "pop3")]
        on_delete: String,
        /// The newest messages of the inbox it sees over POP3 (1 to 1,000).
        #[arg(long, value_name = "N", default_value_t = 500, requires = "pop3")]
        newest: u32,
        /// It may also read its profile's mailbox over IMAP (carried to the
        /// profile's IMAP server, signed in with its token).
        #[arg(long)]
        imap: bool,
    },
    /// The devices.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Remove a device (its messages in the queue are still delivered).
    Rm {
        /// Device name.
        name: String,
    },
    /// A new password for the device, printed once; the old one stops working.
    ResetPassword {
        /// Device name.
        name: String,
    },
}

#[derive(Subcommand)]
pub enum QueueCommand {
    /// Queued, waiting and held messages, oldest first.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// One message: its envelope, state and (if held) why.
    Show {
        /// The message's id (from `relay queue list`).
        id: String,
    },
    /// Try a held or waiting message again now.
    Retry {
        /// The message's id.
        id: String,
    },
    /// Delete a message from the queue (it is not sent).
    Delete {
        /// The message's id.
        id: String,
    },
}
