//! Expiry states: days left and the state a colour is chosen from, by the
//! thresholds the person set (30 and 7 days unless changed).

use serde::{Deserialize, Serialize};
use time::Date;
use ts_rs::TS;

/// ok · soon (≤ `soon_days`) · urgent (≤ `urgent_days`) · expired (past the
/// date) · unknown (no date recorded: not soon, and not fine either — the
/// watch asks for the date).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum ExpiryState {
    Ok,
    Soon,
    Urgent,
    Expired,
    Unknown,
}

impl ExpiryState {
    pub fn as_str(self) -> &'static str {
        match self {
            ExpiryState::Ok => "ok",
            ExpiryState::Soon => "soon",
            ExpiryState::Urgent => "urgent",
            ExpiryState::Expired => "expired",
            ExpiryState::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExpiryBadge {
    pub state: ExpiryState,
    /// Whole days from today to the expiry date; negative once expired.
    #[ts(type = "number")]
    pub days_left: i64,
    /// The badge in words ("Client secret expires in 3 days"), as every
    /// front end says it.
    #[ts(type = "string")]
    pub text: ExpiryText,
}

/// A client secret's expiry in words, written here once for the window, the
/// CLI, the attention panel and notifications. It holds only the days, so a
/// list of 10,000 badges allocates nothing until it is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiryText {
    /// By the recorded date: days left (negative once past).
    Days(i64),
    /// Microsoft refused the secret as expired, whatever the recorded date says.
    Refused,
    /// A certificate credential's end: days left (negative once past).
    Certificate(i64),
}

impl std::fmt::Display for ExpiryText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            ExpiryText::Days(n) => {
                let verb = if n < 0 { "expired" } else { "expires" };
                write!(f, "Client secret {verb} {}", days_text(n))
            }
            ExpiryText::Refused => f.write_str("Client secret expired: Microsoft refused it"),
            ExpiryText::Certificate(n) => {
                let verb = if n < 0 { "expired" } else { "expires" };
                write!(f, "Certificate {verb} {}", days_text(n))
            }
        }
    }
}

impl Serialize for ExpiryText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Whole days from today in words: "today", "tomorrow", "yesterday",
/// "in 3 days", "3 days ago" — the one wording of a distance in days.
pub fn days_text(n: i64) -> String {
    match n {
        0 => "today".into(),
        1 => "tomorrow".into(),
        -1 => "yesterday".into(),
        n if n < 0 => format!("{} days ago", n.unsigned_abs()),
        n => format!("in {n} days"),
    }
}

/// When an expiry becomes "soon" and "urgent", in days before it (settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Thresholds {
    #[ts(type = "number")]
    pub soon_days: i64,
    #[ts(type = "number")]
    pub urgent_days: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { soon_days: 30, urgent_days: 7 }
    }
}

impl Thresholds {
    /// The state of something with `days_left` whole days to go.
    pub fn state(&self, days_left: i64) -> ExpiryState {
        if days_left < 0 {
            ExpiryState::Expired
        } else if days_left <= self.urgent_days {
            ExpiryState::Urgent
        } else if days_left <= self.soon_days {
            ExpiryState::Soon
        } else {
            ExpiryState::Ok
        }
    }
}

/// A secret whose expiry date is `expires` is still valid during that day.
pub fn expiry_badge(expires: Date, today: Date, t: &Thresholds) -> ExpiryBadge {
    let days_left = (expires - today).whole_days();
    ExpiryBadge { state: t.state(days_left), days_left, text: ExpiryText::Days(days_left) }
}

/// The client secret's badge, one verdict for the list, the editor, the
/// setup steps and the watch: expired when Microsoft refused the secret
/// stored now as expired (`refused`), whatever date is recorded; otherwise by
/// its recorded date; none when no date is recorded (the watch asks for it).
pub fn secret_badge(expires: Option<Date>, refused: bool, today: Date, t: &Thresholds) -> Option<ExpiryBadge> {
    if refused {
        let days_left = expires.map_or(-1, |d| (d - today).whole_days().min(-1));
        return Some(ExpiryBadge { state: ExpiryState::Expired, days_left, text: ExpiryText::Refused });
    }
    expires.map(|d| expiry_badge(d, today, t))
}

