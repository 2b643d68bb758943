//! The Microsoft Entra part of the guide: registration, authentication
//! platform, client secret, API permissions and admin consent, and the
//! Exchange Online PowerShell a method needs. Permission names and where the
//! portal lists them follow Microsoft's "Authenticate an IMAP, POP or SMTP
//! connection using OAuth" (delegated SMTP.Send / IMAP.AccessAsUser.All are
//! picked under Microsoft Graph; the app-only SMTP.SendAsApp / IMAP.AccessAsApp
//! under Office 365 Exchange Online).

use super::{say, value, Permission, PermissionKind, Section, Step};
use crate::oauth::client::context_for;
use crate::oauth::loopback::is_loopback;
use crate::profile::{AuthMethod, Profile, Provider, SendMethod};
use crate::providers::endpoints::endpoints;
use crate::providers::{mail_permission, GRAPH};
use crate::records::CertificateInfo;

/// What Microsoft says of the password sign-in, and what to prefer.
pub use crate::profile::ROPC_DISCOURAGED;

const NEW_REGISTRATION: &str = "https://entra.microsoft.com/#view/Microsoft_AAD_RegisteredApps/CreateApplicationBlade";

pub(super) fn sections(p: &Profile, certificate: Option<&CertificateInfo>, relays: bool) -> Vec<Section> {
    let mut out = vec![register(p)];
    out.extend(authentication(p));
    match certificate {
        Some(c) => out.push(certificate_section(p, c)),
        None => out.extend(secret(p)),
    }
    out.push(permissions(p, super::Uses { certificate: certificate.is_some(), relays }));
    out.extend(exchange(p));
    out
}

/// A blade of this app registration (None until the client ID is known).
fn blade(p: &Profile, page: &str) -> Option<String> {
    (!p.client_id.is_empty()).then(|| context_for(p, &endpoints(p)).app_blade(page))
}

fn audience(p: &Profile) -> String {
    match p.tenant.to_ascii_lowercase().as_str() {
        _ if p.provider == Provider::OutlookCom => "**Personal Microsoft accounts only**".into(),
        "common" => "**Accounts in any organizational directory (Any Microsoft Entra ID tenant - Multitenant) and personal Microsoft accounts (e.g. Skype, Xbox)**".into(),
        "consumers" => "**Personal Microsoft accounts only**".into(),
        "organizations" => "**Accounts in any organizational directory (Any Microsoft Entra ID tenant - Multitenant)**".into(),
        _ => "**Accounts in this organizational directory only** (Single tenant)".into(),
    }
}

fn register(p: &Profile) -> Section {
    let mut steps = vec![
        say("In the Microsoft Entra admin center open **Identity** → **Applications** → **App registrations** and choose **New registration** (skip this if the app exists: open it instead)."),
        value("Name (any; this profile's name keeps them matched)", p.name.clone()),
        say(format!("**Supported account types**: {}.", audience(p))),
        say("Leave **Redirect URI** empty here (it is set under **Authentication**) and choose **Register**. From the app's **Overview** copy into this profile:"),
    ];
    steps.push(value("Application (client) ID → Client ID", or_todo(&p.client_id)));
    if p.provider == Provider::Microsoft365 {
        steps.push(value("Directory (tenant) ID → Tenant", or_todo(&p.tenant)));
    }
    Section {
        title: "Register the application".into(),
        link: blade(p, "Overview").or_else(|| Some(NEW_REGISTRATION.into())),
        steps,
    }
}

fn or_todo(v: &str) -> String {
    if v.is_empty() {
        "(not filled in yet)".into()
    } else {
        v.to_owned()
    }
}

/// Platform and redirect URI, and public client flows: only for a person's
/// sign-in (app-only needs neither).
fn authentication(p: &Profile) -> Option<Section> {
    let mut steps = Vec::new();
    match p.auth_method {
        AuthMethod::AuthCode if is_loopback(&p.redirect_uri) => {
            steps.push(say("Choose **Add a platform** → **Mobile and desktop applications**, and under **Custom redirect URIs** add:"));
            steps.push(value("Redirect URI", p.redirect_uri.clone()));
            steps.push(say("The port is not part of the match: Mailwarden listens on a free port of this address. No client secret is used (a public client)."));
        }
        AuthMethod::AuthCode => {
            steps.push(say("Choose **Add a platform** → **Web**, and under **Redirect URIs** add:"));
            steps.push(value("Redirect URI", p.redirect_uri.clone()));
            steps.push(say("Nothing listens at this address: after the sign-in the browser shows an error page, and its address is pasted into Mailwarden. A **Web** platform makes the app confidential: it needs its client secret (below)."));
        }
        AuthMethod::DeviceCode => {
            steps.push(say("Under **Advanced settings** set **Allow public client flows** to **Yes** and choose **Save** (the device-code sign-in is a public client flow)."));
        }
        AuthMethod::RefreshToken => {
            steps.push(say("Register the platform the refresh token was obtained with (the product's own redirect URI). Mailwarden only redeems the token: with a **Web** platform it needs the client secret, with **Mobile and desktop applications** it must have none."));
        }
        AuthMethod::Password => {
            steps.push(say("Under **Advanced settings** set **Allow public client flows** to **Yes** and choose **Save**: a sign-in with the mailbox password (ROPC) is a public client flow. No redirect URI is needed."));
            steps.push(say(ROPC_DISCOURAGED));
        }
        AuthMethod::ClientCredentials | AuthMethod::Basic => return None,
    }
    Some(Section { title: "Authentication".into(), link: blade(p, "Authentication"), steps })
}

