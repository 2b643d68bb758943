//! Search and filter over profile views (the list pane and `profile list`).

use super::{AuthMethod, ExpiryState, ProfileRow, Provider, Thresholds};
use serde::Deserialize;
use time::Date;
use ts_rs::TS;

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct ProfileQuery {
    /// Case-insensitive words, all of which must appear in the name, mailbox,
    /// From, notes, client ID, tenant or a server host.
    pub text: String,
    pub provider: Option<Provider>,
    pub auth_method: Option<AuthMethod>,
    pub enabled: Option<bool>,
    /// Keep only profiles whose client secret is in this state.
    pub expiry: Option<ExpiryState>,
    /// The order of the matches (by name unless asked).
    pub sort: ListSort,
}

/// How the list is ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ListSort {
    /// By name, folded (the default).
    #[default]
    Name,
    /// Most urgent first: expired and soonest-expiring client secrets, then
    /// failing tests, then the rest; by name within each.
    Urgency,
}

impl ListSort {
    pub const ALL: &'static [ListSort] = &[ListSort::Name, ListSort::Urgency];
    pub fn as_str(self) -> &'static str {
        match self {
            ListSort::Name => "name",
            ListSort::Urgency => "urgency",
        }
    }
    pub fn parse(s: &str) -> Option<ListSort> {
        ListSort::ALL.iter().copied().find(|x| x.as_str() == s)
    }
}

impl ProfileQuery {
    pub fn is_empty(&self) -> bool {
        self.text.trim().is_empty()
            && self.provider.is_none()
            && self.auth_method.is_none()
            && self.enabled.is_none()
            && self.expiry.is_none()
    }
}

fn contains_ci(haystack: &str, lower_needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), lower_needle.as_bytes());
    let Some((&first, rest)) = n.split_first() else { return true };
    // ASCII fast path (the fields searched are overwhelmingly ASCII): find
    // the first letter in either case with SIMD, then compare the rest.
    if haystack.is_ascii() && lower_needle.is_ascii() {
        let Some(last) = h.len().checked_sub(n.len()) else { return false };
        return memchr::memchr2_iter(first, first.to_ascii_uppercase(), &h[..=last])
            .any(|i| h[i + 1..i + n.len()].eq_ignore_ascii_case(rest));
    }
    haystack.to_lowercase().contains(lower_needle)
}

/// A query prepared once and tested against many profiles without cloning them.
pub struct Matcher<'q> {
    q: &'q ProfileQuery,
    words: Vec<String>,
    today: Date,
    thresholds: Thresholds,
}

impl<'q> Matcher<'q> {
    pub fn new(q: &'q ProfileQuery, today: Date, thresholds: Thresholds) -> Self {
        Matcher { q, words: q.text.split_whitespace().map(str::to_lowercase).collect(), today, thresholds }
    }

    pub fn matches(&self, p: &ProfileRow) -> bool {
        let q = self.q;
        q.provider.is_none_or(|x| p.provider == x)
            && q.auth_method.is_none_or(|x| p.auth_method == x)
            && q.enabled.is_none_or(|x| p.enabled == x)
            && q.expiry.is_none_or(|x| p.credential_badge(self.today, &self.thresholds).is_some_and(|b| b.state == x))
            && self.matches_text(p)
    }

    fn matches_text(&self, p: &ProfileRow) -> bool {
        let fields = [&p.name, &p.mailbox, &p.searched];
        self.words.iter().all(|w| fields.iter().any(|f| contains_ci(f, w)))
    }
}

#[cfg(test)]
mod tests {
    use super::contains_ci;
    use proptest::prelude::*;

    #[test]
    fn finds_words_in_any_case_anywhere() {
        assert!(contains_ci("Invoices@Contoso.com", "invoices"));
        assert!(contains_ci("Invoices@Contoso.com", "contoso.com"), "at the very end");
        assert!(contains_ci("abc", ""));
        assert!(!contains_ci("ab", "abc"), "needle longer than the field");
        assert!(!contains_ci("", "a"));
        assert!(contains_ci("Rechnungsprüfung", "prüfung"), "non-ASCII falls back");
        assert!(contains_ci("ÄRGER", "ärger"));
    }

    proptest! {
        #[test]
        fn agrees_with_lowercasing_both(h in "[a-zA-Z0-9@. ]{0,40}", n in "[a-zA-Z0-9@.]{0,6}") {
            let n = n.to_lowercase();
            prop_assert_eq!(contains_ci(&h, &n), h.to_lowercase().contains(&n));
        }
    }
}
