//! Import and export of profiles: a versioned JSON file (format
//! `mailwarden-profiles`, version 1), each profile as the editor's draft.
//! Without secrets by default; with them only inside an age file encrypted
//! under a passphrase (age's scrypt recipient, ASCII-armoured) — never a
//! home-made cipher. Reading refuses a newer format with what to do, and
//! reports each profile's problems by field ([`import`]).

pub mod import;

use crate::error::{CoreError, Result};
use crate::profile::ProfileDraft;
use crate::secret::{ExposeSecret, SecretKind, SecretString};
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use time::format_description::well_known::Rfc3339;

pub const FORMAT: &str = "mailwarden-profiles";
pub const VERSION: u32 = 1;
/// A file larger than this is not one of ours (10,000 profiles are ~20 MB).
pub const MAX_FILE_BYTES: u64 = 32 << 20;

const AGE_BINARY: &[u8] = b"age-encryption.org/v1";
const AGE_ARMOR: &[u8] = b"-----BEGIN AGE ENCRYPTED FILE-----";

/// The file as written.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportFile {
    pub format: String,
    pub version: u32,
    #[serde(default)]
    pub exported_at: String,
    #[serde(default)]
    pub app_version: String,
    /// Each profile as JSON; read one by one so that one bad profile is
    /// reported, not the whole file refused.
    pub profiles: Vec<serde_json::Value>,
}

/// One profile in the file: the draft's fields, and its secrets when the
/// file is encrypted.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedProfile {
    #[serde(flatten)]
    pub draft: ProfileDraft,
    #[serde(default, skip_serializing_if = "Secrets::is_empty")]
    pub secrets: Secrets,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Secrets {
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "exposed")]
    pub client_secret: Option<SecretString>,
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "exposed")]
    pub password: Option<SecretString>,
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "exposed")]
    pub refresh_token: Option<SecretString>,
    /// The certificate with its private key, PEM (only in an encrypted file).
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "exposed")]
    pub certificate: Option<SecretString>,
}

impl Secrets {
    pub fn is_empty(&self) -> bool {
        self.client_secret.is_none()
            && self.password.is_none()
            && self.refresh_token.is_none()
            && self.certificate.is_none()
    }
    /// Which secrets are here, in words.
    pub fn names(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (present, name) in [
            (self.client_secret.is_some(), "client secret"),
            (self.password.is_some(), "password"),
            (self.refresh_token.is_some(), "refresh token"),
            (self.certificate.is_some(), "certificate and its key"),
        ] {
            if present {
                out.push(name.to_owned());
            }
        }
        out
    }
}

/// Secrets are written into the file only here, and only for a file that is
/// then encrypted ([`Transfer::export`]).
fn exposed<S: serde::Serializer>(s: &Option<SecretString>, ser: S) -> std::result::Result<S::Ok, S::Error> {
    match s {
        Some(s) => ser.serialize_str(s.expose_secret()),
        None => ser.serialize_none(),
    }
}

crate::context::service!(
    /// Export and import of profiles.
    Transfer
);

