//! The running relay: listeners (submission with STARTTLS, and implicit TLS
//! if configured), one thread per connection up to the connection limit,
//! what every session shares (devices, password checks, the spool, who
//! failed to sign in), and the delivery workers. Stopping drains: no new
//! connections, sessions finish their transaction, the queue stays.

use super::conn::Conn;
use super::deliver::Delivery;
use super::devices::{DeviceRow, Passwords};
use super::session::Session;
pub use super::signin::SignIn;
use super::spool::{Envelope, Spool};
use super::RelaySettings;
use crate::context::Context;
use crate::error::{CoreError, Result};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The running relay's state, shared by its listener, session and delivery
/// threads: the engine, the queue, the settings, the devices as last read,
/// limits per client, and the pacers and routes of the upstreams.
pub struct RelayState {
    pub engine: Arc<Context>,
    /// The data folder (the queue and the relay's state files live below it).
    pub data: std::path::PathBuf,
    pub ledger: super::status::Ledger,
    pub spool: Spool,
    pub settings: RelaySettings,
    pub tls: Option<Arc<rustls::ServerConfig>>,
    pub hostname: String,
    pub stop: AtomicBool,
    pub(crate) passwords: Passwords,
    pub(crate) failures: super::signin::Failures,
    pub(super) active: AtomicUsize,
    pub(super) clients: Mutex<super::admission::Clients>,
    workers: super::workers::Workers,
    device_cache: DeviceCache,
    pub delivery: Delivery,
    pub pacers: super::pace::Pacers,
    pub routes: super::routes::Routes,
}

/// The devices as last read, at the database version they were read at.
#[derive(Default)]
pub(super) struct DeviceCache {
    watch: Option<mailwarden_store::Watch>,
    rows: Mutex<Option<(i64, Arc<Vec<DeviceRow>>)>>,
}

impl DeviceCache {
    fn new(engine: &Context) -> DeviceCache {
        DeviceCache { watch: engine.store.watch().ok(), rows: Mutex::default() }
    }
}

impl RelayState {
    /// What the sessions share: the queue `spool` in `data`, and a TLS
    /// configuration when the relay offers TLS. No thread is started here.
    fn new(
        engine: Arc<Context>,
        data: std::path::PathBuf,
        spool: Spool,
        settings: RelaySettings,
        tls: Option<Arc<rustls::ServerConfig>>,
        hostname: String,
    ) -> Result<RelayState> {
        Ok(RelayState {
            device_cache: DeviceCache::new(&engine),
            engine,
            data,
            ledger: Default::default(),
            spool,
            settings,
            tls,
            hostname,
            stop: AtomicBool::new(false),
            passwords: Passwords::new()?,
            failures: Default::default(),
            active: AtomicUsize::new(0),
            clients: Mutex::default(),
            workers: Default::default(),
            delivery: Delivery::new(),
            pacers: Default::default(),
            routes: Default::default(),
        })
    }

    /// What the sessions share, without listeners or delivery: for tests of
    /// a session fed bytes (no socket).
    #[cfg(test)]
    pub(crate) fn for_tests(engine: Arc<Context>, data: &std::path::Path, settings: RelaySettings) -> Arc<RelayState> {
        let spool = Spool::open(data).expect("a spool in the test folder");
        let shared = RelayState::new(engine, data.to_path_buf(), spool, settings, None, "relay.test".into());
        Arc::new(shared.expect("random numbers"))
    }

    /// Every device, read again only when the database changed since (a
    /// device added, removed or given a new password — here or by the CLI —
    /// is seen at the next message; reading SQLite for each would cost
    /// intake).
    fn devices(&self) -> Arc<Vec<DeviceRow>> {
        let cache = &self.device_cache;
        let version = cache.watch.as_ref().and_then(|w| w.version().ok());
        if let (Some(v), Some((at, rows))) = (version, cache.rows.lock().unwrap_or_else(|p| p.into_inner()).as_ref()) {
            if *at == v {
                return rows.clone();
            }
        }
        let rows = Arc::new(self.engine.store.relay_devices().unwrap_or_else(|e| {
            tracing::error!(error = %e, "relay: could not read the devices");
            Vec::new()
        }));
        if let Some(v) = version {
            *cache.rows.lock().unwrap_or_else(|p| p.into_inner()) = Some((v, rows.clone()));
        }
        rows
    }

    /// The device called `name` (its relay user name; case does not matter).
    pub fn device_named(&self, name: &str) -> Option<DeviceRow> {
        self.devices().iter().find(|d| d.device.name.eq_ignore_ascii_case(name)).cloned()
    }

