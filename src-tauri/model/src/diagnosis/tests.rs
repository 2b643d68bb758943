//! A diagnosis per listed code, and the shape rules every diagnosis follows.

use super::*;

fn ctx() -> Context {
    Context {
        client_id: "351d6cb2-1c69-4081-9cc2-a769d71567cb".into(),
        tenant: "d9f2fc08-d549-4fcc-bae2-2286c314d3cd".into(),
        redirect_uri: "http://localhost".into(),
        scopes: vec!["https://outlook.office.com/SMTP.Send".into(), "offline_access".into()],
        authority: "https://login.microsoftonline.com".into(),
        mailbox: "erp@contoso.com".into(),
        password_signin: false,
    }
}

fn ms(error: &str, code: u64) -> ProviderError {
    ProviderError {
        error: error.into(),
        error_description: Some(format!(
            "AADSTS{code}: Something went wrong.\r\nTrace ID: 0000aaaa-11bb-cc22-dd33-444444eeeeee\r\nCorrelation ID: 5555ffff-66aa-77bb-88cc-999999dddddd\r\nTimestamp: 2026-11-23 12:00:00Z"
        )),
        error_codes: vec![code],
        timestamp: Some("2026-11-23 12:00:00Z".into()),
        trace_id: Some("0000aaaa-11bb-cc22-dd33-444444eeeeee".into()),
        correlation_id: Some("5555ffff-66aa-77bb-88cc-999999dddddd".into()),
        error_uri: Some(format!("https://login.microsoftonline.com/error?code={code}")),
    }
}

/// (code, a word the title must contain)
const TABLE: &[(u64, &str)] = &[
    (7000215, "secret"),
    (7000222, "expired"),
    (700016, "not found"),
    (50011, "redirect"),
    (500112, "redirect"),
    (500113, "redirect"),
    (900971, "redirect"),
    (65001, "Consent"),
    (50076, "Multi-factor"),
    (50079, "Multi-factor"),
    (70008, "refresh token"),
    (700082, "refresh token"),
    (50173, "revoked"),
    (70043, "session"),
    (54005, "already used"),
    (90002, "tenant"),
    (50020, "tenant"),
    (50194, "single-tenant"),
    (9002332, "work or school"),
    (9002331, "personal"),
    (53003, "Conditional Access"),
    (530035, "Conditional Access"),
    (70011, "scope"),
    (7000112, "disabled"),
    (50126, "password"),
    (50034, "password"),
    (700025, "public"),
    (7000218, "requires a client secret"),
    (9002327, "single-page"),
    (1002012, "/.default"),
    (28000, "mix"),
    (501481, "PKCE"),
    (9001023, "tenant"),
];

#[test]
fn every_listed_code_has_its_own_diagnosis() {
    assert!(TABLE.len() >= 25);
    for &(code, word) in TABLE {
        let d = diagnose_provider(&ms("invalid_request", code), &ctx());
        assert_eq!(d.code, format!("aadsts{code}"));
        assert!(d.title.to_lowercase().contains(&word.to_lowercase()), "{code}: {}", d.title);
        assert!(!d.steps.is_empty() && !d.cause.is_empty(), "{code}");
        assert_eq!(d.codes, vec!["invalid_request".to_string(), format!("AADSTS{code}")]);
        assert_eq!(d.trace_id.as_deref(), Some("0000aaaa-11bb-cc22-dd33-444444eeeeee"));
        assert_eq!(d.description.as_deref(), Some(format!("AADSTS{code}: Something went wrong.").as_str()));
        let text = d.render_text();
        assert!(!text.contains('{') && !text.contains("\"error\""), "no raw JSON: {text}");
    }
}

#[test]
fn secret_id_instead_of_value_names_the_blade_and_the_fix() {
    let d = diagnose_provider(&ms("invalid_client", 7000215), &ctx());
    let all = d.steps.join("\n");
    assert!(
        all.contains("Certificates & secrets")
            && all.contains("Value")
            && all.contains("351d6cb2-1c69-4081-9cc2-a769d71567cb")
    );
}

