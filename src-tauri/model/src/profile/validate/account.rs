//! The account: the entry's name and notes, the closed choices' combinations,
//! the mailbox and addresses, and (for Microsoft) the tenant and cloud.

use super::syntax::{is_email, is_guid, is_hostname};
use super::{check_endpoint, opt, Check};
use crate::profile::{AuthMethod, Cloud, ProfileDraft, Provider, SendMethod};

const NAME_MAX: usize = 100;
const NOTES_MAX: usize = 4000;

/// The account's checked values.
pub(super) struct Account {
    pub name: String,
    pub mailbox: String,
    pub from_address: Option<String>,
    pub domain: Option<String>,
    pub tenant: String,
    pub authority_url: Option<String>,
    pub graph_url: Option<String>,
}

pub(super) fn account(c: &mut Check, d: &ProfileDraft) -> Account {
    let oauth = d.auth_method.is_oauth();
    let ms = d.provider.is_microsoft();
    // Identity of the entry.
    let name = d.name.trim();
    if name.is_empty() {
        c.err("name", "Name is required: describe this mail server, e.g. \"Invoices via Microsoft 365\".");
    } else if name.chars().count() > NAME_MAX {
        c.err("name", format!("Name is too long: keep it under {NAME_MAX} characters."));
    } else if name.chars().any(char::is_control) {
        c.err("name", "Name contains a control character (a tab or line break); remove it.");
    }
    if d.notes.chars().count() > NOTES_MAX {
        c.err("notes", format!("Notes are too long: keep them under {NOTES_MAX} characters."));
    }

    // Combinations of the closed choices.
    if d.send_method == SendMethod::Graph && !ms {
        c.err("sendMethod", "Microsoft Graph can only send for Microsoft 365 or Outlook.com accounts; choose SMTP.");
    }
    if d.provider == Provider::OutlookCom && d.auth_method == AuthMethod::ClientCredentials {
        c.err("authMethod", "Personal Outlook.com accounts cannot use app-only (client credentials) sign-in; choose \"Connect your account\" or device code.");
    }
    if d.auth_method == AuthMethod::Password && matches!(d.provider, Provider::OutlookCom | Provider::Google) {
        c.err(
            "authMethod",
            format!(
                "{} does not accept a password sign-in over OAuth (ROPC); choose \"Connect your account\".",
                d.provider.label()
            ),
        );
    }

    // Mailbox and addresses.
    let mailbox = d.mailbox.trim();
    if mailbox.is_empty() {
        c.err(
            "mailbox",
            if oauth {
                "Mailbox is required: the address that signs in and sends, e.g. invoices@contoso.com."
            } else {
                "Username is required: the mailbox's sign-in name, usually its address."
            },
        );
    } else if mailbox.chars().any(char::is_whitespace) {
        c.err("mailbox", "Mailbox contains a space; enter just the address.");
    } else if oauth && !is_email(mailbox) {
        c.err("mailbox", format!("Mailbox \"{mailbox}\" is not an email address; OAuth accounts sign in with their address, e.g. invoices@contoso.com."));
    }
    let from_address = opt(&d.from_address);
    if let Some(f) = &from_address {
        if !is_email(f) {
            c.err(
                "fromAddress",
                format!("From address \"{f}\" is not an email address; leave it empty to send as the mailbox."),
            );
        }
    }
    let domain = opt(&d.domain).map(|s| s.to_ascii_lowercase());
    if let Some(dm) = &domain {
        if dm.contains('@') {
            c.err("domain", "Domain should be just the domain (contoso.com), not an address.");
        } else if !is_hostname(dm) {
            c.err("domain", format!("Domain \"{dm}\" is not a valid domain name, e.g. contoso.com."));
        }
    }

    // Tenant and cloud (Microsoft only).
    let tenant = d.tenant.trim().to_owned();
    if ms && oauth {
        let t = tenant.to_ascii_lowercase();
        let generic = matches!(t.as_str(), "common" | "organizations" | "consumers");
        if t.is_empty() {
            c.err("tenant", "Tenant is required: paste the Directory (tenant) ID from the app's Overview page in Entra, or use organizations / common.");
        } else if d.auth_method == AuthMethod::Password && matches!(t.as_str(), "common" | "consumers") {
            c.err("tenant", format!("A password sign-in (ROPC) works only within an organisation's tenant: \"{t}\" is refused by Microsoft. Use the Directory (tenant) ID, or organizations."));
        } else if d.auth_method == AuthMethod::ClientCredentials && generic {
            c.err("tenant", format!("App-only sign-in needs your own tenant: \"{t}\" is rejected by Microsoft (AADSTS9001023). Paste the Directory (tenant) ID from the app's Overview page."));
        } else if d.provider == Provider::OutlookCom && !matches!(t.as_str(), "consumers" | "common") {
            c.err("tenant", "Personal Outlook.com accounts sign in through the consumers (or common) tenant.");
        } else if !(generic || is_guid(&t) || (is_hostname(&t) && t.contains('.'))) {
            c.err("tenant", format!("Tenant \"{tenant}\" is neither a GUID, a domain (contoso.onmicrosoft.com) nor common / organizations / consumers."));
        }
    }
    let authority_url = opt(&d.authority_url);
    if ms && d.cloud == Cloud::Custom {
        match &authority_url {
            None => c.err(
                "authorityUrl",
                "Authority URL is required for a custom cloud, e.g. https://login.microsoftonline.com.",
            ),
            Some(u) => check_endpoint(c, "authorityUrl", "Authority URL", u),
        }
    }

    let graph_url = opt(&d.graph_url).map(|u| u.trim_end_matches('/').to_owned());
    if let (true, Some(u)) = (ms && d.cloud == Cloud::Custom, &graph_url) {
        check_endpoint(c, "graphUrl", "Graph URL", u);
    }
    Account {
        name: name.to_owned(),
        mailbox: mailbox.to_owned(),
        from_address,
        domain,
        tenant,
        authority_url,
        graph_url,
    }
}
