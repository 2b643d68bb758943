//! The command line's shape (clap derive). Secrets are never flags: they come
//! from standard input or a hidden prompt, so they stay out of argv and history.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

pub use crate::args_profile::{AddArgs, EditArgs, FieldArgs, ListArgs, ProfileCommand};
pub use crate::args_watch::{CalendarCommand, SecretCommand, SettingsCommand};

#[derive(Parser)]
#[command(
    name = "mailwarden",
    version = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("MAILWARDEN_COMMIT"), ")"),
    about = "Mail-server profiles and OAuth for business mail, from the command line"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// The options every command takes.
#[derive(Args)]
pub struct Global {
    /// The database file (default: ~/.local/share/mailwarden/mailwarden.db).
    #[arg(long, global = true, env = "MAILWARDEN_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Log what happens (sign-in steps, refreshes, sends) to stderr too;
    /// -vv adds detail. The log file beside the database always gets it.
    #[arg(short = 'v', action = clap::ArgAction::Count, global = true)]
    pub log: u8,
}

#[derive(Args)]
pub struct TokenArgs {
    /// Profile name or id.
    pub profile: String,
    /// raw: the token; xoauth2: the base64 SASL XOAUTH2 string; json: token and expiry.
    #[arg(long, default_value = crate::token_out::FORMATS[0], value_parser = crate::token_out::FORMATS)]
    pub format: String,
}

/// The command line as typed (`token` usually never gets here: see token_front.rs).
pub fn parse() -> Cli {
    Cli::parse()
}

