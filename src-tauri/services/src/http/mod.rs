//! The one HTTP client: the OS trust store (so corporate TLS-inspecting proxies
//! work), plus an optional extra CA file (`MAILWARDEN_CA_FILE`), timeouts on
//! every request, and no redirects (an OAuth client must not follow them).
//! Built lazily: a cached `mailwarden token` never pays for it.

mod fetch;

pub use fetch::{explain, fetch, is_cancelled, Answer, Cancelled, Failed};

use crate::diagnosis::TransportError;
use crate::error::{CoreError, Result};
use std::error::Error as _;
use std::time::Duration;

pub const CA_FILE_ENV: &str = "MAILWARDEN_CA_FILE";
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The extra CA file named by `MAILWARDEN_CA_FILE`, if any.
pub fn ca_file() -> Option<std::ffi::OsString> {
    std::env::var_os(CA_FILE_ENV).filter(|p| !p.is_empty())
}

/// A value built once per process for each extra-CA setting. Loading the OS
/// trust store (hundreds of certificates) costs tens of milliseconds, so TLS
/// configurations are built once and reused.
pub(crate) struct PerCa<T>(std::sync::Mutex<Vec<(Option<std::ffi::OsString>, T)>>);

impl<T: Clone> PerCa<T> {
    pub(crate) const fn new() -> Self {
        PerCa(std::sync::Mutex::new(Vec::new()))
    }

    pub(crate) fn get_or_try(&self, key_extra: &str, make: impl FnOnce() -> Result<T>) -> Result<T> {
        let key = ca_file().map(|mut k| {
            k.push("\0");
            k.push(key_extra);
            k
        });
        let key = key.or_else(|| (!key_extra.is_empty()).then(|| std::ffi::OsString::from(key_extra)));
        let mut cache = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, v)) = cache.iter().find(|(k, _)| *k == key) {
            return Ok(v.clone());
        }
        let v = make()?;
        cache.push((key, v.clone()));
        Ok(v)
    }
}

static CLIENTS: PerCa<reqwest::blocking::Client> = PerCa::new();

/// The largest answer read from an HTTP server (token endpoints and Graph
/// answer in kilobytes); past it the answer is cut off, not buffered.
pub const BODY_MAX: u64 = 1024 * 1024;

/// Read a response body, refusing more than [`BODY_MAX`].
pub fn read_body(resp: reqwest::blocking::Response) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut body = Vec::new();
    resp.take(BODY_MAX + 1).read_to_end(&mut body)?;
    if body.len() as u64 > BODY_MAX {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("the answer was larger than {} MB", BODY_MAX / (1024 * 1024)),
        ));
    }
    Ok(body)
}

/// The shared client as the `oauth2` crate's HTTP client, with the body
/// limit (the crate's own reqwest binding reads a body of any size) and,
/// when given, the person's Cancel. The rest is what that binding does.
pub struct Bounded<'a>(pub &'a reqwest::blocking::Client, pub Option<&'a std::sync::atomic::AtomicBool>);

impl oauth2::SyncHttpClient for Bounded<'_> {
    type Error = oauth2::HttpClientError<reqwest::Error>;

    fn call(&self, request: oauth2::HttpRequest) -> std::result::Result<oauth2::HttpResponse, Self::Error> {
        use oauth2::HttpClientError as E;
        let answer = match fetch(self.0, request.try_into().map_err(Box::new)?, self.1) {
            Ok(a) => a,
            Err(Failed::Send(e)) => return Err(E::Reqwest(Box::new(e))),
            Err(Failed::Cancelled) => {
                return Err(E::Io(std::io::Error::new(std::io::ErrorKind::Interrupted, Cancelled)))
            }
            Err(Failed::Thread(e)) => return Err(E::Io(e)),
        };
        let mut builder = oauth2::http::Response::builder().status(answer.status).version(answer.version);
        for (name, value) in answer.headers.iter() {
            builder = builder.header(name, value);
        }
        let status = answer.status.as_u16();
        let retry_after = answer.retry_after();
        let body = answer.body?;
        if crate::diagnosis::is_unavailable(status) {
            let error = serde_json::from_slice::<crate::diagnosis::ProviderError>(&body).ok().map(|e| e.error);
            let u = crate::diagnosis::Unavailable { host: answer.host, status, retry_after, error };
            return Err(E::Io(std::io::Error::other(u)));
        }
        builder.body(body).map_err(E::Http)
    }
}

