//! The transport: send any RFC 5322 message through a profile's route —
//! SMTP (XOAUTH2 with the profile's token, or its password) or Microsoft
//! Graph `sendMail` with the MIME message (over one request's 4 MB, a draft
//! with its attachments uploaded, then sent: `graph_large`). The test send is built on it, and
//! the relay will hand it what devices submit.

use super::{graph, net, smtp, TestStep};
use crate::error::{CoreError, Result};
use crate::oauth::TokenNeed;
use crate::profile::{Profile, SendMethod, TlsMode};
use crate::secret::{ExposeSecret, SecretKind, SecretString};

/// A message to send: the envelope and the message as it goes on the wire.
pub struct Outgoing<'a> {
    /// Envelope sender (MAIL FROM).
    pub from: &'a str,
    /// Envelope recipients (RCPT TO), as given.
    pub to: &'a [String],
    /// The whole RFC 5322 message, CRLF line endings.
    pub message: &'a [u8],
    /// The envelope needs SMTPUTF8 (internationalized addresses or headers).
    pub smtputf8: bool,
}

/// What the route's server said when it took the message.
#[derive(Debug, Clone)]
pub struct Delivered {
    /// The final reply (`250 2.0.0 Ok: queued as …`, `202 Accepted`).
    pub reply: String,
    /// Commands and replies, credentials redacted.
    pub transcript: Vec<String>,
    pub elapsed_ms: u64,
    /// What the token's claims said (a wrong audience), a send without TLS.
    pub warnings: Vec<String>,
}

crate::context::service!(
    /// Sending any message through a profile's route (SMTP or Graph).
    Transport
);

impl Transport<'_> {
    /// Send `out` through profile `p`'s route within `limits`. A token that
    /// cannot do the job fails before anything is sent; what its claims
    /// say ahead of a failure is put first in the diagnosis.
    pub fn send(
        &self,
        p: &Profile,
        out: &Outgoing,
        step: &mut dyn FnMut(TestStep),
        limits: net::Limits,
    ) -> Result<Delivered> {
        let mut warnings = Vec::new();
        let cancel = limits.cancel.clone();
        let cancel = cancel.as_deref();
        step(TestStep::Token);
        let result = match p.send_method {
            SendMethod::Graph if out.smtputf8 => Err(CoreError::Auth(Box::new(smtp::no_smtputf8("Microsoft Graph")))),
            SendMethod::Graph => {
                // Graph sends to the headers' recipients: made to be exactly the envelope's.
                let mime = super::envelope::for_graph(out.message, out.to).map_err(|outside| {
                    CoreError::Auth(Box::new(super::envelope::outside_diagnosis(&outside, &p.mailbox)))
                })?;
                let token = self.sending_token(p, &mut warnings, cancel, limits.token_margin)?;
                if graph::fits(mime.len()) {
                    graph::send_mime(p, &token, &mime, step, cancel)
                } else {
                    super::graph_large::send_large(p, &token, &mime, step, cancel)
                }
            }
            SendMethod::Smtp => {
                let auth = if p.auth_method.is_oauth() {
                    smtp::Auth::Bearer(self.sending_token(p, &mut warnings, cancel, limits.token_margin)?)
                } else {
                    let pw = self
                        .store
                        .read_secret(p.id, SecretKind::Password)?
                        .ok_or_else(|| CoreError::invalid("password", "No password is stored for this profile."))?;
                    smtp::Auth::Password(pw)
                };
                smtp::deliver(p, out, &auth, step, limits)
            }
        };
        match result {
            Ok(mut d) => {
                d.warnings = warnings;
                if p.send_method == SendMethod::Smtp && p.smtp_security == TlsMode::None {
                    d.warnings.push(format!(
                        "Sent without TLS: allowed only because {} is on this computer (loopback). Use STARTTLS or TLS for any other server.",
                        p.smtp_host
                    ));
                }
                Ok(d)
            }
            Err(CoreError::Auth(mut d)) if !warnings.is_empty() => {
                // What the claims said before sending is the likeliest cause.
                let mut steps: Vec<String> =
                    warnings.iter().map(|w| format!("Before sending, the token already showed: {w}")).collect();
                steps.append(&mut d.steps);
                d.steps = steps;
                Err(CoreError::Auth(d))
            }
            Err(e) => Err(e),
        }
    }

    /// A token for sending, after checking its claims against the profile.
    fn sending_token(
        &self,
        p: &Profile,
        warnings: &mut Vec<String>,
        cancel: Option<&std::sync::atomic::AtomicBool>,
        margin: i64,
    ) -> Result<SecretString> {
        let token = self.tokens().access_token(p, TokenNeed::default().lasting(margin).cancel(cancel))?.token;
        if let Some(c) = crate::oauth::claims::decode(token.expose_secret()) {
            if let Some(gap) = crate::oauth::consent_gap(p, &c, crate::oauth::Use::Send) {
                return Err(CoreError::Auth(Box::new(gap)));
            }
            warnings.extend(crate::oauth::warnings_for(p, &c));
        }
        Ok(token)
    }
}