/// Whether the app is confidential: app-only, or a Web redirect.
pub(crate) fn needs_secret(p: &Profile) -> bool {
    p.auth_method == AuthMethod::ClientCredentials
        || (p.auth_method == AuthMethod::AuthCode && !is_loopback(&p.redirect_uri))
}

fn secret(p: &Profile) -> Option<Section> {
    if !needs_secret(p) {
        return None;
    }
    let mut steps = vec![
        say("Choose **Certificates & secrets** → **Client secrets** → **New client secret**; pick an expiry (at most 24 months)."),
        say("Copy the **Value** at once — the portal shows it only now — into the profile's Client secret. The **Secret ID** beside it is not the secret."),
        say("Paste the whole row (Description, Expires, Value, Secret ID) into the profile's secret panel: it fills the Secret ID and the expiry date, so Mailwarden warns before mail stops."),
    ];
    if let Some(d) = p.client_secret_expires {
        steps.push(value("This profile's secret expires", d.to_string()));
    }
    Some(Section { title: "Client secret".into(), link: blade(p, "Credentials"), steps })
}

/// The certificate the profile signs in with: uploaded under Certificates,
/// with the thumbprint the portal will list; and, once, what lets the app
/// rotate it itself (Application.ReadWrite.OwnedBy, the app its own owner).
fn certificate_section(p: &Profile, c: &CertificateInfo) -> Section {
    let file = format!("{}.cer", p.name.replace(|ch: char| !ch.is_ascii_alphanumeric() && ch != '-', "-"));
    Section {
        title: "Certificate".into(),
        link: blade(p, "Credentials"),
        steps: vec![
            say(format!("Save the profile's public certificate: **Save the public certificate (.cer)** in its Sign in step, or `mailwarden certificate export-public \"{}\" -o {file}`. The private key stays in Mailwarden.", p.name)),
            say("Choose **Certificates & secrets** → **Certificates** → **Upload certificate**, pick the file, give it a description, and choose **Add**. No client secret is needed."),
            value("Thumbprint the portal will show", c.thumbprint.clone()),
            value("Expires", c.not_after.get(..10).unwrap_or(&c.not_after).to_owned()),
            say("So that Mailwarden can rotate the certificate itself (no administrator at rotation time), add the application permission **Application.ReadWrite.OwnedBy** (below) and make the app an owner of itself — Create this registration for me does both."),
        ],
    }
}

fn row((api, permission): (&str, &str), kind: PermissionKind, why: &str) -> Permission {
    let admin_consent = kind == PermissionKind::Application;
    let optional = why.starts_with("optional");
    Permission { api: api.into(), permission: permission.into(), kind, admin_consent, why: why.into(), optional }
}

