//! Certificate files a person hands over or is handed: read bounded (a
//! certificate and its key are a few kilobytes; anything larger is not one),
//! told apart (PEM text, else a PFX's binary), and a PFX written so only its
//! owner may read it. The CLI and the window both come through here.

use super::service::Certificates;
use crate::error::{CoreError, Result};
use crate::records::CertificateInfo;
use crate::secret::SecretString;
use std::path::Path;

/// The most a certificate file may hold.
const LIMIT: u64 = 1024 * 1024;

/// A certificate file's bytes, bounded.
pub fn read_certificate_file(path: &Path) -> Result<Vec<u8>> {
    let io = |e: std::io::Error| CoreError::Io { context: format!("Could not read {}", path.display()), source: e };
    let len = std::fs::metadata(path).map_err(io)?.len();
    if len > LIMIT {
        return Err(CoreError::invalid(
            "certificateFile",
            format!("{} is {len} bytes: not a certificate file.", path.display()),
        ));
    }
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path).map_err(io)?.take(LIMIT).read_to_end(&mut bytes).map_err(io)?;
    Ok(bytes)
}

/// PEM text (else a PFX file's binary).
pub fn is_pem(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok_and(|t| t.contains("-----BEGIN "))
}

/// Write `bytes` to a new file only its owner may read (a PFX holds the key).
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path)?.write_all(bytes)
}

impl Certificates<'_> {
    /// Bring in a certificate file's bytes: PEM (the certificate with its
    /// key), or a PFX opened with `passphrase` — which a PFX must be given.
    pub fn import_bytes(&self, id: i64, bytes: &[u8], passphrase: Option<&SecretString>) -> Result<CertificateInfo> {
        if is_pem(bytes) {
            return self.import_pem(id, &String::from_utf8_lossy(bytes));
        }
        let pass = passphrase.ok_or_else(|| {
            CoreError::invalid(
                "certificatePassphrase",
                "This is a PFX (PKCS#12) file: type the passphrase it was exported with.",
            )
        })?;
        self.import_pfx(id, bytes, pass)
    }
}
