//! The tokens that read (and write) app registrations: the profile's own
//! app-only token for Graph, or an administrator's sign-in through a public
//! client admins already use (Microsoft Graph Command Line Tools by default;
//! a setting). The administrator signs in in the system browser (auth code +
//! PKCE, loopback), without a refresh token: the session ends with its access
//! token (about an hour) and is never written anywhere.

use crate::diagnosis::Diagnosis;
use crate::error::{CoreError, Result};
use crate::oauth::client::{client_for, context_for, failure, signin_failure};
use crate::profile::{AuthMethod, Profile};
use crate::providers::ADMIN_SCOPES;
use crate::secret::{ExposeSecret, SecretString};
use oauth2::{AuthorizationCode, Scope, TokenResponse as _};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// An administrator's Graph token, in memory only.
pub struct AdminSession {
    token: SecretString,
    /// Who signed in.
    pub account: String,
    /// The profile (tenant) it was made for.
    pub profile_id: i64,
    /// Unix seconds.
    pub expires_at: i64,
}

impl std::fmt::Debug for AdminSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminSession").field("account", &self.account).field("expires_at", &self.expires_at).finish()
    }
}

/// Who is signed in as administrator, for the window (never the token).
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct AdminInfo {
    pub account: String,
    pub profile_id: i64,
    #[ts(type = "number")]
    pub expires_at: i64,
}

impl AdminSession {
    pub fn info(&self) -> AdminInfo {
        AdminInfo { account: self.account.clone(), profile_id: self.profile_id, expires_at: self.expires_at }
    }

    pub(crate) fn token(&self) -> &SecretString {
        &self.token
    }

    /// Whether the token is still good for a minute's work.
    pub fn live(&self, now: i64) -> bool {
        now + 60 < self.expires_at
    }
}

/// The administrator's sign-in, as a profile: same cloud, authority and
/// tenant as `p`, the admin client, Graph's admin scopes, a loopback redirect.
fn admin_profile(p: &Profile, client_id: &str) -> Profile {
    let base = crate::mail::graph::graph_base(p);
    let mut a = p.clone();
    a.auth_method = AuthMethod::AuthCode;
    a.client_id = client_id.to_owned();
    a.scopes = ADMIN_SCOPES.iter().map(|s| format!("{base}/{s}")).collect();
    a.redirect_uri = "http://localhost".into();
    a.mailbox = String::new(); // the administrator is someone else
    a
}

/// Why nothing can read the registration without an administrator.
fn needs_admin() -> CoreError {
    CoreError::Auth(Box::new(Diagnosis::new(
        "registration_needs_reader",
        "Nothing here may read the app registration yet",
        "The profile holds no client secret to sign in as the app, and its mailbox's tokens cannot read app registrations.",
        vec![
            "Check with an administrator's sign-in (Application Administrator or Cloud Application Administrator).".into(),
            "Or, for an app-only profile: add the **Application.Read.All** application permission with admin consent; then the app reads its own registration.".into(),
        ],
    )))
}

impl super::Registrations<'_> {
    /// The registration profile `p` needs, with the certificate it signs in
    /// with (read from the store).
    pub(crate) fn wanted_for(&self, p: &Profile) -> Result<super::Wanted> {
        let der = self.store.certificate(p.id)?;
        let relays = self.guides().relays_for(p.id)?;
        let mut w = super::wanted_with(p, crate::guide::Uses { certificate: der.is_some(), relays });
        if let Some(der) = der {
            let info = crate::certificate::info(&der)?;
            w.needs_secret = false;
            w.certificate = Some(super::WantedCertificate {
                thumbprint: info.thumbprint,
                der,
                subject: info.subject,
                not_after: info.not_after,
            });
        }
        Ok(w)
    }

    /// An app-only token for Graph from the profile's certificate or client
    /// secret (any confidential app may have one, whatever the profile signs
    /// in with).
    pub(crate) fn app_token(&self, p: &Profile) -> Result<SecretString> {
        let auth = self.tokens().client_auth(p)?;
        if matches!(auth, crate::oauth::credential::ClientAuth::Public) {
            return Err(needs_admin());
        }
        let (client, ep) = client_for(p, auth.secret())?;
        let assertion = auth.assertion(p, &ep.token, self.clock.now())?;
        let ctx = context_for(p, &ep);
        let http = crate::http::client()?;
        let base = crate::mail::graph::graph_base(p);
        let mut request = client.exchange_client_credentials().add_scope(Scope::new(format!("{base}/.default")));
        for (k, v) in assertion.params()? {
            request = request.add_extra_param(k, v);
        }
        let token =
            request.request(&crate::http::Bounded(&http, None)).map_err(|e| CoreError::from(failure(e, &ctx, &ep)))?;
        Ok(SecretString::from(token.access_token().secret().clone()))
    }

    /// The administrator signs in in the browser (`waiting` gets the address
    /// to open); the token is kept only in the returned session.
    pub fn admin_sign_in(
        &self,
        id: i64,
        timeout: Duration,
        cancel: &AtomicBool,
        waiting: impl FnOnce(&str),
    ) -> Result<AdminSession> {
        let p = self.profiles().get(id)?.profile;
        super::microsoft_only(&p)?;
        let client_id = self.settings().get()?.admin_client_id;
        let admin = admin_profile(&p, client_id.trim());
        tracing::info!(profile = id, "registration: waiting for the administrator's sign-in");
        let got = crate::oauth::signin::loopback_code(&admin, None, timeout, cancel, waiting)?;
        let mut admin = admin;
        admin.redirect_uri = got.redirect;
        let (client, ep) = client_for(&admin, None)?;
        let ctx = context_for(&admin, &ep);
        let http = crate::http::client()?;
        let resp = client
            .exchange_code(AuthorizationCode::new(got.code))
            .set_pkce_verifier(got.verifier)
            .request(&crate::http::Bounded(&http, Some(cancel)))
            .map_err(|e| signin_failure(e, &ctx, &ep))?;
        let token = SecretString::from(resp.access_token().secret().clone());
        let claims = crate::oauth::claims::decode(token.expose_secret()).unwrap_or_default();
        let lifetime = resp.expires_in().map_or(3600, |d| d.as_secs() as i64);
        Ok(AdminSession {
            token,
            account: claims.account.unwrap_or_else(|| "the administrator".into()),
            profile_id: id,
            expires_at: self.clock.now().unix_timestamp() + lifetime,
        })
    }

    /// A session from a token obtained elsewhere (tests, and a future
    /// device-code sign-in).
    pub fn admin_session_from(&self, id: i64, token: SecretString) -> AdminSession {
        let claims = crate::oauth::claims::decode(token.expose_secret()).unwrap_or_default();
        AdminSession {
            account: claims.account.unwrap_or_else(|| "the administrator".into()),
            expires_at: claims.exp.unwrap_or(i64::MAX),
            profile_id: id,
            token,
        }
    }
}
