//! A row pasted from the Entra portal's *Certificates & secrets* table
//! (`Description  Expires  Value  Secret ID`, tab-separated when copied):
//! the description, the expiry in the portal's locale date, the value's hint
//! and the Secret ID. The portal shows a value in full only right after it is
//! created; later it is cut off (`WvR8Q~dbu...`), and such a value is never
//! taken as the secret.

use crate::error::{CoreError, Result};
use serde::{Deserialize, Serialize};
use time::{Date, Month};
use ts_rs::TS;

/// How to read an all-numeric date whose day and month are both ≤ 12.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum DateOrder {
    /// 4/5/2025 is 5 April (United States).
    MonthFirst,
    /// 4/5/2025 is 4 May (most of the world).
    DayFirst,
}

impl DateOrder {
    /// The order a person chose (day first, or month first), else this
    /// computer's locale's.
    pub fn chosen(day_first: Option<bool>) -> DateOrder {
        match day_first {
            Some(true) => DateOrder::DayFirst,
            Some(false) => DateOrder::MonthFirst,
            None => DateOrder::from_env(),
        }
    }

    /// From the locale in the environment (`LC_ALL`, `LC_TIME`, `LANG`):
    /// month first for the United States and a few others.
    pub fn from_env() -> DateOrder {
        let locale = ["LC_ALL", "LC_TIME", "LANG"]
            .iter()
            .filter_map(|k| std::env::var(k).ok())
            .find(|v| !v.is_empty())
            .unwrap_or_default();
        let region = locale.split(['.', '@']).next().unwrap_or("");
        if ["en_US", "en_PH", "en_CA", "es_US", "C", "POSIX", ""].contains(&region) {
            DateOrder::MonthFirst
        } else {
            DateOrder::DayFirst
        }
    }
}

/// What a pasted row says about one client secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PortalRow {
    pub description: String,
    /// `YYYY-MM-DD`.
    pub expires: String,
    /// Both day and month were ≤ 12: read by the locale's order; say so.
    pub date_was_ambiguous: bool,
    pub secret_id: String,
    /// The first three characters of the value.
    pub hint: Option<String>,
    /// The value was cut off by the portal (`...`): it cannot be the secret.
    pub value_truncated: bool,
}

use crate::profile::is_guid;

fn truncated(s: &str) -> bool {
    s.ends_with("...") || s.ends_with('…')
}

