//! The smart checks, one per mistake the guides show people making.

use super::*;
use crate::profile::{AuthMethod, ProfileDraft, Provider, SendMethod};

fn ok_draft() -> ProfileDraft {
    let mut d = ProfileDraft::new(Provider::Microsoft365, AuthMethod::AuthCode, SendMethod::Smtp);
    d.name = "Invent ERP".into();
    d.mailbox = "erp@contoso.com".into();
    d.client_id = "351d6cb2-1c69-4081-9cc2-a769d71567cb".into();
    d
}

fn first_error(d: &ProfileDraft) -> FieldError {
    validate(d, None, crate::profile::TEST_TODAY).expect_err("should be rejected").remove(0)
}

#[test]
fn a_complete_draft_passes_with_trimmed_values() {
    let mut d = ok_draft();
    d.name = "  Invent ERP ".into();
    d.smtp_host = "SMTP.Office365.com".into();
    let v = validate(&d, None, crate::profile::TEST_TODAY).unwrap();
    assert_eq!(v.profile.name, "Invent ERP");
    assert_eq!(v.profile.smtp_host, "smtp.office365.com");
    assert_eq!(v.profile.scopes.len(), 3);
}

#[test]
fn secret_id_in_the_secret_field_is_called_out() {
    let mut d = ok_draft();
    d.client_secret = SecretChange::set("0667485f-2d81-4cef-97f8-723b3fec0642");
    let e = first_error(&d);
    assert_eq!(e.field, "clientSecret");
    assert!(e.message.contains("Secret ID"), "{}", e.message);
}

#[test]
fn truncated_secret_from_the_portal_table_is_refused() {
    let mut d = ok_draft();
    d.client_secret = SecretChange::set("WvR8Q~dburnMyAJOayfq9DUm61D~M...");
    assert!(first_error(&d).message.contains("cut short"));
}

#[test]
fn graph_smtp_send_scope_with_smtp_is_refused() {
    let mut d = ok_draft();
    d.scopes = "https://graph.microsoft.com/SMTP.Send offline_access".into();
    let e = first_error(&d);
    assert_eq!(e.field, "scopes");
    assert!(e.message.contains("https://outlook.office.com/SMTP.Send"), "{}", e.message);
}

#[test]
fn mixed_resources_are_refused() {
    let mut d = ok_draft();
    d.scopes = "https://outlook.office.com/SMTP.Send https://graph.microsoft.com/User.Read offline_access".into();
    assert!(first_error(&d).message.contains("AADSTS28000"));
}

#[test]
fn common_tenant_with_client_credentials_is_refused() {
    let mut d = ok_draft();
    d.auth_method = AuthMethod::ClientCredentials;
    d.scopes = "https://outlook.office365.com/.default".into();
    d.client_secret = SecretChange::set("WvR8Q~abc");
    d.tenant = "common".into();
    let e = first_error(&d);
    assert_eq!(e.field, "tenant");
    assert!(e.message.contains("AADSTS9001023"));
}

#[test]
fn port_465_on_microsoft_365_is_refused() {
    let mut d = ok_draft();
    d.smtp_port = "465".into();
    d.smtp_security = crate::profile::TlsMode::Tls;
    let e = first_error(&d);
    assert_eq!(e.field, "smtpPort");
    assert!(e.message.contains("587"));
}

/// One consistent answer for Microsoft 365's SMTP port: never "choose TLS or
/// port 587" beside "465 is not accepted", never "or port 465" for 587.
#[test]
fn microsoft_365_smtp_port_advice_is_one_answer() {
    let mut d = ok_draft();
    for (port, tls, field) in [
        ("465", crate::profile::TlsMode::Tls, "smtpPort"),
        ("465", crate::profile::TlsMode::StartTls, "smtpPort"),
        ("587", crate::profile::TlsMode::Tls, "smtpSecurity"),
    ] {
        d.smtp_port = port.into();
        d.smtp_security = tls;
        let errs = validate(&d, None, crate::profile::TEST_TODAY).unwrap_err();
        let smtp: Vec<_> = errs.iter().filter(|e| e.field.starts_with("smtp")).collect();
        assert_eq!(smtp.len(), 1, "{port} {tls:?}: {errs:?}");
        assert_eq!(smtp[0].field, field, "{port} {tls:?}");
        assert!(smtp[0].message.contains("STARTTLS") && !smtp[0].message.contains("to 465"), "{:?}", smtp[0]);
    }
    // Elsewhere the implicit-TLS port is a fair suggestion.
    d.provider = crate::profile::Provider::Google;
    d.client_id = "1-abc.apps.googleusercontent.com".into();
    d.tenant = String::new();
    d.smtp_host = "smtp.gmail.com".into();
    let errs = validate(&d, None, crate::profile::TEST_TODAY).unwrap_err();
    assert!(errs.iter().any(|e| e.field == "smtpPort" && e.message.contains("port to 465")), "{errs:?}");
}

