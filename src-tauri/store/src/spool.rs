//! The relay's queue on disk: one file per accepted message in the data
//! folder (`relay/queue/`), written in full, fsynced, renamed into place and
//! the directory fsynced *before* the `250` after DATA — so a kill -9 or a
//! power cut loses nothing that was acknowledged. Each file is its envelope
//! (one JSON line) followed by the message as received; names sort in
//! arrival order. Delivery state (attempts, next try, a held message's
//! diagnosis) is a small side file replaced atomically; losing it costs at
//! most an early retry. Delivered messages are removed (at-least-once: a
//! crash between the upstream's acceptance and the removal sends it again).

use crate::diagnosis::Diagnosis;
use crate::error::{CoreError, Result};
use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use ts_rs::TS;

/// Who sent it, through which profile, to whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    pub id: String,
    pub device: String,
    #[ts(type = "number")]
    pub profile_id: i64,
    /// MAIL FROM as the device gave it.
    pub from: String,
    pub to: Vec<String>,
    /// The device's address.
    pub peer: String,
    pub received_at: String,
    #[ts(type = "number")]
    pub size: u64,
    /// A bounce the relay wrote: the id of the held message it reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub bounce_of: Option<String>,
    /// The device asked for SMTPUTF8: the upstream must carry it.
    #[serde(default)]
    pub smtputf8: bool,
}

/// Where a queued message stands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct DeliveryState {
    pub attempts: u32,
    /// Unix seconds of the next try (0: at once).
    #[ts(type = "number")]
    pub next_at: i64,
    /// The last transient failure, in a line.
    pub last_error: Option<String>,
    /// Held (a permanent failure): why, and what to do. Not retried until asked.
    pub held: Option<Diagnosis>,
}

impl DeliveryState {
    /// Waiting for a retry (not held, a later try set).
    pub fn waiting(&self) -> bool {
        self.held.is_none() && self.next_at > 0
    }
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct QueuedMessage {
    pub envelope: Envelope,
    pub state: DeliveryState,
    /// A worker is handing it upstream right now.
    pub sending: bool,
    /// Its Subject header, decoded (read by the relay's view; the queue
    /// itself reads no message bodies).
    pub subject: Option<String>,
    /// The name of the profile it goes through (filled by the relay's view).
    pub profile_name: Option<String>,
}

/// The queue folder.
pub struct Spool {
    dir: PathBuf,
    tmp: PathBuf,
    seq: AtomicU64,
    /// The running relay's exclusive lock on the queue (`relay/relay.lock`):
    /// two relays delivering one queue would send every message twice.
    _lock: Option<File>,
    /// The queue folder's syncs, shared by sessions (the running relay's only).
    dir_sync: Option<crate::dirsync::DirSync>,
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> CoreError {
    let context = context.into();
    move |source| CoreError::Io { context, source }
}

/// Whether an I/O failure is the disk (or quota) being full.
pub fn is_disk_full(e: &CoreError) -> bool {
    matches!(e, CoreError::Io { source, .. } if matches!(source.raw_os_error(), Some(libc::ENOSPC) | Some(libc::EDQUOT) | Some(libc::EFBIG)))
}

impl Spool {
    /// The queue as another process sees it (the CLI, the window, the watch):
    /// nothing is created or cleaned, so a running relay's half-written
    /// message or state file is never touched. No folder: an empty queue.
    pub fn view(data_dir: &Path) -> Spool {
        let root = data_dir.join("relay");
        Spool {
            dir: root.join("queue"),
            tmp: root.join("incoming"),
            seq: AtomicU64::new(0),
            _lock: None,
            dir_sync: None,
        }
    }

