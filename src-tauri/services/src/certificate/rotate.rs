//! Rotating a certificate with overlap, never a gap: a new key and
//! certificate are made, added to the app with Graph `addKey` (proven by a
//! JWT the current key signs), a token is asked for with the new one — the
//! proof it works — and only then does the profile switch to it; the old
//! certificate is removed from the app last (`removeKey`, proven by the new
//! key). The app does this itself when it owns itself and holds
//! Application.ReadWrite.OwnedBy; otherwise an administrator's session does.

use super::{client_assertion, create, Credential, NewCertificate, Signing};
use crate::error::{CoreError, Result};
use crate::profile::Profile;
use crate::records::CertificateInfo;
use crate::registration::directory::Directory;
use crate::registration::keys::KeyCredential;
use crate::registration::AdminSession;
use crate::secret::SecretString;
use base64::Engine;
use oauth2::Scope;
use serde::Serialize;
use std::time::{Duration, Instant};
use ts_rs::TS;

/// The audience of a proof of possession for addKey / removeKey.
const PROOF_AUDIENCE: &str = "00000002-0000-0000-c000-000000000000";
/// How long a new certificate may take to reach Entra's token servers.
const PROPAGATION: Duration = Duration::from_secs(90);

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CertificateRotation {
    /// The certificate the profile signs in with now.
    pub new: CertificateInfo,
    pub old_thumbprint: String,
    /// Who changed the app: "the app itself" or the administrator's account.
    pub by: String,
    /// Why the old certificate is still on the app (remove it in Entra by
    /// hand); None: removed.
    pub old_left: Option<String>,
}

/// A proof of possession: `iss` the application's object ID, signed by `cred`.
fn proof(cred: &Credential, object_id: &str, now: time::OffsetDateTime) -> Result<String> {
    client_assertion(cred, object_id, PROOF_AUDIENCE, Signing::Rs256, now)
}

impl super::Certificates<'_> {
    /// Rotate profile `id`'s certificate (see the module's words). With
    /// `admin`, the administrator's token changes the app; without, the
    /// app's own (signed with the current certificate).
    pub fn rotate(
        &self,
        id: i64,
        new: &NewCertificate,
        admin: Option<&AdminSession>,
        mut progress: impl FnMut(&str),
    ) -> Result<CertificateRotation> {
        let p = self.store.get(id)?.profile;
        let old = self
            .credential(id)?
            .ok_or_else(|| CoreError::Flow(format!("“{}” has no certificate to rotate: make one first.", p.name)))?;
        let own;
        let (token, by): (&SecretString, String) = match admin {
            Some(s) => (s.token(), s.account.clone()),
            None => {
                progress("Signing in as the app with the current certificate");
                own = self.registrations().app_token(&p)?;
                (&own, "the app itself".to_owned())
            }
        };
        let dir = Directory::new(&crate::mail::graph::graph_base(&p), token, admin.is_some())?;
        let app = dir.application(&p.client_id)?.ok_or_else(|| {
            CoreError::Flow(format!("No app registration with the client ID {} is in the tenant.", p.client_id))
        })?;

        progress("Making the new certificate");
        let subject = super::subject_for(&p.name);
        let fresh = create(&subject, new.days, new.bits, self.clock.now())?;
        progress("Adding it to the app (addKey)");
        let key = KeyCredential {
            display_name: Some(subject),
            kind: Some("AsymmetricX509Cert".into()),
            usage: Some("Verify".into()),
            key: Some(base64::engine::general_purpose::STANDARD.encode(&fresh.der)),
            ..Default::default()
        };
        dir.add_key(&app.id, &key, &proof(&old, &app.id, self.clock.now())?)?;

        progress("Proving a sign-in with the new certificate");
        self.prove(&p, &fresh)?;
        let now = crate::clock::rfc3339(self.clock.now());
        self.store.set_certificate(id, &fresh, &now)?;
        tracing::info!(profile = id, new = %fresh.info.thumbprint, old = %old.info.thumbprint, "certificate rotated");

        progress("Removing the old certificate from the app (removeKey)");
        let old_left = self.remove_old(&dir, &app.id, &p, &old, &fresh).err();
        Ok(CertificateRotation { new: fresh.info, old_thumbprint: old.info.thumbprint, by, old_left })
    }

    /// A token asked for with `cred` (Entra may take a minute to know a new key).
    fn prove(&self, p: &Profile, cred: &Credential) -> Result<()> {
        let (client, ep) = crate::oauth::client::client_for(p, None)?;
        let ctx = crate::oauth::client::context_for(p, &ep);
        let http = crate::http::client()?;
        let scope = format!("{}/.default", crate::mail::graph::graph_base(p));
        let started = Instant::now();
        loop {
            let mut request = client.exchange_client_credentials().add_scope(Scope::new(scope.clone()));
            for (k, v) in super::assertion_params(cred, p, &ep.token, self.clock.now())? {
                request = request.add_extra_param(k, v);
            }
            match request.request(&crate::http::Bounded(&http, None)) {
                Ok(_) => return Ok(()),
                Err(e) => {
                    let f = crate::oauth::client::failure(e, &ctx, &ep);
                    let unknown = f.diagnosis.code == "aadsts700027_unknown_key";
                    if !unknown || started.elapsed() >= PROPAGATION {
                        return Err(CoreError::Flow(format!(
                            "The new certificate was added to the app but no sign-in works with it yet ({}); the profile keeps the current one. Rotate again later, or remove the new one in Entra.",
                            f.diagnosis.title
                        )));
                    }
                    std::thread::sleep(Duration::from_secs(5));
                }
            }
        }
    }

    fn remove_old(
        &self,
        dir: &Directory<'_>,
        object_id: &str,
        p: &Profile,
        old: &Credential,
        fresh: &Credential,
    ) -> Result<(), String> {
        let listed = dir.application(&p.client_id).map_err(|e| e.to_string())?;
        let key_id = listed
            .and_then(|a| {
                a.key_credentials.into_iter().find(|k| k.thumbprint().as_deref() == Some(old.info.thumbprint.as_str()))
            })
            .and_then(|k| k.key_id);
        let Some(key_id) = key_id else {
            return Err("it is no longer on the app".into());
        };
        let proof = proof(fresh, object_id, self.clock.now()).map_err(|e| e.to_string())?;
        dir.remove_key(object_id, &key_id, &proof).map_err(|e| match e {
            CoreError::Auth(d) => d.title,
            other => other.to_string(),
        })
    }
}
