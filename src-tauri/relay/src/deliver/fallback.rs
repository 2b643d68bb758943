//! The route for a message Graph cannot carry in one request: by SMTP
//! through another profile of the same mailbox, else by Graph as a draft
//! with its attachments uploaded (`mail::graph_large`), or held saying what
//! would carry it.

use crate::diagnosis::Diagnosis;
use crate::profile::{Profile, SendMethod};

/// The route for a message: the profile's own, unless it sends by Graph and
/// Graph cannot carry this message in one request — over Graph's 4 MB
/// request limit, or with `To`/`Cc` naming people outside the envelope
/// (Graph would send to them too) — then by SMTP through another enabled
/// profile of the same mailbox, provider and tenant (Exchange Online takes
/// 35 MB there, and SMTP delivers to the envelope alone). Without one, a
/// large message whose attachments make it large still goes by Graph (a
/// draft, its attachments uploaded); anything else is held, saying so.
pub(super) fn route<'a>(
    profile: Profile,
    others: impl IntoIterator<Item = &'a Profile>,
    message: &[u8],
    to: &[String],
) -> Result<Profile, Box<Diagnosis>> {
    if profile.send_method != SendMethod::Graph {
        return Ok(profile);
    }
    let too_large = !crate::mail::graph::fits(message.len());
    let outside = crate::mail::envelope::outside(message, to);
    if !too_large && outside.is_empty() {
        return Ok(profile);
    }
    let sibling = others.into_iter().find(|p| {
        p.enabled
            && p.send_method == SendMethod::Smtp
            && p.mailbox.eq_ignore_ascii_case(&profile.mailbox)
            && p.provider == profile.provider
            && p.tenant.trim().eq_ignore_ascii_case(profile.tenant.trim())
    });
    if let Some(s) = sibling {
        tracing::info!(
            profile = profile.id,
            by = s.id,
            size = message.len(),
            "relay: Graph cannot carry it, sending by SMTP"
        );
        return Ok(s.clone());
    }
    if !outside.is_empty() {
        return Err(Box::new(crate::mail::envelope::outside_diagnosis(&outside, &profile.mailbox)));
    }
    let why = match crate::mail::graph_large::split(message) {
        Ok(_) => return Ok(profile),
        Err(d) => d.cause,
    };
    Err(Box::new(Diagnosis::new(
        "relay_graph_too_large",
        "The message is too large for Microsoft Graph",
        format!(
            "Profile “{}” sends through Graph, which takes requests up to 4 MB (about 3 MB of message) and larger attachments separately; {why}",
            profile.name,
        ),
        vec![
            format!(
                "Add a profile for {} that sends by SMTP (scope SMTP.Send; Exchange Online takes up to 35 MB), then retry: the relay sends large messages through it.",
                profile.mailbox
            ),
            "Or ask the device to send smaller files (a lower scan resolution), then delete this message.".into(),
        ],
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{test_draft, validate, AuthMethod, Provider};

    fn profile(id: i64, send: SendMethod, mailbox: &str, tenant: &str) -> Profile {
        let mut d = test_draft(&format!("P{id}"), Provider::Microsoft365, AuthMethod::ClientCredentials, send);
        d.mailbox = mailbox.into();
        d.tenant = tenant.into();
        let mut p = validate(&d, None, crate::profile::TEST_TODAY).unwrap().profile;
        p.id = id;
        p
    }

    const TENANT: &str = "d9f2fc08-d549-4fcc-bae2-2286c314d3cd";

    #[test]
    fn graph_carries_what_it_can_and_smtp_of_the_same_mailbox_the_rest() {
        let to = ["ops@contoso.com".to_owned()];
        let small = b"To: ops@contoso.com\r\nSubject: s\r\n\r\nbody\r\n".to_vec();
        let mut big = b"To: ops@contoso.com\r\nSubject: s\r\n\r\n".to_vec();
        big.resize(5 << 20, b'a');
        let graph = profile(1, SendMethod::Graph, "erp@contoso.com", TENANT);
        let smtp = profile(2, SendMethod::Smtp, "ERP@contoso.com", TENANT);
        let other_tenant = profile(3, SendMethod::Smtp, "erp@contoso.com", "a0d0a7b2-6c43-4a1e-9a2b-3f0d6f1c2e11");
        let mut disabled = profile(4, SendMethod::Smtp, "erp@contoso.com", TENANT);
        disabled.enabled = false;

        assert_eq!(route(graph.clone(), [&smtp], &small, &to).unwrap().id, 1, "Graph carries a small message");
        assert_eq!(route(smtp.clone(), [], &big, &to).unwrap().id, 2, "an SMTP profile is its own route");
        assert_eq!(
            route(graph.clone(), [&disabled, &other_tenant, &smtp], &big, &to).unwrap().id,
            2,
            "too large: SMTP"
        );
        let held = route(graph.clone(), [&disabled, &other_tenant], &big, &to).unwrap_err();
        assert_eq!(held.code, "relay_graph_too_large", "a text too large even without attachments");
        assert!(held.cause.contains("over 3 MB even without its attachments"), "{}", held.cause);
        let mut scan = b"To: ops@contoso.com\r\nSubject: s\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\ntext\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=a.pdf\r\n\r\n".to_vec();
        scan.resize(5 << 20, b'a');
        scan.extend_from_slice(b"\r\n--b--\r\n");
        assert_eq!(route(graph.clone(), [], &scan, &to).unwrap().id, 1, "a large attachment: Graph, as a draft");
        assert!(held.steps[0].contains("erp@contoso.com"), "{:?}", held.steps);

        let bcc = b"To: ops@contoso.com, boss@contoso.com\r\nSubject: s\r\n\r\nbody\r\n";
        assert_eq!(route(graph.clone(), [&smtp], bcc, &to).unwrap().id, 2, "Graph would also send to To: boss");
        let held = route(graph, [], bcc, &to).unwrap_err();
        assert_ne!(held.code, "relay_graph_too_large", "held for the recipients outside the envelope");
    }
}
