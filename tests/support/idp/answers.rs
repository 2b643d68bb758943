//! What every simulated endpoint answers with: random IDs as Microsoft forms
//! them, the clock, and Microsoft's identity-platform error response, exactly
//! shaped (codes, trace and correlation IDs, timestamp).

use super::http::Response;
use rand::Rng;
use serde_json::json;

pub fn random(n: usize) -> String {
    const CH: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut r = rand::rng();
    (0..n).map(|_| CH[r.random_range(0..CH.len())] as char).collect()
}

pub(super) fn guid() -> String {
    let h: String = (0..32).map(|_| format!("{:x}", rand::rng().random_range(0..16u8))).collect();
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

pub(super) fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// Microsoft's error response, exactly shaped.
pub fn ms_error(status: u16, error: &str, code: u64, message: &str) -> Response {
    ms_error_at(status, error, code, message, now())
}

/// [`ms_error`] stamped at `at` (Unix seconds; Microsoft's clock).
pub fn ms_error_at(status: u16, error: &str, code: u64, message: &str, at: i64) -> Response {
    let (trace, corr) = (guid(), guid());
    let ts = time_at(at);
    Response::json(
        status,
        &json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {message} Trace ID: {trace} Correlation ID: {corr} Timestamp: {ts}")
                .replacen(" Trace ID:", "\r\nTrace ID:", 1).replacen(" Correlation ID:", "\r\nCorrelation ID:", 1)
                .replacen(" Timestamp:", "\r\nTimestamp:", 1),
            "error_codes": [code],
            "timestamp": ts,
            "trace_id": trace,
            "correlation_id": corr,
            "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
        }),
    )
}

pub(super) fn time_now() -> String {
    time_at(now())
}

/// Unix seconds as Microsoft's error timestamps write them: `2026-12-07 09:20:33Z`.
fn time_at(t: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]Z");
    time::OffsetDateTime::from_unix_timestamp(t).ok().and_then(|at| at.format(&format).ok()).unwrap_or_default()
}