    /// The running relay's queue (`<data folder>/relay/queue`), made 0700 and
    /// locked for this process (Err when another relay holds it); what a
    /// stopped relay left half-written (never acknowledged) is removed.
    pub fn open(data_dir: &Path) -> Result<Spool> {
        let root = data_dir.join("relay");
        let dir = root.join("queue");
        let tmp = root.join("incoming");
        for d in [&root, &dir, &tmp] {
            fs::create_dir_all(d).map_err(io(format!("Could not create {}", d.display())))?;
            fs::set_permissions(d, std::os::unix::fs::PermissionsExt::from_mode(0o700))
                .map_err(io(format!("Could not protect {}", d.display())))?;
        }
        let lock = lock(&root)?;
        // Half-written files of a relay that stopped mid-DATA were never acknowledged.
        for e in fs::read_dir(&tmp).map_err(io("spool"))?.flatten() {
            let _ = fs::remove_file(e.path());
        }
        let dir_sync =
            File::open(&dir).map(crate::dirsync::DirSync::new).map_err(io("Could not open the queue folder"))?;
        Ok(Spool { dir, tmp, seq: AtomicU64::new(0), _lock: Some(lock), dir_sync: Some(dir_sync) })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A new id that sorts after every earlier one.
    pub fn next_id(&self, now: time::OffsetDateTime) -> String {
        let micros = now.unix_timestamp_nanos() / 1000;
        let n = self.seq.fetch_add(1, Ordering::Relaxed) % 1_000_000;
        format!("{micros:017}-{n:06}-{}", std::process::id())
    }

    /// Store a message durably; only then may the relay say `250`.
    pub fn accept(&self, envelope: &Envelope, message: &[u8]) -> Result<()> {
        let tmp = self.tmp.join(&envelope.id);
        let result = (|| {
            let mut f = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&tmp)
                .map_err(io("Could not write the message to the relay's queue"))?;
            let mut head = serde_json::to_vec(envelope).map_err(|e| CoreError::Flow(e.to_string()))?;
            head.extend_from_slice(b"\r\n");
            f.write_all(&head).map_err(io("Could not write the message to the relay's queue"))?;
            f.write_all(message).map_err(io("Could not write the message to the relay's queue"))?;
            // Its data and size (fdatasync); the new name below.
            f.sync_data().map_err(io("Could not flush the message to disk"))?;
            fs::rename(&tmp, self.path(&envelope.id)).map_err(io("Could not move the message into the queue"))?;
            match &self.dir_sync {
                Some(sync) => sync.after_rename(),
                None => File::open(&self.dir).and_then(|d| d.sync_all()),
            }
            .map_err(io("Could not flush the queue folder"))
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }

    fn path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.msg"))
    }

    /// The path of `id`'s file, once `id` is proven one of the queue's own.
    fn checked(&self, id: &str) -> Result<PathBuf> {
        check_id(id)?;
        Ok(self.path(id))
    }

    fn state_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.state"))
    }

    /// The ids in the queue, oldest first.
    pub fn ids(&self) -> Result<Vec<String>> {
        if !self.dir.is_dir() {
            return Ok(Vec::new());
        }
        let mut ids: Vec<String> = fs::read_dir(&self.dir)
            .map_err(io("Could not read the relay's queue"))?
            .flatten()
            .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".msg")).map(str::to_owned))
            .filter(|id| check_id(id).is_ok())
            .collect();
        ids.sort();
        Ok(ids)
    }

    /// The envelope and the message of `id`.
    pub fn read(&self, id: &str) -> Result<(Envelope, Vec<u8>)> {
        let mut bytes = Vec::new();
        File::open(self.checked(id)?)
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .map_err(io(format!("Could not read queued message {id}")))?;
        let split = bytes.windows(2).position(|w| w == b"\r\n").ok_or_else(|| bad(id))?;
        let envelope: Envelope = serde_json::from_slice(&bytes[..split]).map_err(|_| bad(id))?;
        Ok((envelope, bytes.split_off(split + 2)))
    }

    /// Only the envelope (a queue listing reads no message bodies).
    pub fn envelope(&self, id: &str) -> Result<Envelope> {
        let f = File::open(self.checked(id)?).map_err(io(format!("Could not read queued message {id}")))?;
        let mut line = Vec::new();
        std::io::BufRead::read_until(&mut std::io::BufReader::new(f.take(1024 * 1024)), b'\n', &mut line)
            .map_err(io(format!("Could not read queued message {id}")))?;
        let line = line.strip_suffix(b"\n").unwrap_or(&line).to_vec();
        serde_json::from_slice(line.strip_suffix(b"\r").unwrap_or(&line)).map_err(|_| bad(id))
    }

    /// The first `max` bytes of the message of `id` (its header block, for
    /// a listing): never the whole of a large message.
    pub fn head(&self, id: &str, max: u64) -> Result<Vec<u8>> {
        let f = File::open(self.checked(id)?).map_err(io(format!("Could not read queued message {id}")))?;
        let mut r = std::io::BufReader::new(f.take(1024 * 1024 + max));
        let mut envelope = Vec::new();
        std::io::BufRead::read_until(&mut r, b'\n', &mut envelope)
            .map_err(io(format!("Could not read queued message {id}")))?;
        let mut head = Vec::new();
        r.take(max).read_to_end(&mut head).map_err(io(format!("Could not read queued message {id}")))?;
        Ok(head)
    }

    pub fn state(&self, id: &str) -> DeliveryState {
        if check_id(id).is_err() {
            return DeliveryState::default();
        }
        fs::read(self.state_path(id)).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
    }

    pub fn set_state(&self, id: &str, state: &DeliveryState) -> Result<()> {
        // Beside the queue file (not in incoming/): a state written by another
        // process (retry) must not be mistaken for an unfinished message.
        check_id(id)?;
        let tmp = self.dir.join(format!(".{id}.state.{}", std::process::id()));
        let bytes = serde_json::to_vec(state).map_err(|e| CoreError::Flow(e.to_string()))?;
        fs::write(&tmp, bytes)
            .and_then(|_| fs::rename(&tmp, self.state_path(id)))
            .map_err(io("Could not record the delivery state"))
    }

    /// Delivered (or deleted by the person): gone from the queue.
    pub fn remove(&self, id: &str) -> Result<()> {
        fs::remove_file(self.checked(id)?).map_err(io(format!("Could not remove queued message {id}")))?;
        let _ = fs::remove_file(self.state_path(id));
        Ok(())
    }

    fn sending_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.sending"))
    }

    /// A worker is handing `id` to its upstream: a marker other processes
    /// see (a delete from the CLI or the window then says the message may
    /// still arrive). Gone when the returned guard drops.
    pub fn sending(&self, id: &str) -> Sending {
        let path = self.sending_path(id);
        let _ = OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&path);
        Sending(path)
    }

    /// Whether a worker is handing `id` to its upstream right now.
    pub fn is_sending(&self, id: &str) -> bool {
        check_id(id).is_ok() && self.sending_path(id).exists()
    }

    /// Every queued message with its state, oldest first.
    pub fn list(&self) -> Result<Vec<QueuedMessage>> {
        let mut out = Vec::new();
        for id in self.ids()? {
            // A message delivered meanwhile is simply not listed.
            if let Ok(envelope) = self.envelope(&id) {
                out.push(QueuedMessage {
                    state: self.state(&id),
                    sending: self.is_sending(&id),
                    subject: None,
                    profile_name: None,
                    envelope,
                });
            }
        }
        Ok(out)
    }
}