impl Transfer<'_> {
    /// Profile `id`'s certificate and its key as one PEM text, if it has one.
    fn certificate_pem(&self, id: i64) -> Result<Option<SecretString>> {
        Ok(self.certificates().credential(id)?.map(|c| {
            SecretString::from(format!("{}{}", crate::certificate::public_pem(&c.der), c.key.expose_secret()))
        }))
    }

    /// The file for profiles `ids` (all when empty). With a passphrase the
    /// secrets go in and the whole file is age-encrypted under it.
    pub fn export(&self, ids: &[i64], passphrase: Option<&SecretString>) -> Result<Vec<u8>> {
        if passphrase.is_some_and(|p| p.expose_secret().chars().count() < 8) {
            return Err(CoreError::invalid(
                "passphrase",
                "The passphrase must be at least 8 characters: it is all that protects the secrets in the file.",
            ));
        }
        let all = self.store.list()?;
        for id in ids {
            if !all.iter().any(|s| s.profile.id == *id) {
                return Err(CoreError::NotFound(format!("No profile with id {id} exists.")));
            }
        }
        let mut profiles = Vec::new();
        for s in all.iter().filter(|s| ids.is_empty() || ids.contains(&s.profile.id)) {
            let secrets = if passphrase.is_some() {
                let read = |k| self.store.read_secret(s.profile.id, k);
                Secrets {
                    client_secret: read(SecretKind::ClientSecret)?,
                    password: read(SecretKind::Password)?,
                    refresh_token: read(SecretKind::RefreshToken)?,
                    certificate: self.certificate_pem(s.profile.id)?,
                }
            } else {
                Secrets::default()
            };
            let entry = ExportedProfile { draft: ProfileDraft::from_profile(&s.profile), secrets };
            profiles.push(serde_json::to_value(&entry).map_err(|e| CoreError::Flow(format!("Could not write: {e}")))?);
        }
        let file = ExportFile {
            format: FORMAT.into(),
            version: VERSION,
            exported_at: self.clock.now().format(&Rfc3339).unwrap_or_default(),
            app_version: env!("CARGO_PKG_VERSION").into(),
            profiles,
        };
        let json = serde_json::to_vec_pretty(&file).map_err(|e| CoreError::Flow(format!("Could not write: {e}")))?;
        tracing::info!(profiles = file.profiles.len(), secrets = passphrase.is_some(), "profiles exported");
        match passphrase {
            None => Ok(json),
            Some(p) => encrypt(&json, p),
        }
    }
}

/// The scrypt work factor (log2 N) of files Mailwarden writes: 256 MiB and
/// about a second to open, wherever they are opened (age's own calibration
/// would tie it to this machine's speed).
const WORK_FACTOR: u8 = 18;
/// The largest work factor a file may demand to be opened: 1 GiB of memory.
/// A hostile file can ask for age's largest (several GiB, minutes of work).
const MAX_WORK_FACTOR: u8 = 20;

fn encrypt(plain: &[u8], passphrase: &SecretString) -> Result<Vec<u8>> {
    use age::armor::{ArmoredWriter, Format};
    let fail = |e: &dyn std::fmt::Display| CoreError::Flow(format!("Could not encrypt the file: {e}"));
    let mut recipient =
        age::scrypt::Recipient::new(age::secrecy::SecretString::from(passphrase.expose_secret().to_owned()));
    recipient.set_work_factor(WORK_FACTOR);
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient)).map_err(|e| fail(&e))?;
    let mut out = Vec::new();
    let armored = ArmoredWriter::wrap_output(&mut out, Format::AsciiArmor).map_err(|e| fail(&e))?;
    let mut w = encryptor.wrap_output(armored).map_err(|e| fail(&e))?;
    w.write_all(plain).map_err(|e| fail(&e))?;
    w.finish().and_then(|a| a.finish()).map_err(|e| fail(&e))?;
    Ok(out)
}

/// scrypt's memory for work factor `log_n` (128 · r · N bytes, r = 8), in words.
fn scrypt_memory(log_n: u8) -> String {
    let mib = 1u64.checked_shl(u32::from(log_n)).map_or(u64::MAX, |n| n / 1024);
    if mib >= 1024 {
        format!("{} GiB", mib / 1024)
    } else {
        format!("{mib} MiB")
    }
}

/// Write an export file readable by its owner only (even encrypted, it is
/// no one else's business): a new 0600 file beside the target, synced, then
/// renamed over it — so an existing file's looser mode is not kept, a
/// symlink at the path is replaced rather than followed, and a failure
/// leaves the old file whole.
pub fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let fail = |e| CoreError::io(format!("Could not write {}", path.display()), e);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "export".into());
    let mut random = [0u8; 6];
    getrandom::fill(&mut random).map_err(|e| CoreError::Crypto(format!("no random numbers: {e}")))?;
    let tmp = dir.join(format!(".{name}.{}.tmp", random.iter().map(|b| format!("{b:02x}")).collect::<String>()));
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(dir).and_then(|d| d.sync_all())
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(e)
    })
}

