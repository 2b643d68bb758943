//! What may be shown about a connection: expiry, scopes, account, times —
//! never a token.

use serde::Serialize;
use ts_rs::TS;

/// What may be shown about a profile's connection (no token values).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TokenRecord {
    #[ts(type = "number | null")]
    pub access_expires_at: Option<i64>,
    pub scopes: Vec<String>,
    pub account: Option<String>,
    pub tenant_id: Option<String>,
    pub object_id: Option<String>,
    pub obtained_at: String,
    pub refreshed_at: Option<String>,
    pub last_used_at: Option<String>,
    pub has_refresh_token: bool,
    /// The provider declared the grant dead (invalid_grant): reconnect.
    pub needs_reconnect: bool,
}

impl TokenRecord {
    /// When the refresh token was last redeemed or issued (Microsoft's idle
    /// clock starts there): the later of the last refresh and the sign-in.
    pub fn last_refresh(&self) -> &str {
        match self.refreshed_at.as_deref() {
            // Both are RFC 3339 in UTC, so they order as text.
            Some(r) if r > self.obtained_at.as_str() => r,
            _ => &self.obtained_at,
        }
    }
}