/// The marker of a message being handed upstream; removed on drop.
pub struct Sending(PathBuf);

impl Drop for Sending {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// Take the queue's lock, held until the file closes (the process ends or the
/// relay stops); the kernel lets go of it even after a kill -9.
fn lock(root: &Path) -> Result<File> {
    use std::os::fd::AsRawFd;
    let f = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(root.join("relay.lock"))
        .map_err(io("Could not open the relay's lock file"))?;
    // SAFETY: flock on a descriptor this function owns.
    if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        let other = running_info(root.parent().unwrap_or(root))
            .map(|r| format!(" (process {}, listening on {})", r.pid, r.listen))
            .unwrap_or_default();
        return Err(CoreError::Flow(format!(
            "A relay already runs for this data folder{other}. Only one may deliver its queue: stop that one first \
             (the window's Relay dialog, or `systemctl --user stop mailwarden-relay`), or keep using it."
        )));
    }
    Ok(f)
}

/// Whether `id` has the form [`Spool::next_id`] gives (arrival time in
/// microseconds, a sequence number, a process id: digits and two dashes).
/// Ids come from people (the CLI, the window) and name files: anything else
/// — a path, `..`, a separator — is refused before a file is touched.
pub fn check_id(id: &str) -> Result<()> {
    let parts: Vec<&str> = id.split('-').collect();
    let digits =
        |s: &str, min: usize, max: usize| (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    let ok = parts.len() == 3 && digits(parts[0], 5, 20) && digits(parts[1], 6, 6) && digits(parts[2], 1, 10);
    if ok {
        Ok(())
    } else {
        let shown: String = id.chars().take(60).flat_map(char::escape_default).collect();
        Err(CoreError::invalid(
            "id",
            format!(
                "\"{shown}\" is not a queue id: ids look like 01796635291512215-000001-12546 (`mailwarden relay queue list` shows them)."
            ),
        ))
    }
}

fn bad(id: &str) -> CoreError {
    CoreError::Flow(format!("Queued message {id} is damaged (no envelope line); it was left in the queue folder."))
}

/// A running relay, as `relay/running.json` records it (for `relay status`
/// and the lock's message from another process).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunningInfo {
    pub pid: u32,
    pub listen: String,
    pub tls_listen: Option<String>,
    pub fingerprint: Option<String>,
    pub started_at: String,
}

/// Written by a starting relay, removed when it stops.
pub fn write_running(data: &Path, info: &RunningInfo) {
    let _ = std::fs::write(data.join("relay").join("running.json"), serde_json::to_vec(info).unwrap_or_default());
}

pub fn clear_running(data: &Path) {
    let _ = std::fs::remove_file(data.join("relay").join("running.json"));
}

/// The relay running for the data folder `data`, if its process lives.
pub fn running_info(data: &Path) -> Option<RunningInfo> {
    std::fs::read(data.join("relay").join("running.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<RunningInfo>(&b).ok())
        .filter(|r| alive(r.pid))
}

#[cfg(test)]
mod tests;

fn alive(pid: u32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    i32::try_from(pid).is_ok_and(|p| unsafe { libc::kill(p, 0) } == 0)
}
