//! What a token's claims say about whether a profile can work: the wrong
//! audience for the send method, missing consent (no scp/roles), a signed-in
//! account that is not the mailbox. Shown by Test and before a test send.

use super::claims::Claims;
use crate::profile::{AuthMethod, Profile, SendMethod};

/// What a token's claims say about whether this profile can work.
pub fn warnings_for(p: &Profile, c: &Claims) -> Vec<String> {
    let mut w = Vec::new();
    let aud = c.aud.clone().unwrap_or_default().to_ascii_lowercase();
    let graph_aud = aud.contains("graph.microsoft") || aud == "00000003-0000-0000-c000-000000000000";
    let outlook_aud = aud.contains("outlook.office") || aud == "00000002-0000-0ff1-ce00-000000000000";
    match p.send_method {
        SendMethod::Graph if !aud.is_empty() && !graph_aud => w.push(format!(
            "The token is for {aud}, not Microsoft Graph: Graph will refuse it. Use Graph scopes (Reset to defaults)."
        )),
        SendMethod::Smtp if !aud.is_empty() && !outlook_aud && p.provider.is_microsoft() => w.push(format!(
            "The token is for {aud}, not Outlook: SMTP AUTH will answer 535 5.7.3. Use https://outlook.office.com scopes."
        )),
        _ => {}
    }
    if p.auth_method == AuthMethod::ClientCredentials && c.roles.is_empty() {
        w.push("The app-only token has no roles: add the application permission (e.g. Mail.Send) in API permissions and click Grant admin consent.".into());
    }
    if p.auth_method.is_delegated() {
        if let Some(acct) = &c.account {
            if !acct.eq_ignore_ascii_case(&p.mailbox)
                && p.from_address.as_deref().is_none_or(|f| !f.eq_ignore_ascii_case(acct))
            {
                w.push(format!(
                    "The token belongs to {acct}, but the profile's mailbox is {}. Sending as another mailbox needs Send As or a shared-mailbox setup.",
                    p.mailbox
                ));
            }
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{validate, ProfileDraft, Provider};

    fn profile(auth: AuthMethod, send: SendMethod) -> Profile {
        let mut d = ProfileDraft::new(Provider::Microsoft365, auth, send);
        d.name = "P".into();
        d.mailbox = "erp@contoso.com".into();
        d.tenant = "contoso.onmicrosoft.com".into();
        d.client_id = "351d6cb2-1c69-4081-9cc2-a769d71567cb".into();
        d.client_secret = crate::secret::SecretChange::set("WvR8Q~x");
        validate(&d, None).unwrap().profile
    }

    #[test]
    fn warnings_name_audience_consent_and_account_mismatches() {
        let smtp = profile(AuthMethod::AuthCode, SendMethod::Smtp);
        let graph_token = Claims {
            aud: Some("https://graph.microsoft.com".into()),
            account: Some("erp@contoso.com".into()),
            ..Default::default()
        };
        assert!(warnings_for(&smtp, &graph_token)[0].contains("535 5.7.3"));
        let other = Claims {
            aud: Some("https://outlook.office.com".into()),
            account: Some("someone@contoso.com".into()),
            ..Default::default()
        };
        assert!(warnings_for(&smtp, &other)[0].contains("belongs to someone@contoso.com"));
        let fine = Claims {
            aud: Some("https://outlook.office.com".into()),
            account: Some("ERP@contoso.com".into()),
            ..Default::default()
        };
        assert!(warnings_for(&smtp, &fine).is_empty());
        let app = profile(AuthMethod::ClientCredentials, SendMethod::Graph);
        let no_roles = Claims { aud: Some("https://graph.microsoft.com".into()), ..Default::default() };
        assert!(warnings_for(&app, &no_roles)[0].contains("Grant admin consent"));
        let outlook_for_graph = Claims {
            aud: Some("https://outlook.office365.com".into()),
            roles: vec!["Mail.Send".into()],
            ..Default::default()
        };
        assert!(warnings_for(&app, &outlook_for_graph)[0].contains("not Microsoft Graph"));
    }
}
