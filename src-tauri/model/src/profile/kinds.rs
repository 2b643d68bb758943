//! The closed choices of a profile: provider, auth method, send method, cloud, TLS.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

macro_rules! choice {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal / $label:literal / $short:literal),+ $(,)? } default $default:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant,)+
        }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The stable identifier stored in SQLite and used on the command line.
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $text),+ } }
            /// Words for a person.
            pub fn label(self) -> &'static str { match self { $($name::$variant => $label),+ } }
            /// The same in a word or two, where space is short (a list row).
            pub fn short(self) -> &'static str { match self { $($name::$variant => $short),+ } }
            pub fn parse(s: &str) -> Option<Self> { match s { $($text => Some($name::$variant),)+ _ => None } }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }
        impl Default for $name { fn default() -> Self { $name::$default } }
    };
}

choice!(
    /// Who runs the mail service and the sign-in.
    Provider {
        Microsoft365 = "microsoft365" / "Microsoft 365 (work or school)" / "Microsoft 365",
        OutlookCom = "outlook" / "Outlook.com (personal)" / "Outlook.com",
        Google = "google" / "Google" / "Google",
        Custom = "custom" / "Custom OAuth" / "Custom",
    } default Microsoft365
);

choice!(
    /// How Mailwarden obtains credentials.
    AuthMethod {
        AuthCode = "auth-code" / "Connect your account (browser sign-in)" / "Browser sign-in",
        RefreshToken = "refresh-token" / "Pasted refresh token" / "Refresh token",
        ClientCredentials = "client-credentials" / "App-only (client credentials)" / "App-only",
        DeviceCode = "device-code" / "Device code" / "Device code",
        Password = "password" / "Mailbox password over OAuth (ROPC, discouraged)" / "Password (ROPC)",
        Basic = "basic" / "Username and password" / "Password",
    } default AuthCode
);

choice!(
    /// How test messages leave.
    SendMethod {
        Smtp = "smtp" / "SMTP" / "SMTP",
        Graph = "graph" / "Microsoft Graph" / "Graph",
    } default Smtp
);

choice!(
    /// Which Microsoft cloud the tenant lives in.
    Cloud {
        Global = "global" / "Global (login.microsoftonline.com)" / "Global",
        UsGov = "usgov" / "US Government (login.microsoftonline.us)" / "US Government",
        China = "china" / "China, 21Vianet (login.chinacloudapi.cn)" / "China",
        Custom = "custom" / "Custom authority URL" / "Custom",
    } default Global
);

choice!(
    /// Transport security for SMTP and IMAP.
    TlsMode {
        StartTls = "starttls" / "STARTTLS" / "STARTTLS",
        Tls = "tls" / "Implicit TLS" / "TLS",
        None = "none" / "None (loopback only)" / "None",
    } default StartTls
);

impl AuthMethod {
    pub fn is_oauth(self) -> bool {
        self != AuthMethod::Basic
    }
    /// A person signs in and the app acts for them (as opposed to app-only).
    pub fn is_delegated(self) -> bool {
        matches!(self, AuthMethod::AuthCode | AuthMethod::RefreshToken | AuthMethod::DeviceCode | AuthMethod::Password)
    }
    /// Tokens come from a stored credential (a client secret, a mailbox
    /// password) on every fetch: nothing to connect, no refresh token to keep.
    pub fn needs_no_connect(self) -> bool {
        matches!(self, AuthMethod::ClientCredentials | AuthMethod::Password)
    }
    /// The mailbox password is stored (basic SMTP AUTH, or ROPC).
    pub fn uses_password(self) -> bool {
        matches!(self, AuthMethod::Basic | AuthMethod::Password)
    }
}

impl Provider {
    pub fn is_microsoft(self) -> bool {
        matches!(self, Provider::Microsoft365 | Provider::OutlookCom)
    }
}

/// One choice as a picker shows it.
#[derive(Debug, Clone, serde::Serialize, TS)]
pub struct ChoiceOption<T> {
    pub value: T,
    pub label: &'static str,
    /// The label in a word or two, for a list row.
    pub short: &'static str,
}

/// Every closed choice with its label, so the UI's pickers and the CLI's help
/// read the same words.
#[derive(Debug, Clone, serde::Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Catalog {
    pub providers: Vec<ChoiceOption<Provider>>,
    pub auth_methods: Vec<ChoiceOption<AuthMethod>>,
    pub send_methods: Vec<ChoiceOption<SendMethod>>,
    pub clouds: Vec<ChoiceOption<Cloud>>,
    pub tls_modes: Vec<ChoiceOption<TlsMode>>,
    /// The providers that sign in at Microsoft: the only ones that send
    /// through Graph, and whose guide is the Entra portal's.
    pub microsoft: Vec<Provider>,
    /// Shown beside the password sign-in (OAuth ROPC) when it is chosen.
    pub password_sign_in_caution: &'static str,
}

/// The caution the password sign-in (ROPC) carries wherever it is chosen or
/// used: the editor, the guide, `test auth`. Portal words in `**bold**`.
pub const ROPC_DISCOURAGED: &str = "Microsoft discourages the password sign-in (ROPC): it cannot pass multi-factor authentication, works only for accounts whose password Entra checks itself (not federated or password-less ones), and puts the password in another program. Prefer **Connect your account** (browser) for a mailbox, or app-only for a service; use this only to prove the credentials a product already uses.";

pub fn catalog() -> Catalog {
    Catalog {
        providers: Provider::ALL
            .iter()
            .map(|&v| ChoiceOption { value: v, label: v.label(), short: v.short() })
            .collect(),
        auth_methods: AuthMethod::ALL
            .iter()
            .map(|&v| ChoiceOption { value: v, label: v.label(), short: v.short() })
            .collect(),
        send_methods: SendMethod::ALL
            .iter()
            .map(|&v| ChoiceOption { value: v, label: v.label(), short: v.short() })
            .collect(),
        clouds: Cloud::ALL.iter().map(|&v| ChoiceOption { value: v, label: v.label(), short: v.short() }).collect(),
        tls_modes: TlsMode::ALL
            .iter()
            .map(|&v| ChoiceOption { value: v, label: v.label(), short: v.short() })
            .collect(),
        microsoft: Provider::ALL.iter().copied().filter(|p| p.is_microsoft()).collect(),
        password_sign_in_caution: ROPC_DISCOURAGED,
    }
}