/// The badge of the credential a profile signs in with: its certificate's
/// end when it has one (the certificate is then the credential), else its
/// client secret's ([`secret_badge`]).
pub fn credential_badge(
    certificate_end: Option<Date>,
    secret_expires: Option<Date>,
    refused: bool,
    today: Date,
    t: &Thresholds,
) -> Option<ExpiryBadge> {
    match certificate_end {
        Some(end) => {
            let days_left = (end - today).whole_days();
            Some(ExpiryBadge { state: t.state(days_left), days_left, text: ExpiryText::Certificate(days_left) })
        }
        None => secret_badge(secret_expires, refused, today, t),
    }
}

/// 0 for the worst (expired) to 4 (fine): the order of attention. An
/// unknown date comes after every known one that needs action.
pub fn severity(s: ExpiryState) -> u8 {
    match s {
        ExpiryState::Expired => 0,
        ExpiryState::Urgent => 1,
        ExpiryState::Soon => 2,
        ExpiryState::Unknown => 3,
        ExpiryState::Ok => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn thresholds_at_their_edges() {
        let today = date!(2026 - 11 - 23);
        let at = |d| expiry_badge(d, today, &Thresholds::default());
        assert_eq!(at(date!(2026 - 12 - 24)).state, ExpiryState::Ok);
        assert_eq!(at(date!(2026 - 12 - 23)).state, ExpiryState::Soon);
        assert_eq!(at(date!(2026 - 12 - 01)).state, ExpiryState::Soon);
        assert_eq!(at(date!(2026 - 11 - 30)).state, ExpiryState::Urgent);
        assert_eq!((at(date!(2026 - 11 - 23)).state, at(date!(2026 - 11 - 23)).days_left), (ExpiryState::Urgent, 0));
        assert_eq!((at(date!(2026 - 11 - 22)).state, at(date!(2026 - 11 - 22)).days_left), (ExpiryState::Expired, -1));
        let strict = Thresholds { soon_days: 60, urgent_days: 14 };
        assert_eq!(expiry_badge(date!(2027 - 01 - 10), today, &strict).state, ExpiryState::Soon);
        assert_eq!(expiry_badge(date!(2026 - 12 - 07), today, &strict).state, ExpiryState::Urgent);
    }

    #[test]
    fn microsofts_refusal_outranks_the_recorded_date() {
        let today = date!(2026 - 11 - 23);
        let t = Thresholds::default();
        let b = secret_badge(Some(date!(2027 - 06 - 01)), true, today, &t).unwrap();
        assert_eq!((b.state, b.days_left), (ExpiryState::Expired, -1));
        assert_eq!(b.text.to_string(), "Client secret expired: Microsoft refused it");
        let past = secret_badge(Some(date!(2026 - 11 - 01)), true, today, &t).unwrap();
        assert_eq!(past.days_left, -22, "a date already past keeps its days");
        assert_eq!(secret_badge(None, true, today, &t).unwrap().state, ExpiryState::Expired);
        assert_eq!(secret_badge(Some(date!(2027 - 06 - 01)), false, today, &t).unwrap().state, ExpiryState::Ok);
        assert_eq!(secret_badge(None, false, today, &t), None);
    }

    #[test]
    fn an_expiry_in_words() {
        let today = date!(2026 - 11 - 23);
        let text = |d| expiry_badge(d, today, &Thresholds::default()).text.to_string();
        assert_eq!(text(date!(2026 - 11 - 23)), "Client secret expires today");
        assert_eq!(text(date!(2026 - 11 - 24)), "Client secret expires tomorrow");
        assert_eq!(text(date!(2026 - 12 - 13)), "Client secret expires in 20 days");
        assert_eq!(text(date!(2026 - 11 - 22)), "Client secret expired yesterday");
        assert_eq!(text(date!(2026 - 11 - 21)), "Client secret expired 2 days ago");
        let json = serde_json::to_value(expiry_badge(date!(2026 - 11 - 21), today, &Thresholds::default())).unwrap();
        assert_eq!(json["text"], "Client secret expired 2 days ago");
    }
}
