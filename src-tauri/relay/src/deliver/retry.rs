//! What a delivery attempt's result means for its message: sent, gone,
//! tried again later (with how long to wait), or held with its diagnosis.

use crate::diagnosis::Diagnosis;
use crate::error::CoreError;

/// The longest wait between two tries of one message.
const MAX_BACKOFF_SECS: i64 = 3600;

#[derive(Debug)]
pub(super) enum Outcome {
    Sent,
    /// Deleted from the queue meanwhile.
    Gone,
    /// Why, and how long the provider asked to wait (`Retry-After`).
    Retry(String, Option<u64>),
    Hold(Box<Diagnosis>),
}

impl Outcome {
    /// A failed send: retried when the network or the provider may clear it
    /// (refused, timed out, a 4xx, throttled), else held.
    pub(super) fn of_failure(e: CoreError) -> Outcome {
        match e {
            CoreError::Auth(d) if transient(&d) => {
                Outcome::Retry(format!("{}: {}", d.title, d.cause), d.retry_after_secs)
            }
            CoreError::Auth(d) => Outcome::Hold(d),
            e => Outcome::Retry(e.to_string(), None),
        }
    }
}

/// Whether a failure may clear by itself: throttling and outages, and an
/// SMTP server's 4xx reply (temporary, RFC 5321). Graph's answers carry
/// their HTTP status first, where a 4xx (403: a permission missing) is
/// no less final for being in the 400s; its throttling (429) and timeouts
/// are diagnosed as such already.
fn transient(d: &Diagnosis) -> bool {
    let smtp_temporary =
        !d.code.starts_with("graph_") && d.codes.first().is_some_and(|c| c.starts_with('4') && c.len() == 3);
    crate::diagnosis::transient_code(&d.code) || smtp_temporary
}

/// Seconds until the next try after `attempts` failed ones: 5 s, 10 s, 20 s …
/// up to an hour; longer if the provider `asked` (Retry-After), never past an hour.
pub(super) fn backoff_secs(attempts: u32, asked: Option<u64>) -> i64 {
    let doubling = 5i64 << attempts.saturating_sub(1).min(10);
    let asked = i64::try_from(asked.unwrap_or(0)).unwrap_or(i64::MAX);
    doubling.max(asked).min(MAX_BACKOFF_SECS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_to_an_hour_and_honours_retry_after() {
        let waits: Vec<i64> = (1..=12).map(|n| backoff_secs(n, None)).collect();
        assert_eq!(waits, [5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600]);
        assert_eq!(backoff_secs(1, Some(12)), 12, "the provider asked for longer");
        assert_eq!(backoff_secs(4, Some(12)), 40, "ours is longer already");
        assert_eq!(backoff_secs(1, Some(u64::MAX)), 3600, "never past an hour");
        assert_eq!(backoff_secs(0, None), 5, "a first try counted as none");
        assert_eq!(backoff_secs(u32::MAX, None), 3600);
    }

    #[test]
    fn a_failure_that_may_clear_is_retried_and_any_other_is_held() {
        let diagnosis = |code: &str, codes: &[&str]| {
            let mut d = Diagnosis::new(code, "Title", "cause", vec![]);
            d.codes = codes.iter().map(|c| c.to_string()).collect();
            d
        };
        let mut throttled = diagnosis("provider_throttled", &[]);
        throttled.retry_after_secs = Some(12);
        match Outcome::of_failure(CoreError::Auth(Box::new(throttled))) {
            Outcome::Retry(why, asked) => assert_eq!((why.as_str(), asked), ("Title: cause", Some(12))),
            o => panic!("throttling is temporary: {o:?}"),
        }
        assert!(matches!(
            Outcome::of_failure(CoreError::Auth(Box::new(diagnosis("smtp_rejected", &["451"])))),
            Outcome::Retry(_, None)
        ));
        match Outcome::of_failure(CoreError::Auth(Box::new(diagnosis("aadsts70008", &["535"])))) {
            Outcome::Hold(d) => assert_eq!(d.code, "aadsts70008"),
            o => panic!("a revoked grant does not clear by itself: {o:?}"),
        }
        assert!(matches!(Outcome::of_failure(CoreError::Flow("the network is down".into())), Outcome::Retry(_, None)));
        match Outcome::of_failure(CoreError::Auth(Box::new(diagnosis(
            "graph_access_denied",
            &["403", "ErrorAccessDenied"],
        )))) {
            Outcome::Hold(d) => assert_eq!(d.code, "graph_access_denied"),
            o => panic!("Graph's 403 (a permission missing) does not clear by itself: {o:?}"),
        }
    }
}
