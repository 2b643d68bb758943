//! The rules for scopes, redirect URIs, endpoints and servers.

use super::syntax::{is_hostname, is_loopback_host};
use super::Check;
use crate::profile::defaults::microsoft_hosts;
use crate::profile::{AuthMethod, Cloud, ProfileDraft, SendMethod, TlsMode};
use url::Url;

pub(super) fn check_scopes(c: &mut Check, d: &ProfileDraft, scopes: &[String]) {
    if scopes.is_empty() {
        c.err("scopes", "Scopes are required; use Reset to defaults for this provider and method.");
        return;
    }
    if let Some(s) = scopes.iter().find(|s| s.contains(',') || s.contains(';')) {
        c.err("scopes", format!("Separate scopes with spaces, not commas or semicolons (\"{s}\")."));
        return;
    }
    if !d.provider.is_microsoft() {
        return;
    }
    let ms = microsoft_hosts(d.cloud);
    let resource_of = |s: &str| -> Option<String> {
        let lower = s.to_ascii_lowercase();
        lower.starts_with("https://").then(|| lower.rsplit_once('/').map(|(r, _)| r.to_owned())).flatten()
    };
    let resources: std::collections::BTreeSet<String> = scopes.iter().filter_map(|s| resource_of(s)).collect();
    if resources.len() > 1 {
        c.err("scopes", format!(
            "These scopes ask for several resources at once ({}); Microsoft refuses that (AADSTS28000). Keep one resource per profile.",
            resources.into_iter().collect::<Vec<_>>().join(", ")
        ));
        return;
    }
    let graph = ms.graph.to_ascii_lowercase();
    let lower: Vec<String> = scopes.iter().map(|s| s.to_ascii_lowercase()).collect();
    if d.cloud == Cloud::Custom {
        // A custom authority (a sovereign or private cloud) names its own
        // resources: only the rules that hold everywhere apply.
        if d.auth_method == AuthMethod::ClientCredentials {
            if lower.len() != 1 || !lower[0].ends_with("/.default") {
                c.err("scopes", "App-only sign-in takes exactly one <resource>/.default scope (AADSTS1002012).");
            }
        } else if !lower.iter().any(|s| s == "offline_access") {
            c.err("scopes", "Add offline_access: without it Microsoft issues no refresh token and the account must sign in again every hour.");
        }
        return;
    }
    if d.auth_method == AuthMethod::ClientCredentials {
        let want = match d.send_method {
            SendMethod::Graph => format!("{}/.default", ms.graph),
            SendMethod::Smtp => format!("{}/.default", ms.exchange_app_resource),
        };
        if lower.len() != 1 || !lower[0].ends_with("/.default") {
            c.err("scopes", format!("App-only sign-in takes exactly one /.default scope (AADSTS1002012); use {want}."));
        } else if lower[0] != want.to_ascii_lowercase() {
            c.err("scopes", format!("For {} sending, the app-only scope is {want}.", d.send_method.label()));
        }
        return;
    }
    if d.send_method == SendMethod::Smtp && lower.iter().any(|s| s.starts_with(&graph) && s.ends_with("/smtp.send")) {
        c.err("scopes", format!(
            "{}/SMTP.Send gives a token for Microsoft Graph, which the SMTP server rejects (535 5.7.3). Use {}/SMTP.Send.",
            ms.graph, ms.outlook_resource
        ));
    } else if d.send_method == SendMethod::Graph && !lower.iter().any(|s| s.starts_with(&graph)) {
        c.err("scopes", format!("Sending through Microsoft Graph needs a Graph scope such as {}/Mail.Send.", ms.graph));
    } else if d.send_method == SendMethod::Smtp && lower.iter().any(|s| s.starts_with(&graph)) {
        c.err(
            "scopes",
            format!("SMTP needs Outlook scopes ({}/SMTP.Send), not Microsoft Graph ones.", ms.outlook_resource),
        );
    } else if !lower.iter().any(|s| s == "offline_access") {
        c.err("scopes", "Add offline_access: without it Microsoft issues no refresh token and the account must sign in again every hour.");
    } else if lower.iter().any(|s| s.ends_with("/.default")) {
        c.err("scopes", "/.default scopes are for app-only sign-in; a signed-in account asks for named permissions such as SMTP.Send.");
    }
}

