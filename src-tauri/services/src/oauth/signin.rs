//! Sign-in flows that create a connection: the browser sign-in (authorize
//! URL with PKCE, loopback listener, code exchange) and a refresh token
//! obtained elsewhere. Each redeems under the token lock and commits through
//! the tokens service; device code and pasted addresses are in `device` and
//! `manual`.

use super::client::{client_for, context_for, failure, signin_failure};
use super::service::{not_connected, Tokens};
use crate::diagnosis::Diagnosis;
use crate::error::{CoreError, Result};
use crate::oauth::TokenRecord;
use crate::secret::{ExposeSecret, SecretKind, SecretString};
use crate::store::Expect;
use oauth2::{
    AuthorizationCode, CsrfToken, PkceCodeChallenge, PkceCodeVerifier, RefreshToken, Scope, TokenResponse as _,
};

/// A browser sign-in in progress: the URL to open and what checks the answer.
pub struct AuthorizeRequest {
    pub url: String,
    pub state: String,
    pub verifier: PkceCodeVerifier,
}

/// The authorize URL for `p` (its redirect URI, scopes and provider's extra
/// parameters) with PKCE (S256) and a random state.
pub(crate) fn authorize_for(p: &crate::profile::Profile, secret: Option<&SecretString>) -> Result<AuthorizeRequest> {
    let (client, _) = client_for(p, secret)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut req = client
        .authorize_url(CsrfToken::new_random)
        .map_err(|_| CoreError::invalid("authUrl", "This provider has no authorization URL; set one."))?
        .add_scopes(p.scopes.iter().map(|s| Scope::new(s.clone())))
        .set_pkce_challenge(challenge);
    for (k, v) in crate::providers::authorize_params(p.provider) {
        req = req.add_extra_param(*k, *v);
    }
    if p.auth_method.is_delegated() && p.mailbox.contains('@') {
        req = req.add_extra_param("login_hint", p.mailbox.clone());
    }
    let (url, state) = req.url();
    Ok(AuthorizeRequest { url: url.to_string(), state: state.secret().clone(), verifier })
}

/// An authorization code caught by the loopback listener, with what redeems it.
pub(crate) struct LoopbackCode {
    pub code: String,
    pub verifier: PkceCodeVerifier,
    /// The redirect URI sent (the loopback address with its port).
    pub redirect: String,
}

/// The browser part of a sign-in for `p`: listen on its loopback redirect,
/// hand `waiting` the authorize URL, and wait for the code; the provider's
/// refusal or the time running out is a Diagnosis.
pub(crate) fn loopback_code(
    p: &crate::profile::Profile,
    secret: Option<&SecretString>,
    timeout: std::time::Duration,
    cancel: &std::sync::atomic::AtomicBool,
    waiting: impl FnOnce(&str),
) -> Result<LoopbackCode> {
    let listener = super::loopback::Loopback::bind(&p.redirect_uri)?;
    let mut p = p.clone();
    p.redirect_uri = listener.redirect_uri.clone();
    let req = authorize_for(&p, secret)?;
    waiting(&req.url);
    let (_, ep) = client_for(&p, None)?;
    match listener.wait(&req.state, timeout, cancel)? {
        super::loopback::Callback::Code(code) => {
            Ok(LoopbackCode { code, verifier: req.verifier, redirect: p.redirect_uri })
        }
        super::loopback::Callback::Error(pe) => {
            Err(CoreError::Auth(Box::new(crate::diagnosis::diagnose_provider(&pe, &context_for(&p, &ep)))))
        }
        super::loopback::Callback::TimedOut { received } => {
            let minutes = timeout.as_secs().div_ceil(60);
            let d =
                crate::diagnosis::signin::sign_in_timeout(minutes, &context_for(&p, &ep), &p.redirect_uri, &received);
            Err(CoreError::Auth(Box::new(d)))
        }
    }
}

