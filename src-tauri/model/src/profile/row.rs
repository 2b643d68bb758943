//! The profile list's rows: what a row of the list pane draws and what its
//! search reads — 14 of a profile's 28 columns, read without the rest. The
//! editor loads the whole profile by id, so 10,000 rows are read and
//! allocated at half the cost (no scopes, URLs, ports or timestamps).

use super::{AuthMethod, ExpiryBadge, Provider, SendMethod};
use crate::records::TestResult;
use serde::Serialize;
use std::sync::Arc;
use time::Date;
use ts_rs::TS;

/// One profile as the list knows it, as stored (shared by the cached list
/// and every summary made from it).
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProfileRow {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    pub enabled: bool,
    pub provider: Provider,
    pub auth_method: AuthMethod,
    pub send_method: SendMethod,
    pub mailbox: String,
    pub has_client_secret: bool,
    pub has_password: bool,
    /// The latest Test sign-in / Send test / Check inbound, if any.
    pub last_test: Option<TestResult>,
    /// Read for the expiry badge and filter; the badge is what is shown.
    #[serde(skip)]
    #[ts(skip)]
    pub client_secret_expires: Option<Date>,
    /// A certificate credential's end (its UTC date), for the same badge.
    #[serde(skip)]
    #[ts(skip)]
    pub certificate_end: Option<Date>,
    /// Searched, not shown: From, notes, client ID, tenant, SMTP and IMAP
    /// host, each followed by a newline (one allocation; a search word holds
    /// no whitespace, so no match spans two fields).
    #[serde(skip)]
    #[ts(skip)]
    pub searched: String,
}

impl ProfileRow {
    /// The client secret's badge as of `today` ([`super::secret_badge`]).
    pub fn secret_badge(&self, today: Date, t: &super::Thresholds) -> Option<ExpiryBadge> {
        let refused = self.last_test.as_ref().is_some_and(TestResult::refused_secret);
        super::secret_badge(self.client_secret_expires, refused, today, t)
    }

    /// The badge of the credential it signs in with ([`super::credential_badge`]).
    pub fn credential_badge(&self, today: Date, t: &super::Thresholds) -> Option<ExpiryBadge> {
        let refused = self.last_test.as_ref().is_some_and(TestResult::refused_secret);
        super::credential_badge(self.certificate_end, self.client_secret_expires, refused, today, t)
    }
}

/// A row of the profile list with its badge as of today.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProfileSummary {
    #[serde(flatten)]
    pub row: Arc<ProfileRow>,
    pub secret_expiry: Option<ExpiryBadge>,
}
