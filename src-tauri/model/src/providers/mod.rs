//! What differs between identity providers, in one place: Microsoft (with its
//! clouds), Google and a custom OAuth server — endpoints ([`endpoints`]), the
//! refresh-token rule the expiry watch applies, the extra authorize
//! parameters, whether Microsoft's diagnosis tables (AADSTS codes,
//! Exchange Online replies) apply, and which Entra permission a mail job needs. Every choice is matched exhaustively, so a
//! new provider cannot be half-added; the UI is handed these facts rather
//! than deciding them again.

pub mod endpoints;

use crate::profile::{Provider, SendMethod};

/// How a provider retires refresh tokens nobody uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshTokenRule {
    /// Dropped after this many days without a refresh.
    pub idle_limit_days: i64,
    /// Warn from this many idle days.
    pub warn_from_days: i64,
    /// The rule in words, for the panel and the connection card.
    pub text: &'static str,
}

const MICROSOFT_RT: RefreshTokenRule = RefreshTokenRule {
    idle_limit_days: 90,
    warn_from_days: 75,
    text: "Microsoft drops a refresh token after 90 days without use",
};

const GOOGLE_RT: RefreshTokenRule = RefreshTokenRule {
    // "Unused for six months"; apps still in Testing lose theirs after 7
    // days whatever is done, which no client can see — the text says so.
    idle_limit_days: 182,
    warn_from_days: 150,
    text: "Google drops a refresh token unused for six months (and after 7 days while the OAuth app is in Testing)",
};

/// The provider's refresh-token rule; None when none is known (custom servers).
pub fn refresh_token_rule(p: Provider) -> Option<RefreshTokenRule> {
    match p {
        Provider::Microsoft365 | Provider::OutlookCom => Some(MICROSOFT_RT),
        Provider::Google => Some(GOOGLE_RT),
        Provider::Custom => None,
    }
}

/// Whether Microsoft's error tables (AADSTS codes, Exchange Online SMTP
/// replies, Graph errors) explain this provider's answers.
pub fn microsoft_tables(p: Provider) -> bool {
    match p {
        Provider::Microsoft365 | Provider::OutlookCom => true,
        Provider::Google | Provider::Custom => false,
    }
}

/// Extra parameters of the authorize request (Google issues a refresh token
/// only with offline access and a consent prompt).
pub fn authorize_params(p: Provider) -> &'static [(&'static str, &'static str)] {
    match p {
        Provider::Google => &[("access_type", "offline"), ("prompt", "consent")],
        Provider::Microsoft365 | Provider::OutlookCom | Provider::Custom => &[],
    }
}

/// The API that lists a permission in Entra's **API permissions** (as the
/// portal names it).
pub const GRAPH: &str = "Microsoft Graph";
pub const EXCHANGE_ONLINE: &str = "Office 365 Exchange Online";

/// The application (client) ID of an API named as the portal names it: the
/// same in every tenant, and how Graph's `requiredResourceAccess` and the
/// resource's service principal are found.
pub fn resource_app_id(api: &str) -> Option<&'static str> {
    match api {
        GRAPH => Some("00000003-0000-0000-c000-000000000000"),
        EXCHANGE_ONLINE => Some("00000002-0000-0ff1-ce00-000000000000"),
        _ => None,
    }
}

/// The public client administrators already use for Microsoft Graph
/// (Microsoft Graph Command Line Tools): the default for the administrator's
/// sign-in that checks or creates app registrations.
pub const ADMIN_CLIENT_ID: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

/// The delegated Graph permissions the administrator's sign-in asks for: to
/// read and write app registrations, and to grant admin consent.
pub const ADMIN_SCOPES: [&str; 3] =
    ["Application.ReadWrite.All", "AppRoleAssignment.ReadWrite.All", "DelegatedPermissionGrant.ReadWrite.All"];

/// The Entra permission a Microsoft mail job needs, and the API the portal
/// lists it under: `imap` for the inbound check, else sending by `send`;
/// `app_only` for client credentials. Per Microsoft's "Authenticate an IMAP,
/// POP or SMTP connection using OAuth": the delegated SMTP.Send and
/// IMAP.AccessAsUser.All are picked under Microsoft Graph (the token's scope
/// still names outlook.office.com), the app-only ones under Office 365
/// Exchange Online.
pub fn mail_permission(imap: bool, send: SendMethod, app_only: bool) -> (&'static str, &'static str) {
    match (imap, send, app_only) {
        (true, SendMethod::Graph, _) => (GRAPH, "Mail.Read"),
        (true, SendMethod::Smtp, false) => (GRAPH, "IMAP.AccessAsUser.All"),
        (true, SendMethod::Smtp, true) => (EXCHANGE_ONLINE, "IMAP.AccessAsApp"),
        (false, SendMethod::Smtp, false) => (GRAPH, "SMTP.Send"),
        (false, SendMethod::Smtp, true) => (EXCHANGE_ONLINE, "SMTP.SendAsApp"),
        (false, SendMethod::Graph, _) => (GRAPH, "Mail.Send"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_provider_has_its_own_refresh_token_rule() {
        assert_eq!(refresh_token_rule(Provider::Microsoft365).unwrap().idle_limit_days, 90);
        assert_eq!(refresh_token_rule(Provider::OutlookCom).unwrap().idle_limit_days, 90);
        let g = refresh_token_rule(Provider::Google).unwrap();
        assert!(g.idle_limit_days > 90 && g.text.contains("Google") && !g.text.contains("Microsoft"));
        assert!(refresh_token_rule(Provider::Custom).is_none());
    }
}

/// The providers' portals and sign-in pages a diagnosis may send a person
/// to: the only addresses the window opens from a diagnosis's text (a
/// server's own words never choose where the browser goes).
const PORTAL_HOSTS: &[&str] = &[
    "entra.microsoft.com",
    "portal.azure.com",
    "portal.azure.us",
    "portal.azure.cn",
    "admin.microsoft.com",
    "admin.exchange.microsoft.com",
    "login.microsoftonline.com",
    "login.microsoftonline.us",
    "login.chinacloudapi.cn",
    "learn.microsoft.com",
    "console.cloud.google.com",
];

/// Whether `url` is an https address on a provider's portal ([`PORTAL_HOSTS`]).
pub fn portal_link(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| {
        u.scheme() == "https"
            && u.port().is_none()
            && u.username().is_empty()
            && u.host_str().is_some_and(|h| PORTAL_HOSTS.contains(&h))
    })
}

#[cfg(test)]
mod portal_tests {
    #[test]
    fn only_the_providers_portals_are_links() {
        use super::portal_link;
        assert!(portal_link(
            "https://entra.microsoft.com/#view/Microsoft_AAD_RegisteredApps/ApplicationMenuBlade/~/Credentials/appId/1"
        ));
        assert!(portal_link("https://login.microsoftonline.com/contoso.onmicrosoft.com/adminconsent?client_id=1"));
        assert!(!portal_link("http://entra.microsoft.com/"), "not https");
        assert!(!portal_link("https://entra.microsoft.com.evil.example/"));
        assert!(!portal_link("https://user@entra.microsoft.com/"));
        assert!(!portal_link("https://entra.microsoft.com:8443/"));
        assert!(!portal_link("https://127.0.0.1:36205/adminconsent"));
        assert!(!portal_link("file:///etc/passwd"));
        assert!(!portal_link("javascript:alert(1)"));
    }
}
