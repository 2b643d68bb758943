//! Secret-expiry badges: days left and the state a colour is chosen from.

use serde::{Deserialize, Serialize};
use time::Date;
use ts_rs::TS;

/// ok (> 30 days) · soon (≤ 30) · urgent (≤ 7) · expired (past the date).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum ExpiryState {
    Ok,
    Soon,
    Urgent,
    Expired,
}

impl ExpiryState {
    pub fn as_str(self) -> &'static str {
        match self {
            ExpiryState::Ok => "ok",
            ExpiryState::Soon => "soon",
            ExpiryState::Urgent => "urgent",
            ExpiryState::Expired => "expired",
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
}

pub const SOON_DAYS: i64 = 30;
pub const URGENT_DAYS: i64 = 7;

/// A secret whose expiry date is `expires` is still valid during that day.
pub fn expiry_badge(expires: Date, today: Date) -> ExpiryBadge {
    let days_left = (expires - today).whole_days();
    let state = if days_left < 0 {
        ExpiryState::Expired
    } else if days_left <= URGENT_DAYS {
        ExpiryState::Urgent
    } else if days_left <= SOON_DAYS {
        ExpiryState::Soon
    } else {
        ExpiryState::Ok
    };
    ExpiryBadge { state, days_left }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn thresholds_at_their_edges() {
        let today = date!(2026 - 11 - 23);
        let at = |d| expiry_badge(d, today);
        assert_eq!(at(date!(2026 - 12 - 24)).state, ExpiryState::Ok);
        assert_eq!(at(date!(2026 - 12 - 23)).state, ExpiryState::Soon);
        assert_eq!(at(date!(2026 - 12 - 01)).state, ExpiryState::Soon);
        assert_eq!(at(date!(2026 - 11 - 30)).state, ExpiryState::Urgent);
        assert_eq!(at(date!(2026 - 11 - 23)), ExpiryBadge { state: ExpiryState::Urgent, days_left: 0 });
        assert_eq!(at(date!(2026 - 11 - 22)), ExpiryBadge { state: ExpiryState::Expired, days_left: -1 });
    }
}
