//! Microsoft identity platform errors (AADSTS codes), each with its cause and fix.
//! The codes and their meanings follow Microsoft's published error table
//! (see `shared/reference/microsoft-mail-oauth.md`).

use super::{Context, Diagnosis};

/// Blade and button names as the Entra portal shows them.
const SECRETS: &str = "**Certificates & secrets**";
const AUTHN: &str = "**Authentication**";
const PERMS: &str = "**API permissions**";

fn d(n: u64, title: &str, cause: &str, steps: Vec<String>) -> Diagnosis {
    Diagnosis::new(format!("aadsts{n}"), title, cause, steps)
}

/// A password sign-in's (ROPC) own failures: what the account or the app
/// registration lacks for it, and the sign-in to prefer.
fn password_signin(n: u64, c: &Context) -> Option<Diagnosis> {
    let prefer = "Microsoft discourages password sign-in: prefer Connect your account (browser sign-in) for a mailbox, or app-only for a service.".to_owned();
    Some(match n {
        50076 | 50079 => d(n, "This account must use multi-factor sign-in",
            "A password sign-in cannot pass multi-factor authentication, which the tenant requires for this account (or requires it to register). Microsoft refuses the password alone.",
            vec![
                "Use Connect your account (browser) or device code: they can pass MFA.".into(),
                "A product that can only send the password needs an account Conditional Access exempts from MFA — an administrator's decision, and a weaker account.".into(),
            ]),
        50126 => d(n, "Wrong password (or not Entra's to check)",
            "Microsoft did not accept the username and password. The password is wrong, or the account is federated (its password is checked by the organisation's own sign-in service, such as AD FS, which a password sign-in through Microsoft cannot reach).",
            vec![
                format!("Check the Mailbox ({}) and replace the Password in this profile.", c.mailbox),
                "If the domain is federated, password sign-in works only when an administrator allows cloud password validation (Home Realm Discovery policy, AllowCloudPasswordValidation); otherwise use Connect your account.".into(),
                prefer,
            ]),
        50034 => d(n, "This account does not exist in the tenant",
            "Microsoft found no user with this sign-in name in the tenant.",
            vec![format!("Check the Mailbox ({}) and the Tenant ({}).", c.mailbox, c.tenant)]),
        7000218 => d(n, "Public client flows are turned off for this app",
            "A password sign-in without a client secret is a public client flow, and the app registration does not allow those.",
            vec![
                format!("In Entra → {AUTHN} → **Advanced settings**, set **Allow public client flows** to **Yes** and save: {}", c.app_blade("Authentication")),
                "Or paste the app's client secret into this profile (the app then signs in as a confidential client).".into(),
            ]),
        _ => return None,
    })
}

