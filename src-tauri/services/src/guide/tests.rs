//! The guide for the seeds' setups: what each method registers, and how it reads.

use super::render::{render, Format};
use super::{guide_for, PermissionKind, SetupGuide, Step};
use crate::profile::{validate, AuthMethod, Profile, ProfileDraft, Provider, SendMethod, TEST_TODAY};
use crate::secret::SecretChange;

const CLIENT: &str = "351d6cb2-1c69-4081-9cc2-a769d71567cb";
const TENANT: &str = "d9f2fc08-d549-4fcc-bae2-2286c314d3cd";

fn profile(auth: AuthMethod, send: SendMethod, edit: impl FnOnce(&mut ProfileDraft)) -> Profile {
    let mut d = ProfileDraft::new(Provider::Microsoft365, auth, send);
    d.name = "Catalyst outbound".into();
    d.mailbox = "noreply@contoso.com".into();
    d.tenant = TENANT.into();
    d.client_id = CLIENT.into();
    if auth == AuthMethod::ClientCredentials {
        d.client_secret = SecretChange::set("WvR8Q~abc");
    }
    edit(&mut d);
    validate(&d, None, TEST_TODAY).expect("a valid profile").profile
}

fn titles(g: &SetupGuide) -> Vec<&str> {
    g.sections.iter().map(|s| s.title.as_str()).collect()
}

fn permissions(g: &SetupGuide) -> Vec<(String, String, PermissionKind, bool)> {
    g.sections
        .iter()
        .flat_map(|s| &s.steps)
        .filter_map(|st| match st {
            Step::Permissions { rows } => Some(rows),
            _ => None,
        })
        .flatten()
        .map(|r| (r.api.clone(), r.permission.clone(), r.kind, r.admin_consent))
        .collect()
}

