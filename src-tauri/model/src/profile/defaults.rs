//! Defaults by provider, auth method, send method and cloud.
//!
//! These are the values the portal guides (`shared/seeds/`) make admins look up by
//! hand: scopes per resource, submission and IMAP hosts, the tenant to start from.

use super::{AuthMethod, Cloud, Provider, SendMethod, TlsMode};
use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Defaults {
    pub tenant: String,
    pub scopes: String,
    pub redirect_uri: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_security: TlsMode,
    pub imap_host: String,
    pub imap_port: u16,
    pub imap_security: TlsMode,
}

/// Resource hosts of one Microsoft cloud.
pub struct MicrosoftHosts {
    /// The Exchange resource for delegated SMTP/IMAP scopes.
    pub outlook_resource: &'static str,
    /// The Exchange resource for app-only (`/.default`) SMTP/IMAP.
    pub exchange_app_resource: &'static str,
    pub graph: &'static str,
    pub smtp: &'static str,
    pub imap: &'static str,
}

pub fn microsoft_hosts(cloud: Cloud) -> MicrosoftHosts {
    match cloud {
        Cloud::UsGov => MicrosoftHosts {
            outlook_resource: "https://outlook.office365.us",
            exchange_app_resource: "https://outlook.office365.us",
            graph: "https://graph.microsoft.us",
            smtp: "smtp.office365.us",
            imap: "outlook.office365.us",
        },
        Cloud::China => MicrosoftHosts {
            outlook_resource: "https://partner.outlook.cn",
            exchange_app_resource: "https://partner.outlook.cn",
            graph: "https://microsoftgraph.chinacloudapi.cn",
            smtp: "smtp.partner.outlook.cn",
            imap: "partner.outlook.cn",
        },
        Cloud::Global | Cloud::Custom => MicrosoftHosts {
            outlook_resource: "https://outlook.office.com",
            exchange_app_resource: "https://outlook.office365.com",
            graph: "https://graph.microsoft.com",
            smtp: "smtp.office365.com",
            imap: "outlook.office365.com",
        },
    }
}

pub fn defaults_for(provider: Provider, auth: AuthMethod, send: SendMethod, cloud: Cloud) -> Defaults {
    let ms = microsoft_hosts(cloud);
    let scopes = match (provider, auth, send) {
        (_, AuthMethod::Basic, _) => String::new(),
        (Provider::Microsoft365 | Provider::OutlookCom, AuthMethod::ClientCredentials, SendMethod::Graph) => {
            format!("{}/.default", ms.graph)
        }
        (Provider::Microsoft365 | Provider::OutlookCom, AuthMethod::ClientCredentials, SendMethod::Smtp) => {
            format!("{}/.default", ms.exchange_app_resource)
        }
        (Provider::Microsoft365 | Provider::OutlookCom, _, SendMethod::Graph) => {
            format!("{}/Mail.Send offline_access", ms.graph)
        }
        (Provider::Microsoft365 | Provider::OutlookCom, _, SendMethod::Smtp) => {
            format!("{r}/SMTP.Send {r}/IMAP.AccessAsUser.All offline_access", r = ms.outlook_resource)
        }
        (Provider::Google, _, _) => "https://mail.google.com/".to_owned(),
        (Provider::Custom, _, _) => String::new(),
    };
    let tenant = match (provider, auth) {
        (Provider::OutlookCom, _) => "consumers",
        (Provider::Microsoft365, AuthMethod::ClientCredentials) => "",
        (Provider::Microsoft365, _) => "organizations",
        _ => "",
    };
    let (smtp, imap) = match provider {
        Provider::Microsoft365 => (ms.smtp, ms.imap),
        Provider::OutlookCom => ("smtp-mail.outlook.com", "outlook.office365.com"),
        Provider::Google => ("smtp.gmail.com", "imap.gmail.com"),
        Provider::Custom => ("", ""),
    };
    Defaults {
        tenant: tenant.to_owned(),
        scopes,
        redirect_uri: if auth == AuthMethod::AuthCode { "http://localhost".to_owned() } else { String::new() },
        smtp_host: smtp.to_owned(),
        smtp_port: 587,
        smtp_security: TlsMode::StartTls,
        imap_host: imap.to_owned(),
        imap_port: 993,
        imap_security: TlsMode::Tls,
    }
}

/// The choices that decide a draft's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Choices {
    pub provider: Provider,
    pub auth_method: AuthMethod,
    pub send_method: SendMethod,
    pub cloud: Cloud,
}

impl Choices {
    pub fn of(d: &super::ProfileDraft) -> Self {
        Choices { provider: d.provider, auth_method: d.auth_method, send_method: d.send_method, cloud: d.cloud }
    }
    fn defaults(self) -> Defaults {
        defaults_for(self.provider, self.auth_method, self.send_method, self.cloud)
    }
}

