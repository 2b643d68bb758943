//! Entra's refusals of a certificate credential (a client assertion), each
//! in plain words with its fix. AADSTS700027 covers several causes; which
//! one is said only in the description's "[Reason - …]", so it is read there.

use super::{Context, Diagnosis};

const SECRETS: &str = "**Certificates & secrets**";

fn d(code: &str, title: &str, cause: &str, steps: Vec<String>) -> Diagnosis {
    Diagnosis::new(code.to_owned(), title, cause, steps)
}

/// The thumbprint Entra says the client used ("Thumbprint of key used by client: 'X'").
fn used_thumbprint(description: &str) -> Option<&str> {
    let rest = description.split("Thumbprint of key used by client: '").nth(1)?;
    rest.split('\'').next().filter(|t| !t.is_empty())
}

pub fn explain(n: u64, description: &str, c: &Context) -> Option<Diagnosis> {
    let blade = c.app_blade("Credentials");
    let upload = || {
        vec![
            format!("Open the app in Entra → {SECRETS} → **Certificates**: {blade}"),
            "Choose **Upload certificate** and upload this profile's public certificate (mailwarden certificate export-public, or Export the certificate in the profile's Sign in step).".into(),
            "Test the sign-in again (an upload takes a minute or two to reach every server).".into(),
        ]
    };
    let reason = description.to_ascii_lowercase();
    Some(match n {
        700027 if reason.contains("key used is expired") => d(
            "aadsts700027_expired",
            "The certificate has expired",
            "The certificate this profile signs with passed its end date, so Microsoft refuses every sign-in with it.",
            vec![
                "Make a new certificate for this profile (Rotate the certificate, or mailwarden certificate create).".into(),
                format!("Upload it in Entra → {SECRETS} → **Certificates**: {blade}"),
                "Test the sign-in again, then delete the expired certificate in Entra.".into(),
            ],
        ),
        700027 if reason.contains("key was not found") => {
            let used = used_thumbprint(description).map(|t| format!(" (it signed with {t})")).unwrap_or_default();
            d(
                "aadsts700027_unknown_key",
                "The app does not know this certificate",
                &format!("Microsoft found no certificate on the app registration matching the one this profile signs with{used}: it was never uploaded, was deleted, or was uploaded to another app."),
                upload(),
            )
        }
        700027 => d(
            "aadsts700027",
            "The certificate's signature was refused",
            "Microsoft could not verify the client assertion with the certificate registered on the app: the private key is not the certificate's, or the assertion was altered or reused.",
            vec![
                format!("Compare the thumbprint under Entra → {SECRETS} → **Certificates** ({blade}) with this profile's (mailwarden certificate show)."),
                "If they differ, upload this profile's certificate; if they match, bring the certificate in again with its own private key.".into(),
            ],
        ),
        700024 => d(
            "aadsts700024",
            "The sign-in was signed at the wrong time",
            "The client assertion's validity (a few minutes from when it was made) does not cover Microsoft's clock: this computer's clock is off by more than five minutes.",
            vec![
                "Set this computer's clock right (timedatectl set-ntp true on Linux; Settings → Time on Windows and macOS).".into(),
                "Test the sign-in again.".into(),
            ],
        ),
        700023 => d(
            "aadsts700023",
            "The sign-in was addressed to another tenant",
            "The client assertion names a token endpoint other than the one it was sent to: the profile's Tenant or cloud does not match where the request went.",
            vec![format!("Check the Tenant ({}) and the cloud of this profile against the app's **Overview** page.", c.tenant)],
        ),
        700021 => d(
            "aadsts700021",
            "The sign-in names another app",
            "The client assertion was made for a different Client ID than the one sent.",
            vec![format!("Check the Client ID ({}) against the app's **Overview** page.", c.client_id)],
        ),
        _ => return None,
    })
}

/// An assertion refused for its time (AADSTS700024): say how far this
/// computer's clock is from Microsoft's, read from the answer's `timestamp`
/// ("2026-12-07 09:20:33Z") against `local` (this computer's time when the
/// answer came).
pub fn say_clock_offset(d: &mut Diagnosis, server: Option<&str>, local: time::OffsetDateTime) {
    if d.code != "aadsts700024" {
        return;
    }
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]Z");
    let Some(server) = server.and_then(|s| time::PrimitiveDateTime::parse(s.trim(), &format).ok()) else { return };
    let offset = (local - server.assume_utc()).whole_seconds();
    let minutes = (offset.unsigned_abs() + 30) / 60;
    let way = if offset > 0 { "ahead of" } else { "behind" };
    d.cause = format!(
        "This computer's clock is about {} {way} Microsoft's, so the client assertion's few minutes of validity do not cover Microsoft's time.",
        super::plural(minutes as i64, "minute")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        Context { client_id: "c1".into(), tenant: "t1".into(), ..Default::default() }
    }

    #[test]
    fn each_700027_reason_is_its_own_diagnosis() {
        let c = ctx();
        let of = |desc: &str| explain(700027, desc, &c).unwrap();
        assert_eq!(of("AADSTS700027: Client assertion contains an invalid signature. [Reason - The key used is expired., Thumbprint of key used by client: 'AB']").code, "aadsts700027_expired");
        let unknown = of("AADSTS700027: Client assertion failed signature validation. [Reason - The key was not found., Thumbprint of key used by client: 'AB12']");
        assert_eq!(unknown.code, "aadsts700027_unknown_key");
        assert!(unknown.cause.contains("(it signed with AB12)"), "{}", unknown.cause);
        assert!(unknown.steps[0].contains("Credentials/appId/c1"));
        assert_eq!(of("AADSTS700027: Client assertion contains an invalid signature.").code, "aadsts700027");
        assert!(explain(7000215, "", &c).is_none(), "a secret's errors are the secret table's");
    }

    #[test]
    fn a_refused_time_says_how_far_the_clock_is_off() {
        let c = ctx();
        let server = "2026-12-07 10:20:00Z";
        let mut d = explain(700024, "", &c).unwrap();
        say_clock_offset(&mut d, Some(server), time::macros::datetime!(2026-12-07 10:00:01 UTC));
        assert!(d.cause.starts_with("This computer's clock is about 20 minutes behind Microsoft's"), "{}", d.cause);
        let mut d = explain(700024, "", &c).unwrap();
        say_clock_offset(&mut d, Some(server), time::macros::datetime!(2026-12-07 10:21:00 UTC));
        assert!(d.cause.contains("about 1 minute ahead of"), "{}", d.cause);
        let mut d = explain(700024, "", &c).unwrap();
        let before = d.cause.clone();
        say_clock_offset(&mut d, Some("not a time"), time::OffsetDateTime::UNIX_EPOCH);
        assert_eq!(d.cause, before, "an unreadable timestamp leaves the words as they were");
    }
}
