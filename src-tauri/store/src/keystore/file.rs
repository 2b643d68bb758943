//! The key file: `<db>.key`, base64 of the 32-byte key. Written atomically
//! (a private temp file, fsync, rename, fsync of the folder) and, like ssh
//! does with private keys, refused at open when others could read it or
//! someone else owns it.

use crate::crypto::{DataKey, KEY_LEN};
use crate::error::{CoreError, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use std::io::Write;
use std::path::Path;
use zeroize::Zeroizing;

pub(super) fn decode(text: &str) -> Option<DataKey> {
    let bytes = Zeroizing::new(B64.decode(text.trim()).ok()?);
    DataKey::from_bytes(&bytes)
}

/// The key in the file at `path`; None when there is no such file.
pub(super) fn read(path: &Path) -> Result<Option<DataKey>> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(CoreError::io(format!("Could not read the key file {}", path.display()), e)),
    };
    check_private(path, &meta)?;
    let text = Zeroizing::new(
        std::fs::read_to_string(path)
            .map_err(|e| CoreError::io(format!("Could not read the key file {}", path.display()), e))?,
    );
    decode(&text).map(Some).ok_or_else(|| {
        CoreError::KeyUnavailable(format!(
            "The key file {} is damaged (it must hold {KEY_LEN} bytes of base64). Restore it from a backup, or import one with `mailwarden key import FILE`.",
            path.display()
        ))
    })
}

#[cfg(unix)]
fn check_private(path: &Path, meta: &std::fs::Metadata) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me {
        return Err(CoreError::KeyUnavailable(format!(
            "The key file {} belongs to another user (uid {}), so it is not used. If it is yours, take it over: `sudo chown $(id -u) {}`.",
            path.display(),
            meta.uid(),
            path.display()
        )));
    }
    let mode = meta.mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(CoreError::KeyUnavailable(format!(
            "The key file {} can be read by others (mode {mode:o}), so it is not used. Make it private: `chmod 600 {}`.",
            path.display(),
            path.display()
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_: &Path, _: &std::fs::Metadata) -> Result<()> {
    Ok(())
}

/// Write the key for a new database; fails if a key file is already there.
pub(super) fn write_new(path: &Path, key: &DataKey) -> Result<()> {
    if path.exists() {
        return Err(CoreError::KeyUnavailable(format!(
            "A key file {} already exists for a database that has no key yet; it was not replaced. Move it away (it may belong to an older database) and try again.",
            path.display()
        )));
    }
    write_atomic(path, B64.encode(key.as_bytes()).as_bytes())
}

/// Replace (or create) `path` with `bytes`, owner-only, atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let ctx = || format!("Could not write the key file {}", path.display());
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", crate::crypto::random_hex(6)));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let result = (|| {
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        // The rename is durable once the folder is synced.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    result.map_err(|e: std::io::Error| {
        let _ = std::fs::remove_file(&tmp);
        CoreError::io(ctx(), e)
    })
}