/// The permissions this profile's jobs need (the same table the sign-in
/// diagnosis names: `providers::mail_permission`), plus what the app asks besides.
pub(crate) fn permission_rows(p: &Profile, uses: super::Uses) -> Vec<Permission> {
    let app_only = p.auth_method == AuthMethod::ClientCredentials;
    if !app_only && !p.auth_method.is_delegated() {
        return Vec::new();
    }
    let kind = if app_only { PermissionKind::Application } else { PermissionKind::Delegated };
    let send_why = match (p.send_method, app_only) {
        (SendMethod::Smtp, _) => "send over SMTP (XOAUTH2)",
        (SendMethod::Graph, true) => "send as the mailbox (Graph sendMail)",
        (SendMethod::Graph, false) => "send as the signed-in mailbox (Graph sendMail)",
    };
    let mut rows = vec![row(mail_permission(false, p.send_method, app_only), kind, send_why)];
    if p.send_method == SendMethod::Graph {
        rows.push(row(
            mail_permission(true, p.send_method, app_only),
            kind,
            "optional: the inbound check (read the inbox)",
        ));
    } else if !p.imap_host.is_empty() {
        rows.push(row(mail_permission(true, p.send_method, app_only), kind, "the inbound (IMAP) check"));
    }
    rows.push(if app_only {
        row((GRAPH, "Application.Read.All"), kind, "optional: read the client secret's expiry from Graph")
    } else {
        row((GRAPH, "offline_access"), kind, "a refresh token, so the sign-in lasts")
    });
    // The relay sends a device's message over Graph's 4 MB request as a
    // draft with its attachments uploaded: that needs Mail.ReadWrite.
    if uses.relays && p.send_method == SendMethod::Graph {
        rows.push(row(
            (GRAPH, "Mail.ReadWrite"),
            kind,
            "the relay's messages over 4 MB (a scan): a draft, its attachments uploaded, then sent",
        ));
    }
    // An application permission whatever the sign-in: the app's own token
    // (client credentials, signed by the certificate) changes its keys.
    if uses.certificate {
        rows.push(row(
            (GRAPH, OWNED_BY),
            PermissionKind::Application,
            "optional: rotate the certificate without an administrator (the app an owner of itself)",
        ));
    }
    rows
}

/// The application permission that lets an app that owns itself add and
/// remove its own certificates (Graph addKey / removeKey).
pub(crate) const OWNED_BY: &str = "Application.ReadWrite.OwnedBy";

fn permissions(p: &Profile, uses: super::Uses) -> Section {
    let rows = permission_rows(p, uses);
    let consent = rows.iter().any(|r| r.admin_consent);
    let mut steps = vec![
        say("Choose **API permissions** → **Add a permission**. For **Microsoft Graph** it is under **Microsoft APIs**; for **Office 365 Exchange Online** under **APIs my organization uses**. Pick **Delegated permissions** or **Application permissions** as the table says."),
        Step::Permissions { rows },
    ];
    if consent {
        steps.push(say("Application permissions need an administrator's consent: choose **Grant admin consent for** your organisation, or send an administrator this address:"));
    } else {
        steps.push(say("Each mailbox consents at its first sign-in; where users may not consent to apps, an administrator consents once for everyone:"));
    }
    let url = context_for(p, &endpoints(p)).admin_consent_url();
    steps.push(Step::Link { label: "Admin consent".into(), url });
    Section { title: "API permissions".into(), link: blade(p, "CallAnAPI"), steps }
}

/// Exchange Online steps, as PowerShell ready to paste (ExchangeOnlineManagement module).
fn exchange(p: &Profile) -> Option<Section> {
    if p.provider != Provider::Microsoft365 {
        return None;
    }
    let app_only = p.auth_method == AuthMethod::ClientCredentials;
    let smtp = p.send_method == SendMethod::Smtp;
    let mut steps = Vec::new();
    let mut script = vec!["Connect-ExchangeOnline".to_owned()];
    // A Graph profile reads its inbox over Graph too: Exchange needs no service principal.
    if app_only && smtp {
        steps.push(say("App-only SMTP and IMAP need the app as a service principal in Exchange, with access to the mailbox. Take the **Object ID** from **Enterprise applications** → this app (not the app registration's Object ID)."));
        script.push(format!(
            "New-ServicePrincipal -AppId {} -ObjectId <Enterprise application Object ID> -DisplayName \"{}\"",
            p.client_id, p.name
        ));
        script.push(format!(
            "Add-MailboxPermission -Identity \"{}\" -User <Enterprise application Object ID> -AccessRights FullAccess",
            p.mailbox
        ));
    }
    if smtp {
        steps
            .push(say("SMTP AUTH must be allowed for the mailbox (Exchange turns it off by default in many tenants)."));
        script.push(format!("Set-CASMailbox -Identity \"{}\" -SmtpClientAuthenticationDisabled $false", p.mailbox));
    }
    if app_only && p.send_method == SendMethod::Graph {
        steps.push(say("Optional, and advised: limit the app to the mailboxes it sends for (an application access policy on a mail-enabled security group holding them); without it Mail.Send reaches every mailbox."));
        script.push(format!(
            "New-ApplicationAccessPolicy -AppId {} -PolicyScopeGroupId <group address> -AccessRight RestrictAccess -Description \"{}\"",
            p.client_id, p.name
        ));
        script.push(format!("Test-ApplicationAccessPolicy -AppId {} -Identity \"{}\"", p.client_id, p.mailbox));
    }
    if script.len() == 1 {
        return None;
    }
    steps.push(Step::Code { language: "powershell".into(), text: script.join("\n") });
    Some(Section { title: "Exchange Online".into(), link: None, steps })
}
