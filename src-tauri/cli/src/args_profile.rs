//! The `profile …` commands' arguments (clap derive): list, show, add,
//! edit, remove, and the fields every add and edit takes. Secrets are never
//! flags: they come from standard input or a hidden prompt.

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Subcommand};
use mailwarden_engine::{AuthMethod, Cloud, ExpiryState, ListSort, Provider, SendMethod, TlsMode};

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
    /// Export profiles (all, or those named) to a versioned JSON file. Secrets
    /// stay out unless --with-secrets, which encrypts the whole file under a
    /// passphrase (age, scrypt).
    Export(ExportArgs),
    /// Import profiles from an export file: each is checked and reported by
    /// field; a name that exists is skipped, renamed or replaced.
    Import(ImportArgs),
    /// Remove a profile and every secret it holds.
    Rm {
        /// Profile name or id.
        profile: String,
        /// Do not ask for confirmation.
        #[arg(long, short)]
        yes: bool,
    },
}

#[derive(Args)]
pub struct ExportArgs {
    /// Profile names or ids (default: every profile).
    pub profiles: Vec<String>,
    /// The file to write.
    #[arg(long, short, value_name = "FILE")]
    pub output: std::path::PathBuf,
    /// Put the client secrets, passwords and refresh tokens in too, and
    /// encrypt the file under a passphrase (asked for, or --passphrase-stdin).
    #[arg(long)]
    pub with_secrets: bool,
    /// Read the passphrase from the first line of standard input.
    #[arg(long)]
    pub passphrase_stdin: bool,
}

#[derive(Args)]
pub struct ImportArgs {
    /// The export file.
    pub file: std::path::PathBuf,
    /// Report what would happen; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// For a name that exists: skip, rename (to "NAME (imported)") or
    /// replace. Asked for each at a terminal when not given.
    #[arg(long, value_name = "WHAT", value_parser = ["skip", "rename", "replace"])]
    pub on_conflict: Option<String>,
    /// Read the passphrase of an encrypted file from standard input.
    #[arg(long)]
    pub passphrase_stdin: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
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
    /// A custom cloud's Microsoft Graph endpoint, e.g. https://graph.microsoft.us
    /// (registration check, secret and certificate reads, Graph sends).
    #[arg(long, value_name = "URL")]
    pub graph_url: Option<String>,
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
    /// Make an RSA key and a self-signed certificate, and sign in with it
    /// instead of a client secret (app-only Microsoft profiles): the
    /// credential Microsoft recommends. Upload it with `certificate export-public`.
    #[arg(long, conflicts_with = "certificate_file")]
    pub create_certificate: bool,
    /// Days the certificate made by --create-certificate is valid (365 unless given).
    #[arg(long, value_name = "DAYS", requires = "create_certificate")]
    pub certificate_days: Option<u32>,
    /// Sign in with the certificate and private key in this PEM file (read
    /// here; never pass key material on the command line).
    #[arg(long, value_name = "FILE")]
    pub certificate_file: Option<std::path::PathBuf>,
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
    /// The POP3 server the relay's POP3 front reads this mailbox from, e.g.
    /// outlook.office365.com ("" for none).
    #[arg(long)]
    pub pop3_host: Option<String>,
    /// The POP3 port, 1 to 65535 (995 with TLS).
    #[arg(long, allow_hyphen_values = true)]
    pub pop3_port: Option<String>,
    /// How the POP3 connection is secured.
    #[arg(long, value_parser = choice(TlsMode::ALL, TlsMode::as_str, TlsMode::parse))]
    pub pop3_security: Option<TlsMode>,
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
