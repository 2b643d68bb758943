//! Session threads kept for the next connection. Printers and scripts open a
//! connection per message, and starting a thread for each costs a dozen
//! system calls and a stack mapped and unmapped; a thread that finished a
//! session waits a while for another instead. Hand-written: a channel, a
//! count of idle threads, and the rule that makes them agree — a connection
//! handed over claims one idle thread, and an idle thread leaves only if it
//! can claim itself.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Job = Box<dyn FnOnce() + Send>;

/// How long a thread with nothing to do waits before it ends.
const KEEP_IDLE: Duration = Duration::from_secs(30);

pub struct Workers {
    tx: Mutex<Sender<Job>>,
    rx: Arc<Mutex<Receiver<Job>>>,
    /// Threads waiting for a job and not yet claimed.
    idle: Arc<AtomicUsize>,
}

impl Default for Workers {
    fn default() -> Self {
        let (tx, rx) = mpsc::channel();
        Workers { tx: Mutex::new(tx), rx: Arc::new(Mutex::new(rx)), idle: Arc::default() }
    }
}

fn claim(idle: &AtomicUsize) -> bool {
    idle.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok()
}

impl Workers {
    /// Run `job` on an idle thread, or a new one. Err when no thread could
    /// be started (the job is dropped, and with it what it holds).
    pub fn run(&self, job: impl FnOnce() + Send + 'static) -> std::io::Result<()> {
        if claim(&self.idle) {
            let sent = self.tx.lock().unwrap_or_else(|p| p.into_inner()).send(Box::new(job));
            if sent.is_ok() {
                return Ok(());
            }
            return Err(std::io::Error::other("the relay's session threads are gone"));
        }
        let (rx, idle) = (self.rx.clone(), self.idle.clone());
        std::thread::Builder::new().name("mailwarden-relay-session".into()).spawn(move || {
            let mut job: Job = Box::new(job);
            loop {
                job();
                idle.fetch_add(1, Ordering::SeqCst);
                job = loop {
                    let next = rx.lock().unwrap_or_else(|p| p.into_inner()).recv_timeout(KEEP_IDLE);
                    match next {
                        Ok(j) => break j, // the sender claimed us
                        Err(RecvTimeoutError::Timeout) if claim(&idle) => return,
                        Err(RecvTimeoutError::Timeout) => continue, // claimed: a job is on its way
                        Err(RecvTimeoutError::Disconnected) => return,
                    }
                };
            }
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    #[test]
    fn every_job_runs_and_an_idle_thread_takes_the_next() {
        let w = super::Workers::default();
        let (done, seen) = std::sync::mpsc::channel();
        // One at a time: each finds the previous one's thread idle.
        let mut threads = std::collections::HashSet::new();
        for i in 0..10 {
            let done = done.clone();
            w.run(move || done.send((i, std::thread::current().id())).unwrap()).unwrap();
            threads.insert(seen.recv().unwrap().1);
            while w.idle.load(Ordering::SeqCst) == 0 {
                std::thread::yield_now();
            }
        }
        assert_eq!(threads.len(), 1, "one thread served them all");
        // Many at once: every job runs.
        for i in 0..50 {
            let done = done.clone();
            w.run(move || {
                std::thread::sleep(std::time::Duration::from_millis(5));
                done.send((i, std::thread::current().id())).unwrap()
            })
            .unwrap();
        }
        let mut ran: Vec<i32> = (0..50).map(|_| seen.recv().unwrap().0).collect();
        ran.sort();
        assert_eq!(ran, (0..50).collect::<Vec<_>>());
    }
}
