//! Test sends: a message with a searchable Message-ID, sent the way the
//! profile will send in production — SMTP (XOAUTH2 or PLAIN/LOGIN) or
//! Microsoft Graph `sendMail` — and the IMAP inbound check; throttling, the
//! token's claims checked first, and every outcome recorded per profile.

pub mod envelope;
pub mod graph;
mod graph_inbound;
pub mod graph_large;
pub mod graph_maildrop;
pub mod imap;
mod imap_log;
pub mod imap_upstream;
pub mod net;
pub mod pop3_upstream;
pub use crate::records::test_result as results;
pub mod smtp;
mod smtp_conn;
pub mod stream;
pub mod transport;

pub use results::{TestKind, TestResult};
pub use transport::{Delivered, Outgoing, Transport};

use crate::error::{CoreError, Result};
use crate::oauth::TokenNeed;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Seconds between two test sends of one profile (unless forced).
const THROTTLE: i64 = 10;
use serde::Serialize;
use ts_rs::TS;

/// What a successful test send reports.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SendReport {
    pub message_id: String,
    pub to: String,
    /// The server's final reply, e.g. `250 2.0.0 Ok: queued as 1745298C159`.
    pub reply: String,
    #[ts(type = "number")]
    pub elapsed_ms: u64,
    /// Commands and replies, credentials redacted.
    pub transcript: Vec<String>,
    /// What the token's claims said before sending (e.g. the wrong audience).
    pub warnings: Vec<String>,
}

/// The step of a test in flight, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum TestStep {
    Token,
    Connect,
    Tls,
    Auth,
    Send,
    List,
}

crate::context::service!(
    /// Test sends and the inbound check, each recorded as a test result.
    MailChecks
);

impl MailChecks<'_> {
    /// The latest result of a `kind` of test on profile `id`, if it ran.
    pub fn latest(&self, id: i64, kind: TestKind) -> Result<Option<TestResult>> {
        self.store.latest_test_of(id, kind)
    }

    /// Send a test message from profile `id` to `to` (default: its own
    /// mailbox). At most one per profile every 10 seconds unless `force`:
    /// Microsoft flags bursts of identical messages as spam.
    pub fn send_test(&self, id: i64, to: Option<&str>, force: bool) -> Result<SendReport> {
        self.send_test_observed(id, to, force, &mut |_| {}, None)
    }

    /// As [`Self::send_test`], telling `step` which step is in flight; setting
    /// `cancel` ends it within a fraction of a second.
    pub fn send_test_observed(
        &self,
        id: i64,
        to: Option<&str>,
        force: bool,
        step: &mut dyn FnMut(TestStep),
        cancel: Option<Arc<AtomicBool>>,
    ) -> Result<SendReport> {
        let p = self.store.get(id)?.profile;
        if !force {
            if let Some(last) = self.store.last_test_at(id, TestKind::Send)? {
                let wait = THROTTLE - (self.clock.now() - last).whole_seconds();
                if wait > 0 {
                    return Err(CoreError::TooSoon(format!(
                        "A test message was sent from “{}” moments ago; wait {wait} s before sending another (bursts look like spam to Microsoft), or send it anyway.",
                        p.name
                    )));
                }
            }
        }
        let result = self.send_test_now(&p, to, step, net::Limits::test(cancel));
        let at = crate::clock::local_time(self.clock.now(), &self.clock.zone());
        self.record(id, TestKind::Send, &result, |r| format!("Sent to {} at {at}", r.to));
        result
    }

    fn send_test_now(
        &self,
        p: &crate::profile::Profile,
        to: Option<&str>,
        step: &mut dyn FnMut(TestStep),
        limits: net::Limits,
    ) -> Result<SendReport> {
        let to = to.map(str::to_owned).unwrap_or_else(|| p.mailbox.clone());
        let (message_id, message) = smtp::test_message(p, &to, self.clock.now())?;
        let recipients = [to.clone()];
        let out = transport::Outgoing { from: p.effective_from(), to: &recipients, message: &message, smtputf8: false };
        let d = self.transport().send(p, &out, step, limits)?;
        Ok(SendReport {
            message_id,
            to,
            reply: d.reply,
            elapsed_ms: d.elapsed_ms,
            transcript: d.transcript,
            warnings: d.warnings,
        })
    }
}

