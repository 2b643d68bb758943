//! The command line's shape (clap derive). Secrets are never flags: they come
//! from standard input or a hidden prompt, so they stay out of argv and history.

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};
use mailwarden_core::profile::{AuthMethod, Cloud, ExpiryState, ListSort, Provider, SendMethod, TlsMode};
use std::path::PathBuf;

pub use crate::args_watch::{CalendarCommand, SecretCommand, SettingsCommand};

#[derive(Parser)]
#[command(
    name = "mailwarden",
    version,
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

/// The command line as typed (`token` usually never gets here: see front.rs).
pub fn parse() -> Cli {
    Cli::parse()
}

#[derive(Subcommand)]
pub enum Command {
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
    /// Log in over IMAP and list the folders (the inbound check).
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

#[derive(Subcommand)]
pub enum ProfileCommand {
    /// List profiles, optionally filtered.
    List(ListArgs),
    /// Show one profile (secrets appear only as "set" or "not set").
    Show {
        /// Profile name or id.
        profile: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Add a profile; defaults follow the provider, auth method and send method.
    Add(Box<AddArgs>),
    /// Change fields of a profile; fields not given stay as they are.
    Edit(Box<EditArgs>),
    /// Remove a profile and every secret it holds.
    Rm {
        /// Profile name or id.
        profile: String,
        /// Do not ask for confirmation.
        #[arg(long, short)]
        yes: bool,
    },
}

fn choice<T: Copy + Send + Sync + 'static>(
    all: &'static [T],
    name: fn(T) -> &'static str,
    parse: fn(&str) -> Option<T>,
) -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(all.iter().map(|v| name(*v)))
        .map(move |s| parse(&s).expect("clap accepted only listed values"))
}

