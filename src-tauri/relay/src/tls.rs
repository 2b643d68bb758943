//! The relay's TLS: the person's certificate and key (PEM), or one generated
//! with `rcgen` the first time TLS is needed and kept beside the queue (key
//! 0600). Its SHA-256 fingerprint is shown, so a device set to check it can
//! be told what to expect. rustls offers TLS 1.2 and 1.3 only: a device that
//! speaks only TLS 1.0/1.1 gets plain SMTP from its own address instead.

use crate::error::{CoreError, Result};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;

pub struct Tls {
    pub config: Arc<ServerConfig>,
    /// SHA-256 of the leaf certificate, `AB:CD:…`.
    pub fingerprint: String,
    /// Where the certificate came from.
    pub source: String,
}

fn io(context: String) -> impl FnOnce(std::io::Error) -> CoreError {
    move |source| CoreError::Io { context, source }
}

/// Load `cert`/`key`, or generate (once) a self-signed certificate in `dir`.
pub fn load(cert: Option<&str>, key: Option<&str>, dir: &Path, hostname: &str) -> Result<Tls> {
    let (cert_path, key_path, source) = match (cert, key) {
        (Some(c), Some(k)) => (Path::new(c).to_path_buf(), Path::new(k).to_path_buf(), c.to_owned()),
        (None, None) => {
            let c = dir.join("relay-cert.pem");
            let k = dir.join("relay-key.pem");
            if !c.exists() || !k.exists() {
                generate(&c, &k, hostname)?;
            }
            (c.clone(), k, format!("generated ({})", c.display()))
        }
        _ => return Err(CoreError::invalid("certFile", "Give both the certificate and its key (PEM), or neither.")),
    };
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(&cert_path).and_then(|it| it.collect::<std::result::Result<_, _>>()).map_err(
            |e| CoreError::invalid("certFile", format!("{} is not a PEM certificate: {e}", cert_path.display())),
        )?;
    let key = PrivateKeyDer::from_pem_file(&key_path)
        .map_err(|e| CoreError::invalid("keyFile", format!("{} is not a PEM private key: {e}", key_path.display())))?;
    let leaf =
        chain.first().ok_or_else(|| CoreError::invalid("certFile", "The certificate file holds no certificate."))?;
    let fingerprint = Sha256::digest(leaf.as_ref()).iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":");
    let config = ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| CoreError::Flow(format!("TLS set-up: {e}")))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| CoreError::invalid("keyFile", format!("The key does not fit the certificate: {e}")))?;
    Ok(Tls { config: Arc::new(config), fingerprint, source })
}

fn generate(cert: &Path, key: &Path, hostname: &str) -> Result<()> {
    let names = vec![hostname.to_owned(), "localhost".to_owned(), "127.0.0.1".to_owned()];
    let made = rcgen::generate_simple_self_signed(names)
        .map_err(|e| CoreError::Crypto(format!("could not make a certificate: {e}")))?;
    std::fs::write(cert, made.cert.pem()).map_err(io(format!("Could not write {}", cert.display())))?;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(key)
        .map_err(io(format!("Could not write {}", key.display())))?;
    std::io::Write::write_all(&mut f, made.signing_key.serialize_pem().as_bytes())
        .map_err(io(format!("Could not write {}", key.display())))
}
