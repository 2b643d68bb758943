//! SMTP replies explained: the enhanced status codes Microsoft 365 (and
//! Postfix) answer with, each with its cause and fix.

use super::Diagnosis;

/// The enhanced status code (`5.7.139`) in a reply's text, if any.
pub fn enhanced_status(text: &str) -> Option<&str> {
    text.split(|c: char| c.is_whitespace() || c == '[' || c == ']').find(|w| {
        let parts: Vec<&str> = w.split('.').collect();
        parts.len() == 3 && parts.iter().all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
    })
}

fn d(code: &str, title: &str, cause: &str, steps: &[&str]) -> Diagnosis {
    Diagnosis::new(code, title, cause, steps.iter().map(|s| s.to_string()).collect())
}

/// Explain an SMTP reply (`code` like 535, `text` the rest of the reply).
/// `None` when nothing specific is known: the caller decides (e.g. a 535 to
/// XOAUTH2 is a rejected token).
pub fn explain(code: u16, text: &str) -> Option<Diagnosis> {
    let status = enhanced_status(text).unwrap_or("");
    let lower = text.to_ascii_lowercase();
    let mut diag = match (code, status) {
        (_, "5.7.139") if lower.contains("basic auth") => d(
            "smtp_basic_auth_disabled",
            "Exchange Online no longer accepts passwords for SMTP",
            "Basic authentication (a username and password) for SMTP AUTH is turned off for this tenant — Exchange Online turns it off by default for existing tenants at the end of December 2026. Only OAuth sign-in is accepted now.",
            &[
                "Switch this profile's sign-in method to OAuth: **Connect your account** (a mailbox signs in; API permission Office 365 Exchange Online **SMTP.Send**, delegated), or **app-only** (client credentials; **SMTP.SendAsApp** with admin consent, plus the Exchange service principal and mailbox permission).",
                "Register the app in Entra (App registrations → New registration), add the API permission above and grant admin consent, then put its Client ID (and, for app-only, a client secret) in this profile and connect.",
                "Devices that can only send a username and password (printers, old apps) can send through an OAuth relay instead of signing in themselves.",
            ],
        ),
        (_, "5.7.139") if lower.contains("mailbox") => d(
            "smtp_auth_disabled",
            "SMTP AUTH is turned off for this mailbox",
            "Microsoft 365 refuses authenticated SMTP for this mailbox (SmtpClientAuthentication is disabled for the mailbox).",
            &[
                "In the Microsoft 365 admin center → **Users** → the mailbox → **Mail** → **Manage email apps**, tick **Authenticated SMTP**,",
                "or in Exchange Online PowerShell: Set-CASMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled $false",
            ],
        ),
        (_, "5.7.139") => d(
            "smtp_auth_disabled",
            "SMTP AUTH is turned off for this mailbox or tenant",
            "Microsoft 365 refuses authenticated SMTP: it is disabled for the tenant or the mailbox (or security defaults block it).",
            &[
                "In the Microsoft 365 admin center → **Users** → the mailbox → **Mail** → **Manage email apps**, tick **Authenticated SMTP**,",
                "or in Exchange Online PowerShell: Set-CASMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled $false",
                "If it stays refused, check the tenant setting (Set-TransportConfig -SmtpClientAuthenticationDisabled $false) and security defaults.",
            ],
        ),
        (_, "5.7.57") | (530, _) => d(
            "smtp_not_authenticated",
            "The server requires sign-in before sending",
            "The message was refused because the connection was not authenticated (the AUTH step did not succeed).",
            &["Use Test sign-in first, then send again; check that the SMTP server and port are the submission ones (587 STARTTLS for Microsoft 365)."],
        ),
        (_, "5.7.60") | (_, "5.2.252") => d(
            "smtp_send_as_denied",
            "The From address is not allowed for this account",
            "The account that signed in may not send as the From address (SendAsDenied).",
            &["Leave From empty to send as the mailbox, or grant **Send As** on that address to the account (Exchange admin center → the mailbox → **Delegation**)."],
        ),
        (_, "5.7.708") => d(
            "smtp_ip_blocked",
            "Microsoft does not accept mail from this IP address",
            "Traffic from this address is refused (common for new or trial tenants).",
            &["Send from another network, or ask Microsoft support to release the tenant's sending restrictions."],
        ),
        (_, "5.7.30") => d(
            "smtp_basic_auth_retired",
            "Password sign-in is not accepted for SMTP",
            "Basic authentication for client submission is disabled; Microsoft 365 requires OAuth.",
            &["Switch this profile's sign-in method to OAuth (Connect your account or app-only) and connect."],
        ),
        _ if code == 553 || lower.contains("not owned by user") || lower.contains("sender address rejected") => d(
            "smtp_send_as_denied",
            "The From address is not allowed for this account",
            "The server refused the sender: the signed-in account does not own the From address.",
            &["Leave From empty to send as the mailbox, or give the account permission to send as that address."],
        ),
        _ => return None,
    };
    diag.codes = std::iter::once(code.to_string()).chain((!status.is_empty()).then(|| status.to_owned())).collect();
    diag.description = Some(format!("{code} {text}").trim().to_owned());
    Some(diag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn microsoft_replies() {
        let auth_off = "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.";
        assert_eq!(explain(535, auth_off).unwrap().code, "smtp_auth_disabled");
        assert_eq!(
            explain(530, "5.7.57 Client not authenticated to send mail.").unwrap().code,
            "smtp_not_authenticated"
        );
        assert_eq!(
            explain(554, "5.2.252 SendAsDenied; erp@contoso.com not allowed to send as ceo@contoso.com").unwrap().code,
            "smtp_send_as_denied"
        );
        assert_eq!(
            explain(550, "5.7.708 Service unavailable. Access denied, traffic not accepted from this IP.")
                .unwrap()
                .code,
            "smtp_ip_blocked"
        );
        assert_eq!(
            explain(550, "5.7.30 Basic authentication is not supported for Client Submission.").unwrap().code,
            "smtp_basic_auth_retired"
        );
        assert_eq!(
            explain(553, "5.7.1 <ceo@contoso.com>: Sender address rejected: not owned by user erp@contoso.com")
                .unwrap()
                .code,
            "smtp_send_as_denied"
        );
        assert!(
            explain(535, "5.7.3 Authentication unsuccessful").is_none(),
            "the caller knows a 535 to XOAUTH2 is a rejected token"
        );
        let d = explain(535, auth_off).unwrap();
        assert_eq!(d.codes, ["535", "5.7.139"]);
        assert!(d.steps.iter().any(|s| s.contains("Set-CASMailbox")));
    }

    #[test]
    fn finds_the_enhanced_status() {
        assert_eq!(enhanced_status("5.7.3 Authentication unsuccessful [AM0PR]"), Some("5.7.3"));
        assert_eq!(enhanced_status("Authentication failed"), None);
    }
}