pub(super) fn check_redirect(c: &mut Check, uri: &str) {
    if uri.is_empty() {
        c.err("redirectUri", "Redirect URI is required: use http://localhost and register it in Entra under Authentication → Mobile and desktop applications.");
        return;
    }
    if !uri.is_ascii() {
        c.err("redirectUri", "Redirect URI holds characters that are not plain ASCII (often full-width letters pasted from a document); type it as registered in Entra, e.g. http://localhost.");
        return;
    }
    if uri.chars().any(char::is_whitespace) {
        c.err("redirectUri", format!("Redirect URI \"{uri}\" is not a URL (it holds spaces), e.g. http://localhost."));
        return;
    }
    let Ok(u) = Url::parse(uri) else {
        c.err("redirectUri", format!("Redirect URI \"{uri}\" is not a URL, e.g. http://localhost."));
        return;
    };
    if matches!(u.scheme(), "http" | "https") && !uri.to_ascii_lowercase().starts_with(&format!("{}://", u.scheme())) {
        c.err(
            "redirectUri",
            format!("Redirect URI \"{uri}\" must start with {}:// exactly as registered in Entra.", u.scheme()),
        );
    } else if u.fragment().is_some() {
        c.err("redirectUri", "Redirect URI must not contain a # fragment.");
    } else if u.host_str() == Some("[::1]") {
        c.err("redirectUri", "Microsoft does not support [::1] as a redirect; use http://localhost.");
    } else if u.scheme() == "http" && !u.host_str().is_some_and(is_loopback_host) {
        c.err("redirectUri", "Plain http is only allowed for localhost; use https for any other redirect URI.");
    } else if !matches!(u.scheme(), "http" | "https") && !uri.contains("://") {
        c.err("redirectUri", format!("Redirect URI \"{uri}\" is not a URL, e.g. http://localhost."));
    }
}

/// Endpoints must be https; plain http is accepted for loopback only (local
/// test identity providers).
pub(super) fn check_endpoint(c: &mut Check, field: &str, label: &str, raw: &str) {
    match Url::parse(raw) {
        Err(_) => c.err(field, format!("{label} \"{raw}\" is not a URL.")),
        Ok(u) if u.scheme() == "https" => {}
        Ok(u) if u.scheme() == "http" && u.host_str().is_some_and(is_loopback_host) => {}
        Ok(_) => c.err(field, format!("{label} must use https.")),
    }
}

pub(super) fn check_port(c: &mut Check, field: &str, label: &str, raw: &str, default: u16) -> Option<u16> {
    let t = raw.trim();
    if t.is_empty() {
        return Some(default);
    }
    match t.parse::<u32>() {
        Ok(p) if (1..=65535).contains(&p) => Some(p as u16),
        _ => {
            c.err(field, format!("{label} \"{t}\" must be a number from 1 to 65535."));
            None
        }
    }
}

/// Host, port and security of one server. `implicit_tls_port`: whether the
/// provider offers an implicit-TLS port to suggest (Microsoft 365's SMTP does not).
pub(super) fn check_server(
    c: &mut Check,
    fields: (&str, &str, &str),
    label: &str,
    host: &str,
    port: Option<u16>,
    tls: TlsMode,
    implicit_tls_port: bool,
) {
    let (host_f, port_f, tls_f) = fields;
    if host.is_empty() {
        c.err(host_f, format!("{label} server is required, e.g. smtp.office365.com."));
        return;
    }
    if host.contains("://") || host.contains('/') {
        c.err(host_f, format!("{label} server is a host name only (no scheme or path), e.g. smtp.office365.com."));
        return;
    }
    if !is_hostname(host) {
        c.err(host_f, format!("{label} server \"{host}\" is not a valid host name."));
        return;
    }
    if tls == TlsMode::None && !is_loopback_host(host) {
        c.err(tls_f, format!("{label} without TLS would send the credentials in clear text; it is allowed only to this machine (localhost). Choose STARTTLS or TLS."));
    }
    match (port, tls) {
        (Some(587), TlsMode::Tls) if implicit_tls_port => {
            c.err(port_f, "Port 587 uses STARTTLS, not implicit TLS: set Security to STARTTLS, or the port to 465.")
        }
        (Some(587), TlsMode::Tls) => {
            c.err(tls_f, format!("{label} on port 587 uses STARTTLS: set Security to STARTTLS."))
        }
        (Some(465), TlsMode::StartTls) => {
            c.err(port_f, "Port 465 uses implicit TLS: set Security to TLS, or the port to 587.")
        }
        (Some(993), TlsMode::StartTls) => {
            c.err(port_f, "Port 993 uses implicit TLS: set Security to TLS, or the port to 143.")
        }
        (Some(995), TlsMode::StartTls) => {
            c.err(port_f, "Port 995 uses implicit TLS: set Security to TLS, or the port to 110.")
        }
        _ => {}
    }
}
