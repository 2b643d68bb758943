//! A certificate credential in the watch: its end date (from the certificate
//! itself, kept beside it when it was made or brought in) as an attention
//! item at the soon and urgent thresholds and once expired — the same days,
//! states and notices as a client secret — and as a calendar event.

use super::{AttentionAction, AttentionItem, AttentionKind};
use crate::clock::local_date;
use crate::error::Result;
use crate::profile::{days_text, expiry_badge, ExpiryState, Profile, Thresholds};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

impl super::Watch<'_> {
    /// The certificate's end as a local date, and its thumbprint.
    pub(super) fn certificate_end(&self, id: i64, zone: &jiff::tz::TimeZone) -> Result<Option<(String, Date)>> {
        Ok(self.store.certificate_end(id)?.and_then(|(thumbprint, end)| {
            let end = OffsetDateTime::parse(&end, &Rfc3339).ok()?;
            Some((thumbprint, local_date(end, zone)))
        }))
    }

    /// The attention item of profile `p`'s certificate, when it needs one.
    pub(super) fn certificate_item(
        &self,
        p: &Profile,
        today: Date,
        t: &Thresholds,
        zone: &jiff::tz::TimeZone,
    ) -> Result<Option<AttentionItem>> {
        let Some((thumbprint, end)) = self.certificate_end(p.id, zone)? else { return Ok(None) };
        let badge = expiry_badge(end, today, t);
        if badge.state == ExpiryState::Ok {
            return Ok(None);
        }
        let n = badge.days_left;
        let (title, verb) = if n < 0 {
            (format!("Certificate expired {}", days_text(n)), "expired")
        } else {
            (format!("Certificate expires {}", days_text(n)), "expires")
        };
        Ok(Some(AttentionItem {
            profile_id: p.id,
            profile_name: p.name.clone(),
            kind: AttentionKind::Certificate,
            state: badge.state,
            days_left: Some(n),
            title,
            detail: format!(
                "The certificate {thumbprint} that app {} signs in with {verb} on {end}; mail stops then. Rotate it: Mailwarden makes a new one and puts it in the app's place.",
                p.client_id
            ),
            action: AttentionAction::RotateCertificate,
            item: format!("certificate:{}:{thumbprint}", p.id),
        }))
    }
}
