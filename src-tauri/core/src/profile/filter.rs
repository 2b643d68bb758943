//! Search and filter over profile views (the list pane and `profile list`).

use super::{expiry_badge, AuthMethod, ExpiryState, Profile, Provider, Thresholds};
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
    // ASCII fast path: the fields searched are overwhelmingly ASCII.
    if haystack.is_ascii() && lower_needle.is_ascii() {
        let h = haystack.as_bytes();
        let n = lower_needle.as_bytes();
        return n.is_empty() || h.windows(n.len()).any(|w| w.iter().zip(n).all(|(a, b)| a.to_ascii_lowercase() == *b));
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

    pub fn matches(&self, p: &Profile) -> bool {
        let q = self.q;
        q.provider.is_none_or(|x| p.provider == x)
            && q.auth_method.is_none_or(|x| p.auth_method == x)
            && q.enabled.is_none_or(|x| p.enabled == x)
            && q.expiry.is_none_or(|x| {
                p.client_secret_expires.is_some_and(|d| expiry_badge(d, self.today, &self.thresholds).state == x)
            })
            && self.matches_text(p)
    }

    fn matches_text(&self, p: &Profile) -> bool {
        let fields = [
            p.name.as_str(),
            p.mailbox.as_str(),
            p.from_address.as_deref().unwrap_or(""),
            p.notes.as_str(),
            p.client_id.as_str(),
            p.tenant.as_str(),
            p.smtp_host.as_str(),
            p.imap_host.as_str(),
        ];
        self.words.iter().all(|w| fields.iter().any(|f| contains_ci(f, w)))
    }
}