/// Parse a date as the portal shows it: `4/16/2025`, `16/04/2025`,
/// `16.04.2025`, `2025-04-16` (a trailing time is ignored). Returns the date
/// and whether its day/month order was a guess.
pub fn parse_portal_date(s: &str, order: DateOrder) -> Option<(Date, bool)> {
    let s = s.split([',', ' ', 'T']).next()?.trim();
    let nums: Vec<&str> = s.split(['/', '.', '-']).collect();
    if nums.len() != 3 || nums.iter().any(|n| n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let n: Vec<u32> = nums.iter().map(|x| x.parse().ok()).collect::<Option<_>>()?;
    let (y, a, b, ambiguous) = if nums[0].len() == 4 {
        (n[0], n[1], n[2], false) // ISO: year-month-day
    } else if nums[2].len() == 4 {
        let ambiguous = n[0] <= 12 && n[1] <= 12 && n[0] != n[1];
        let month_first = match (n[0] > 12, n[1] > 12) {
            (true, false) => false,
            (false, true) => true,
            _ => order == DateOrder::MonthFirst,
        };
        if month_first {
            (n[2], n[0], n[1], ambiguous)
        } else {
            (n[2], n[1], n[0], ambiguous)
        }
    } else {
        return None;
    };
    let month = Month::try_from(u8::try_from(a).ok()?).ok()?;
    let date = Date::from_calendar_date(i32::try_from(y).ok()?, month, u8::try_from(b).ok()?).ok()?;
    Some((date, ambiguous))
}

/// Parse the first data row of `text` (a header row is skipped).
pub fn parse_portal_row(text: &str, order: DateOrder) -> Result<PortalRow> {
    let bad = |m: &str| CoreError::invalid("portalRow", m.to_owned());
    let line = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .find(|l| !(l.starts_with("Description") && l.contains("Secret ID")))
        .ok_or_else(|| bad("Nothing to read: copy the secret's row from Certificates & secrets and paste it here."))?;
    let cells: Vec<&str> = if line.contains('\t') {
        line.split('\t').map(str::trim).filter(|c| !c.is_empty()).collect()
    } else {
        line.split("  ").map(str::trim).filter(|c| !c.is_empty()).collect()
    };
    let cells = if cells.len() < 3 { line.split_whitespace().collect() } else { cells };
    let secret_id = cells.iter().rev().find(|c| is_guid(c)).copied().ok_or_else(|| {
        bad("No Secret ID found: the row should end with a GUID like 0667485f-2d81-4cef-97f8-723b3fec0642.")
    })?;
    let (date_cell, (date, ambiguous)) = cells
        .iter()
        .find_map(|c| parse_portal_date(c, order).map(|d| (*c, d)))
        .ok_or_else(|| bad("No expiry date found: the row should have the Expires column, e.g. 4/16/2025."))?;
    let value = cells.iter().find(|c| **c != secret_id && **c != date_cell && (c.contains('~') || truncated(c)));
    let description = cells
        .iter()
        .find(|c| **c != secret_id && **c != date_cell && Some(*c) != value)
        .map(|c| c.to_string())
        .unwrap_or_default();
    Ok(PortalRow {
        description,
        expires: date.to_string(),
        date_was_ambiguous: ambiguous,
        secret_id: secret_id.to_owned(),
        hint: value.map(|v| v.chars().take(3).collect()),
        value_truncated: value.is_some_and(|v| truncated(v)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const SEED: &str =
        "Documentation\t4/16/2025\tWvR8Q~dburnMyAJOayfq9DUm61D~M...\t0667485f-2d81-4cef-97f8-723b3fec0642";

    #[test]
    fn the_seed_row_from_the_portal() {
        let r = parse_portal_row(SEED, DateOrder::MonthFirst).unwrap();
        assert_eq!(r.description, "Documentation");
        assert_eq!(r.expires, "2025-04-16");
        assert!(!r.date_was_ambiguous, "16 cannot be a month");
        assert_eq!(r.secret_id, "0667485f-2d81-4cef-97f8-723b3fec0642");
        assert_eq!(r.hint.as_deref(), Some("WvR"));
        assert!(r.value_truncated);
        // The same row read in a day-first locale: 16 is still the day.
        assert_eq!(parse_portal_row(SEED, DateOrder::DayFirst).unwrap().expires, "2025-04-16");
        // With the header row copied too, and spaces instead of tabs.
        let spaced = format!("Description\tExpires\tValue ⓘ\tSecret ID\n{}", SEED.replace('\t', "   "));
        assert_eq!(parse_portal_row(&spaced, DateOrder::MonthFirst).unwrap(), r);
    }

    #[test]
    fn european_and_iso_dates_and_ambiguity() {
        let row = |d: &str| format!("Mail relay\t{d}\tAbc8Q~xyz...\t0667485f-2d81-4cef-97f8-723b3fec0642");
        let eu = parse_portal_row(&row("16.04.2025"), DateOrder::DayFirst).unwrap();
        assert_eq!(eu.expires, "2025-04-16");
        let iso = parse_portal_row(&row("2025-04-16"), DateOrder::DayFirst).unwrap();
        assert_eq!(iso.expires, "2025-04-16");
        let us = parse_portal_row(&row("4/5/2026"), DateOrder::MonthFirst).unwrap();
        assert_eq!((us.expires.as_str(), us.date_was_ambiguous), ("2026-04-05", true));
        let eu = parse_portal_row(&row("4/5/2026"), DateOrder::DayFirst).unwrap();
        assert_eq!(eu.expires, "2026-05-04");
        assert_eq!(
            parse_portal_date("12/31/2026, 10:00:00 AM", DateOrder::DayFirst),
            Some((date!(2026 - 12 - 31), false))
        );
        assert_eq!(parse_portal_date("31/02/2026", DateOrder::DayFirst), None, "no 31 February");
    }

    #[test]
    fn a_full_value_is_not_truncated_and_garbage_names_what_is_missing() {
        let full = "New\t11/23/2027\tAbc8Q~0123456789abcdefghijklmnopqrstuvwx\t0667485f-2d81-4cef-97f8-723b3fec0642";
        let r = parse_portal_row(full, DateOrder::MonthFirst).unwrap();
        assert!(!r.value_truncated && r.hint.as_deref() == Some("Abc"));
        for (text, needle) in [
            ("", "Nothing to read"),
            ("Documentation\t4/16/2025\tWvR8Q~dbu...", "No Secret ID"),
            ("Documentation\tWvR8Q~dbu...\t0667485f-2d81-4cef-97f8-723b3fec0642", "No expiry date"),
            ("hello world, this is not a row", "No Secret ID"),
        ] {
            let e = parse_portal_row(text, DateOrder::MonthFirst).unwrap_err();
            assert!(e.to_string().contains(needle) || format!("{e:?}").contains(needle), "{text}: {e:?}");
        }
    }
}

/// What applying a pasted row did.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RowApplied {
    pub row: PortalRow,
    pub profile: crate::profile::ProfileView,
}

impl crate::profiles::Profiles<'_> {
    /// Apply a row copied from Entra's Certificates & secrets table to
    /// profile `id`: the Secret ID, the expiry and the description (the
    /// secret's value is never taken from a row — the portal shows it cut).
    pub fn apply_portal_row(&self, id: i64, text: &str, order: DateOrder) -> Result<RowApplied> {
        let row = parse_portal_row(text, order)?;
        let mut d = self.profiles().draft(id)?;
        d.client_secret_id = row.secret_id.clone();
        d.client_secret_expires = row.expires.clone();
        d.client_secret = crate::secret::SecretChange::Keep;
        d.password = crate::secret::SecretChange::Keep;
        self.profiles().save(Some(id), &d)?;
        if !row.description.is_empty() {
            self.profiles().describe_secret(id, &row.description)?;
        }
        Ok(RowApplied { profile: self.profiles().get(id)?, row })
    }
}
