//! The expiry watch: what needs attention before mail stops — client secrets
//! and certificates near their expiry, refresh tokens near Microsoft's 90-day idle limit,
//! grants the provider declared dead, failing tests — each with its state,
//! its action, and a stable key so a notification fires once per threshold.
//! The attention panel, desktop notifications, `mailwarden check` and the
//! calendar all read from here; every date goes through the clock.

pub mod calendar;
mod certificate;
pub mod graph_secrets;
pub use crate::profile::severity;
pub use crate::records::secret_history as history;
pub mod keepalive;
pub mod portal_row;
pub mod rotate;
#[cfg(test)]
mod tests;

use crate::clock::local_date;
use crate::error::Result;
use crate::oauth::TokenRecord;
use crate::profile::StoredProfile;
use crate::profile::{AuthMethod, ExpiryState, Thresholds};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum AttentionKind {
    Secret,
    /// The certificate an app-only profile signs in with.
    Certificate,
    RefreshToken,
    Reconnect,
    Test,
    /// The relay holds messages for the profile, or a device sends through it while it fails.
    Relay,
}

/// What the person can do about it (a button in the panel).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum AttentionAction {
    RotateSecret,
    /// Make a new certificate and put it in the app's place (Sign in step).
    RotateCertificate,
    /// Record the secret's expiry (the portal row, or Graph).
    SecretExpiry,
    Reconnect,
    Test,
    /// Open the relay's queue (held messages).
    RelayQueue,
    /// Open the relay's devices (one let in from too wide a range).
    RelayDevices,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AttentionItem {
    #[ts(type = "number")]
    pub profile_id: i64,
    pub profile_name: String,
    pub kind: AttentionKind,
    pub state: ExpiryState,
    /// Days until the secret expires / the refresh token is dropped.
    #[ts(type = "number | null")]
    pub days_left: Option<i64>,
    pub title: String,
    pub detail: String,
    pub action: AttentionAction,
    /// Stable for one secret / token / failure: notifications are keyed by it.
    pub item: String,
}

/// The refresh token's last refresh (or sign-in) as a local date, and the
/// whole days from then to `today` — the idle time Microsoft's rule counts.
pub(crate) fn idle_since(tok: &TokenRecord, today: Date, zone: &jiff::tz::TimeZone) -> Option<(Date, i64)> {
    let last = OffsetDateTime::parse(tok.last_refresh(), &Rfc3339).ok().map(|t| local_date(t, zone))?;
    Some((last, (today - last).whole_days()))
}

crate::context::service!(
    /// The expiry watch: attention items, notices once per threshold, the
    /// keep-alive, the calendar, secrets read from Graph and rotation.
    Watch
);