impl Tokens<'_> {
    /// Start a browser sign-in: the authorize URL with PKCE (S256) and state.
    pub fn authorize_request(&self, id: i64) -> Result<AuthorizeRequest> {
        self.authorize_request_via(id, None)
    }

    /// As [`Self::authorize_request`], sending `redirect` (the loopback URI with
    /// its port) instead of the profile's redirect URI.
    pub fn authorize_request_via(&self, id: i64, redirect: Option<&str>) -> Result<AuthorizeRequest> {
        let mut p = self.profile_for_tokens(id)?;
        if let Some(r) = redirect {
            p.redirect_uri = r.to_owned();
        }
        let secret = self.store.read_secret(p.id, SecretKind::ClientSecret)?;
        authorize_for(&p, secret.as_ref())
    }

    /// Finish a browser sign-in: redeem `code` with the PKCE verifier.
    pub fn exchange_code(&self, id: i64, code: &str, verifier: PkceCodeVerifier) -> Result<TokenRecord> {
        self.exchange_code_via(id, code, verifier, None)
    }

    pub fn exchange_code_via(
        &self,
        id: i64,
        code: &str,
        verifier: PkceCodeVerifier,
        redirect: Option<&str>,
    ) -> Result<TokenRecord> {
        self.exchange_code_within(id, code, verifier, redirect, None)
    }

    /// As [`Self::exchange_code_via`]; setting `cancel` ends the exchange
    /// in flight at once.
    fn exchange_code_within(
        &self,
        id: i64,
        code: &str,
        verifier: PkceCodeVerifier,
        redirect: Option<&str>,
        cancel: Option<&std::sync::atomic::AtomicBool>,
    ) -> Result<TokenRecord> {
        let mut p = self.profile_for_tokens(id)?;
        if let Some(r) = redirect {
            p.redirect_uri = r.to_owned();
        }
        let auth = self.client_auth(&p)?;
        let (client, ep) = client_for(&p, auth.secret())?;
        let assertion = auth.assertion(&p, &ep.token, self.clock.now())?;
        let ctx = context_for(&p, &ep);
        let http = crate::http::client()?;
        let lock = self.token_lock()?;
        tracing::info!(profile = id, "sign-in: redeeming the authorization code");
        let mut request = client.exchange_code(AuthorizationCode::new(code.to_owned())).set_pkce_verifier(verifier);
        for (k, v) in assertion.params()? {
            request = request.add_extra_param(k, v);
        }
        let resp = request.request(&crate::http::Bounded(&http, cancel)).map_err(|e| signin_failure(e, &ctx, &ep))?;
        self.commit(&lock, &p, resp, false, Expect::Anything)?;
        self.connection(id)?.ok_or_else(|| not_connected(&p))
    }

    /// Store a refresh token obtained elsewhere and prove it by redeeming it.
    /// Nothing is kept if the provider refuses it.
    pub fn connect_refresh_token(&self, id: i64, refresh_token: SecretString) -> Result<TokenRecord> {
        let p = self.profile_for_tokens(id)?;
        if refresh_token.expose_secret().trim().is_empty() {
            return Err(CoreError::invalid("refreshToken", "The refresh token is empty; paste the whole token."));
        }
        let auth = self.client_auth(&p)?;
        let (client, ep) = client_for(&p, auth.secret())?;
        let assertion = auth.assertion(&p, &ep.token, self.clock.now())?;
        let ctx = context_for(&p, &ep);
        let http = crate::http::client()?;
        let rt = RefreshToken::new(refresh_token.expose_secret().trim().to_owned());
        let lock = self.token_lock()?;
        let mut request = client.exchange_refresh_token(&rt).add_scopes(p.scopes.iter().map(|s| Scope::new(s.clone())));
        for (k, v) in assertion.params()? {
            request = request.add_extra_param(k, v);
        }
        let resp =
            request.request(&crate::http::Bounded(&http, None)).map_err(|e| CoreError::from(failure(e, &ctx, &ep)))?;
        // Keep the pasted token when the provider does not rotate it.
        let mut resp = resp;
        if resp.refresh_token().is_none() {
            resp.set_refresh_token(Some(rt));
        }
        self.commit(&lock, &p, resp, false, Expect::Anything)?;
        self.connection(id)?.ok_or_else(|| not_connected(&p))
    }

    /// Take over a refresh token from an import file without asking the
    /// provider (an import changes nothing outside this machine): the access
    /// token is fetched when first needed, and a dead token is diagnosed then.
    pub fn adopt_refresh_token(&self, id: i64, refresh_token: SecretString) -> Result<()> {
        let p = self.profile_for_tokens(id)?;
        let lock = self.token_lock()?;
        let update = crate::store::TokenUpdate {
            access_token: SecretString::from(String::new()),
            access_expires_at: 0,
            refresh_token: Some(refresh_token),
            scopes: p.scopes.clone(),
            account: None,
            tenant_id: None,
            object_id: None,
            refreshed: false,
        };
        self.store.save_tokens(&lock, id, update, self.clock.now(), Expect::Anything)?;
        Ok(())
    }

    /// "Connect your account" through the system browser and a loopback
    /// listener: `open` is handed the authorize URL (and `waiting` is told it
    /// too, so a UI can show it with a copy button: a launcher may claim
    /// success when no browser opened).
    pub fn connect_loopback(
        &self,
        id: i64,
        timeout: std::time::Duration,
        cancel: &std::sync::atomic::AtomicBool,
        waiting: impl FnOnce(&str),
    ) -> Result<TokenRecord> {
        let p = self.profile_for_tokens(id)?;
        let secret = self.store.read_secret(p.id, SecretKind::ClientSecret)?;
        tracing::info!(profile = id, "sign-in: waiting for the browser");
        let got = loopback_code(&p, secret.as_ref(), timeout, cancel, waiting)?;
        self.exchange_code_within(id, &got.code, got.verifier, Some(&got.redirect), Some(cancel))
    }

    /// The diagnosis for an error a pasted redirect carried.
    pub fn diagnose_pasted(&self, id: i64, e: &crate::diagnosis::ProviderError) -> Result<Diagnosis> {
        let p = self.store.get(id)?.profile;
        let (_, ep) = client_for(&p, None)?;
        Ok(crate::diagnosis::diagnose_provider(e, &context_for(&p, &ep)))
    }
}
