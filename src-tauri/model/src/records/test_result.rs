//! What a test found, as kept per profile: kind, time, outcome, the
//! diagnosis code on failure and a one-line summary (never a secret).

use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum TestKind {
    Auth,
    Send,
    Imap,
}

impl TestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TestKind::Auth => "auth",
            TestKind::Send => "send",
            TestKind::Imap => "imap",
        }
    }

    /// In a sentence: "Last sign-in test failed".
    pub fn label(self) -> &'static str {
        match self {
            TestKind::Auth => "sign-in test",
            TestKind::Send => "test send",
            TestKind::Imap => "inbound check",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [TestKind::Auth, TestKind::Send, TestKind::Imap].into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TestResult {
    pub kind: TestKind,
    /// RFC 3339.
    pub at: String,
    pub ok: bool,
    /// The diagnosis code when it failed.
    pub code: Option<String>,
    pub summary: String,
    /// Whether the test before this one failed too (as read from the store;
    /// false for a result just made): a network failure that repeats is urgent,
    /// a single one may have passed by itself.
    pub failed_before: bool,
    /// Whether the test ran with the client secret stored now (as read from
    /// the store; true for a result just made): what it found about the
    /// secret no longer holds once the secret is replaced.
    #[serde(skip)]
    #[ts(skip)]
    pub current_secret: bool,
}

impl TestResult {
    /// How a failed result counts for attention: urgent, or only a warning
    /// (soon) for a single [`transient`](Self::transient) failure; None when it passed.
    pub fn failure_state(&self) -> Option<crate::profile::ExpiryState> {
        use crate::profile::ExpiryState;
        match (self.ok, self.transient() && !self.failed_before) {
            (true, _) => None,
            (false, true) => Some(ExpiryState::Soon),
            (false, false) => Some(ExpiryState::Urgent),
        }
    }

    /// Microsoft refused the client secret stored now as expired, whatever
    /// date is recorded for it.
    pub fn refused_secret(&self) -> bool {
        !self.ok && self.current_secret && self.code.as_deref().is_some_and(crate::diagnosis::secret_expired_code)
    }

    /// A failure the network may have caused and may clear by itself (the
    /// name did not resolve, the connection was refused or timed out, the
    /// provider was unavailable or throttling): a warning until it repeats.
    pub fn transient(&self) -> bool {
        !self.ok && self.code.as_deref().is_some_and(crate::diagnosis::transient_code)
    }
}