/// Read a file a person picked for import, bounded: a file larger than any
/// export can be is refused by its size, never read whole into memory.
pub fn read_file(path: &std::path::Path) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| CoreError::io(format!("Could not read {}", path.display()), e))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(CoreError::Flow(format!(
            "{} is larger than an export file can be ({} MB): choose the file Mailwarden exported.",
            path.display(),
            MAX_FILE_BYTES >> 20
        )));
    }
    Ok(bytes)
}

/// Whether `bytes` is an age file (needs a passphrase).
pub fn is_encrypted(bytes: &[u8]) -> bool {
    let start = trim_start(bytes);
    start.starts_with(AGE_BINARY) || start.starts_with(AGE_ARMOR)
}

fn trim_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

fn decrypt(bytes: &[u8], passphrase: &SecretString) -> Result<Vec<u8>> {
    let wrong = || CoreError::invalid("passphrase", "That passphrase does not open this file. Type it again.");
    let reader = age::armor::ArmoredReader::new(trim_start(bytes));
    let decryptor =
        age::Decryptor::new(reader).map_err(|e| CoreError::Flow(format!("The encrypted file is damaged: {e}")))?;
    if !decryptor.is_scrypt() {
        return Err(CoreError::Flow(
            "This age file is encrypted to a key, not a passphrase: decrypt it with age first.".into(),
        ));
    }
    let mut identity =
        age::scrypt::Identity::new(age::secrecy::SecretString::from(passphrase.expose_secret().to_owned()));
    identity.set_max_work_factor(MAX_WORK_FACTOR);
    let mut r = decryptor.decrypt(std::iter::once(&identity as &dyn age::Identity)).map_err(|e| match e {
        age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys => wrong(),
        age::DecryptError::ExcessiveWork { required, .. } => CoreError::Flow(format!(
            "This file's passphrase is set to need {} of memory to open (scrypt work factor {required}); \
             Mailwarden opens files needing up to {} (work factor {MAX_WORK_FACTOR}). Export it again with \
             Mailwarden, or open it with age and import the plain file.",
            scrypt_memory(required),
            scrypt_memory(MAX_WORK_FACTOR)
        )),
        e => CoreError::Flow(format!("Could not decrypt the file: {e}")),
    })?;
    let mut plain = Vec::new();
    r.by_ref()
        .take(MAX_FILE_BYTES)
        .read_to_end(&mut plain)
        .map_err(|e| CoreError::Flow(format!("The encrypted file is damaged: {e}")))?;
    Ok(plain)
}

/// Read a file written by [`Transfer::export`] (or a person): decrypt it
/// when it is an age file, check its format and version.
pub fn read(bytes: &[u8], passphrase: Option<&SecretString>) -> Result<(ExportFile, bool)> {
    let encrypted = is_encrypted(bytes);
    let plain;
    let json = if encrypted {
        let Some(p) = passphrase.filter(|p| !p.expose_secret().is_empty()) else {
            return Err(CoreError::invalid(
                "passphrase",
                "This file is encrypted: give the passphrase it was exported with.",
            ));
        };
        plain = decrypt(bytes, p)?;
        &plain[..]
    } else {
        bytes
    };
    let not_ours = || {
        CoreError::Flow(
            "This is not a Mailwarden profiles file (export one with Export…, or `mailwarden profile export`).".into(),
        )
    };
    let head: serde_json::Value = serde_json::from_slice(json).map_err(|_| not_ours())?;
    if head.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(not_ours());
    }
    let version = head.get("version").and_then(|v| v.as_u64()).unwrap_or(0);
    if version > u64::from(VERSION) {
        return Err(CoreError::Flow(format!(
            "This file was written by a newer Mailwarden (file format version {version}); this one reads version {VERSION}. Update Mailwarden, then import it."
        )));
    }
    if version == 0 {
        return Err(CoreError::Flow("This file names no format version: it was not written by Mailwarden.".into()));
    }
    let file: ExportFile =
        serde_json::from_value(head).map_err(|e| CoreError::Flow(format!("This file is damaged: {e}")))?;
    Ok((file, encrypted))
}

#[cfg(test)]
mod tests;