#[derive(Subcommand)]
pub enum Command {
    /// Write the man pages and shell completions under DIR (for packaging).
    #[command(hide = true)]
    GenerateAssets {
        /// Where to write them, laid out as under /usr (share/man/man1, …).
        dir: std::path::PathBuf,
    },
    /// List, show, add, edit and remove mail-server profiles.
    Profile {
        #[command(subcommand)]
        command: ProfileCommand,
    },
    /// Check the database, the data key and where each lives.
    Doctor {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Back up, restore or move the data key that seals the secrets.
    Key {
        #[command(subcommand)]
        command: crate::key_cmd::KeyCommand,
    },
    /// Sign in for a profile and store its tokens (sealed).
    Connect(ConnectArgs),
    /// Print a valid access token: only the token goes to stdout, so it works
    /// as msmtp's `passwordeval "mailwarden token NAME"`.
    Token(TokenArgs),
    /// What to register in the Microsoft Entra admin center (or Google Cloud
    /// Console) for a profile: the portal's own words, every value, the API
    /// permissions and the Exchange Online PowerShell it needs.
    Guide {
        /// Profile name or id.
        profile: String,
        /// Write Markdown (a handout for whoever has portal access) instead of text.
        #[arg(long)]
        markdown: bool,
    },
    /// The values another product needs for this profile (tenant, client ID,
    /// hosts, scopes…) under the names products use, and what was handed over.
    /// The relay for printers and old apps that can only send a user name and
    /// password: devices submit to Mailwarden, which delivers with OAuth.
    Relay {
        #[command(subcommand)]
        command: crate::args_relay::RelayCommand,
    },
    /// Check the profile's app registration against Microsoft (Graph), or
    /// create it / bring it in line as an administrator.
    Registration {
        #[command(subcommand)]
        command: RegistrationCommand,
    },
    /// The certificate an app-only Microsoft profile signs in with instead of
    /// a client secret: make one, bring one in, show it, export its public
    /// half for the portal's "Upload certificate", remove it.
    Certificate {
        #[command(subcommand)]
        command: crate::args_certificate::CertificateCommand,
    },
    /// The values another product needs (client ID, tenant, endpoints,
    /// scopes…) under the names it uses, or a program's ready configuration.
    Handover {
        /// Profile name or id.
        profile: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Print ready configuration for a program instead: msmtp, neomutt
        /// (or mutt), aerc, git-send-email or postfix. It asks Mailwarden for
        /// each token; no secret is written into it.
        #[arg(long, value_name = "PROGRAM", value_parser = parse_program)]
        config: Option<mailwarden_engine::Program>,
    },
    /// Hand a secret to another product: write it to standard output (only
    /// into a pipe or file, unless --yes). Each hand-over is recorded.
    #[command(group(clap::ArgGroup::new("what").required(true).args(["client_secret", "refresh_token"])))]
    Reveal {
        /// Profile name or id.
        profile: String,
        /// The client secret's Value.
        #[arg(long)]
        client_secret: bool,
        /// The refresh token (Mailwarden keeps using its own copy unless --forget).
        #[arg(long)]
        refresh_token: bool,
        /// After handing the refresh token over, delete this profile's connection.
        #[arg(long, conflicts_with = "client_secret")]
        forget: bool,
        /// Write it even to a terminal (where it stays on screen and in scrollback).
        #[arg(long)]
        yes: bool,
    },
    /// Forget a profile's tokens (the profile stays).
    Disconnect {
        /// Profile name or id.
        profile: String,
    },
    /// Prove a profile works.
    Test {
        #[command(subcommand)]
        what: TestCommand,
    },
    /// For monitoring (Nagios, Icinga, Zabbix, cron): one line per expiring
    /// secret, idle refresh token or failing profile. Exit 0 OK, 1 WARNING,
    /// 2 CRITICAL, 3 UNKNOWN.
    Check {
        /// Check as on this day (YYYY-MM-DD) instead of today.
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// WARNING this many days before an expiry (default: the setting, 30).
        #[arg(long, value_name = "N")]
        warn_days: Option<i64>,
        /// CRITICAL this many days before an expiry (default: the setting, 7).
        #[arg(long, value_name = "N")]
        crit_days: Option<i64>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Refresh refresh tokens that have been idle long enough that Microsoft
    /// could drop them (after 90 days); for a daily cron job or systemd timer.
    Keepalive {
        /// Refresh those idle this many days or more (default: the setting, 45).
        #[arg(long, value_name = "N")]
        idle_days: Option<i64>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Client secrets: history, filling the expiry, rotation.
    Secret {
        #[command(subcommand)]
        command: SecretCommand,
    },
    /// The expiry calendar.
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
    /// Warning thresholds, keep-alive and tray settings.
    Settings {
        #[command(subcommand)]
        command: SettingsCommand,
    },
}

/// Without a flag, connect opens the system browser (or $BROWSER) and catches
/// the sign-in on the loopback redirect URI (http://localhost…).
#[derive(Args)]
#[group(skip)]
#[command(group(clap::ArgGroup::new("how").multiple(false)))]
pub struct ConnectArgs {
    /// Profile name or id.
    pub profile: String,
    /// How long to wait for the browser sign-in, in seconds (1 to 86400).
    #[arg(long, default_value_t = 300, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub timeout: u64,
    /// Print the sign-in address; you open it, sign in, and paste the address
    /// the browser ends on (for redirect URIs like https://localhost).
    #[arg(long, group = "how")]
    pub manual: bool,
    /// Read a refresh token obtained elsewhere from standard input and prove it.
    #[arg(long, group = "how")]
    pub refresh_token_stdin: bool,
    /// Sign in on another device: show a code to enter at the provider's page.
    #[arg(long, group = "how")]
    pub device_code: bool,
}

#[derive(Subcommand)]
pub enum TestCommand {
    /// The inbound check: log in over IMAP and list the folders, or, for a
    /// profile that uses Microsoft Graph, read the inbox there (Mail.Read).
    #[command(alias = "inbound")]
    Imap {
        /// Profile name or id.
        profile: String,
        /// Show the IMAP conversation (credentials redacted).
        #[arg(long)]
        verbose: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Send a test message (default recipient: the profile's own mailbox).
    Send {
        /// Profile name or id.
        profile: String,
        /// Recipient address.
        #[arg(long)]
        to: Option<String>,
        /// Send even if a test was sent from this profile in the last 10 seconds.
        #[arg(long)]
        force: bool,
        /// Show the SMTP conversation (credentials redacted).
        #[arg(long)]
        verbose: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Get a token now and show its claims (audience, roles / scopes, account).
    Auth {
        /// Profile name or id.
        profile: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn parse_program(s: &str) -> Result<mailwarden_engine::Program, String> {
    use mailwarden_engine::Program;
    Program::parse(s).ok_or_else(|| {
        let all: Vec<&str> = Program::ALL.iter().map(|p| p.as_str()).collect();
        format!("one of: {}", all.join(", "))
    })
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        super::Cli::command().debug_assert();
    }

    /// `--help` explains every option and argument of every command.
    #[test]
    fn every_option_has_help() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
                let builtin = matches!(arg.get_id().as_str(), "help" | "version");
                if !builtin && arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path} {}", arg.get_id()));
                }
            }
            for sub in cmd.get_subcommands() {
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&super::Cli::command(), "mailwarden", &mut missing);
        assert!(missing.is_empty(), "options without help: {missing:#?}");
    }
}

#[derive(Subcommand)]
pub enum RegistrationCommand {
    /// Compare the app registration with what the profile needs and name each
    /// difference with its fix (exit 1 when one stops sign-in or mail). Reads as
    /// the app itself (app-only with Application.Read.All) unless --admin.
    Check {
        /// Profile name or id.
        profile: String,
        /// Read as an administrator, who signs in in the browser.
        #[arg(long)]
        admin: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Seconds to wait for the administrator's sign-in.
        #[arg(long, default_value_t = 300, value_name = "SECONDS")]
        timeout: u64,
    },
    /// As an administrator (signed in in the browser): show the plan, then
    /// create the app registration or bring it in line — platform and redirect
    /// URI, public client flows, API permissions, a client secret straight into
    /// the profile, the enterprise application and admin consent.
    Apply {
        /// Profile name or id.
        profile: String,
        /// Show the plan only.
        #[arg(long)]
        dry_run: bool,
        /// Do it without asking.
        #[arg(long)]
        yes: bool,
        /// Seconds to wait for the administrator's sign-in.
        #[arg(long, default_value_t = 300, value_name = "SECONDS")]
        timeout: u64,
    },
}