    /// Some device may send in clear from `ip`.
    pub fn plain_allowed(&self, ip: IpAddr) -> bool {
        self.devices().iter().any(|d| d.device.plain_ok && !d.device.allowed.is_empty() && d.device.allows(ip))
    }

    /// A device let in by address alone from `ip` (in clear only if it may);
    /// where the ranges of several overlap, the most specific range wins
    /// (then the name, so the choice never depends on the order of rows).
    pub fn open_device(&self, ip: IpAddr, tls: bool) -> Option<DeviceRow> {
        self.devices()
            .iter()
            .filter(|d| d.password_hash.is_none() && (tls || d.device.plain_ok || ip.is_loopback()))
            .filter_map(|d| d.device.match_len(ip).map(|len| (len, d)))
            .max_by(|(a, x), (b, y)| a.cmp(b).then_with(|| y.device.name.cmp(&x.device.name)))
            .map(|(_, d)| d.clone())
    }

    /// A message is on disk: wake the delivery.
    pub fn queued(&self, envelope: &Envelope) {
        tracing::info!(id = %envelope.id, device = %envelope.device, recipients = envelope.to.len(), size = envelope.size, "relay: message queued");
        self.delivery.queued(&envelope.id, envelope.profile_id);
    }
}

/// A started relay.
pub struct Running {
    pub addr: SocketAddr,
    pub tls_addr: Option<SocketAddr>,
    /// The POP3 and IMAP listeners, when configured.
    pub pop3_addr: Option<SocketAddr>,
    pub pop3_tls_addr: Option<SocketAddr>,
    pub imap_addr: Option<SocketAddr>,
    pub imap_tls_addr: Option<SocketAddr>,
    /// The certificate's fingerprint and where it came from, when TLS is on.
    pub fingerprint: Option<String>,
    pub certificate: Option<String>,
    shared: Arc<RelayState>,
    threads: Vec<JoinHandle<()>>,
}

impl Running {
    /// The settings it was started with.
    pub fn settings(&self) -> &RelaySettings {
        &self.shared.settings
    }
}

fn bind(addr: &str) -> Result<TcpListener> {
    TcpListener::bind(addr).map_err(|source| CoreError::Io {
        context: format!("The relay could not listen on {addr} (in use, or not an address of this computer)"),
        source,
    })
}

/// Start the relay with `settings`: listeners and delivery.
pub fn start(engine: Arc<Context>, settings: RelaySettings) -> Result<Running> {
    let data_dir = engine.store.data_dir().to_path_buf();
    let hostname = hostname();
    let tls = if settings.wants_tls() {
        Some(super::tls::load(settings.cert_file.as_deref(), settings.key_file.as_deref(), &data_dir, &hostname)?)
    } else {
        None
    };
    // The queue's lock first: a second relay for this folder is told who runs.
    let spool = Spool::open(&data_dir)?;
    let listener = bind(&settings.listen)?;
    let tls_listener = settings.tls_listen.as_deref().map(bind).transpose()?;
    // The inbound fronts': (listener, implicit TLS, its connections' handler).
    let inbound: [(Option<TcpListener>, bool, Serve); 4] = [
        (settings.pop3_listen.as_deref().map(bind).transpose()?, false, super::pop3::serve::serve),
        (settings.pop3_tls_listen.as_deref().map(bind).transpose()?, true, super::pop3::serve::serve),
        (settings.imap_listen.as_deref().map(bind).transpose()?, false, super::imap::serve::serve),
        (settings.imap_tls_listen.as_deref().map(bind).transpose()?, true, super::imap::serve::serve),
    ];
    let shared = Arc::new(RelayState::new(
        engine,
        data_dir.clone(),
        spool,
        settings,
        tls.as_ref().map(|t| t.config.clone()),
        hostname,
    )?);
    let addr = listener.local_addr().map_err(|source| CoreError::Io { context: "listener".into(), source })?;
    let tls_addr = tls_listener.as_ref().and_then(|l| l.local_addr().ok());
    let mut threads = vec![accept_loop(listener, shared.clone(), false, serve)?];
    if let Some(l) = tls_listener {
        threads.push(accept_loop(l, shared.clone(), true, serve)?);
    }
    let mut inbound_addrs = [None; 4];
    for ((l, implicit, serve), addr) in inbound.into_iter().zip(&mut inbound_addrs) {
        *addr = l.as_ref().and_then(|l| l.local_addr().ok());
        if let Some(l) = l {
            threads.push(accept_loop(l, shared.clone(), implicit, serve)?);
        }
    }
    let [pop3_addr, pop3_tls_addr, imap_addr, imap_tls_addr] = inbound_addrs;
    threads.push(super::deliver::spawn(shared.clone())?);
    super::routes::probe_all(shared.clone());
    tracing::info!(%addr, tls = tls.is_some(), "relay: listening");
    let info = super::status::RunningInfo {
        pid: std::process::id(),
        listen: addr.to_string(),
        tls_listen: tls_addr.map(|a| a.to_string()),
        fingerprint: tls.as_ref().map(|t| t.fingerprint.clone()),
        started_at: crate::clock::rfc3339(shared.engine.clock.now()),
    };
    super::status::write_running(&data_dir, &info);
    let (fingerprint, certificate) = tls.map(|t| (t.fingerprint, t.source)).unzip();
    Ok(Running {
        addr,
        tls_addr,
        pop3_addr,
        pop3_tls_addr,
        imap_addr,
        imap_tls_addr,
        fingerprint,
        certificate,
        shared,
        threads,
    })
}