impl MailChecks<'_> {
    /// Log in over IMAP and list the folders (the inbound check).
    pub fn check_inbound(&self, id: i64) -> Result<imap::InboundReport> {
        self.check_inbound_observed(id, &mut |_| {}, None)
    }

    /// As [`Self::check_inbound`], telling `step` which step is in flight.
    pub fn check_inbound_observed(
        &self,
        id: i64,
        step: &mut dyn FnMut(TestStep),
        cancel: Option<Arc<AtomicBool>>,
    ) -> Result<imap::InboundReport> {
        let p = self.store.get(id)?.profile;
        step(TestStep::Token);
        // Recorded whatever fails, the sign-in included (as a test send is).
        let result = if p.send_method == crate::profile::SendMethod::Graph {
            // A Graph profile's token is for Graph: its inbox is read there.
            self.graph_inbox(&p, step, cancel.as_deref())
        } else {
            self.inbound_login(&p, TokenNeed::default().cancel(cancel.as_deref()), true)
                .and_then(|(login, _)| imap::check(&p, login, step, net::Limits::test(cancel)))
        };
        self.record(id, TestKind::Imap, &result, |r| match r.via {
            imap::InboundVia::Imap => format!("{} folders listed as {}", r.folders, r.mailbox),
            imap::InboundVia::Graph => {
                format!("{} messages in the inbox of {} (Graph)", r.messages.unwrap_or(0), r.mailbox)
            }
        });
        result
    }

    /// Read the inbox over Graph. A refusal of a cached token is tried once
    /// more with a fresh one: a permission granted since the token was issued
    /// is only in new tokens, and "grant it, then Test again" must work.
    fn graph_inbox(
        &self,
        p: &crate::profile::Profile,
        step: &mut dyn FnMut(TestStep),
        cancel: Option<&AtomicBool>,
    ) -> Result<imap::InboundReport> {
        let issued = self.tokens().access_token(p, TokenNeed::default().cancel(cancel))?;
        let claims = crate::oauth::claims::decode(crate::secret::ExposeSecret::expose_secret(&issued.token));
        if let Some(gap) = claims.and_then(|c| crate::oauth::consent_gap(p, &c, crate::oauth::Use::Imap)) {
            return Err(CoreError::Auth(Box::new(gap)));
        }
        match graph_inbound::inbox(p, &issued.token, step, cancel) {
            Err(e) if issued.from_cache && e.diagnosis().is_some_and(|d| d.code == "graph_access_denied") => {
                tracing::info!(profile = p.id, "Graph refused a cached token: trying a fresh one");
                let fresh = self.tokens().refresh_now(p.id)?;
                graph_inbound::inbox(p, &fresh.token, step, cancel)
            }
            r => r,
        }
    }

    /// Sign in to profile `id`'s IMAP server for the relay's IMAP front (a
    /// token that lives ten minutes more, or the password), within `within`;
    /// with the signed-in session, when its token expires (Unix seconds).
    pub fn imap_upstream(
        &self,
        id: i64,
        within: std::time::Duration,
    ) -> Result<(imap_upstream::Upstream, Option<i64>)> {
        let p = self.store.get(id)?.profile;
        if p.send_method == crate::profile::SendMethod::Graph {
            return Err(CoreError::Flow(format!(
                "“{}” reads its mailbox over Microsoft Graph, not IMAP: fetch it over the relay's POP3.",
                p.name
            )));
        }
        let (login, expires) = self.inbound_login(&p, TokenNeed::default().lasting(600), true)?;
        Ok((imap_upstream::open(&p, &login, within)?, expires))
    }

    /// Sign in to profile `id`'s POP3 server for the relay's POP3 front (as
    /// [`Self::imap_upstream`] signs in to its IMAP server), within `within`.
    pub fn pop3_upstream(&self, id: i64, within: std::time::Duration) -> Result<pop3_upstream::Pop3Upstream> {
        let p = self.store.get(id)?.profile;
        // POP's scope is not IMAP's: the server is the judge of the token.
        let (login, _) = self.inbound_login(&p, TokenNeed::default().lasting(600), false)?;
        pop3_upstream::Pop3Upstream::open(&p, &login, within)
    }

    /// How the inbound check and the relay's fronts sign in: the password,
    /// or a token as `need` asks (if `imap`, one that can do IMAP), with when
    /// it expires.
    fn inbound_login(
        &self,
        p: &crate::profile::Profile,
        need: TokenNeed<'_>,
        imap: bool,
    ) -> Result<(imap::Login, Option<i64>)> {
        if !p.auth_method.is_oauth() {
            let pw = self
                .store
                .read_secret(p.id, crate::secret::SecretKind::Password)?
                .ok_or_else(|| CoreError::invalid("password", "No password is stored for this profile."))?;
            return Ok((imap::Login::Password(pw), None));
        }
        let issued = self.tokens().access_token(p, need)?;
        let claims = crate::oauth::claims::decode(crate::secret::ExposeSecret::expose_secret(&issued.token));
        if let Some(gap) =
            claims.filter(|_| imap).and_then(|c| crate::oauth::consent_gap(p, &c, crate::oauth::Use::Imap))
        {
            return Err(CoreError::Auth(Box::new(gap)));
        }
        Ok((imap::Login::Bearer(issued.token), Some(issued.expires_at)))
    }
}

