//! A browser sign-in that never came back. Microsoft shows most registration
//! errors (AADSTS50011 redirect URI mismatch, 50194 single-tenant, 700016
//! unknown app, consent) on its own page and never redirects, so the only
//! thing Mailwarden sees is the timeout: it lists those likely causes with
//! what to check for this profile, and offers the paste route.

use super::{Context, Diagnosis};

/// "1 minute", "2 minutes".
pub fn plural(n: impl Into<i64>, one: &str) -> String {
    let n = n.into();
    if n == 1 || n == -1 {
        format!("{n} {one}")
    } else {
        format!("{n} {one}s")
    }
}

pub fn sign_in_timeout(minutes: u64, ctx: &Context, redirect_sent: &str, received: &[String]) -> Diagnosis {
    let tenant = if ctx.tenant.is_empty() { "common".to_owned() } else { ctx.tenant.clone() };
    let mut steps = vec![
        format!(
            "If the browser showed AADSTS50011 (redirect URI mismatch): in Entra, App registrations → this app → **Authentication**, add {} under **Mobile and desktop applications** (the port may differ: Microsoft ignores it for localhost), or make the profile's redirect URI match one registered.",
            ctx.redirect_uri
        ),
        format!(
            "If it showed AADSTS50194 (not multi-tenant): set the profile's tenant to the app's Directory (tenant) ID instead of “{tenant}”."
        ),
        format!(
            "If it showed AADSTS700016 (application not found): check the client ID {} and that the app is registered in tenant {tenant}.",
            ctx.client_id
        ),
        "If it asked for approval (consent): an administrator must grant consent — or use the admin-consent link from the app's **API permissions** page.".into(),
        "If no browser opened, or sign-in happens on another computer: use the paste route (Paste the address; on the command line, the manual connect) or the device code.".into(),
    ];
    if !received.is_empty() {
        steps.insert(0, format!("The listener did receive something, but not the sign-in: {}.", received.join("; ")));
    }
    Diagnosis::new(
        "signin_timeout",
        format!("The browser did not come back within {}", plural(minutes as i64, "minute")),
        format!(
            "Mailwarden waited for the sign-in at {redirect_sent}. Microsoft shows most registration problems on its own page and then never returns to the app, so the cause is probably on the page the browser still shows."
        ),
        steps,
    )
}

#[cfg(test)]
mod tests {
    use super::plural;

    #[test]
    fn one_is_singular() {
        assert_eq!(plural(1, "minute"), "1 minute");
        assert_eq!(plural(5, "minute"), "5 minutes");
        assert_eq!(plural(0, "day"), "0 days");
        assert_eq!(plural(-1, "day"), "-1 day");
    }
}