/// What a listener hands each connection it accepts.
pub(crate) type Serve = fn(TcpStream, &Arc<RelayState>, bool);

/// Accept on `listener` until the relay stops, handing each connection to
/// `serve` (SMTP's, or POP3's); `implicit_tls`: the listener's is.
pub(crate) fn accept_loop(
    listener: TcpListener,
    shared: Arc<RelayState>,
    implicit_tls: bool,
    serve: Serve,
) -> Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("mailwarden-relay-accept".into())
        .spawn(move || {
            for tcp in listener.incoming() {
                if shared.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(tcp) = tcp else { continue };
                serve(tcp, &shared, implicit_tls);
            }
        })
        .map_err(|source| CoreError::Io { context: "Could not start the relay".into(), source })
}

fn serve(mut tcp: TcpStream, shared: &Arc<RelayState>, implicit_tls: bool) {
    let Ok(peer) = tcp.peer_addr() else { return };
    let ip = peer.ip().to_canonical();
    let slot = match shared.admit(ip) {
        Ok(slot) => slot,
        Err(reply) => {
            let _ = std::io::Write::write_all(&mut tcp, reply.as_bytes());
            tracing::warn!(peer = %ip, "relay: connection refused ({})", reply[10..].trim_end());
            return;
        }
    };
    let _ = tcp.set_nodelay(true);
    let job_shared = shared.clone();
    // A thread that cannot start drops the closure, and with it the slot.
    let spawned = shared.workers.run(move || {
        let shared = job_shared;
        let _slot = slot;
        let _ = tcp.set_read_timeout(Some(Duration::from_secs(30)));
        let _ = tcp.set_write_timeout(Some(Duration::from_secs(30)));
        let mut session = Session::new(shared.as_ref(), ip, implicit_tls);
        let conn = if implicit_tls {
            match &shared.tls {
                Some(cfg) => super::conn::tls(tcp, cfg.clone()),
                None => return,
            }
        } else {
            if !super::admission::pregreet(&mut tcp, &shared, ip) {
                return;
            }
            Ok(Conn::Plain(tcp))
        };
        if let Ok(conn) = conn {
            session.greet();
            let mut conn = conn;
            let _ = std::io::Write::write_all(&mut conn, &session.take_output());
            session.run(conn);
        }
    });
    if spawned.is_err() {
        tracing::error!("relay: could not start a session thread");
    }
}

impl Running {
    /// Look at the queue now (a message retried by hand).
    pub fn wake(&self) {
        self.shared.delivery.wake();
    }

    /// Stop: no new connections, open sessions finish (up to 30 s), deliveries
    /// in flight finish; the queue stays for the next start.
    pub fn stop(self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.delivery.wake();
        let inbound = [self.pop3_addr, self.pop3_tls_addr, self.imap_addr, self.imap_tls_addr];
        for a in [Some(self.addr), self.tls_addr].into_iter().chain(inbound).flatten() {
            let _ = TcpStream::connect_timeout(&a, Duration::from_secs(1));
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.shared.active.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        for t in self.threads {
            let _ = t.join();
        }
        super::status::clear_running(&self.shared.data);
        tracing::info!("relay: stopped");
    }
}

/// This computer's name, for the greeting and Received lines.
pub(crate) fn hostname() -> String {
    hostname::get()
        .ok()
        .and_then(|h| h.into_string().ok())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}
