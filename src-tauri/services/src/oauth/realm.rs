//! Home realm discovery before a password sign-in (ROPC), as Microsoft's
//! own libraries do it: `GET {authority}/common/userrealm/{user}?api-version=1.0`
//! says whether Entra checks the account's password itself ("Managed") or an
//! organisation's own sign-in service does ("Federated", e.g. AD FS), which
//! a password sign-in through Microsoft cannot reach. Best effort: when the
//! question cannot be asked or answered, the sign-in itself decides.

use crate::diagnosis::Diagnosis;
use serde::Deserialize;

#[derive(Deserialize)]
struct Realm {
    account_type: Option<String>,
    domain_name: Option<String>,
    federation_active_auth_url: Option<String>,
}

/// A diagnosis when `user` signs in at a federated identity provider.
pub fn federated(http: &reqwest::blocking::Client, authority: &str, user: &str) -> Option<Diagnosis> {
    let mut url = url::Url::parse(authority).ok()?;
    url.path_segments_mut().ok()?.extend(["common", "userrealm", user]);
    url.query_pairs_mut().append_pair("api-version", "1.0");
    let resp = http.get(url).send().ok()?;
    if !resp.status().is_success() {
        return None;
    }
    let body = crate::http::read_body(resp).ok()?;
    let realm: Realm = serde_json::from_slice(&body).ok()?;
    if realm.account_type.as_deref() != Some("Federated") {
        return None;
    }
    let domain = realm.domain_name.unwrap_or_else(|| user.rsplit('@').next().unwrap_or(user).to_owned());
    let idp = realm
        .federation_active_auth_url
        .and_then(|u| url::Url::parse(&u).ok())
        .and_then(|u| u.host_str().map(str::to_owned))
        .map(|h| format!(" ({h})"))
        .unwrap_or_default();
    Some(Diagnosis::new(
        "ropc_federated",
        "This account's password is checked elsewhere",
        format!("{domain} is a federated domain: its passwords are checked by the organisation's own sign-in service{idp}, which a password sign-in through Microsoft cannot use."),
        vec![
            "Use Connect your account (browser sign-in): it goes through the organisation's sign-in page.".into(),
            "Or have an administrator allow cloud password validation for this app (a Home Realm Discovery policy with AllowCloudPasswordValidation, where password hashes are synchronised to Entra).".into(),
        ],
    ))
}
