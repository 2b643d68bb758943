//! The one builder of SASL XOAUTH2 strings, for SMTP, IMAP and
//! `mailwarden token --format xoauth2`: `user=` is always the account that
//! signs in (the profile's mailbox), never the From address, so every caller
//! presents the same identity the token was issued to.

use crate::profile::Profile;
use crate::secret::{ExposeSecret, SecretString};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use zeroize::Zeroizing;

/// The account the XOAUTH2 string names for profile `p`.
pub fn user(p: &Profile) -> &str {
    &p.mailbox
}

/// `user={mailbox}\x01auth=Bearer {token}\x01\x01`, unencoded.
pub fn raw(p: &Profile, token: &SecretString) -> Zeroizing<String> {
    Zeroizing::new(format!("user={}\x01auth=Bearer {}\x01\x01", user(p), token.expose_secret()))
}

/// The same, base64-encoded (SMTP's initial response, msmtp, the CLI).
pub fn encoded(p: &Profile, token: &SecretString) -> Zeroizing<String> {
    Zeroizing::new(B64.encode(raw(p, token).as_bytes()))
}
