//! Rotate a client secret, guided: the new value (with its Secret ID and
//! expiry, typed or from the portal's row) is first proven against the
//! identity provider — a refresh of the connection for a delegated profile,
//! else a client-credentials token — and only then saved; the old secret is
//! retired in the history in the same transaction. If the proof fails,
//! nothing changes and the old secret keeps working.

use crate::error::{CoreError, Result};
use crate::mail::graph::graph_base;
use crate::oauth::client::{client_for, context_for, failure};
use crate::profile::{validate, AuthMethod, Existing, ProfileView};
use crate::secret::{ExposeSecret, SecretChange, SecretKind, SecretString};
use crate::watch::history::SecretRecord;
use oauth2::{RefreshToken, Scope};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The new secret as the person copied it from Entra.
#[derive(Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NewSecret {
    #[ts(type = "string")]
    pub value: SecretString,
    pub secret_id: String,
    /// `YYYY-MM-DD`.
    pub expires: String,
    #[serde(default)]
    pub description: String,
}

impl std::fmt::Debug for NewSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSecret").field("secret_id", &self.secret_id).field("expires", &self.expires).finish()
    }
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RotateReport {
    pub profile: ProfileView,
    /// How the new secret was proven, in words.
    pub proof: String,
    pub retired: Option<SecretRecord>,
}

impl super::Watch<'_> {
    pub fn rotate_secret(&self, id: i64, new: NewSecret) -> Result<RotateReport> {
        let stored = self.store.get(id)?;
        let p = stored.profile.clone();
        if !stored.has_client_secret {
            return Err(CoreError::invalid(
                "clientSecret",
                "This profile has no client secret to rotate; set one in the profile instead.",
            ));
        }
        let mut draft = self.profiles().draft(id)?;
        draft.client_secret = SecretChange::Set { value: SecretString::from(new.value.expose_secret().trim()) };
        draft.client_secret_id = new.secret_id.trim().to_owned();
        draft.client_secret_expires = new.expires.trim().to_owned();
        let existing = Existing {
            has_client_secret: true,
            has_password: stored.has_password,
            has_certificate: stored.has_certificate,
        };
        let v = validate(&draft, Some(existing), self.clock.today()).map_err(CoreError::Validation)?;
        if v.profile.client_secret_id.is_none() || v.profile.client_secret_expires.is_none() {
            let mut errors = Vec::new();
            if v.profile.client_secret_id.is_none() {
                errors.push(crate::FieldError {
                    field: "clientSecretId".into(),
                    message: "The new secret's Secret ID (the GUID beside it under Certificates & secrets) is needed to track it.".into(),
                });
            }
            if v.profile.client_secret_expires.is_none() {
                errors.push(crate::FieldError {
                    field: "clientSecretExpires".into(),
                    message: "The new secret's expiry date is needed to warn before it expires.".into(),
                });
            }
            return Err(CoreError::Validation(errors));
        }
        let candidate = crate::profile::Profile { id, ..v.profile.clone() };
        let SecretChange::Set { value } = &v.client_secret else { unreachable!("set above") };
        let (client, ep) = client_for(&candidate, Some(value))?;
        let ctx = context_for(&candidate, &ep);
        let http = crate::http::client()?;
        // The proof redeems the refresh token: a token write, so under the
        // token lock, committed onto the state it was read from.
        let lock = self.tokens().token_lock()?;
        let base = crate::store::Expect::Generation(self.store.token_generation(id)?);
        let rt =
            if p.auth_method.is_delegated() { self.store.read_secret(id, SecretKind::RefreshToken)? } else { None };
        let (resp, proof, keep) = match rt {
            Some(rt) => {
                let r = client
                    .exchange_refresh_token(&RefreshToken::new(rt.expose_secret().to_owned()))
                    .add_scopes(candidate.scopes.iter().map(|s| Scope::new(s.clone())))
                    .request(&crate::http::Bounded(&http, None));
                (r, "refreshed the connection with the new secret", true)
            }
            None if p.auth_method == AuthMethod::ClientCredentials => {
                let r = client
                    .exchange_client_credentials()
                    .add_scopes(candidate.scopes.iter().map(|s| Scope::new(s.clone())))
                    .request(&crate::http::Bounded(&http, None));
                (r, "got an app-only token with the new secret", true)
            }
            None => {
                let r = client
                    .exchange_client_credentials()
                    .add_scope(Scope::new(format!("{}/.default", graph_base(&candidate))))
                    .request(&crate::http::Bounded(&http, None));
                (r, "the identity provider accepted the new secret (client credentials)", false)
            }
        };
        let resp = resp.map_err(|e| CoreError::from(failure(e, &ctx, &ep)))?;
        let retired = self.store.secret_history(id)?.into_iter().find(|r| r.retired_at.is_none());
        // The rotated refresh token first: it is the one Microsoft now expects.
        if keep {
            self.tokens().commit(&lock, &candidate, resp, true, base)?;
        }
        let profile = self.profiles().save(Some(id), &draft)?;
        if !new.description.trim().is_empty() {
            self.store.describe_current_secret(id, new.description.trim())?;
        }
        let retired = retired.and_then(|old| self.store.secret_history(id).ok()?.into_iter().find(|r| r.id == old.id));
        Ok(RotateReport { profile, proof: proof.to_owned(), retired })
    }
}
