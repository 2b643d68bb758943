//! Keep refresh tokens alive: Microsoft drops one after 90 days without use,
//! so any delegated connection idle for the configured number of days is
//! refreshed now (the running app does this on its schedule; `mailwarden
//! keepalive` does it from cron or a systemd timer).

use crate::error::{CoreError, Result};
use serde::Serialize;
use ts_rs::TS;

/// What happened to one connection.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct KeptAlive {
    #[ts(type = "number")]
    pub profile_id: i64,
    pub profile_name: String,
    #[ts(type = "number")]
    pub idle_days: i64,
    /// None when refreshed; else what went wrong (the diagnosis title).
    pub error: Option<String>,
}

impl super::Watch<'_> {
    /// Refresh every enabled delegated connection idle for `min_idle_days`
    /// or more (default: the setting). Failures are reported per profile and
    /// recorded as failing sign-in tests; the others still run.
    pub fn keepalive(&self, min_idle_days: Option<i64>) -> Result<Vec<KeptAlive>> {
        let min_idle = match min_idle_days {
            Some(d) => d,
            None => self.store.settings()?.keepalive_days,
        };
        let today = self.clock.today();
        let zone = self.clock.zone();
        let mut out = Vec::new();
        let rows = self.store.list()?;
        for s in rows.iter().filter(|s| {
            s.profile.enabled && s.profile.auth_method.is_delegated() && !s.profile.auth_method.needs_no_connect()
        }) {
            let Some(tok) = self.store.token_record(s.profile.id)? else { continue };
            if !tok.has_refresh_token || tok.needs_reconnect {
                continue;
            }
            let Some((_, idle_days)) = super::idle_since(&tok, today, &zone) else { continue };
            if idle_days < min_idle {
                continue;
            }
            let result = self.tokens().refresh_now(s.profile.id);
            let error = result
                .as_ref()
                .err()
                .map(|e: &CoreError| e.diagnosis().map(|d| d.title.clone()).unwrap_or_else(|| e.to_string()));
            self.record(s.profile.id, crate::mail::TestKind::Auth, &result, |_| "refreshed by keep-alive".to_owned());
            out.push(KeptAlive { profile_id: s.profile.id, profile_name: s.profile.name.clone(), idle_days, error });
        }
        Ok(out)
    }
}
