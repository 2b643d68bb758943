//! The tokens service: `access_token` (cache → lock → re-check → refresh →
//! compare-and-set commit → hand out), refresh now (keep-alive), test sign-in,
//! the connection record and disconnect. The sign-in flows that create a
//! connection are in `signin`, `device` and `manual`; every one of them
//! commits through [`Tokens::commit`] under [`Tokens::token_lock`].

use super::claims::{self, Claims};
use super::client::{client_for, context_for, failure, TokenResponse};
use super::warnings::warnings_for;
use crate::diagnosis::Diagnosis;
use crate::error::{CoreError, Result};
use crate::oauth::TokenRecord;
use crate::profile::{AuthMethod, Profile};
use crate::secret::{ExposeSecret, SecretKind, SecretString};
use crate::store::{Expect, TokenLock, TokenUpdate};
use oauth2::{RefreshToken, ResourceOwnerPassword, ResourceOwnerUsername, Scope, TokenResponse as _};
use serde::Serialize;
use std::sync::atomic::AtomicBool;
use ts_rs::TS;

/// Refresh when the access token expires within this many seconds.
pub const REFRESH_MARGIN_SECS: i64 = 300;

/// What a caller needs of an access token ([`Tokens::access_token`]): how
/// long it must still live, and a flag that ends a refresh in flight.
#[derive(Debug, Clone, Copy)]
pub struct TokenNeed<'a> {
    lasting: i64,
    cancel: Option<&'a AtomicBool>,
}

impl Default for TokenNeed<'_> {
    /// A token that lives five more minutes; nothing cancels its refresh.
    fn default() -> Self {
        TokenNeed { lasting: REFRESH_MARGIN_SECS, cancel: None }
    }
}

impl<'a> TokenNeed<'a> {
    /// A token that lives at least `secs` more (the relay asks for ten minutes).
    pub fn lasting(self, secs: i64) -> Self {
        TokenNeed { lasting: secs, ..self }
    }

    /// Setting `flag` ends a refresh in flight at once (a test the person stopped).
    pub fn cancel(self, flag: Option<&'a AtomicBool>) -> Self {
        TokenNeed { cancel: flag, ..self }
    }
}

/// An access token handed to a caller (the CLI's `token`, the mail senders).
pub struct Issued {
    pub token: SecretString,
    pub expires_at: i64,
    pub from_cache: bool,
    /// Bookkeeping that failed without failing the call (shown as a warning).
    pub warning: Option<String>,
}

impl From<crate::store::Cached> for Issued {
    fn from(c: crate::store::Cached) -> Self {
        Issued { token: c.token, expires_at: c.expires_at, from_cache: true, warning: None }
    }
}

/// The longest access-token lifetime believed (a day); a larger or absurd
/// `expires_in` is capped rather than overflowing a timestamp.
const MAX_EXPIRES_IN: u64 = 86_400;

/// The result of "Test": the token's claims and what looks wrong with them.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AuthReport {
    pub claims: Option<Claims>,
    #[ts(type = "number")]
    pub expires_at: i64,
    /// What this token says cannot work (the wrong audience, another account).
    pub warnings: Vec<String>,
    /// The sign-in method's own caution, whatever the token (the password
    /// sign-in's): the command line says it with the report; the window
    /// says it once, beside the method.
    pub advice: Option<String>,
}

pub(super) fn not_connected(p: &Profile) -> CoreError {
    CoreError::Auth(Box::new(Diagnosis::new(
        "not_connected",
        format!("“{}” is not connected", p.name),
        "No account has signed in for this profile yet (or it was disconnected), so there is no token to use.",
        vec![
            format!("Connect it: in the app, Connect your account; or run `mailwarden connect \"{}\"`.", p.name),
            "Or paste a refresh token obtained elsewhere (Paste a refresh token; `mailwarden connect` can read one from standard input).".into(),
        ],
    )))
}

/// A profile hands out tokens only when enabled and signing in with OAuth.
fn tokens_allowed(p: &Profile) -> Result<()> {
    if !p.enabled {
        return Err(CoreError::Flow(format!(
            "“{}” is disabled. Enable it in the profile (the Enabled switch) to use its tokens.",
            p.name
        )));
    }
    if p.auth_method == AuthMethod::Basic {
        return Err(CoreError::Flow(format!(
            "“{}” signs in with a username and password; it has no OAuth token.",
            p.name
        )));
    }
    Ok(())
}

crate::context::service!(
    /// Tokens: every sign-in flow, access tokens, disconnect. The only code
    /// that writes tokens, always under the token lock.
    Tokens
);

