//! The comparison and the plan, on what Graph would show: each difference
//! named with its fix, nothing asked of an app that already has it.

use super::check::{compare, Actual, FindingState};
use super::directory::{
    AppRoleAssignment, Application, NamedId, PasswordCredential, RedirectSet, RequiredResourceAccess, ResourceAccess,
    ServicePrincipal,
};
use super::plan::plan_for_tests;
use super::wanted;
use crate::profile::{AuthMethod, Cloud, Profile, ProfileDraft, Provider, SendMethod};
use time::macros::date;

const GRAPH: &str = "00000003-0000-0000-c000-000000000000";
const EXO: &str = "00000002-0000-0ff1-ce00-000000000000";
const CLIENT: &str = "351d6cb2-1c69-4081-9cc2-a769d71567cb";

fn profile(auth: AuthMethod, send: SendMethod) -> Profile {
    let mut d = ProfileDraft::new(Provider::Microsoft365, auth, send);
    d.name = "Invoices".into();
    d.mailbox = "invoices@contoso.com".into();
    d.tenant = "d9f2fc08-d549-4fcc-bae2-2286c314d3cd".into();
    d.client_id = CLIENT.into();
    d.cloud = Cloud::Global;
    let existing = crate::profile::Existing { has_client_secret: true, has_password: false, has_certificate: false };
    crate::profile::validate(&d, Some(existing), date!(2026 - 12 - 01)).unwrap().profile
}

fn named(id: &str, value: &str) -> NamedId {
    NamedId { id: id.into(), value: Some(value.into()) }
}

/// The tenant's Microsoft Graph and Exchange Online, as their service principals list them.
fn resources() -> Actual {
    let mut a = Actual::default();
    a.resources.insert(
        GRAPH.into(),
        ServicePrincipal {
            id: "graph-sp".into(),
            app_id: GRAPH.into(),
            app_roles: vec![
                named("r-mail-send", "Mail.Send"),
                named("r-mail-read", "Mail.Read"),
                named("r-app-read", "Application.Read.All"),
            ],
            oauth2_permission_scopes: vec![
                named("s-smtp", "SMTP.Send"),
                named("s-imap", "IMAP.AccessAsUser.All"),
                named("s-offline", "offline_access"),
            ],
            ..Default::default()
        },
    );
    a.resources.insert(
        EXO.into(),
        ServicePrincipal {
            id: "exo-sp".into(),
            app_id: EXO.into(),
            app_roles: vec![named("r-smtp-app", "SMTP.SendAsApp")],
            ..Default::default()
        },
    );
    a
}

fn access(resource: &str, ids: &[(&str, &str)]) -> RequiredResourceAccess {
    RequiredResourceAccess {
        resource_app_id: resource.into(),
        resource_access: ids.iter().map(|(id, k)| ResourceAccess { id: (*id).into(), kind: (*k).into() }).collect(),
    }
}

#[test]
fn a_loopback_uri_under_web_is_found_and_moved_and_missing_permissions_named() {
    let p = profile(AuthMethod::AuthCode, SendMethod::Smtp);
    let w = wanted(&p);
    let mut a = resources();
    a.app = Some(Application {
        id: "app-object".into(),
        app_id: CLIENT.into(),
        sign_in_audience: Some("AzureADMyOrg".into()),
        web: Some(RedirectSet { redirect_uris: vec!["http://localhost:8400".into()] }),
        required_resource_access: vec![access(GRAPH, &[("s-smtp", "Scope")])],
        ..Default::default()
    });
    a.sp = Some(ServicePrincipal { id: "client-sp".into(), ..Default::default() });
    a.grants = Some(vec![]);
    let f = compare(&p, &w, &a, date!(2026 - 12 - 01));
    let get = |item: &str| f.iter().find(|x| x.item.starts_with(item)).unwrap_or_else(|| panic!("{item}: {f:#?}"));
    assert_eq!(get("Supported account types").state, FindingState::Ok);
    assert_eq!(
        get("Supported account types").found,
        "Single tenant (accounts in this organizational directory only)",
        "the portal's words"
    );
    let r = get("Redirect URI (Mobile and desktop");
    assert_eq!(r.state, FindingState::Mismatch);
    assert!(r.fix.as_deref().unwrap().contains("remove http://localhost from **Web**"), "{r:?}");
    assert_eq!(get("Microsoft Graph SMTP.Send").state, FindingState::Warning, "added, not consented: users consent");
    assert_eq!(get("Microsoft Graph IMAP.AccessAsUser.All").state, FindingState::Mismatch);
    assert!(f.iter().all(|x| x.item != "Client secret"), "a public client has no secret to check");

    let plan = plan_for_tests(&p, &w, &a, false, "2026-12-01");
    assert_eq!(plan.len(), 2, "{plan:#?}");
    assert!(plan[0].starts_with("Bring the app registration in line: http://localhost moved from Web"), "{plan:?}");
    assert!(plan[0].contains("API permissions IMAP.AccessAsUser.All, offline_access"), "{plan:?}");
    assert!(
        plan[1].starts_with("Grant admin consent: Microsoft Graph SMTP.Send IMAP.AccessAsUser.All offline_access"),
        "{plan:?}"
    );
}