pub fn explain(n: u64, c: &Context) -> Option<Diagnosis> {
    if c.password_signin {
        if let Some(d) = password_signin(n, c) {
            return Some(d);
        }
    }
    let reconnect = || "Reconnect the account: Connect your account signs in again and stores new tokens.".to_owned();
    Some(match n {
        7000215 => d(n, "The client secret is wrong",
            "Microsoft did not accept the client secret. Most often the Secret ID was pasted instead of the secret's Value.",
            vec![
                format!("Open the app in Entra → {SECRETS}: {}", c.app_blade("Credentials")),
                "Create a **New client secret** and copy its **Value** (shown only once) — not the Secret ID.".into(),
                "Paste it into this profile's Client secret field (Replace) and save.".into(),
            ]),
        7000222 => d(n, "The client secret has expired",
            "The app registration's client secret passed its expiry date, so Microsoft refuses every sign-in with it.",
            vec![
                format!("Open the app in Entra → {SECRETS}: {}", c.app_blade("Credentials")),
                "Create a **New client secret**, copy its **Value**, and note its expiry date.".into(),
                "Replace the Client secret in this profile, set Secret expires, and save.".into(),
            ]),
        700016 => d(n, "The app was not found in this tenant",
            "No application with this client ID exists in the tenant, or it was never consented there.",
            vec![
                format!("Check the Client ID ({}) against the app's **Overview** page (Application (client) ID).", c.client_id),
                format!("Check the Tenant ({}) against **Directory (tenant) ID** on the same page.", c.tenant),
                "For a multi-tenant app used in another tenant, an administrator of that tenant must consent first.".into(),
            ]),
        50011 | 500112 => d(n, "The redirect URI does not match",
            "The redirect URI sent does not exactly match one registered for the app (http vs https and the path both count; the port of http://localhost does not).",
            vec![
                format!("In Entra → {AUTHN}, add exactly {} under the right platform (Mobile and desktop applications for http://localhost).", c.redirect_uri),
                "Or change this profile's Redirect URI to one already registered.".into(),
            ]),
        500113 | 900971 => d(n, "No redirect URI is registered",
            "The app registration has no reply address for this sign-in, or none was sent.",
            vec![format!("In Entra → {AUTHN} → **Add a platform**, add {} and save.", or_default(&c.redirect_uri, "http://localhost"))]),
        65001 => d(n, "Consent is missing",
            "Neither the user nor an administrator has consented to the permissions this profile asks for.",
            vec![
                format!("In Entra → {PERMS}, add the permissions for these scopes: {}.", c.scopes.join(" ")),
                "Click **Grant admin consent**, or have an administrator open the admin-consent link:".into(),
                c.admin_consent_url(),
            ]),
        50076 | 50079 => d(n, "Multi-factor sign-in is required",
            "The tenant requires MFA (or MFA registration) for this account, which only an interactive browser sign-in can satisfy.",
            vec![reconnect(), "Use Connect your account (browser) or device code, not a pasted token.".into()]),
        70008 | 700082 => d(n, "The refresh token has expired",
            "The stored sign-in was unused for too long (90 days of inactivity) or passed its maximum age.",
            vec![reconnect(), "Keep it alive: Mailwarden refreshes connected profiles while it runs (or schedule `mailwarden keepalive`).".into()]),
        50173 => d(n, "The sign-in was revoked",
            "The grant is no longer valid: the password changed or an administrator revoked the sessions.",
            vec![reconnect()]),
        70043 => d(n, "The sign-in session is too old for policy",
            "A Conditional Access sign-in frequency policy requires signing in again.",
            vec![reconnect(), "If this recurs daily, ask the administrator about the sign-in frequency policy for this app.".into()]),
        54005 => d(n, "The authorization code was already used",
            "Each code can be redeemed once; this one was redeemed before (a repeated or replayed request).",
            vec!["Start Connect your account again to get a fresh code.".into()]),
        90002 => d(n, "The tenant does not exist",
            "Microsoft found no tenant with this name or ID.",
            vec![format!("Check the Tenant field ({}): paste the **Directory (tenant) ID** from the app's **Overview** page.", c.tenant)]),
        50020 => d(n, "This account is not in the app's tenant",
            "The account signing in belongs to another tenant (or is a personal account) and is not a guest in the app's tenant.",
            vec![
                format!("Sign in with an account of the tenant {}.", c.tenant),
                "Or make the app multi-tenant (**Authentication** → Supported account types) and use organizations or common.".into(),
            ]),
        50194 => d(n, "The app is single-tenant",
            "The app accepts only its own tenant, but the request went to common or organizations.",
            vec![format!("Set Tenant to the app's **Directory (tenant) ID** instead of {}.", c.tenant)]),
        9002332 => d(n, "The app accepts only work or school accounts",
            "The app is registered for Entra ID accounts only, but the request targeted personal accounts.",
            vec!["Set Tenant to organizations or your tenant ID, or change Supported account types in Entra.".into()]),
        9002331 => d(n, "The app accepts only personal accounts",
            "The app is registered for personal Microsoft accounts only, but the request targeted a work tenant.",
            vec!["Set Tenant to consumers, or change Supported account types in Entra.".into()]),
        53003 | 530035 => d(n, "Blocked by Conditional Access",
            "A Conditional Access policy (or security defaults) blocked this sign-in from this device or location.",
            vec!["Ask the administrator which policy blocked it (Entra → **Sign-in logs**, search the correlation ID below).".into()]),
        70011 => d(n, "A scope is invalid",
            "One of the scopes is not valid for this app or resource.",
            vec!["Use Reset to defaults on the Scopes field; app-only sign-in needs exactly one /.default scope.".into()]),
        7000112 => d(n, "The application is disabled",
            "An administrator disabled the app (Enterprise applications → Properties → Enabled for users to sign in).",
            vec!["Ask the administrator to enable the application, or use another app registration.".into()]),
        50126 | 50034 => d(n, "Wrong username or password",
            "Microsoft did not accept the account's credentials, or the account does not exist.",
            vec![format!("Check the Mailbox ({}) and sign in again.", c.mailbox)]),
        700025 => d(n, "A secret was sent for a public app",
            "The redirect URI is registered as **Mobile and desktop** (a public client), which must not send a client secret.",
            vec![
                "Clear the Client secret in this profile (the desktop flow does not need one),".into(),
                format!("or register the redirect URI under **Web** in Entra → {AUTHN} if the app is meant to be confidential."),
            ]),
        7000218 => d(n, "The app requires a client secret",
            "The redirect URI is registered as **Web** (a confidential client), so Microsoft requires the client secret.",
            vec![
                "Paste the secret's Value into this profile's Client secret field,".into(),
                format!("or move the redirect URI to **Mobile and desktop applications** in Entra → {AUTHN} and turn on **Allow public client flows**."),
            ]),
        9002327 => d(n, "A single-page-app redirect was used",
            "The redirect URI is registered as a SPA; a desktop app cannot use it.",
            vec![format!("In Entra → {AUTHN}, register {} under **Mobile and desktop applications** instead of Single-page application.", or_default(&c.redirect_uri, "http://localhost"))]),
        1002012 => d(n, "App-only sign-in needs a /.default scope",
            "Client-credentials requests must ask for exactly one `<resource>/.default` scope.",
            vec!["Use Reset to defaults on the Scopes field (https://graph.microsoft.com/.default for Graph, https://outlook.office365.com/.default for SMTP/IMAP).".into()]),
        28000 => d(n, "The scopes mix resources",
            "One request asked for scopes of several resources (e.g. Outlook and Microsoft Graph); Microsoft allows one resource per request.",
            vec!["Keep scopes of one resource in this profile: Outlook (SMTP.Send, IMAP) or Graph (Mail.Send).".into()]),
        501481 => d(n, "The PKCE verifier did not match",
            "The code was redeemed with a different code verifier than the one it was issued for.",
            vec!["Start Connect your account again; do not reuse a code from another attempt.".into()]),
        9001023 => d(n, "App-only sign-in needs your own tenant",
            "Client credentials cannot use common, organizations or consumers.",
            vec!["Set Tenant to the **Directory (tenant) ID** from the app's **Overview** page.".into()]),
        _ => return None,
    })
}

fn or_default<'a>(s: &'a str, default: &'a str) -> &'a str {
    if s.is_empty() {
        default
    } else {
        s
    }
}
