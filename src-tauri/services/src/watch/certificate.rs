//! A certificate credential in the watch: its end date as an attention item
//! at the soon and urgent thresholds and once expired — the same days,
//! states and notices as a client secret — and as a calendar event. The end
//! is the certificate's own (kept beside it when it was made or brought in),
//! or Entra's for it when that comes first: `keyCredentials` may end a key
//! before its certificate does, and Entra refuses it then. Entra's is read
//! by the registration check and by reading the app's credentials; the UTC
//! date counts, as the list's badge counts it.

use super::{AttentionAction, AttentionItem, AttentionKind};
use crate::error::Result;
use crate::profile::{credential_badge, ExpiryState, Profile, Thresholds};
use time::Date;

impl super::Watch<'_> {
    /// The certificate's thumbprint and end (its UTC date, as the list's
    /// badge counts it), and whether that end is Entra's.
    pub(super) fn certificate_end(&self, id: i64) -> Result<Option<(String, Date, bool)>> {
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        Ok(self.store.certificate_end(id)?.and_then(|e| {
            let end = Date::parse(e.effective().get(..10)?, &fmt).ok()?;
            let by_entra = e.effective() != e.not_after;
            Some((e.thumbprint, end, by_entra))
        }))
    }

    /// The attention item of profile `p`'s certificate, when it needs one.
    pub(super) fn certificate_item(&self, p: &Profile, today: Date, t: &Thresholds) -> Result<Option<AttentionItem>> {
        let Some((thumbprint, end, by_entra)) = self.certificate_end(p.id)? else { return Ok(None) };
        let Some(badge) = credential_badge(Some(end), None, false, today, t).filter(|b| b.state != ExpiryState::Ok)
        else {
            return Ok(None);
        };
        let n = badge.days_left;
        let title = badge.text.to_string();
        let verb = if n < 0 { "expired" } else { "expires" };
        Ok(Some(AttentionItem {
            profile_id: p.id,
            profile_name: p.name.clone(),
            kind: AttentionKind::Certificate,
            state: badge.state,
            days_left: Some(n),
            title,
            detail: format!(
                "The certificate {thumbprint} that app {} signs in with {verb} on {end}{}; mail stops then. Rotate it: Mailwarden makes a new one and puts it in the app's place.",
                p.client_id,
                if by_entra { " in Entra (the app's key ends before the certificate does)" } else { "" }
            ),
            action: AttentionAction::RotateCertificate,
            item: format!("certificate:{}:{thumbprint}", p.id),
        }))
    }
}