/// The shared client is already built (so a first request's other work
/// need not be overlapped with building it).
pub fn client_ready() -> bool {
    let key = ca_file();
    CLIENTS.0.lock().unwrap_or_else(|p| p.into_inner()).iter().any(|(k, _)| *k == key)
}

/// The shared client (built on first use, per extra-CA setting).
pub fn client() -> Result<reqwest::blocking::Client> {
    CLIENTS.get_or_try("", || build_client(REQUEST_TIMEOUT))
}

/// A shared client whose requests may take up to `timeout` (a mailbox's
/// message downloaded, where an API call takes seconds).
pub fn client_with_timeout(timeout: Duration) -> Result<reqwest::blocking::Client> {
    CLIENTS.get_or_try(&format!("timeout={}", timeout.as_secs()), || build_client(timeout))
}

fn build_client(timeout: Duration) -> Result<reqwest::blocking::Client> {
    let mut b = reqwest::blocking::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Mailwarden/", env!("CARGO_PKG_VERSION")));
    if let Some(path) = ca_file() {
        let pem = std::fs::read(&path)
            .map_err(|e| CoreError::io(format!("Could not read {CA_FILE_ENV}={}", path.to_string_lossy()), e))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            CoreError::io(
                format!("{CA_FILE_ENV}={} is not a PEM certificate file", path.to_string_lossy()),
                std::io::Error::other(e.to_string()),
            )
        })?;
        for c in certs {
            b = b.add_root_certificate(c);
        }
    }
    b.build().map_err(|e| CoreError::io("Could not set up HTTPS", std::io::Error::other(e.to_string())))
}

/// Classify a reqwest failure for a person (DNS, refused, timeout, TLS, …),
/// by the error types in its chain where they are reachable. DNS failures and
/// TLS failures behind hyper-util's connect error are recognised by message:
/// those types are private to hyper-util or hidden by `io::Error::source`.
pub fn classify(e: &reqwest::Error, host: &str) -> TransportError {
    let host = host.to_owned();
    if let Some(detail) = tls_failure(e) {
        return TransportError::Tls { host, detail };
    }
    let mut chain = vec![e.to_string()];
    let mut kind = None;
    let mut cur = e.source();
    while let Some(err) = cur {
        chain.push(err.to_string());
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            kind = kind.or(Some(io.kind()));
        }
        cur = err.source();
    }
    let chain = chain.join(": ");
    let lower = chain.to_lowercase();
    if lower.contains("certificate") || lower.contains("handshake") {
        let detail = chain.rsplit(": ").next().unwrap_or(&chain).to_owned();
        return TransportError::Tls { host, detail };
    }
    match kind {
        _ if e.is_timeout() => TransportError::Timeout { host },
        Some(std::io::ErrorKind::TimedOut) => TransportError::Timeout { host },
        Some(std::io::ErrorKind::ConnectionRefused) => TransportError::Refused { host },
        _ if lower.contains("dns error") => TransportError::Dns { host },
        _ => TransportError::Other { host, detail: chain },
    }
}

/// The TLS failure somewhere in an error's chain (reqwest and lettre wrap
/// rustls errors in I/O errors), found by type rather than by message.
pub fn tls_failure(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(t) = err.downcast_ref::<rustls::Error>() {
            return Some(t.to_string());
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if let Some(t) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                return Some(t.to_string());
            }
        }
        cur = err.source();
    }
    None
}
