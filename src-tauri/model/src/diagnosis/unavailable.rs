//! The identity provider (or Graph) answered "not now": HTTP 429, a 5xx, or
//! the OAuth errors `temporarily_unavailable` / `server_error`. Temporary,
//! on the provider's side; nothing stored changed.

use super::Diagnosis;

/// A throttled or failing answer, carried through the `oauth2` crate's HTTP
/// client as the source of an I/O error and found again by type.
#[derive(Debug, Clone)]
pub struct Unavailable {
    pub host: String,
    pub status: u16,
    /// `Retry-After`, as sent (seconds or an HTTP date).
    pub retry_after: Option<String>,
    /// The OAuth error in the body, if it had one.
    pub error: Option<String>,
}

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} answered HTTP {}", self.host, self.status)
    }
}

impl std::error::Error for Unavailable {}

/// True for statuses that mean "try again later".
pub fn is_unavailable(status: u16) -> bool {
    status == 429 || (500..600).contains(&status)
}

impl Unavailable {
    pub fn diagnose(&self) -> Diagnosis {
        let when = match self.retry_after.as_deref().map(str::trim) {
            Some(s) if s.parse::<u64>().is_ok() => {
                format!(
                    "Try again in {} (the provider asked to wait that long).",
                    super::plural(s.parse::<i64>().unwrap_or(0), "second")
                )
            }
            Some(s) if !s.is_empty() => format!("Try again after {s} (the provider asked to wait until then)."),
            _ => "Try again in a few minutes.".to_owned(),
        };
        let what = if self.status == 429 {
            "is throttling requests (too many in a short time)"
        } else {
            "is temporarily unavailable"
        };
        let mut d = Diagnosis::new(
            if self.status == 429 { "provider_throttled" } else { "provider_unavailable" },
            format!("{} {what}", self.host),
            format!(
                "It answered HTTP {}{}. This is temporary and on the provider's side: nothing stored in Mailwarden changed — the connection, tokens and secrets are as they were.",
                self.status,
                self.error.as_deref().map(|e| format!(" ({e})")).unwrap_or_default()
            ),
            vec![
                when,
                "If it lasts, check the provider's service status (Microsoft 365 admin center → Health → Service health, or status.cloud.microsoft).".into(),
            ],
        );
        d.codes = std::iter::once(self.status.to_string()).chain(self.error.clone()).collect();
        d.retry_after_secs = self.retry_after.as_deref().and_then(|s| s.trim().parse().ok());
        d
    }
}