#[test]
fn implausible_expiry_dates_are_refused() {
    let mut d = ok_draft();
    for bad in ["0016-12-04", "1999-12-31", "2127-01-01", "9999-01-01"] {
        d.client_secret_expires = bad.into();
        let e = first_error(&d);
        assert_eq!(e.field, "clientSecretExpires", "{bad}");
        assert!(e.message.contains("not a plausible date") && e.message.contains("2126"), "{bad}: {}", e.message);
    }
    for good in ["2000-01-01", "2027-04-16", "2126-12-31"] {
        d.client_secret_expires = good.into();
        assert!(validate(&d, None, crate::profile::TEST_TODAY).is_ok(), "{good}");
    }
}

/// Seed 001's https://localhost is a Web (confidential) redirect: without a
/// secret the sign-in could only end in AADSTS7000218, so it is said at save.
#[test]
fn a_web_redirect_without_a_secret_says_what_to_register() {
    let mut d = ok_draft();
    d.redirect_uri = "https://localhost".into();
    let e = first_error(&d);
    assert_eq!(e.field, "redirectUri");
    assert!(e.message.contains("AADSTS7000218") && e.message.contains("Mobile and desktop applications"));
    d.client_secret = SecretChange::set("WvR8Q~abc");
    assert!(validate(&d, None, crate::profile::TEST_TODAY).is_ok());
    d.client_secret = SecretChange::Keep;
    let existing = Existing { has_client_secret: true, has_password: false, has_certificate: false };
    assert!(validate(&d, Some(existing), crate::profile::TEST_TODAY).is_ok(), "the stored secret counts");
    d.redirect_uri = "http://localhost".into();
    assert!(validate(&d, None, crate::profile::TEST_TODAY).is_ok(), "a public client's loopback");
}

/// Entra refuses redirect URIs over 256 characters: said at save, not when
/// the registration is created.
#[test]
fn a_redirect_uri_over_256_characters_is_refused() {
    let mut d = ok_draft();
    d.redirect_uri = format!("http://localhost/{}", "a".repeat(239));
    assert_eq!(d.redirect_uri.len(), 256);
    assert!(validate(&d, None, crate::profile::TEST_TODAY).is_ok());
    d.redirect_uri.push('a');
    let e = first_error(&d);
    assert_eq!(e.field, "redirectUri");
    assert!(e.message.contains("257 characters") && e.message.contains("at most 256"), "{}", e.message);
}

#[test]
fn client_credentials_need_dot_default_and_a_secret() {
    let mut d = ok_draft();
    d.auth_method = AuthMethod::ClientCredentials;
    d.tenant = "contoso.onmicrosoft.com".into();
    let errs = validate(&d, None, crate::profile::TEST_TODAY).unwrap_err();
    assert!(errs.iter().any(|e| e.field == "scopes" && e.message.contains("AADSTS1002012")));
    assert!(errs.iter().any(|e| e.field == "clientSecret"));
    // Editing a profile that already holds a secret: "keep" is enough.
    d.scopes = "https://outlook.office365.com/.default".into();
    let existing = Existing { has_client_secret: true, has_password: false, has_certificate: false };
    assert!(validate(&d, Some(existing), crate::profile::TEST_TODAY).is_ok());
}

#[test]
fn every_error_names_a_field_once() {
    let d = ProfileDraft { smtp_port: "x".into(), ..ProfileDraft::default() };
    let errs = validate(&d, None, crate::profile::TEST_TODAY).unwrap_err();
    let mut fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
    let n = fields.len();
    fields.dedup();
    assert_eq!(fields.len(), n);
    assert!(fields.contains(&"name") && fields.contains(&"mailbox") && fields.contains(&"smtpPort"));
}

#[test]
fn basic_auth_drops_oauth_secret_and_needs_a_password() {
    let mut d = ProfileDraft::new(Provider::Custom, AuthMethod::Basic, SendMethod::Smtp);
    d.name = "Legacy relay".into();
    d.mailbox = "relay".into();
    d.smtp_host = "mail.example.net".into();
    assert_eq!(first_error(&d).field, "password");
    d.password = SecretChange::set("hunter2");
    d.client_secret = SecretChange::set("leftover");
    let v = validate(&d, None, crate::profile::TEST_TODAY).unwrap();
    assert!(matches!(v.client_secret, SecretChange::Clear));
    assert!(matches!(v.password, SecretChange::Set { .. }));
}