/// Switch `d` to `new` choices: every field still holding the old choices'
/// default takes the new default; fields the person changed stay as typed.
pub fn rebase(d: &mut super::ProfileDraft, mut new: Choices) {
    // Graph is Microsoft's: a provider that is not sends by SMTP.
    if !new.provider.is_microsoft() {
        new.send_method = SendMethod::Smtp;
    }
    let old = Choices::of(d).defaults();
    let next = new.defaults();
    let swap = |field: &mut String, was: &str, now: &str| {
        if field.trim() == was || field.trim().is_empty() {
            *field = now.to_owned();
        }
    };
    swap(&mut d.tenant, &old.tenant, &next.tenant);
    swap(&mut d.scopes, &old.scopes, &next.scopes);
    swap(&mut d.redirect_uri, &old.redirect_uri, &next.redirect_uri);
    let smtp_was_default = d.smtp_host.trim() == old.smtp_host;
    swap(&mut d.smtp_host, &old.smtp_host, &next.smtp_host);
    if smtp_was_default {
        d.smtp_port = next.smtp_port.to_string();
        d.smtp_security = next.smtp_security;
    }
    let imap_was_default = d.imap_host.trim() == old.imap_host;
    swap(&mut d.imap_host, &old.imap_host, &next.imap_host);
    if imap_was_default {
        d.imap_port = next.imap_port.to_string();
        d.imap_security = next.imap_security;
    }
    d.provider = new.provider;
    d.auth_method = new.auth_method;
    d.send_method = new.send_method;
    d.cloud = new.cloud;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn microsoft_delegated_smtp_uses_the_outlook_resource_and_offline_access() {
        let d = defaults_for(Provider::Microsoft365, AuthMethod::AuthCode, SendMethod::Smtp, Cloud::Global);
        assert_eq!(
            d.scopes,
            "https://outlook.office.com/SMTP.Send https://outlook.office.com/IMAP.AccessAsUser.All offline_access"
        );
        assert_eq!(
            (d.smtp_host.as_str(), d.smtp_port, d.smtp_security),
            ("smtp.office365.com", 587, TlsMode::StartTls)
        );
        assert_eq!(d.tenant, "organizations");
        assert_eq!(d.redirect_uri, "http://localhost");
    }

    #[test]
    fn client_credentials_use_dot_default_of_the_send_resource() {
        let g = defaults_for(Provider::Microsoft365, AuthMethod::ClientCredentials, SendMethod::Graph, Cloud::Global);
        assert_eq!(g.scopes, "https://graph.microsoft.com/.default");
        assert_eq!(g.tenant, "", "app-only needs the real tenant ID: no default");
        let s = defaults_for(Provider::Microsoft365, AuthMethod::ClientCredentials, SendMethod::Smtp, Cloud::Global);
        assert_eq!(s.scopes, "https://outlook.office365.com/.default");
        let us = defaults_for(Provider::Microsoft365, AuthMethod::ClientCredentials, SendMethod::Graph, Cloud::UsGov);
        assert_eq!(us.scopes, "https://graph.microsoft.us/.default");
    }

    #[test]
    fn rebase_replaces_defaults_but_keeps_what_was_typed() {
        let mut d = crate::profile::ProfileDraft::new(Provider::Microsoft365, AuthMethod::AuthCode, SendMethod::Smtp);
        d.imap_host = "imap.internal.example".into();
        rebase(
            &mut d,
            Choices {
                provider: Provider::Microsoft365,
                auth_method: AuthMethod::ClientCredentials,
                send_method: SendMethod::Graph,
                cloud: Cloud::Global,
            },
        );
        assert_eq!(d.scopes, "https://graph.microsoft.com/.default");
        assert_eq!(d.tenant, "");
        assert_eq!(d.smtp_host, "smtp.office365.com");
        assert_eq!(d.imap_host, "imap.internal.example");
        assert_eq!(d.auth_method, AuthMethod::ClientCredentials);
    }

    #[test]
    fn a_provider_other_than_microsoft_sends_by_smtp() {
        let mut d = crate::profile::ProfileDraft::new(Provider::Microsoft365, AuthMethod::AuthCode, SendMethod::Graph);
        let to = |provider| Choices {
            provider,
            auth_method: AuthMethod::AuthCode,
            send_method: SendMethod::Graph,
            cloud: Cloud::Global,
        };
        rebase(&mut d, to(Provider::Google));
        assert_eq!((d.send_method, d.smtp_host.as_str()), (SendMethod::Smtp, "smtp.gmail.com"));
        rebase(&mut d, to(Provider::OutlookCom));
        assert_eq!(d.send_method, SendMethod::Graph);
    }

    #[test]
    fn personal_google_and_basic_defaults() {
        let o = defaults_for(Provider::OutlookCom, AuthMethod::DeviceCode, SendMethod::Smtp, Cloud::Global);
        assert_eq!((o.tenant.as_str(), o.smtp_host.as_str()), ("consumers", "smtp-mail.outlook.com"));
        let g = defaults_for(Provider::Google, AuthMethod::AuthCode, SendMethod::Smtp, Cloud::Global);
        assert_eq!(g.scopes, "https://mail.google.com/");
        let b = defaults_for(Provider::Microsoft365, AuthMethod::Basic, SendMethod::Smtp, Cloud::Global);
        assert_eq!(b.scopes, "");
    }
}