impl Watch<'_> {
    /// The profile's client secrets, current and retired (never values).
    pub fn secret_history(&self, id: i64) -> Result<Vec<crate::watch::history::SecretRecord>> {
        self.store.get(id)?;
        self.store.secret_history(id)
    }

    /// Everything that needs attention now, worst first.
    pub fn attention(&self) -> Result<Vec<AttentionItem>> {
        self.attention_at(self.clock.today(), &self.thresholds())
    }

    /// The attention items of one profile (its own and the relay's for it),
    /// without looking at the others.
    pub fn attention_of(&self, id: i64) -> Result<Vec<AttentionItem>> {
        let mut items = Vec::new();
        let s = self.store.get(id)?;
        if s.profile.enabled {
            self.items_for(&s, self.clock.today(), &self.thresholds(), &self.clock.zone(), &mut items)?;
        }
        let relay = self.relay_items(&items)?;
        items.extend(relay.into_iter().filter(|i| i.profile_id == id));
        items.sort_by_key(|i| severity(i.state));
        Ok(items)
    }

    /// As [`Self::attention`] for a given day and thresholds (`check --as-of`).
    pub fn attention_at(&self, today: Date, t: &Thresholds) -> Result<Vec<AttentionItem>> {
        let zone = self.clock.zone();
        let mut items = Vec::new();
        for s in self.store.list()?.iter().filter(|s| s.profile.enabled) {
            self.items_for(s, today, t, &zone, &mut items)?;
        }
        items.extend(self.relay_items(&items)?);
        items.sort_by(|a, b| {
            (severity(a.state), a.days_left.unwrap_or(i64::MIN), &a.profile_name).cmp(&(
                severity(b.state),
                b.days_left.unwrap_or(i64::MIN),
                &b.profile_name,
            ))
        });
        Ok(items)
    }

    /// The relay's held messages per profile, and devices sending through a
    /// profile that fails now (from `profile_items`). Looking creates nothing
    /// on disk (no relay folder: no items).
    fn relay_items(&self, profile_items: &[AttentionItem]) -> Result<Vec<AttentionItem>> {
        let mut out = Vec::new();
        let mut held: std::collections::BTreeMap<i64, Vec<crate::diagnosis::Diagnosis>> = Default::default();
        for m in self.store.spool().list()? {
            if let Some(d) = m.state.held {
                held.entry(m.envelope.profile_id).or_default().push(d);
            }
        }
        let name_of = |id: i64| self.store.get(id).map(|v| v.profile.name).unwrap_or_else(|_| format!("profile {id}"));
        for (profile_id, diags) in held {
            let name = name_of(profile_id);
            out.push(AttentionItem {
                profile_id,
                profile_name: name,
                kind: AttentionKind::Relay,
                state: ExpiryState::Urgent,
                days_left: None,
                title: format!("{} held by the relay", crate::diagnosis::plural(diags.len() as i64, "message")),
                detail: format!("{}. Fix it, then retry them from the relay's queue.", diags[0].title),
                action: AttentionAction::RelayQueue,
                item: format!("relay-held:{profile_id}"),
            });
        }
        // A mailbox the relay's POP3 or IMAP front could not open when a
        // device last asked: the device's program gets nothing until it is fixed.
        for (profile_id, s) in mailwarden_store::inbound::inbound_states(self.store.data_dir()) {
            let Some(why) = s.failure else { continue };
            let name = name_of(profile_id);
            out.push(AttentionItem {
                profile_id,
                profile_name: name,
                kind: AttentionKind::Relay,
                state: ExpiryState::Soon,
                days_left: None,
                title: format!("Relay device “{}” cannot fetch its mailbox", s.device),
                detail: format!(
                    "{why} (at {}). Its mail program gets nothing until this is fixed; the next fetch tries again.",
                    s.failed_at.as_deref().map(|t| t.replace('T', " ")).unwrap_or_default()
                ),
                action: AttentionAction::RelayDevices,
                item: format!("relay-inbound:{profile_id}"),
            });
        }
        for d in self.store.relay_devices()? {
            if let Some(w) = &d.device.warning {
                out.push(AttentionItem {
                    profile_id: d.device.profile_id,
                    profile_name: d.device.profile_name.clone(),
                    kind: AttentionKind::Relay,
                    state: if d.device.has_password { ExpiryState::Soon } else { ExpiryState::Urgent },
                    days_left: None,
                    title: format!("Relay device “{}” is let in from a wide range", d.device.name),
                    detail: w.clone(),
                    action: AttentionAction::RelayDevices,
                    item: format!("relay-range:{}:{}", d.device.id, d.device.allowed.join(",")),
                });
            }
            let failing = profile_items.iter().find(|i| {
                i.profile_id == d.device.profile_id
                    && matches!(i.kind, AttentionKind::Reconnect | AttentionKind::Test)
                    && matches!(i.state, ExpiryState::Urgent | ExpiryState::Expired)
            });
            if let Some(f) = failing {
                out.push(AttentionItem {
                    kind: AttentionKind::Relay,
                    title: format!("Relay device “{}” sends through a failing profile", d.device.name),
                    detail: f.title.clone(),
                    item: format!("relay-device:{}:{}", d.device.id, f.item),
                    ..f.clone()
                });
            }
        }
        Ok(out)
    }

    fn items_for(
        &self,
        s: &StoredProfile,
        today: Date,
        t: &Thresholds,
        zone: &jiff::tz::TimeZone,
        out: &mut Vec<AttentionItem>,
    ) -> Result<()> {
        let p = &s.profile;
        let base = |kind, state, days_left, title: String, detail: String, action, item: String| AttentionItem {
            profile_id: p.id,
            profile_name: p.name.clone(),
            kind,
            state,
            days_left,
            title,
            detail,
            action,
            item,
        };
        let refused = s.last_test.as_ref().filter(|t| t.refused_secret());
        // The secret as the portal lists it: by its description, else its Secret ID
        // (read only for a profile that has something to say about it).
        let badge = s.secret_badge(today, t);
        let says =
            s.has_client_secret && (badge.as_ref().is_none_or(|b| b.state != ExpiryState::Ok) || refused.is_some());
        let secret_name = if says { self.secret_named(p)? } else { String::new() };
        match (s.has_client_secret, badge, refused) {
            (true, Some(b), Some(test)) => out.push(base(
                AttentionKind::Secret,
                b.state,
                Some(b.days_left),
                b.text.to_string(),
                format!(
                    "Microsoft refused the client secret{secret_name} of app {} as expired in the {} ({}){}. Create a new one in Entra and rotate it here.",
                    p.client_id,
                    test.kind.label(),
                    test.at,
                    p.client_secret_expires.map(|d| format!(", whatever the date recorded here ({d}) says")).unwrap_or_default(),
                ),
                AttentionAction::RotateSecret,
                format!("secret-refused:{}:{}:{}", p.id, p.client_secret_id.as_deref().unwrap_or("-"), test.at),
            )),
            (true, Some(b), None) if b.state != ExpiryState::Ok => {
                let verb = if b.days_left < 0 { "expired" } else { "expires" };
                let expires = p.client_secret_expires.map(|d| d.to_string()).unwrap_or_default();
                out.push(base(
                    AttentionKind::Secret,
                    b.state,
                    Some(b.days_left),
                    b.text.to_string(),
                    format!(
                        "The client secret{secret_name} of app {} {verb} on {expires}; mail stops then. Create a new one in Entra and rotate it here.",
                        p.client_id
                    ),
                    AttentionAction::RotateSecret,
                    format!("secret:{}:{}:{expires}", p.id, p.client_secret_id.as_deref().unwrap_or("-")),
                ))
            }
            _ => {}
        }
        if s.has_client_secret && p.client_secret_expires.is_none() && refused.is_none() {
            out.push(base(
                AttentionKind::Secret,
                ExpiryState::Unknown,
                None,
                "Client secret expiry unknown".into(),
                format!(
                    "The expiry date of the client secret{secret_name} of app {} is not recorded, so Mailwarden cannot warn before it stops mail. Paste its row from Certificates & secrets (it fills the Secret ID and the date), or read it from Microsoft Graph.",
                    p.client_id
                ),
                AttentionAction::SecretExpiry,
                format!("secret-unknown:{}:{}", p.id, p.client_secret_id.as_deref().unwrap_or("-")),
            ));
        }
        if s.has_certificate {
            out.extend(self.certificate_item(p, today, t)?);
        }
        if p.auth_method.is_delegated() || p.auth_method == AuthMethod::ClientCredentials {
            if let Some(tok) = self.store.token_record(p.id)? {
                if tok.needs_reconnect {
                    out.push(base(
                        AttentionKind::Reconnect,
                        ExpiryState::Expired,
                        None,
                        "Sign-in no longer valid".into(),
                        "The provider refused the stored refresh token (invalid_grant): it was revoked, expired or the password changed. Connect again.".into(),
                        AttentionAction::Reconnect,
                        format!("reconnect:{}:{}", p.id, tok.obtained_at),
                    ));
                } else if let Some(rule) = crate::providers::refresh_token_rule(p.provider).filter(|_| {
                    tok.has_refresh_token && p.auth_method.is_delegated() && !p.auth_method.needs_no_connect()
                }) {
                    if let Some((last, idle)) = idle_since(&tok, today, zone) {
                        let left = rule.idle_limit_days - idle;
                        let state = if left < 0 {
                            ExpiryState::Expired
                        } else if left <= t.urgent_days {
                            ExpiryState::Urgent
                        } else if idle >= rule.warn_from_days {
                            ExpiryState::Soon
                        } else {
                            ExpiryState::Ok
                        };
                        if state != ExpiryState::Ok {
                            out.push(base(
                                AttentionKind::RefreshToken,
                                state,
                                Some(left),
                                format!("Refresh token unused for {}", crate::diagnosis::plural(idle, "day")),
                                format!(
                                    "{} (last refreshed {last}). Run Test now — or the keep-alive on a timer — to keep it alive; if it is already dropped, reconnect.",
                                    rule.text
                                ),
                                if left < 0 { AttentionAction::Reconnect } else { AttentionAction::Test },
                                format!("rt:{}:{}", p.id, tok.last_refresh()),
                            ));
                        }
                    }
                }
            }
        }
        // A refused secret is said once, above, with its action.
        if let Some((last, state)) =
            s.last_test.as_ref().filter(|r| !r.refused_secret()).and_then(|r| Some((r, r.failure_state()?)))
        {
            // One network failure may pass by itself: a warning until it repeats.
            let once = state == ExpiryState::Soon;
            out.push(base(
                AttentionKind::Test,
                state,
                None,
                format!("Last {} failed", last.kind.label()),
                if once {
                    format!("{} ({}). A network failure can pass by itself: test again; it counts as urgent if the next test fails too.", last.summary, last.at)
                } else {
                    format!("{} ({}).", last.summary, last.at)
                },
                AttentionAction::Test,
                format!("test:{}:{}", p.id, last.at),
            ));
        }
        Ok(())
    }

    /// " “description”" of the profile's current secret, else " SECRET-ID", else "".
    fn secret_named(&self, p: &crate::profile::Profile) -> Result<String> {
        let current = self.store.secret_history(p.id)?.into_iter().find(|r| r.retired_at.is_none());
        Ok(match (current.map(|r| r.description).filter(|d| !d.is_empty()), p.client_secret_id.as_deref()) {
            (Some(d), _) => format!(" “{d}”"),
            (None, Some(id)) => format!(" {id}"),
            (None, None) => String::new(),
        })
    }

    /// The items that crossed a threshold since they were last announced:
    /// each (item, state) is returned once, ever — remembered in the store.
    pub fn due_notices(&self) -> Result<Vec<AttentionItem>> {
        let now = crate::clock::rfc3339(self.clock.now());
        let mut due = Vec::new();
        for item in self.attention()? {
            if self.store.mark_notice(&item.item, item.state.as_str(), &now)? {
                due.push(item);
            }
        }
        Ok(due)
    }
}
