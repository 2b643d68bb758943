//! Reading an access token's claims for display and checks (no signature check:
//! the token is ours and only the resource server verifies it). Personal-account
//! tokens are opaque, so every claim is optional.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Claims {
    pub aud: Option<String>,
    /// Delegated permissions (`scp`, space-separated in the token).
    pub scopes: Vec<String>,
    /// Application permissions (`roles`), for app-only tokens.
    pub roles: Vec<String>,
    /// The account: `upn`, else `preferred_username`, else `unique_name` / `email`.
    pub account: Option<String>,
    pub tenant_id: Option<String>,
    pub object_id: Option<String>,
    pub app_id: Option<String>,
    #[ts(type = "number | null")]
    pub exp: Option<i64>,
}

#[derive(Deserialize)]
struct Raw {
    aud: Option<serde_json::Value>,
    scp: Option<String>,
    #[serde(default)]
    roles: Vec<String>,
    upn: Option<String>,
    preferred_username: Option<String>,
    unique_name: Option<String>,
    email: Option<String>,
    tid: Option<String>,
    oid: Option<String>,
    appid: Option<String>,
    azp: Option<String>,
    exp: Option<i64>,
}

/// The claims of a JWT-shaped token, or None for an opaque one.
pub fn decode(token: &str) -> Option<Claims> {
    let mut parts = token.split('.');
    let (_header, payload, _sig) = (parts.next()?, parts.next()?, parts.next()?);
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let raw: Raw = serde_json::from_slice(&bytes).ok()?;
    let aud = match raw.aud {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Array(a)) => a.first().and_then(|v| v.as_str()).map(str::to_owned),
        _ => None,
    };
    Some(Claims {
        aud,
        scopes: raw.scp.unwrap_or_default().split_whitespace().map(str::to_owned).collect(),
        roles: raw.roles,
        account: raw.upn.or(raw.preferred_username).or(raw.unique_name).or(raw.email),
        tenant_id: raw.tid,
        object_id: raw.oid,
        app_id: raw.appid.or(raw.azp),
        exp: raw.exp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: serde_json::Value) -> String {
        let enc = |v: &serde_json::Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());
        format!("{}.{}.sig", enc(&serde_json::json!({"alg": "RS256", "typ": "JWT"})), enc(&payload))
    }

    #[test]
    fn delegated_and_app_tokens() {
        let t = jwt(serde_json::json!({"aud": "https://outlook.office.com", "scp": "SMTP.Send IMAP.AccessAsUser.All",
            "upn": "erp@contoso.com", "tid": "t", "oid": "o", "exp": 1800000000}));
        let c = decode(&t).unwrap();
        assert_eq!(c.aud.as_deref(), Some("https://outlook.office.com"));
        assert_eq!(c.scopes, ["SMTP.Send", "IMAP.AccessAsUser.All"]);
        assert_eq!(c.account.as_deref(), Some("erp@contoso.com"));
        let app = decode(&jwt(
            serde_json::json!({"aud": "https://graph.microsoft.com", "roles": ["Mail.Send"], "appid": "a"}),
        ))
        .unwrap();
        assert_eq!(app.roles, ["Mail.Send"]);
        assert!(app.account.is_none());
    }

    #[test]
    fn opaque_tokens_have_no_claims() {
        assert!(decode("EwBwA8l6BAAU...opaque").is_none());
        assert!(decode("a.b.c").is_none());
    }
}
