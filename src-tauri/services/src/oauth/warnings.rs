//! What a token's claims say about whether a profile can work: the wrong
//! audience for the send method, missing consent (no scp/roles), a signed-in
//! account that is not the mailbox. Shown by Test and before a test send.

use super::claims::Claims;
use crate::profile::{AuthMethod, Profile, SendMethod};

/// What a token's claims say about whether this profile can work (the
/// method's own caution is [`AuthReport::advice`], said once in the window).
pub fn warnings_for(p: &Profile, c: &Claims) -> Vec<String> {
    let mut w = Vec::new();
    let aud = c.aud.clone().unwrap_or_default().to_ascii_lowercase();
    let aud = aud.trim_end_matches('/');
    // The resources of the profile's own cloud: a national cloud's hosts, or
    // for a custom authority's Graph the resource its scopes name.
    let ms = crate::profile::defaults::microsoft_hosts(p.cloud);
    let is = |r: &str| aud == r.trim_end_matches('/').to_ascii_lowercase();
    let graph_aud = aud.contains("graph.microsoft")
        || aud == "00000003-0000-0000-c000-000000000000"
        || is(ms.graph)
        || is(&crate::mail::graph::graph_base(p));
    // (A custom authority's Graph is the resource its scopes name, where its
    // Graph calls go; Outlook has no such stand-in: SMTP servers are Exchange's.)
    let outlook_aud = aud.contains("outlook.office")
        || aud == "00000002-0000-0ff1-ce00-000000000000"
        || is(ms.outlook_resource)
        || is(ms.exchange_app_resource);
    match p.send_method {
        SendMethod::Graph if !aud.is_empty() && !graph_aud => w.push(format!(
            "The token is for {aud}, not Microsoft Graph: Graph will refuse it. Use Graph scopes (Reset to defaults)."
        )),
        SendMethod::Smtp if !aud.is_empty() && !outlook_aud && p.provider.is_microsoft() => w.push(format!(
            "The token is for {aud}, not Outlook: SMTP AUTH will answer 535 5.7.3. Use https://outlook.office.com scopes."
        )),
        _ => {}
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

/// What a token is about to be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// The profile's send method (SMTP or Graph).
    Send,
    /// The inbound check (IMAP; Graph's Mail.Read for a Graph profile).
    Imap,
}

/// A token that cannot do the job whatever the server says: an app-only
/// token with no roles (no application permission has admin consent), or a
/// delegated token without the permission the job needs. A failure with the
/// consent to grant — not a warning on a success. Microsoft tokens only (a
/// Google or custom token carries no such claims).
pub fn consent_gap(p: &Profile, c: &Claims, job: Use) -> Option<crate::diagnosis::Diagnosis> {
    if !crate::providers::microsoft_tables(p.provider) {
        return None;
    }
    let app_only = p.auth_method == AuthMethod::ClientCredentials;
    let (api, permission) = crate::providers::mail_permission(job == Use::Imap, p.send_method, app_only);
    let consent = crate::oauth::client::context_for(p, &crate::providers::endpoints::endpoints(p)).admin_consent_url();
    if p.auth_method == AuthMethod::ClientCredentials {
        if !c.roles.is_empty() {
            return None;
        }
        return Some(crate::diagnosis::Diagnosis::new(
            "missing_admin_consent",
            "No application permission has admin consent",
            "Microsoft issued a token with no roles: the app registration has no application permission that an administrator has consented to, so every server will refuse it.",
            vec![
                format!("In Entra → App registrations → this app ({}) → **API permissions**, **Add a permission** → **{api}** → **Application permissions** → **{permission}**.", p.client_id),
                "Click **Grant admin consent for** your organisation (an administrator must), then test again.".into(),
                format!("Or have an administrator open the admin-consent link: {consent}"),
            ],
        ));
    }
    let scp: Vec<&str> = c.scopes.iter().map(String::as_str).collect();
    if !p.auth_method.is_delegated() || scp.is_empty() || scp.iter().any(|s| s.eq_ignore_ascii_case(permission)) {
        return None;
    }
    Some(crate::diagnosis::Diagnosis::new(
        "missing_scope",
        format!("The signed-in token lacks {permission}"),
        format!(
            "The token was granted {} but not {permission}, which this needs: the permission is missing from the app registration or from its consent.",
            scp.join(" ")
        ),
        vec![
            format!("In Entra → App registrations → this app ({}) → **API permissions**, **Add a permission** → **{api}** → **Delegated permissions** → **{permission}**.", p.client_id),
            "Click **Grant admin consent** (or let the account consent at sign-in), then Connect again so the new permission is in the token.".into(),
            format!(
                "Check that the profile's scopes ask for it (e.g. {}/{permission}); Reset to defaults puts the right ones back.",
                if permission.starts_with("Mail.") { "https://graph.microsoft.com" } else { "https://outlook.office.com" }
            ),
        ],
    ))
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
        validate(&d, None, crate::profile::TEST_TODAY).unwrap().profile
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
        assert!(warnings_for(&app, &no_roles).is_empty(), "not a warning: a failure");
        let d = consent_gap(&app, &no_roles, Use::Send).expect("no roles is a failure");
        assert_eq!(d.code, "missing_admin_consent");
        assert!(d.steps.iter().any(|s| s.contains("Mail.Send")) && d.steps.iter().any(|s| s.contains("adminconsent")));
        let granted = Claims { roles: vec!["Mail.Send".into()], ..no_roles.clone() };
        assert!(consent_gap(&app, &granted, Use::Send).is_none());
        let no_send = Claims { scopes: vec!["IMAP.AccessAsUser.All".into()], ..fine.clone() };
        let d = consent_gap(&smtp, &no_send, Use::Send).expect("a delegated token without SMTP.Send");
        assert!(d.title.contains("SMTP.Send"), "{}", d.title);
        assert!(consent_gap(&smtp, &no_send, Use::Imap).is_none());
        let outlook_for_graph = Claims {
            aud: Some("https://outlook.office365.com".into()),
            roles: vec!["Mail.Send".into()],
            ..Default::default()
        };
        assert!(warnings_for(&app, &outlook_for_graph)[0].contains("not Microsoft Graph"));
    }

    #[test]
    fn a_token_for_the_profiles_own_cloud_is_no_warning() {
        use crate::profile::Cloud;
        let token = |aud: &str| Claims { aud: Some(aud.into()), roles: vec!["Mail.Send".into()], ..Default::default() };
        let mut china = profile(AuthMethod::ClientCredentials, SendMethod::Graph);
        china.cloud = Cloud::China;
        assert!(warnings_for(&china, &token("https://microsoftgraph.chinacloudapi.cn")).is_empty());
        assert!(!warnings_for(&china, &token("https://partner.outlook.cn")).is_empty());
        let mut gov_smtp = profile(AuthMethod::ClientCredentials, SendMethod::Smtp);
        gov_smtp.cloud = Cloud::UsGov;
        assert!(warnings_for(&gov_smtp, &token("https://outlook.office365.us/")).is_empty());
        assert!(warnings_for(&gov_smtp, &token("https://graph.microsoft.us"))[0].contains("535 5.7.3"));
        // A custom authority: the resource its scopes name is the one asked for.
        let mut custom = profile(AuthMethod::ClientCredentials, SendMethod::Graph);
        custom.cloud = Cloud::Custom;
        custom.scopes = vec!["https://127.0.0.1:36205/.default".into()];
        assert!(warnings_for(&custom, &token("https://127.0.0.1:36205")).is_empty());
        assert!(!warnings_for(&custom, &token("https://127.0.0.1:9")).is_empty());
    }
}
