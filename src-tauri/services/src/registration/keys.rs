//! An app registration's certificates through Graph: listed with their
//! keys (a PATCH of `keyCredentials` must carry them all), added and removed
//! by the app itself with `addKey` / `removeKey` (each with a proof of
//! possession signed by a current certificate), and the app made an owner
//! of itself so that it may (Application.ReadWrite.OwnedBy).

use super::directory::Directory;
use crate::error::Result;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// A certificate on the app (`keyCredentials`). `key` (the certificate,
/// base64) comes only when asked for with `$select=keyCredentials`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct KeyCredential {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The certificate's SHA-1 thumbprint, base64 (Edm.Binary).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_key_identifier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date_time: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

impl KeyCredential {
    /// The thumbprint as the portal shows it (upper-case hex), if stated.
    pub fn thumbprint(&self) -> Option<String> {
        use base64::Engine;
        let raw = base64::engine::general_purpose::STANDARD.decode(self.custom_key_identifier.as_deref()?).ok()?;
        Some(raw.iter().map(|b| format!("{b:02X}")).collect())
    }
}

/// Who owns an app registration (directory object IDs).
#[derive(Deserialize)]
struct Owners {
    value: Vec<Owner>,
}

#[derive(Deserialize)]
struct Owner {
    id: String,
}

impl Directory<'_> {
    /// The app's certificates with their keys (`$select=keyCredentials`):
    /// a PATCH of `keyCredentials` replaces them all, so it must carry them.
    pub fn key_credentials(&self, object_id: &str) -> Result<Vec<KeyCredential>> {
        #[derive(Deserialize, Default)]
        #[serde(rename_all = "camelCase", default)]
        struct Keys {
            key_credentials: Vec<KeyCredential>,
        }
        let k: Option<Keys> = self.get(
            &format!("/v1.0/applications/{object_id}?$select=keyCredentials"),
            "read the app registration's certificates",
        )?;
        Ok(k.unwrap_or_default().key_credentials)
    }

    /// Add a certificate (DER, base64 in `key`) to the app, proven by `proof`.
    pub fn add_key(&self, object_id: &str, key: &KeyCredential, proof: &str) -> Result<KeyCredential> {
        let body = json!({"keyCredential": key, "passwordCredential": null, "proof": proof});
        self.send(
            reqwest::Method::POST,
            &format!("/v1.0/applications/{object_id}/addKey"),
            &body,
            "add the certificate",
        )
    }

    /// Remove the app's certificate `key_id`, proven by `proof`.
    pub fn remove_key(&self, object_id: &str, key_id: &str, proof: &str) -> Result<()> {
        let body = json!({"keyId": key_id, "proof": proof});
        self.send::<Value>(
            reqwest::Method::POST,
            &format!("/v1.0/applications/{object_id}/removeKey"),
            &body,
            "remove the old certificate",
        )
        .map(drop)
    }

    /// The app's owners' object IDs.
    pub fn owners(&self, object_id: &str) -> Result<Vec<String>> {
        let o: Option<Owners> =
            self.get(&format!("/v1.0/applications/{object_id}/owners?$select=id"), "read the app's owners")?;
        Ok(o.map(|o| o.value.into_iter().map(|x| x.id).collect()).unwrap_or_default())
    }

    /// Make directory object `owner` (the app's own service principal) an owner of the app.
    pub fn add_owner(&self, object_id: &str, owner: &str) -> Result<()> {
        let body = json!({"@odata.id": format!("{}/v1.0/directoryObjects/{owner}", self.base())});
        self.send::<Value>(
            reqwest::Method::POST,
            &format!("/v1.0/applications/{object_id}/owners/$ref"),
            &body,
            "make the app an owner of itself",
        )
        .map(drop)
    }
}
