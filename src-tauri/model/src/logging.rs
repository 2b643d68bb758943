//! Logging: `tracing` events from the core, written through a redacting
//! layer to a size-bounded file in the data folder (`mailwarden.log`, kept
//! under 1 MB with one older file) and, with `-v`, to stderr.
//!
//! Redaction works two ways, so neither alone has to be perfect: every
//! secret the core opens (client secrets, passwords, tokens) is remembered
//! for the process's life and replaced wherever it appears in a line, and
//! shapes that are secrets whatever their source (JWTs, `Bearer …`,
//! `client_secret=…`, `refresh_token=…`, `password=…`) are masked. The front
//! ends call [`init`] once; the core only emits events.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, RwLock};

/// The log file is rotated past this size (one older file is kept).
pub const LOG_MAX: u64 = 1024 * 1024;

static KNOWN: OnceLock<RwLock<HashSet<String>>> = OnceLock::new();

fn known() -> &'static RwLock<HashSet<String>> {
    KNOWN.get_or_init(Default::default)
}

/// Remember a secret's value so no log line can carry it (called by the
/// store whenever it opens a sealed value). Very short values are skipped:
/// masking them would garble ordinary words.
pub fn remember_secret(value: &str) {
    let v = value.trim();
    if v.len() >= 6 {
        if let Ok(mut k) = known().write() {
            if k.len() < 10_000 {
                k.insert(v.to_owned());
            }
        }
    }
}

const MASK: &str = "[redacted]";

/// `line` with every known secret and every secret-shaped word masked.
pub fn redact(line: &str) -> String {
    let mut out = line.to_owned();
    if let Ok(k) = known().read() {
        for s in k.iter() {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), MASK);
            }
        }
    }
    let mut words: Vec<String> = Vec::new();
    let mut mask_next = false;
    for w in out.split(' ') {
        let lower = w.to_ascii_lowercase();
        let secret_key = ["client_secret=", "refresh_token=", "access_token=", "password=", "code=", "assertion="]
            .iter()
            .find(|k| lower.contains(*k));
        let shown = if mask_next {
            mask_next = false;
            MASK.to_owned()
        } else if let Some(k) = secret_key {
            let at = lower.find(k).unwrap_or(0) + k.len();
            format!("{}{MASK}", &w[..at.min(w.len())])
        } else if looks_like_jwt(w) {
            MASK.to_owned()
        } else {
            w.to_owned()
        };
        if lower == "bearer" {
            mask_next = true;
        }
        words.push(shown);
    }
    words.join(" ")
}

fn looks_like_jwt(w: &str) -> bool {
    let w = w.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_' && c != '.');
    w.starts_with("eyJ") && w.split('.').count() >= 2 && w.len() > 20
}

/// The size-bounded log file.
struct File {
    path: PathBuf,
    file: Option<std::fs::File>,
    written: u64,
}

impl File {
    /// Nothing is opened until the first line: a call that logs nothing
    /// (a cached `mailwarden token`) pays nothing.
    fn lazy(path: &Path) -> File {
        File { path: path.to_path_buf(), file: None, written: 0 }
    }

    fn open(path: &Path) -> File {
        let mut opts = std::fs::OpenOptions::new();
        opts.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let file = opts.open(path).ok();
        let written = file.as_ref().and_then(|f| f.metadata().ok()).map_or(0, |m| m.len());
        File { path: path.to_path_buf(), file, written }
    }

    fn write_line(&mut self, line: &str) {
        if self.file.is_none() {
            *self = File::open(&self.path);
        }
        if self.written + line.len() as u64 > LOG_MAX {
            let mut old = self.path.as_os_str().to_owned();
            old.push(".1");
            let _ = std::fs::rename(&self.path, &old);
            *self = File::open(&self.path);
            self.written = 0;
        }
        if let Some(f) = &mut self.file {
            if f.write_all(line.as_bytes()).is_ok() {
                self.written += line.len() as u64;
            }
        }
    }
}

/// Where the log goes: the writer `tracing-subscriber` formats into.
#[derive(Clone, Copy)]
struct Sink;

static FILE: OnceLock<Mutex<File>> = OnceLock::new();
static STDERR: OnceLock<bool> = OnceLock::new();

struct Line(Vec<u8>);

impl Write for Line {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        let text = redact(&String::from_utf8_lossy(&self.0));
        let text = if text.ends_with('\n') { text } else { format!("{text}\n") };
        if let Some(f) = FILE.get() {
            if let Ok(mut f) = f.lock() {
                f.write_line(&text);
            }
        }
        if STDERR.get().copied().unwrap_or(false) {
            let _ = std::io::stderr().write_all(text.as_bytes());
        }
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Sink {
    type Writer = Line;
    fn make_writer(&'a self) -> Line {
        Line(Vec::new())
    }
}

/// The log file beside the database `db`.
pub fn log_path(db: &Path) -> PathBuf {
    db.with_file_name("mailwarden.log")
}

/// Install the process's logger once: the file beside `db` at info level
/// (debug with `verbose` ≥ 2), and stderr too when `verbose` ≥ 1. Safe to
/// call more than once (later calls change nothing).
pub fn init(db: &Path, verbose: u8) {
    let _ = FILE.set(Mutex::new(File::lazy(&log_path(db))));
    let _ = STDERR.set(verbose >= 1);
    let level = if verbose >= 2 { tracing::Level::DEBUG } else { tracing::Level::INFO };
    let subscriber =
        tracing_subscriber::fmt().with_writer(Sink).with_max_level(level).with_ansi(false).with_target(false).finish();
    let _ = tracing::subscriber::set_global_default(subscriber);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_by_value_and_by_shape() {
        remember_secret("WvR8Q~knownSecretValue");
        let line = "token endpoint said WvR8Q~knownSecretValue; Authorization: Bearer abc.def.ghi \
                    body client_secret=xyz&refresh_token=0.AAAA jwt eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJ4In0.sig";
        let r = redact(line);
        for bad in ["WvR8Q~knownSecretValue", "abc.def.ghi", "xyz", "0.AAAA", "eyJ0eXAiOiJKV1QifQ"] {
            assert!(!r.contains(bad), "{bad} in {r}");
        }
        assert!(r.contains("token endpoint said") && r.contains("client_secret=[redacted]"), "{r}");
    }
}