#[test]
fn app_only_consent_secrets_and_a_registration_in_line_asks_for_nothing() {
    let mut p = profile(AuthMethod::ClientCredentials, SendMethod::Graph);
    p.client_secret_id = Some("0667485f-2d81-4cef-97f8-723b3fec0642".into());
    let w = wanted(&p);
    let mut a = resources();
    let secret = |end: &str| PasswordCredential {
        key_id: "0667485f-2d81-4cef-97f8-723b3fec0642".into(),
        end_date_time: Some(format!("{end}T00:00:00Z")),
        ..Default::default()
    };
    a.app = Some(Application {
        id: "app-object".into(),
        app_id: CLIENT.into(),
        sign_in_audience: Some("AzureADMultipleOrgs".into()),
        required_resource_access: vec![access(
            GRAPH,
            &[("r-mail-send", "Role"), ("r-mail-read", "Role"), ("r-app-read", "Role")],
        )],
        password_credentials: vec![secret("2026-11-30")],
        ..Default::default()
    });
    a.sp = Some(ServicePrincipal { id: "client-sp".into(), ..Default::default() });
    a.roles = vec![AppRoleAssignment { app_role_id: "r-mail-send".into(), resource_id: "graph-sp".into() }];
    let f = compare(&p, &w, &a, date!(2026 - 12 - 01));
    let state = |item: &str| f.iter().find(|x| x.item.starts_with(item)).map(|x| x.state);
    assert_eq!(state("Supported account types"), Some(FindingState::Ok), "multi-tenant lets this tenant in");
    assert_eq!(state("Microsoft Graph Mail.Send"), Some(FindingState::Ok));
    assert_eq!(state("Microsoft Graph Mail.Read"), Some(FindingState::Warning), "optional, not consented");
    assert_eq!(state("Client secret"), Some(FindingState::Mismatch), "expired yesterday");
    let plan = plan_for_tests(&p, &w, &a, true, "2026-12-01");
    assert_eq!(plan.len(), 3, "{plan:#?}");
    assert!(plan[0].starts_with("Add a client secret"));
    assert!(plan[1].starts_with("Grant admin consent: Microsoft Graph Mail.Read"));
    assert!(plan[2].starts_with("Grant admin consent: Microsoft Graph Application.Read.All"));

    // All in line: nothing to do, nothing but Ok.
    a.app.as_mut().unwrap().password_credentials = vec![secret("2027-05-30")];
    for r in ["r-mail-read", "r-app-read"] {
        a.roles.push(AppRoleAssignment { app_role_id: r.into(), resource_id: "graph-sp".into() });
    }
    let f = compare(&p, &w, &a, date!(2026 - 12 - 01));
    assert!(f.iter().all(|x| x.state == FindingState::Ok), "{f:#?}");
    assert!(plan_for_tests(&p, &w, &a, true, "2026-12-01").is_empty());
}

#[test]
fn no_app_means_create_it_with_everything_the_profile_needs() {
    let p = profile(AuthMethod::DeviceCode, SendMethod::Smtp);
    let w = wanted(&p);
    let a = resources();
    let f = compare(&p, &w, &a, date!(2026 - 12 - 01));
    assert_eq!((f.len(), f[0].state), (1, FindingState::Mismatch));
    let plan = plan_for_tests(&p, &w, &a, false, "2026-12-01");
    assert!(plan[0].starts_with("Create the app registration: “Invoices”: supported account types: Single tenant (accounts in this organizational directory only); Allow public client flows: Yes; API permissions SMTP.Send, IMAP.AccessAsUser.All, offline_access"), "{plan:?}");
    assert!(plan[1].starts_with("Create the enterprise application"), "{plan:?}");
    assert!(plan[2].starts_with("Grant admin consent: Microsoft Graph SMTP.Send"), "{plan:?}");
    assert_eq!(plan.len(), 3, "a public client gets no secret: {plan:?}");
}