fn code(g: &SetupGuide) -> String {
    g.sections
        .iter()
        .flat_map(|s| &s.steps)
        .filter_map(|st| match st {
            Step::Code { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn app_only_graph_seed_004() {
    let g = guide_for(&profile(AuthMethod::ClientCredentials, SendMethod::Graph, |d| {
        d.client_secret_expires = "2027-04-16".into();
        d.imap_host = String::new();
    }));
    assert_eq!(titles(&g), ["Register the application", "Client secret", "API permissions", "Exchange Online"]);
    let perms = permissions(&g);
    assert!(
        perms.contains(&("Microsoft Graph".into(), "Mail.Send".into(), PermissionKind::Application, true)),
        "{perms:?}"
    );
    assert!(perms.iter().any(|p| p.1 == "Application.Read.All"));
    assert!(!perms.iter().any(|p| p.2 == PermissionKind::Delegated), "app-only needs no delegated permission");
    let ps = code(&g);
    assert!(ps.contains(&format!("New-ApplicationAccessPolicy -AppId {CLIENT}")), "{ps}");
    assert!(!ps.contains("Set-CASMailbox"), "Graph does not use SMTP AUTH");
    let text = render(&g, Format::Text);
    assert!(text.contains(&format!("ApplicationMenuBlade/~/Credentials/appId/{CLIENT}")), "{text}");
    assert!(text.contains("This profile's secret expires: 2027-04-16"));
    assert!(text.contains(&format!("{TENANT}/v2.0/adminconsent?client_id={CLIENT}")), "{text}");
    assert!(!text.contains("**"), "plain text drops the bold marks");
}

#[test]
fn app_only_smtp_and_imap_need_the_service_principal() {
    let g = guide_for(&profile(AuthMethod::ClientCredentials, SendMethod::Smtp, |d| {
        d.scopes = "https://outlook.office365.com/.default".into();
    }));
    let perms = permissions(&g);
    for p in ["SMTP.SendAsApp", "IMAP.AccessAsApp"] {
        assert!(
            perms.contains(&("Office 365 Exchange Online".into(), p.into(), PermissionKind::Application, true)),
            "{p}"
        );
    }
    let ps = code(&g);
    assert!(ps.contains(&format!("New-ServicePrincipal -AppId {CLIENT} -ObjectId <Enterprise application Object ID>")));
    assert!(ps.contains("Add-MailboxPermission -Identity \"noreply@contoso.com\""));
    assert!(ps.contains("Set-CASMailbox -Identity \"noreply@contoso.com\" -SmtpClientAuthenticationDisabled $false"));
}

#[test]
fn browser_sign_in_registers_a_mobile_and_desktop_redirect_and_no_secret() {
    let g = guide_for(&profile(AuthMethod::AuthCode, SendMethod::Smtp, |_| {}));
    assert_eq!(titles(&g), ["Register the application", "Authentication", "API permissions", "Exchange Online"]);
    let md = render(&g, Format::Markdown);
    assert!(
        md.contains("**Mobile and desktop applications**") && md.contains("Redirect URI: `http://localhost`"),
        "{md}"
    );
    assert!(md.contains("**Accounts in this organizational directory only**"));
    let perms = permissions(&g);
    assert_eq!(
        perms.iter().map(|p| p.1.as_str()).collect::<Vec<_>>(),
        ["SMTP.Send", "IMAP.AccessAsUser.All", "offline_access"]
    );
    assert!(perms.iter().all(|p| p.0 == "Microsoft Graph" && p.2 == PermissionKind::Delegated && !p.3));
    assert!(md.contains("| Microsoft Graph | `SMTP.Send` | Delegated | no |"), "{md}");
}

#[test]
fn the_paste_route_registers_a_web_redirect_and_its_secret() {
    let g = guide_for(&profile(AuthMethod::AuthCode, SendMethod::Smtp, |d| {
        d.redirect_uri = "https://localhost".into();
        d.client_secret = SecretChange::set("WvR8Q~abc");
    }));
    assert!(titles(&g).contains(&"Client secret"));
    let text = render(&g, Format::Text);
    assert!(text.contains("Add a platform → Web") && text.contains("Redirect URI: https://localhost"), "{text}");
    assert!(text.contains("Value") && text.contains("Secret ID beside it is not the secret"));
}

#[test]
fn device_code_turns_public_client_flows_on() {
    let g = guide_for(&profile(AuthMethod::DeviceCode, SendMethod::Smtp, |d| d.tenant = "organizations".into()));
    let text = render(&g, Format::Text);
    assert!(text.contains("Allow public client flows to Yes"), "{text}");
    assert!(text.contains("Any Microsoft Entra ID tenant - Multitenant"));
    assert!(!text.contains("Directory (tenant) ID → Tenant: (not"), "the tenant is filled in");
}

#[test]
fn only_the_guides_own_links_are_links() {
    let g = guide_for(&profile(AuthMethod::ClientCredentials, SendMethod::Graph, |_| {}));
    let blade = format!("https://entra.microsoft.com/#view/Microsoft_AAD_RegisteredApps/ApplicationMenuBlade/~/CallAnAPI/appId/{CLIENT}");
    assert!(g.links_to(&blade));
    let consent = g
        .sections
        .iter()
        .flat_map(|s| &s.steps)
        .find_map(|st| match st {
            Step::Link { url, .. } => Some(url.clone()),
            _ => None,
        })
        .unwrap();
    assert!(g.links_to(&consent));
    for other in ["https://evil.example/", "file:///etc/passwd", &format!("{blade}x"), ""] {
        assert!(!g.links_to(other), "{other}");
    }
}

/// Seed 001's Web app with a certificate where the seed has a secret: the
/// guide says to upload it (no secret section), the mail permissions stay
/// delegated, and the one that lets the app rotate its own key is an
/// application permission, as Graph has it.
#[test]
fn a_web_app_with_a_certificate_is_told_to_upload_it() {
    let p = profile(AuthMethod::AuthCode, SendMethod::Smtp, |d| {
        d.redirect_uri = "https://localhost".into();
        d.certificate = crate::records::CertificateRequest::Create { days: 365 };
    });
    let info = crate::records::CertificateInfo {
        thumbprint: "6D340EE9BC3A8589BD5FB163DCFF99467FD71614".into(),
        thumbprint_sha256: "AB".repeat(32),
        subject: "CN=Mailwarden Catalyst outbound".into(),
        not_before: "2026-12-07T09:59:00Z".into(),
        not_after: "2027-12-07T10:00:00Z".into(),
        key_bits: 2048,
    };
    let g = super::guide_with(&p, Some(&info), false);
    assert!(titles(&g).contains(&"Certificate") && !titles(&g).contains(&"Client secret"), "{:?}", titles(&g));
    let perms = permissions(&g);
    assert!(perms.iter().any(|r| r.1 == "SMTP.Send" && r.2 == PermissionKind::Delegated), "{perms:?}");
    let owned_by = perms.iter().find(|r| r.1 == "Application.ReadWrite.OwnedBy").expect("the rotation permission");
    assert_eq!(owned_by.2, PermissionKind::Application);
}
