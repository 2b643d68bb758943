//! Device-code sign-in: request a code with the `oauth2` crate, show it, then
//! poll the token endpoint. The polling is hand-written (the crate's poller
//! cannot be cancelled): it honours `interval`, `authorization_pending`,
//! `slow_down` (+5 s), and ends on `expired_token`, a decline, or cancel.

use super::client::{client_for, context_for, sign_in_cancelled, signin_failure, TokenResponse};
use crate::diagnosis::{diagnose_provider, ProviderError, TransportError};
use crate::error::{CoreError, Result};
use crate::oauth::TokenRecord;
use crate::secret::ExposeSecret;
use oauth2::{DeviceAuthorizationUrl, Scope, StandardDeviceAuthorizationResponse};
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use ts_rs::TS;

/// What to show the person while they sign in on another device.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DeviceCodePrompt {
    pub user_code: String,
    pub verification_uri: String,
    #[ts(type = "number")]
    pub expires_in_secs: u64,
    pub message: Option<String>,
}

const MAX_INTERVAL: Duration = Duration::from_secs(60);
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

impl super::Tokens<'_> {
    /// Sign in with a device code; `prompt` is called once with the code to show.
    pub fn connect_device_code(
        &self,
        id: i64,
        cancel: &AtomicBool,
        prompt: impl FnOnce(&DeviceCodePrompt),
    ) -> Result<TokenRecord> {
        let p = self.profile_for_tokens(id)?;
        let auth = self.client_auth(&p)?;
        let (client, ep) = client_for(&p, auth.secret())?;
        let ctx = context_for(&p, &ep);
        let device_url = ep.device.clone().ok_or_else(|| {
            CoreError::Flow("This provider offers no device-code sign-in; use Connect your account.".into())
        })?;
        let client = client.set_device_authorization_url(
            DeviceAuthorizationUrl::new(device_url).map_err(|_| CoreError::Flow("Bad device-code URL.".into()))?,
        );
        let http = crate::http::client()?;
        let details: StandardDeviceAuthorizationResponse = client
            .exchange_device_code()
            .add_scopes(p.scopes.iter().map(|s| Scope::new(s.clone())))
            .request(&crate::http::Bounded(&http, Some(cancel)))
            .map_err(|e| signin_failure(e, &ctx, &ep))?;
        tracing::info!(profile = id, "sign-in: device code issued, polling");
        prompt(&DeviceCodePrompt {
            user_code: details.user_code().secret().clone(),
            verification_uri: details.verification_uri().to_string(),
            expires_in_secs: details.expires_in().as_secs().min(3600),
            message: None,
        });
        // Values from the server are bounded before any arithmetic: a code
        // lives at most an hour here, and polling is between 1 s and a minute.
        let deadline = Instant::now() + details.expires_in().min(Duration::from_secs(3600));
        let mut interval = details.interval().clamp(Duration::from_secs(1), MAX_INTERVAL);
        let host = url::Url::parse(&ep.token).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default();
        loop {
            if sleep_or_cancel(interval, cancel) {
                return Err(sign_in_cancelled());
            }
            let mut form = vec![
                ("grant_type", DEVICE_GRANT.to_owned()),
                ("client_id", p.client_id.clone()),
                ("device_code", details.device_code().secret().clone()),
            ];
            if let Some(s) = auth.secret() {
                form.push(("client_secret", s.expose_secret().to_owned()));
            }
            // Each poll is a request of its own: a new assertion (its ID is used once).
            form.extend(auth.assertion(&p, &ep.token, self.clock.now())?.params()?);
            let req = http
                .post(&ep.token)
                .header("Accept", "application/json")
                .form(&form)
                .build()
                .map_err(|e| CoreError::Auth(Box::new(crate::http::classify(&e, &host).diagnose())))?;
            let resp = match crate::http::fetch(&http, req, Some(cancel)) {
                Err(crate::http::Failed::Cancelled) => return Err(sign_in_cancelled()),
                other => other.map_err(|e| crate::http::explain(e, &host))?,
            };
            let status = resp.status;
            let retry_after = resp.retry_after();
            let body = resp.body.map_err(|e| {
                CoreError::Auth(Box::new(
                    TransportError::Overflow { host: host.clone(), detail: e.to_string() }.diagnose(),
                ))
            })?;
            if status.is_success() {
                let tr: TokenResponse = serde_json::from_slice(&body).map_err(|e| {
                    CoreError::Auth(Box::new(
                        TransportError::BadResponse {
                            host: host.clone(),
                            status: status.as_u16(),
                            detail: e.to_string(),
                        }
                        .diagnose(),
                    ))
                })?;
                let lock = self.token_lock()?;
                self.commit(&lock, &p, tr, false, crate::store::Expect::Anything)?;
                return self.connection(id)?.ok_or_else(|| CoreError::Flow("The sign-in was not stored.".into()));
            }
            if crate::diagnosis::is_unavailable(status.as_u16()) {
                let error = serde_json::from_slice::<ProviderError>(&body).ok().map(|e| e.error);
                let u = crate::diagnosis::Unavailable { host, status: status.as_u16(), retry_after, error };
                return Err(CoreError::Auth(Box::new(u.diagnose())));
            }
            let pe: ProviderError = serde_json::from_slice(&body).map_err(|_| {
                CoreError::Auth(Box::new(
                    TransportError::BadResponse {
                        host: host.clone(),
                        status: status.as_u16(),
                        detail: "not JSON".into(),
                    }
                    .diagnose(),
                ))
            })?;
            match pe.error.as_str() {
                "authorization_pending" if Instant::now() < deadline => {}
                "slow_down" => interval = (interval + Duration::from_secs(5)).min(MAX_INTERVAL),
                _ => return Err(CoreError::Auth(Box::new(diagnose_provider(&pe, &ctx)))),
            }
        }
    }
}

/// Sleep `d` in small steps; true if cancelled meanwhile.
fn sleep_or_cancel(d: Duration, cancel: &AtomicBool) -> bool {
    let end = Instant::now() + d;
    while Instant::now() < end {
        if cancel.load(Ordering::SeqCst) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50).min(end - Instant::now()));
    }
    cancel.load(Ordering::SeqCst)
}
