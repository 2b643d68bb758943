//! The credential a token request carries for its client: a certificate's
//! client assertion when the profile holds a certificate (the credential
//! Microsoft recommends, and then the only one sent: Entra takes one or the
//! other), else the client secret when it holds one, else nothing (a public
//! client must send neither). Every grant — client credentials, the
//! authorization code, a refresh token, a password, a device code — asks
//! here, so a confidential app signs in the same way whatever the flow.

use super::service::Tokens;
use crate::certificate::Credential;
use crate::error::{CoreError, Result};
use crate::profile::Profile;
use crate::secret::{SecretKind, SecretString};

/// How a token request authenticates its client.
pub(crate) enum ClientAuth {
    /// A public client (or one whose secret is not held here).
    Public,
    Secret(SecretString),
    Certificate(Box<Credential>),
}

/// The form fields of a client assertion.
type Params = [(&'static str, String); 2];

/// A client assertion being signed: on another thread while the caller
/// builds its HTTPS client (the first request of a process: loading the
/// trust roots costs more than the RSA signature), else already made.
pub(crate) struct Assertion(Option<std::thread::JoinHandle<Result<Params>>>, Option<Params>);

impl Assertion {
    /// The two form fields (none for a secret or a public client).
    pub(crate) fn params(self) -> Result<Vec<(&'static str, String)>> {
        let made = match (self.0, self.1) {
            (Some(h), _) => {
                h.join().map_err(|_| CoreError::Flow("The client assertion could not be signed.".into()))??
            }
            (None, Some(p)) => p,
            (None, None) => return Ok(Vec::new()),
        };
        Ok(made.into())
    }
}

impl ClientAuth {
    /// The secret for the `oauth2` client (None for a certificate: the
    /// assertion replaces it).
    pub(crate) fn secret(&self) -> Option<&SecretString> {
        match self {
            ClientAuth::Secret(s) => Some(s),
            _ => None,
        }
    }

    /// Start the assertion for a request of `p` to `token_url` at `now`.
    pub(crate) fn assertion(&self, p: &Profile, token_url: &str, now: time::OffsetDateTime) -> Result<Assertion> {
        let ClientAuth::Certificate(cred) = self else { return Ok(Assertion(None, None)) };
        if crate::http::client_ready() {
            let made = crate::certificate::assertion_params(cred, p, token_url, now)?;
            return Ok(Assertion(None, Some(made)));
        }
        let (cred, p, url) = (cred.clone(), p.clone(), token_url.to_owned());
        let h = std::thread::Builder::new()
            .name("assertion".into())
            .spawn(move || crate::certificate::assertion_params(&cred, &p, &url, now))
            .map_err(|e| CoreError::Flow(format!("No thread to sign the client assertion: {e}.")))?;
        Ok(Assertion(Some(h), None))
    }
}

impl Tokens<'_> {
    /// What profile `p`'s token requests authenticate with.
    pub(crate) fn client_auth(&self, p: &Profile) -> Result<ClientAuth> {
        if let Some(cred) = self.certificates().credential(p.id)? {
            return Ok(ClientAuth::Certificate(Box::new(cred)));
        }
        Ok(match self.store.read_secret(p.id, SecretKind::ClientSecret)? {
            Some(s) => ClientAuth::Secret(s),
            None => ClientAuth::Public,
        })
    }
}
