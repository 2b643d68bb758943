//! The `oauth2` crate's client, typed for Microsoft's answers: errors keep
//! `error_codes`, trace and correlation IDs (so a [`Diagnosis`] can name them),
//! token responses keep the `id_token`. Every failure becomes a Diagnosis here.

use crate::diagnosis::{diagnose_provider, Context, Diagnosis, ProviderError, TransportError};
use crate::error::CoreError;
use crate::profile::Profile;
use crate::providers::endpoints::{endpoints, Endpoints};
use crate::secret::{ExposeSecret, SecretString};
use oauth2::basic::{BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType};
use oauth2::{
    AuthType, AuthUrl, ClientId, ClientSecret, EndpointMaybeSet, EndpointNotSet, EndpointSet, ExtraTokenFields,
    RedirectUrl, RequestTokenError, StandardRevocableToken, StandardTokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};

/// The model's [`ProviderError`] as the `oauth2` crate's error type (the
/// orphan rule: the trait is that crate's, the type the model's).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(transparent)]
pub struct OAuthError(pub ProviderError);

impl std::fmt::Display for OAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl oauth2::ErrorResponse for OAuthError {}

/// Extra fields of a token response that Mailwarden reads.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct IdTokenFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

impl ExtraTokenFields for IdTokenFields {}

pub type TokenResponse = StandardTokenResponse<IdTokenFields, BasicTokenType>;

pub type Client = oauth2::Client<
    OAuthError,
    TokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointMaybeSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// The client for profile `p`; the secret is sent (in the body, as Microsoft
/// documents) only when the profile holds one: public clients must not send it.
pub fn client_for(p: &Profile, secret: Option<&SecretString>) -> Result<(Client, Endpoints), CoreError> {
    if p.client_id.trim().is_empty() {
        return Err(CoreError::invalid(
            "clientId",
            "This profile has no Client ID yet: register the app (the Register in Entra step lists what to create, or creates it), then its Application (client) ID goes here.",
        ));
    }
    let ep = endpoints(p);
    let bad =
        |field: &str, what: &str| CoreError::invalid(field, format!("{what} is not a valid URL; check the profile."));
    let token = TokenUrl::new(ep.token.clone()).map_err(|_| bad("tokenUrl", "The token URL"))?;
    let auth =
        ep.authorize.clone().map(AuthUrl::new).transpose().map_err(|_| bad("authUrl", "The authorization URL"))?;
    let mut c = oauth2::Client::new(ClientId::new(p.client_id.clone()))
        .set_auth_uri_option(auth)
        .set_token_uri(token)
        .set_auth_type(AuthType::RequestBody);
    if let Some(s) = secret {
        c = c.set_client_secret(ClientSecret::new(s.expose_secret().to_owned()));
    }
    if !p.redirect_uri.is_empty() {
        if let Ok(r) = RedirectUrl::new(p.redirect_uri.clone()) {
            c = c.set_redirect_uri(r);
        }
    }
    Ok((c, ep))
}

pub fn context_for(p: &Profile, ep: &Endpoints) -> Context {
    Context {
        client_id: p.client_id.clone(),
        tenant: p.tenant.clone(),
        redirect_uri: p.redirect_uri.clone(),
        scopes: p.scopes.clone(),
        authority: ep.authority.clone(),
        mailbox: p.mailbox.clone(),
        password_signin: p.auth_method == crate::profile::AuthMethod::Password,
    }
}

type RequestError = RequestTokenError<oauth2::HttpClientError<reqwest::Error>, OAuthError>;

/// What a failed token request means, and whether the provider declared the
/// grant dead (`invalid_grant`), which alone may remove a stored refresh token.
pub struct Failure {
    pub diagnosis: Diagnosis,
    pub grant_is_dead: bool,
}

impl From<Failure> for CoreError {
    fn from(f: Failure) -> Self {
        CoreError::Auth(Box::new(f.diagnosis))
    }
}

/// How a sign-in the person cancelled ends, between steps or mid-request.
pub(crate) fn sign_in_cancelled() -> CoreError {
    CoreError::Flow("Sign-in was cancelled.".into())
}

/// A sign-in step's failure: as [`failure`], except that a Cancel in flight
/// ends the sign-in as a Cancel between its steps does.
pub fn signin_failure(e: RequestError, ctx: &Context, ep: &Endpoints) -> CoreError {
    match e {
        RequestTokenError::Request(oauth2::HttpClientError::Io(io)) if crate::http::is_cancelled(&io) => {
            sign_in_cancelled()
        }
        e => failure(e, ctx, ep).into(),
    }
}

pub fn failure(e: RequestError, ctx: &Context, ep: &Endpoints) -> Failure {
    let host = url::Url::parse(&ep.token).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default();
    match e {
        RequestTokenError::ServerResponse(OAuthError(pe)) => {
            let mut diagnosis = diagnose_provider(&pe, ctx);
            // The wall clock, not the engine's: the offset is this computer's.
            crate::diagnosis::say_clock_offset(
                &mut diagnosis,
                pe.timestamp.as_deref(),
                time::OffsetDateTime::now_utc(),
            );
            Failure { grant_is_dead: pe.error == "invalid_grant", diagnosis }
        }
        RequestTokenError::Request(oauth2::HttpClientError::Reqwest(re)) => {
            Failure { diagnosis: crate::http::classify(&re, &host).diagnose(), grant_is_dead: false }
        }
        RequestTokenError::Request(oauth2::HttpClientError::Io(e)) if crate::http::is_cancelled(&e) => {
            Failure { diagnosis: crate::diagnosis::cancelled(), grant_is_dead: false }
        }
        RequestTokenError::Request(oauth2::HttpClientError::Io(e))
            if e.get_ref().is_some_and(|i| i.is::<crate::diagnosis::Unavailable>()) =>
        {
            let u = e.get_ref().and_then(|i| i.downcast_ref::<crate::diagnosis::Unavailable>()).cloned();
            let diagnosis = u
                .map(|u| u.diagnose())
                .unwrap_or_else(|| TransportError::Other { host, detail: e.to_string() }.diagnose());
            Failure { diagnosis, grant_is_dead: false }
        }
        RequestTokenError::Request(oauth2::HttpClientError::Io(e)) if e.kind() == std::io::ErrorKind::InvalidData => {
            Failure {
                diagnosis: TransportError::Overflow { host, detail: e.to_string() }.diagnose(),
                grant_is_dead: false,
            }
        }
        RequestTokenError::Request(other) => Failure {
            diagnosis: TransportError::Other { host, detail: other.to_string() }.diagnose(),
            grant_is_dead: false,
        },
        RequestTokenError::Parse(err, body) => {
            let detail = if body.starts_with(b"<") { "an HTML page".to_owned() } else { err.to_string() };
            Failure {
                diagnosis: TransportError::BadResponse { host, status: 0, detail }.diagnose(),
                grant_is_dead: false,
            }
        }
        RequestTokenError::Other(detail) => Failure {
            diagnosis: TransportError::BadResponse { host, status: 0, detail }.diagnose(),
            grant_is_dead: false,
        },
    }
}
