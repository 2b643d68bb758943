//! The command line's shape for the expiry watch: `secret …`, `calendar …`,
//! `settings …` (clap derive). Secrets come from standard input, never flags.

use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum SecretCommand {
    /// The profile's client secrets, current and retired (never values).
    History {
        /// Profile name or id.
        profile: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Read a row copied from Entra's Certificates & secrets table on standard
    /// input, and fill in the profile's Secret ID and expiry.
    PasteRow {
        /// Profile name or id.
        profile: String,
        /// Read 4/5/2026 as 4 May (default: from the locale).
        #[arg(long, conflicts_with = "month_first")]
        day_first: bool,
        /// Read 4/5/2026 as 5 April.
        #[arg(long)]
        month_first: bool,
    },
    /// Read the app's secrets and certificates from Microsoft Graph (needs
    /// Application.Read.All): fill in the profile's secret expiry, and keep
    /// Entra's end for its certificate (the watch counts the earlier end).
    ReadGraph {
        /// Profile name or id.
        profile: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Replace the client secret: create the new one in Entra (`secret
    /// history` prints where), give its Value on standard input; it is proven
    /// first and the old one is retired only then.
    Rotate {
        /// Profile name or id.
        profile: String,
        /// The new secret's Secret ID (the GUID beside it in Entra).
        #[arg(long, value_name = "GUID")]
        secret_id: String,
        /// The new secret's expiry date (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        expires: String,
        /// The portal's Description for it.
        #[arg(long, default_value = "")]
        description: String,
    },
}

#[derive(Subcommand)]
pub enum CalendarCommand {
    /// Write an .ics file: one event per secret expiry, reminders before it.
    /// Importing it again updates the events.
    Export {
        /// Where to write (e.g. mailwarden.ics); "-" for standard output.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum SettingsCommand {
    /// Print the settings in force.
    Show {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Change settings; those not given stay as they are.
    Set {
        /// Days before an expiry it becomes "soon".
        #[arg(long, value_name = "N")]
        warn_days: Option<i64>,
        /// Days before an expiry it becomes "urgent".
        #[arg(long, value_name = "N")]
        crit_days: Option<i64>,
        /// Refresh refresh tokens idle this many days.
        #[arg(long, value_name = "N")]
        keepalive_days: Option<i64>,
        /// How often the running app checks (hours).
        #[arg(long, value_name = "N")]
        check_every_hours: Option<i64>,
        /// Keep running in the tray when the window closes.
        #[arg(long, value_name = "BOOL")]
        close_to_tray: Option<bool>,
        #[command(flatten)]
        relay: Box<RelaySettingsArgs>,
    },
}

/// The relay's settings (`settings set --relay-…`).
#[derive(clap::Args)]
pub struct RelaySettingsArgs {
    /// Where the relay listens (ADDR:PORT; a LAN address gets TLS).
    #[arg(long, value_name = "ADDR:PORT")]
    pub relay_listen: Option<String>,
    /// Where devices fetch mail over POP3 (ADDR:PORT; "off" to stop).
    #[arg(long, value_name = "ADDR:PORT")]
    pub relay_pop3_listen: Option<String>,
    /// Where devices read mail over IMAP (ADDR:PORT; "off" to stop).
    #[arg(long, value_name = "ADDR:PORT")]
    pub relay_imap_listen: Option<String>,
    /// Messages a minute per Microsoft mailbox (Exchange Online: 30); 0: no limit.
    #[arg(long, value_name = "N")]
    pub relay_per_minute: Option<u32>,
    /// Recipients a day per Microsoft mailbox (Exchange Online: 10,000); 0: no limit.
    #[arg(long, value_name = "N")]
    pub relay_recipients_per_day: Option<u32>,
    /// Messages a minute per mailbox of other providers; 0: no limit.
    #[arg(long, value_name = "N")]
    pub relay_other_per_minute: Option<u32>,
    /// The largest message the relay takes (MB).
    #[arg(long, value_name = "MB")]
    pub relay_max_message_mb: Option<usize>,
    /// Recipients per message.
    #[arg(long, value_name = "N")]
    pub relay_max_recipients: Option<usize>,
    /// Connections at once.
    #[arg(long, value_name = "N")]
    pub relay_max_connections: Option<usize>,
    /// Connections at once from one address.
    #[arg(long, value_name = "N")]
    pub relay_max_per_client: Option<usize>,
    /// New connections a minute from one LAN address (0: no limit; programs
    /// on this computer are not counted).
    #[arg(long, value_name = "N")]
    pub relay_connection_rate: Option<u32>,
    /// Seconds a connection may stay silent.
    #[arg(long, value_name = "SECONDS")]
    pub relay_idle_timeout: Option<u64>,
    /// The desktop app starts the relay when it starts.
    #[arg(long, value_name = "BOOL")]
    pub relay_with_app: Option<bool>,
    /// When a message is held, send a bounce (DSN) to: `off`, `sender` (the
    /// device's envelope sender) or an address.
    #[arg(long, value_name = "off|sender|ADDRESS")]
    pub relay_bounces: Option<String>,
}
