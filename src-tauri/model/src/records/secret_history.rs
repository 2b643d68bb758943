//! A client secret as the history keeps it: what Entra shows about it
//! (Secret ID, the value's first three characters, description, expiry) and
//! when it was added and retired — never a value.

use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SecretRecord {
    #[ts(type = "number")]
    pub id: i64,
    pub secret_id: Option<String>,
    /// The first three characters of the value, as the portal shows them.
    pub hint: Option<String>,
    pub description: String,
    /// `YYYY-MM-DD`.
    pub expires_on: Option<String>,
    pub added_at: String,
    pub retired_at: Option<String>,
}

/// The hint Entra shows for a value: its first three characters.
pub fn hint_of(value: &str) -> String {
    value.chars().take(3).collect()
}