/// The test message: a Message-ID to search for, subject and body.
pub(crate) fn test_content(p: &crate::profile::Profile, now: time::OffsetDateTime) -> (String, String, String) {
    let domain = p.effective_from().rsplit_once('@').map(|(_, d)| d).unwrap_or("mailwarden.invalid");
    let message_id = format!("<mailwarden-test-{:x}-{}@{domain}>", now.unix_timestamp_nanos(), p.id);
    let when = now.format(&time::format_description::well_known::Rfc2822).unwrap_or_default();
    let body = format!(
        "This is a test message sent by Mailwarden from the profile “{}” at {when}.\r\nIf it arrived, this mail server profile can send.\r\n",
        p.name
    );
    (message_id, format!("Mailwarden test: {}", p.name), body)
}

impl crate::context::Context {
    /// Keep the outcome of a test (never a secret: the reply or the diagnosis).
    pub(crate) fn record<T>(&self, id: i64, kind: TestKind, r: &Result<T>, ok: impl Fn(&T) -> String) {
        let at = self.clock.now().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
        let entry = match r {
            Ok(v) => TestResult {
                kind,
                at,
                ok: true,
                code: None,
                summary: ok(v),
                failed_before: false,
                current_secret: true,
            },
            Err(e) => TestResult {
                kind,
                at,
                ok: false,
                code: Some(
                    e.diagnosis().map(|d| d.code.clone()).unwrap_or_else(|| format!("{:?}", e.code()).to_lowercase()),
                ),
                summary: e.diagnosis().map(|d| d.title.clone()).unwrap_or_else(|| e.to_string()),
                failed_before: false,
                current_secret: true,
            },
        };
        match &entry.code {
            None => tracing::info!(profile = id, kind = kind.as_str(), "test passed"),
            Some(code) => tracing::info!(profile = id, kind = kind.as_str(), diagnosis = %code, "test failed"),
        }
        // Bookkeeping: a failure to record never fails the test itself.
        if let Err(e) = self.store.record_test(id, &entry) {
            tracing::warn!(profile = id, error = %e, "test result not recorded");
        }
    }
}

/// Where a message's header block ends (after its last header line's CRLF);
/// the whole message when it has no body.
pub fn head_end(message: &[u8]) -> usize {
    message.windows(4).position(|w| w == b"\r\n\r\n").map_or(message.len(), |i| i + 2)
}
