//! The expiry calendar (RFC 5545, via the `icalendar` crate): one all-day
//! event per client-secret and certificate expiry, with reminders at the "soon" and "urgent"
//! thresholds. UIDs are stable — the Secret ID, or the profile when the ID is
//! unknown — so importing the file again updates events instead of adding
//! copies; a secret retired by a rotation comes back as a cancelled event.

use crate::error::Result;
use crate::profile::Profile;
use icalendar::{Alarm, Calendar, Component, Event, EventLike, EventStatus};

/// Where Entra manages an app's secrets (Certificates & secrets blade).
pub fn secrets_blade_url(client_id: &str) -> String {
    format!("https://entra.microsoft.com/#view/Microsoft_AAD_RegisteredApps/ApplicationMenuBlade/~/Credentials/appId/{client_id}")
}

fn uid(p: &Profile, secret_id: Option<&str>) -> String {
    match secret_id {
        Some(id) => format!("secret-{id}@mailwarden"),
        None => format!("secret-profile-{}@mailwarden", p.id),
    }
}

fn naive(d: time::Date) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(d.year(), u8::from(d.month()) as u32, d.day() as u32).expect("a valid date")
}

/// A certificate's end as an all-day event with the thresholds' reminders
/// (its UID the thumbprint: a rotation's new certificate is a new event).
fn certificate_event(p: &Profile, thumbprint: &str, end: time::Date, t: &crate::profile::Thresholds) -> Event {
    let blade = secrets_blade_url(&p.client_id);
    let reminder = |days: i64| {
        Alarm::display(
            &format!("Certificate for {} expires in {}", p.name, crate::diagnosis::plural(days, "day")),
            -chrono::Duration::days(days),
        )
    };
    Event::new()
        .uid(&format!("certificate-{thumbprint}@mailwarden"))
        .summary(&format!("Certificate expires: {}", p.name))
        .description(&format!(
            "The certificate {thumbprint} of app {} (profile “{}”, mailbox {}) expires today; mail stops with it.\nRotate it in Mailwarden (it adds the new one to the app), or upload a new one in Entra (Certificates & secrets → Certificates): {blade}",
            p.client_id, p.name, p.mailbox
        ))
        .starts(naive(end))
        .ends(naive(end) + chrono::Days::new(1))
        .status(EventStatus::Confirmed)
        .alarm(reminder(t.soon_days))
        .alarm(reminder(t.urgent_days))
        .done()
}

impl super::Watch<'_> {
    /// The calendar of every enabled profile's secret expiries, as ICS text.
    pub fn expiry_calendar(&self) -> Result<String> {
        let t = self.thresholds();
        let mut cal = Calendar::new();
        cal.name("Mailwarden: client secret and certificate expiries");
        for s in self.store.list()?.iter().filter(|s| s.profile.enabled) {
            let p = &s.profile;
            if s.has_certificate {
                if let Some((thumbprint, end, _)) = self.certificate_end(p.id)? {
                    cal.push(certificate_event(p, &thumbprint, end, &t));
                }
            }
            if !s.has_client_secret {
                continue;
            }
            if let Some(expires) = p.client_secret_expires {
                let blade = secrets_blade_url(&p.client_id);
                let event = Event::new()
                    .uid(&uid(p, p.client_secret_id.as_deref()))
                    .summary(&format!("Client secret expires: {}", p.name))
                    .description(&format!(
                        "The client secret{} of app {} (profile “{}”, mailbox {}) expires today; mail stops with it.\nCreate a new one in Entra (Certificates & secrets → New client secret): {blade}\nThen use Rotate secret in Mailwarden.",
                        p.client_secret_id.as_deref().map(|i| format!(" {i}")).unwrap_or_default(),
                        p.client_id,
                        p.name,
                        p.mailbox
                    ))
                    .starts(naive(expires))
                    .ends(naive(expires) + chrono::Days::new(1))
                    .status(EventStatus::Confirmed)
                    .alarm(Alarm::display(
                        &format!("Secret for {} expires in {}", p.name, crate::diagnosis::plural(t.soon_days, "day")),
                        -chrono::Duration::days(t.soon_days),
                    ))
                    .alarm(Alarm::display(
                        &format!("Secret for {} expires in {}", p.name, crate::diagnosis::plural(t.urgent_days, "day")),
                        -chrono::Duration::days(t.urgent_days),
                    ))
                    .done();
                cal.push(event);
            }
            for old in self.store.secret_history(p.id)?.iter().filter(|r| r.retired_at.is_some()) {
                let (Some(id), Some(date)) = (old.secret_id.as_deref(), old.expires_on.as_deref()) else { continue };
                let Ok(date) = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d") else { continue };
                if p.client_secret_id.as_deref() == Some(id) {
                    continue;
                }
                cal.push(
                    Event::new()
                        .uid(&uid(p, Some(id)))
                        .summary(&format!("Client secret retired: {}", p.name))
                        .starts(date)
                        .ends(date + chrono::Days::new(1))
                        .status(EventStatus::Cancelled)
                        .done(),
                );
            }
        }
        Ok(cal.done().to_string())
    }
}
