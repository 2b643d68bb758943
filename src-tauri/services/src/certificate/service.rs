//! The certificates service: a profile's certificate credential made here or
//! brought in, described, its public half handed out for the portal's
//! "Upload certificate", and its key opened for the tokens service (and for
//! nothing else: the key never leaves through this service).

use super::{create, from_pem, info, public_pem, Credential};
use crate::error::{CoreError, Result};
use crate::profile::Profile;
use crate::records::{CertificateInfo, CertificateRequest};
use crate::registration::keys::KeyCredential;
use crate::secret::SecretKind;
use crate::secret::{ExposeSecret, SecretString};

crate::context::service!(
    /// Certificates: a profile's certificate credential.
    Certificates
);

/// What a new certificate is made with.
#[derive(Debug, Clone)]
pub struct NewCertificate {
    /// Days it is valid (one year unless chosen).
    pub days: u32,
    /// RSA key size.
    pub bits: usize,
}

impl Default for NewCertificate {
    fn default() -> Self {
        NewCertificate { days: 365, bits: 2048 }
    }
}

/// A certificate fits profile `p` (a confidential Microsoft app).
fn fits(p: &Profile) -> Result<()> {
    match crate::profile::certificate_refusal(p.provider, p.auth_method, &p.redirect_uri) {
        Some(why) => Err(CoreError::Flow(format!("“{}”: {why}", p.name))),
        None => Ok(()),
    }
}

impl Certificates<'_> {
    /// Make a key and a self-signed certificate for profile `id` (subject
    /// "Mailwarden <profile name>") and make it the profile's credential.
    pub fn create(&self, id: i64, new: &NewCertificate) -> Result<CertificateInfo> {
        let p = self.store.get(id)?.profile;
        fits(&p)?;
        let subject = super::subject_for(&p.name);
        let cred = create(&subject, new.days, new.bits, self.clock.now())?;
        self.keep(id, &cred)
    }

    /// Bring in a certificate with its private key as PEM text (read by the
    /// caller from a file, never from a command line).
    pub fn import_pem(&self, id: i64, text: &str) -> Result<CertificateInfo> {
        let p = self.store.get(id)?.profile;
        fits(&p)?;
        let cred = from_pem(text)?;
        self.keep(id, &cred)
    }

    /// Bring in a certificate with its key from a PFX file's bytes (read by
    /// the caller), opened with its passphrase.
    pub fn import_pfx(&self, id: i64, data: &[u8], passphrase: &SecretString) -> Result<CertificateInfo> {
        let p = self.store.get(id)?.profile;
        fits(&p)?;
        let cred = super::from_pfx(data, passphrase)?;
        self.keep(id, &cred)
    }

    /// Hand the certificate and its private key over as a PFX under
    /// `passphrase`: `write` puts the bytes where the person chose; only once
    /// it succeeded is the hand-over recorded (the profile keeps its copy).
    pub fn export_pfx(
        &self,
        id: i64,
        passphrase: &SecretString,
        write: impl FnOnce(&[u8]) -> std::io::Result<()>,
    ) -> Result<()> {
        let p = self.store.get(id)?.profile;
        let cred = self.credential(id)?.ok_or_else(|| no_certificate(&p))?;
        let pfx = super::to_pfx(&cred, passphrase)?;
        write(&pfx).map_err(|source| CoreError::Io {
            context: "The PFX file could not be written, so nothing was handed over".into(),
            source,
        })?;
        let at = crate::clock::rfc3339(self.clock.now());
        self.store.record_handover(id, crate::records::Reveal::CertificateKey, &at, true)?;
        tracing::info!(profile = id, thumbprint = %cred.info.thumbprint, "certificate handed over as a PFX");
        Ok(())
    }

    fn keep(&self, id: i64, cred: &Credential) -> Result<CertificateInfo> {
        let now = crate::clock::rfc3339(self.clock.now());
        self.store.set_certificate(id, cred, &now)?;
        tracing::info!(profile = id, thumbprint = %cred.info.thumbprint, "certificate credential set");
        Ok(cred.info.clone())
    }

    /// The certificate a profile save asks for, made or read (the save then
    /// stores it with the profile, in one transaction). `name` names it.
    pub(crate) fn requested(&self, name: &str, request: &CertificateRequest) -> Result<Option<Credential>> {
        let field = |e: CoreError| match e {
            CoreError::Validation(mut f) => {
                f.iter_mut().for_each(|f| f.field = "certificate".into());
                CoreError::Validation(f)
            }
            other => other,
        };
        match request {
            CertificateRequest::Keep => Ok(None),
            CertificateRequest::Create { days } => {
                let subject = super::subject_for(name);
                create(&subject, *days, NewCertificate::default().bits, self.clock.now()).map(Some).map_err(field)
            }
            CertificateRequest::Pem { text } => from_pem(text.expose_secret()).map(Some).map_err(field),
        }
    }

    /// Keep Entra's end for profile `id`'s certificate `thumbprint` from the
    /// app's `keyCredentials` (for the watch; none when the app does not
    /// hold it). A failure to keep it is logged, never the reader's failure.
    pub(crate) fn note_entra_end(&self, id: i64, thumbprint: &str, keys: &[KeyCredential]) {
        let mine = keys.iter().find(|k| k.thumbprint().as_deref() == Some(thumbprint));
        let end = mine.and_then(|k| k.end_date_time.as_deref()).and_then(|e| {
            let t = time::OffsetDateTime::parse(e, &time::format_description::well_known::Rfc3339).ok()?;
            Some(crate::clock::rfc3339(t.to_offset(time::UtcOffset::UTC)))
        });
        let at = crate::clock::rfc3339(self.clock.now());
        if let Err(e) = self.store.record_entra_end(id, thumbprint, end.as_deref(), &at) {
            tracing::warn!(profile = id, error = %e, "Entra's end for the certificate not kept");
        }
    }

    /// What profile `id`'s certificate is, if it has one.
    pub fn show(&self, id: i64) -> Result<Option<CertificateInfo>> {
        self.store.certificate(id)?.map(|der| info(&der)).transpose()
    }

    /// The public certificate as PEM, for the portal's "Upload certificate".
    pub fn public_pem(&self, id: i64) -> Result<String> {
        let p = self.store.get(id)?.profile;
        let der = self.store.certificate(id)?.ok_or_else(|| no_certificate(&p))?;
        Ok(public_pem(&der))
    }

    /// Remove profile `id`'s certificate and its key (the client secret, if
    /// any, is its credential again).
    pub fn remove(&self, id: i64) -> Result<()> {
        self.store.get(id)?;
        self.store.remove_certificate(id, &crate::clock::rfc3339(self.clock.now()))
    }

    /// The certificate and its opened key, for signing a client assertion.
    pub(crate) fn credential(&self, id: i64) -> Result<Option<Credential>> {
        let Some(der) = self.store.certificate(id)? else { return Ok(None) };
        let key = self.store.read_secret(id, SecretKind::CertificateKey)?.ok_or_else(|| {
            CoreError::Crypto("the certificate's private key is missing; make or bring in the certificate again".into())
        })?;
        Ok(Some(Credential { info: info(&der)?, der, key }))
    }
}

fn no_certificate(p: &Profile) -> CoreError {
    CoreError::Flow(format!(
        "“{}” has no certificate: make one (mailwarden certificate create “{}”) or bring one in (mailwarden certificate import).",
        p.name, p.name
    ))
}
