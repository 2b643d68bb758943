//! The one clock every date computation goes through, so tests can set "now"
//! and the time zone. Expiry dates are calendar days in the person's zone:
//! "today" is the local date, and day counts are between local dates, so a
//! DST change (a 23- or 25-hour day) never shifts a count by one.

use std::sync::Arc;
use time::{Date, OffsetDateTime};

pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;

    /// The zone dates are shown and counted in (the system's by default).
    fn zone(&self) -> jiff::tz::TimeZone {
        jiff::tz::TimeZone::system()
    }

    /// Today's date in [`Self::zone`].
    fn today(&self) -> Date {
        local_date(self.now(), &self.zone())
    }
}

/// The calendar date of instant `at` in `zone`.
pub fn local_date(at: OffsetDateTime, zone: &jiff::tz::TimeZone) -> Date {
    let ts = jiff::Timestamp::from_second(at.unix_timestamp()).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let d = ts.to_zoned(zone.clone()).date();
    let month = time::Month::try_from(d.month() as u8).unwrap_or(time::Month::January);
    Date::from_calendar_date(d.year() as i32, month, d.day() as u8).unwrap_or(at.date())
}

/// The time of day of instant `at` in `zone`, as HH:MM (for a sentence:
/// "Sent to bob@contoso.com at 09:20").
pub fn local_time(at: OffsetDateTime, zone: &jiff::tz::TimeZone) -> String {
    let ts = jiff::Timestamp::from_second(at.unix_timestamp()).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let t = ts.to_zoned(zone.clone()).time();
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// The real wall clock in the system's zone.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock stopped at one instant in a chosen zone, for tests and `--as-of`.
#[derive(Debug, Clone)]
pub struct FixedClock {
    pub now: OffsetDateTime,
    pub zone: jiff::tz::TimeZone,
}

impl FixedClock {
    /// Stopped at `now`, in the system's zone.
    pub fn at(now: OffsetDateTime) -> FixedClock {
        FixedClock { now, zone: jiff::tz::TimeZone::system() }
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        self.now
    }
    fn zone(&self) -> jiff::tz::TimeZone {
        self.zone.clone()
    }
}

pub type SharedClock = Arc<dyn Clock>;

pub fn system() -> SharedClock {
    Arc::new(SystemClock)
}

/// `at` as RFC 3339 (how the store keeps times).
pub fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339).unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn zone(posix: &str) -> jiff::tz::TimeZone {
        jiff::tz::TimeZone::posix(posix).unwrap()
    }

    #[test]
    fn today_is_the_local_date() {
        // 04:30 UTC on 7 March is still the 6th in New York, already the 7th in Berlin
        // and the 7th in Auckland (UTC+13 in its summer).
        let at = datetime!(2027-03-07 04:30 UTC);
        assert_eq!(local_date(at, &zone("EST5EDT,M3.2.0,M11.1.0")), date!(2027 - 03 - 06));
        assert_eq!(local_date(at, &zone("CET-1CEST,M3.5.0,M10.5.0/3")), date!(2027 - 03 - 07));
        assert_eq!(
            local_date(datetime!(2027-03-07 11:30 UTC), &zone("NZST-12NZDT,M9.5.0,M4.1.0/3")),
            date!(2027 - 03 - 08)
        );
    }
}