#[test]
fn consent_gives_the_admin_consent_url() {
    let d = diagnose_provider(&ms("invalid_grant", 65001), &ctx());
    let url = d.steps.iter().find(|s| s.starts_with("https://")).unwrap();
    assert!(url.starts_with(
        "https://login.microsoftonline.com/d9f2fc08-d549-4fcc-bae2-2286c314d3cd/v2.0/adminconsent?client_id=351d6cb2"
    ));
    assert!(url.contains("scope=https%3A%2F%2Foutlook.office.com%2FSMTP.Send+offline_access"));
}

#[test]
fn an_unknown_code_still_shows_number_description_and_link() {
    let d = diagnose_provider(&ms("invalid_request", 9999999), &ctx());
    assert_eq!(d.code, "aadsts9999999");
    assert_eq!(d.codes, ["invalid_request", "AADSTS9999999"]);
    assert!(d.description.as_deref().unwrap().starts_with("AADSTS9999999"));
    assert_eq!(d.error_uri.as_deref(), Some("https://login.microsoftonline.com/error?code=9999999"));
    assert!(!d.steps.is_empty());
}

#[test]
fn the_code_is_found_in_the_description_when_error_codes_is_missing() {
    let e = ProviderError {
        error: "invalid_client".into(),
        error_description: Some("AADSTS7000222: The provided client secret keys are expired.".into()),
        ..Default::default()
    };
    assert_eq!(diagnose_provider(&e, &ctx()).code, "aadsts7000222");
}

#[test]
fn google_style_errors_without_codes() {
    let e = ProviderError {
        error: "invalid_grant".into(),
        error_description: Some("Token has been expired or revoked.".into()),
        ..Default::default()
    };
    let d = diagnose_provider(&e, &ctx());
    assert_eq!(d.code, "oauth_invalid_grant");
    assert!(d.steps[0].contains("Reconnect"));
}

#[test]
fn transport_failures_are_explained() {
    for (t, code) in [
        (TransportError::Dns { host: "login.example".into() }, "network_dns"),
        (TransportError::Refused { host: "127.0.0.1:1".into() }, "network_refused"),
        (TransportError::Timeout { host: "login.microsoftonline.com".into() }, "network_timeout"),
        (TransportError::Tls { host: "login.microsoftonline.com".into(), detail: "UnknownIssuer".into() }, "tls"),
        (TransportError::BadResponse { host: "h".into(), status: 502, detail: "HTML".into() }, "bad_response"),
        (TransportError::Other { host: "h".into(), detail: "x".into() }, "network"),
    ] {
        let d = t.diagnose();
        assert_eq!(d.code, code);
        assert!(!d.steps.is_empty());
    }
    let tls = TransportError::Tls { host: "h".into(), detail: "UnknownIssuer".into() }.diagnose();
    assert!(tls.steps.iter().any(|s| s.contains("MAILWARDEN_CA_FILE")));
}

#[test]
fn a_diagnosis_offers_the_fixes_its_steps_name() {
    let with = |error: &str, description: &str| {
        let e =
            ProviderError { error: error.into(), error_description: Some(description.into()), ..Default::default() };
        diagnose_provider(&e, &ctx())
    };
    let expired = with("invalid_client", "AADSTS7000222: The provided client secret keys are expired.");
    assert_eq!(expired.fixes, [Fix::ReplaceSecret]);
    assert!(expired.steps.iter().any(|s| s.contains("Replace the Client secret")));
    assert_eq!(with("invalid_grant", "AADSTS70008: The refresh token has expired.").fixes, [Fix::Reconnect]);
    assert_eq!(with("invalid_grant", "Token has been expired or revoked.").fixes, [Fix::Reconnect]);
    assert_eq!(
        with("invalid_request", "AADSTS1002012: The provided value for scope is not valid.").fixes,
        [Fix::ResetScopes]
    );
    assert!(with("invalid_request", "AADSTS90002: Tenant not found.").fixes.is_empty(), "nothing to press");
    // Kept with a held message: read back without the field, it is empty.
    let old: Diagnosis = serde_json::from_str(r#"{"code":"aadsts7000222","title":"t"}"#).unwrap();
    assert!(old.fixes.is_empty());
}