#[derive(Args)]
pub struct ListArgs {
    /// Words that must appear in the name, mailbox, notes, client ID, tenant or hosts.
    #[arg(long, short)]
    pub search: Option<String>,
    /// Who runs the mail server: microsoft365, outlook, google or custom.
    #[arg(long, value_parser = choice(Provider::ALL, Provider::as_str, Provider::parse))]
    pub provider: Option<Provider>,
    /// How it signs in: auth-code (browser), refresh-token, client-credentials (app-only), device-code or basic.
    #[arg(long = "auth", value_parser = choice(AuthMethod::ALL, AuthMethod::as_str, AuthMethod::parse))]
    pub auth_method: Option<AuthMethod>,
    /// Only profiles whose client secret is in this state.
    #[arg(long, value_parser = ["ok", "soon", "urgent", "expired"])]
    pub expiry: Option<String>,
    /// Only enabled (true) or disabled (false) profiles.
    #[arg(long)]
    pub enabled: Option<bool>,
    /// name, or urgency: expired and soonest-expiring secrets and failing tests first.
    #[arg(long, default_value = "name", value_parser = choice(ListSort::ALL, ListSort::as_str, ListSort::parse))]
    pub sort: ListSort,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

impl ListArgs {
    pub fn expiry_state(&self) -> Option<ExpiryState> {
        match self.expiry.as_deref()? {
            "ok" => Some(ExpiryState::Ok),
            "soon" => Some(ExpiryState::Soon),
            "urgent" => Some(ExpiryState::Urgent),
            _ => Some(ExpiryState::Expired),
        }
    }
}

#[derive(Args)]
pub struct AddArgs {
    /// The profile's name (a short description, unique).
    #[arg(long)]
    pub name: String,
    /// Who runs the mail server: microsoft365, outlook, google or custom.
    #[arg(long, default_value = "microsoft365", value_parser = choice(Provider::ALL, Provider::as_str, Provider::parse))]
    pub provider: Provider,
    /// How it signs in: auth-code (browser), refresh-token, client-credentials (app-only), device-code or basic.
    #[arg(long = "auth", default_value = "auth-code", value_parser = choice(AuthMethod::ALL, AuthMethod::as_str, AuthMethod::parse))]
    pub auth_method: AuthMethod,
    /// How it sends: smtp, or graph (Microsoft Graph sendMail).
    #[arg(long = "send", default_value = "smtp", value_parser = choice(SendMethod::ALL, SendMethod::as_str, SendMethod::parse))]
    pub send_method: SendMethod,
    #[command(flatten)]
    pub fields: FieldArgs,
}

#[derive(Args)]
pub struct EditArgs {
    /// Profile name or id.
    pub profile: String,
    /// Rename the profile.
    #[arg(long)]
    pub name: Option<String>,
    /// Switching provider, auth or send method also switches the fields that
    /// still hold the old defaults (scopes, hosts, tenant).
    #[arg(long, value_parser = choice(Provider::ALL, Provider::as_str, Provider::parse))]
    pub provider: Option<Provider>,
    /// How it signs in: auth-code (browser), refresh-token, client-credentials (app-only), device-code or basic.
    #[arg(long = "auth", value_parser = choice(AuthMethod::ALL, AuthMethod::as_str, AuthMethod::parse))]
    pub auth_method: Option<AuthMethod>,
    /// How it sends: smtp, or graph (Microsoft Graph sendMail).
    #[arg(long = "send", value_parser = choice(SendMethod::ALL, SendMethod::as_str, SendMethod::parse))]
    pub send_method: Option<SendMethod>,
    #[command(flatten)]
    pub fields: FieldArgs,
}

/// Every other field, each optional (add: defaults apply; edit: unchanged).
#[derive(Args, Default)]
pub struct FieldArgs {
    /// Use the profile again (the watch, tests and tokens include it).
    #[arg(long, conflicts_with = "disable")]
    pub enable: bool,
    /// Keep the profile but leave it out of the watch, tests and tokens.
    #[arg(long)]
    pub disable: bool,
    /// Free text for whoever reads the profile next ("" to clear).
    #[arg(long)]
    pub notes: Option<String>,
    /// Username / mailbox address that signs in.
    #[arg(long)]
    pub mailbox: Option<String>,
    /// From address, if it differs from the mailbox ("" to clear).
    #[arg(long = "from")]
    pub from_address: Option<String>,
    /// The mail domain, e.g. contoso.com (some products ask for it).
    #[arg(long)]
    pub domain: Option<String>,
    /// common, organizations, consumers, a tenant GUID or a domain.
    #[arg(long)]
    pub tenant: Option<String>,
    /// Microsoft's global cloud, or a custom authority (--authority-url).
    #[arg(long, value_parser = choice(Cloud::ALL, Cloud::as_str, Cloud::parse))]
    pub cloud: Option<Cloud>,
    /// The sign-in host of a custom cloud, e.g. https://login.microsoftonline.us.
    #[arg(long)]
    pub authority_url: Option<String>,
    /// Application (client) ID.
    #[arg(long)]
    pub client_id: Option<String>,
    /// Read the client secret's Value from standard input (one line).
    #[arg(long, conflicts_with_all = ["client_secret_prompt", "clear_client_secret", "password_stdin"])]
    pub client_secret_stdin: bool,
    /// Ask for the client secret's Value without echoing it.
    #[arg(long, conflicts_with = "clear_client_secret")]
    pub client_secret_prompt: bool,
    /// Forget the stored client secret (a public client needs none).
    #[arg(long)]
    pub clear_client_secret: bool,
    /// The client secret's Secret ID (a GUID).
    #[arg(long)]
    pub secret_id: Option<String>,
    /// The client secret's expiry date, YYYY-MM-DD ("" to clear).
    #[arg(long, value_name = "DATE")]
    pub secret_expires: Option<String>,
    /// Space-separated scopes (replaces the defaults).
    #[arg(long)]
    pub scopes: Option<String>,
    /// Where the browser sign-in returns: http://localhost (Mobile and desktop
    /// applications) or https://localhost (Web, pasted back; needs the secret).
    #[arg(long)]
    pub redirect_uri: Option<String>,
    /// Authorization endpoint (custom provider).
    #[arg(long)]
    pub auth_url: Option<String>,
    /// Token endpoint (custom provider).
    #[arg(long)]
    pub token_url: Option<String>,
    /// The SMTP server's host name, e.g. smtp.office365.com.
    #[arg(long)]
    pub smtp_host: Option<String>,
    /// The SMTP port, 1 to 65535 (587 with STARTTLS, 465 with TLS).
    #[arg(long, allow_hyphen_values = true)]
    pub smtp_port: Option<String>,
    /// How the SMTP connection is secured.
    #[arg(long, value_parser = choice(TlsMode::ALL, TlsMode::as_str, TlsMode::parse))]
    pub smtp_security: Option<TlsMode>,
    /// The IMAP server's host name, e.g. outlook.office365.com ("" for none).
    #[arg(long)]
    pub imap_host: Option<String>,
    /// The IMAP port, 1 to 65535 (993 with TLS).
    #[arg(long, allow_hyphen_values = true)]
    pub imap_port: Option<String>,
    /// How the IMAP connection is secured.
    #[arg(long, value_parser = choice(TlsMode::ALL, TlsMode::as_str, TlsMode::parse))]
    pub imap_security: Option<TlsMode>,
    /// Read the password (basic auth) from standard input (one line).
    #[arg(long, conflicts_with_all = ["password_prompt", "clear_password"])]
    pub password_stdin: bool,
    /// Ask for the password without echoing it.
    #[arg(long, conflicts_with = "clear_password")]
    pub password_prompt: bool,
    /// Forget the stored password.
    #[arg(long)]
    pub clear_password: bool,
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