impl Tokens<'_> {
    pub(super) fn profile_for_tokens(&self, id: i64) -> Result<Profile> {
        let p = self.store.get(id)?.profile;
        tokens_allowed(&p)?;
        Ok(p)
    }

    /// The one lock every token write is made under (see
    /// [`crate::store::Store::lock_tokens`]).
    pub(crate) fn token_lock(&self) -> Result<TokenLock> {
        self.store.lock_tokens()
    }

    /// A valid access token for profile `p`, as `need` asks: the cached one
    /// if it lives long enough (five minutes unless asked for more), else a
    /// fresh one. A rotated refresh token is committed before the access
    /// token is returned; only one process refreshes at a time, and the
    /// others then use its result.
    pub fn access_token(&self, p: &Profile, need: TokenNeed<'_>) -> Result<Issued> {
        let TokenNeed { lasting: margin, cancel } = need;
        let valid_until = self.clock.now().unix_timestamp().saturating_add(margin);
        if margin <= REFRESH_MARGIN_SECS {
            if let Some(issued) = self.cached_token_for(p)? {
                return Ok(issued);
            }
        } else if let Some(mut c) = self.store.cached_access_token(p.id, valid_until)? {
            tokens_allowed(p)?;
            let last_used = c.last_used.take();
            return Ok(self.touched(p.id, last_used.as_deref(), c.into()));
        }
        let id = p.id;
        let lock = self.token_lock()?;
        if let Some(mut c) = self.store.cached_access_token(id, valid_until)? {
            tracing::debug!(profile = id, "token: another process refreshed it meanwhile");
            let last_used = c.last_used.take();
            return Ok(self.touched(id, last_used.as_deref(), c.into()));
        }
        let issued = self.fetch_token(&lock, p, cancel)?;
        Ok(self.touched(id, None, issued))
    }

    /// The cached access token when it is valid for at least
    /// [`REFRESH_MARGIN_SECS`] more (its use recorded, as
    /// [`Self::access_token`] does); None when it needs a refresh. Reads
    /// only the database: the token front serves it without the network code.
    pub fn cached_token_for(&self, p: &Profile) -> Result<Option<Issued>> {
        tokens_allowed(p)?;
        let valid_until = self.clock.now().unix_timestamp().saturating_add(REFRESH_MARGIN_SECS);
        Ok(self.store.cached_access_token(p.id, valid_until)?.map(|mut c| {
            let last_used = c.last_used.take();
            self.touched(p.id, last_used.as_deref(), c.into())
        }))
    }

    /// Record the use (bookkeeping): a failure here — a full disk, a locked
    /// database — never fails the call that already has its token.
    fn touched(&self, id: i64, last_used: Option<&str>, mut issued: Issued) -> Issued {
        let now = self.clock.now();
        // At most one write a minute: a burst of `token` calls only reads.
        let recent = last_used
            .and_then(|t| time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok())
            .is_some_and(|t| now - t < time::Duration::minutes(1));
        if recent {
            return issued;
        }
        if let Err(e) = self.store.touch_token(id, now) {
            tracing::warn!(profile = id, error = %e, "last-used time not recorded");
            issued.warning = Some(format!("the token is fine, but its last-used time could not be recorded ({e})"));
        }
        issued
    }

    /// Refresh now, whatever the cache holds (the keep-alive): the refresh
    /// token is used, so Microsoft's 90-day idle clock starts again.
    pub fn refresh_now(&self, id: i64) -> Result<Issued> {
        let p = self.store.get(id)?.profile;
        tokens_allowed(&p)?;
        let lock = self.token_lock()?;
        self.fetch_token(&lock, &p, None)
    }

    /// Ask the provider for a new access token (client credentials, or the
    /// refresh-token grant) and commit what it returns — only onto the state
    /// it was based on. Called with the token lock held.
    fn fetch_token(&self, lock: &TokenLock, p: &Profile, cancel: Option<&AtomicBool>) -> Result<Issued> {
        let auth = self.client_auth(p)?;
        let (client, ep) = client_for(p, auth.secret())?;
        let assertion = auth.assertion(p, &ep.token, self.clock.now())?;
        let ctx = context_for(p, &ep);
        let http = crate::http::client()?;
        let scopes = p.scopes.iter().map(|s| Scope::new(s.clone()));
        let base = Expect::Generation(self.store.token_generation(p.id)?);
        let assertion = assertion.params()?;
        let result = if p.auth_method == AuthMethod::ClientCredentials {
            let mut request = client.exchange_client_credentials().add_scopes(scopes);
            for (k, v) in assertion {
                request = request.add_extra_param(k, v);
            }
            request.request(&crate::http::Bounded(&http, cancel))
        } else if p.auth_method == AuthMethod::Password {
            if let Some(d) = super::realm::federated(&http, &ep.authority, &p.mailbox) {
                return Err(CoreError::Auth(Box::new(d)));
            }
            let password = self.store.read_secret(p.id, SecretKind::Password)?.ok_or_else(|| {
                CoreError::invalid("password", format!("“{}” holds no password: type it in the profile.", p.name))
            })?;
            let user = ResourceOwnerUsername::new(p.mailbox.clone());
            let password = ResourceOwnerPassword::new(password.expose_secret().to_owned());
            let mut request = client.exchange_password(&user, &password).add_scopes(scopes);
            for (k, v) in assertion {
                request = request.add_extra_param(k, v);
            }
            request.request(&crate::http::Bounded(&http, cancel))
        } else {
            let rt = self.store.read_secret(p.id, SecretKind::RefreshToken)?.ok_or_else(|| not_connected(p))?;
            let rt = RefreshToken::new(rt.expose_secret().to_owned());
            let mut request = client.exchange_refresh_token(&rt).add_scopes(scopes);
            for (k, v) in assertion {
                request = request.add_extra_param(k, v);
            }
            request.request(&crate::http::Bounded(&http, cancel))
        };
        match result {
            Ok(resp) => {
                tracing::info!(profile = p.id, method = p.auth_method.as_str(), "token refreshed");
                self.commit(lock, p, resp, true, base)
            }
            Err(e) => {
                let f = failure(e, &ctx, &ep);
                tracing::warn!(profile = p.id, diagnosis = %f.diagnosis.code, "token refresh failed");
                if f.grant_is_dead && p.auth_method.is_delegated() && !p.auth_method.needs_no_connect() {
                    let applied = self.store.mark_grant_dead(lock, p.id, base)?;
                    tracing::warn!(profile = p.id, applied, "the provider declared the grant dead");
                }
                Err(f.into())
            }
        }
    }

    /// Store a token response (under the token lock). `base` is the state a
    /// refresh was based on; a newer state is never replaced by it.
    pub(crate) fn commit(
        &self,
        lock: &TokenLock,
        p: &Profile,
        resp: TokenResponse,
        refreshed: bool,
        base: Expect,
    ) -> Result<Issued> {
        let now = self.clock.now();
        let access = resp.access_token().secret().to_owned();
        let expires_in = resp.expires_in().map_or(3600, |d| d.as_secs()).min(MAX_EXPIRES_IN);
        let expires_at = now.unix_timestamp().saturating_add(expires_in as i64);
        let claims = claims::decode(&access)
            .or_else(|| resp.extra_fields().id_token.as_deref().and_then(claims::decode))
            .unwrap_or_default();
        let scopes =
            resp.scopes().map(|s| s.iter().map(|x| x.to_string()).collect()).unwrap_or_else(|| p.scopes.clone());
        let update = TokenUpdate {
            access_token: SecretString::from(access.clone()),
            access_expires_at: expires_at,
            refresh_token: resp.refresh_token().map(|r| SecretString::from(r.secret().to_owned())),
            scopes,
            account: claims.account.clone(),
            tenant_id: claims.tenant_id.clone(),
            object_id: claims.object_id.clone(),
            refreshed,
        };
        if !self.store.save_tokens(lock, p.id, update, now, base)? {
            tracing::warn!(profile = p.id, "token answer dropped: the connection changed meanwhile");
            return Err(CoreError::Flow(format!(
                "“{}” was disconnected or signed in again while this token was being fetched; the newer state was kept. Try again.",
                p.name
            )));
        }
        Ok(Issued { token: SecretString::from(access), expires_at, from_cache: false, warning: None })
    }

    /// Get a token now and report its claims and what looks wrong with them.
    pub fn test_auth(&self, id: i64) -> Result<AuthReport> {
        let result = self.test_auth_now(id);
        self.record(id, crate::mail::TestKind::Auth, &result, |r| match &r.claims {
            Some(c) => format!("token for {}", c.aud.as_deref().unwrap_or("an unknown audience")),
            None => "token issued".to_owned(),
        });
        result
    }

    fn test_auth_now(&self, id: i64) -> Result<AuthReport> {
        let p = self.store.get(id)?.profile;
        let issued = self.access_token(&p, TokenNeed::default())?;
        let claims = claims::decode(issued.token.expose_secret());
        if let Some(gap) = claims.as_ref().and_then(|c| super::warnings::consent_gap(&p, c, super::warnings::Use::Send))
        {
            return Err(CoreError::Auth(Box::new(gap)));
        }
        let warnings = claims.as_ref().map(|c| warnings_for(&p, c)).unwrap_or_default();
        let advice = (p.auth_method == crate::profile::AuthMethod::Password)
            .then(|| crate::profile::ROPC_DISCOURAGED.replace("**", ""));
        Ok(AuthReport { claims, expires_at: issued.expires_at, warnings, advice })
    }

    pub fn connection(&self, id: i64) -> Result<Option<TokenRecord>> {
        self.store.token_record(id)
    }

    /// Forget the profile's tokens (the app registration stays as it is).
    pub fn disconnect(&self, id: i64) -> Result<()> {
        self.store.get(id)?;
        let lock = self.token_lock()?;
        tracing::info!(profile = id, "disconnected");
        self.store.delete_tokens(&lock, id)
    }
}
