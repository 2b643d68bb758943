//! Group commit of the queue folder: a message is durable once its file is
//! synced *and* the folder holding its new name is synced. Sessions that
//! rename messages into the folder at the same moment share one folder
//! fsync — each waits for a sync that began after its own rename — instead
//! of queueing one each behind the disk. Hand-written: a few lines around a
//! mutex and a condition variable.

use std::fs::File;
use std::sync::{Condvar, Mutex};

pub struct DirSync {
    dir: File,
    state: Mutex<State>,
    done: Condvar,
}

#[derive(Default)]
struct State {
    /// Tickets handed out (one per rename, taken after it).
    issued: u64,
    /// Every ticket up to this one is durable.
    synced: u64,
    /// A sync is under way.
    running: bool,
}

impl DirSync {
    pub fn new(dir: File) -> DirSync {
        DirSync { dir, state: Mutex::default(), done: Condvar::new() }
    }

    /// Make a rename just done in the folder durable (returns once a folder
    /// fsync that started after it has finished).
    pub fn after_rename(&self) -> std::io::Result<()> {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.issued += 1;
        let mine = s.issued;
        loop {
            if s.synced >= mine {
                return Ok(());
            }
            if !s.running {
                s.running = true;
                let covers = s.issued;
                drop(s);
                let result = self.dir.sync_all();
                s = self.state.lock().unwrap_or_else(|p| p.into_inner());
                s.running = false;
                if result.is_ok() {
                    s.synced = s.synced.max(covers);
                }
                self.done.notify_all();
                result?;
                continue;
            }
            s = self.done.wait(s).unwrap_or_else(|p| p.into_inner());
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_caller_returns_after_a_sync_that_covers_it() {
        let dir = tempfile::tempdir().unwrap();
        let sync = std::sync::Arc::new(super::DirSync::new(std::fs::File::open(dir.path()).unwrap()));
        let threads: Vec<_> = (0..16)
            .map(|_| {
                let s = sync.clone();
                std::thread::spawn(move || (0..20).for_each(|_| s.after_rename().unwrap()))
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        let s = sync.state.lock().unwrap();
        assert_eq!(s.issued, 320);
        assert_eq!(s.synced, 320, "the last caller's ticket is covered");
        assert!(!s.running);
    }
}
