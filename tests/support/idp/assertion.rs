//! Client assertions checked as Entra checks them: the type, the key named by
//! `x5t#S256` (or `x5t`) among the app's registered certificates, its
//! signature with that certificate's public key, the certificate's end date,
//! `iss` = `sub` = client ID, `aud` = this token endpoint, `nbf`/`exp` with
//! five minutes' skew, and each `jti` once.

use super::answers::{ms_error, ms_error_at};
use super::http::Response;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use sha2::Digest;
use std::collections::HashMap;

/// Entra's tolerance for clock skew in an assertion's times.
const SKEW: i64 = 300;

/// A certificate registered on the app (`keyCredentials`).
#[derive(Clone, Debug)]
pub struct KeyCredential {
    pub der: Vec<u8>,
    /// Unix seconds after which Entra refuses the key.
    pub end: i64,
    /// Its description in the portal.
    pub name: String,
}

fn rsa_components(der: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    match cert.public_key().parsed().ok()? {
        // Minimal big-endian integers (ring refuses a leading zero byte).
        x509_parser::public_key::PublicKey::RSA(k) => {
            let strip = |b: &[u8]| b.iter().skip_while(|x| **x == 0).copied().collect::<Vec<u8>>();
            Some((strip(k.modulus), strip(k.exponent)))
        }
        _ => None,
    }
}

/// The claims of `jwt` when it is signed (PS256 or RS256) by one of `keys`
/// still valid at `now`, named by its `x5t#S256` or `x5t`; else why not.
pub fn verified(jwt: &str, keys: &[KeyCredential], now: i64) -> Result<serde_json::Value, &'static str> {
    let header = jsonwebtoken::decode_header(jwt).map_err(|_| "malformed")?;
    let named = |k: &&KeyCredential| match (&header.x5t_s256, &header.x5t) {
        (Some(s), _) => URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(&k.der)) == *s,
        (None, Some(t)) => URL_SAFE_NO_PAD.encode(sha1::Sha1::digest(&k.der)) == *t,
        (None, None) => false,
    };
    let key = keys.iter().find(named).ok_or("key not found")?;
    if !matches!(header.alg, Algorithm::PS256 | Algorithm::RS256) {
        return Err("algorithm not supported");
    }
    let (n, e) = rsa_components(&key.der).ok_or("not an RSA certificate")?;
    let mut v = Validation::new(header.alg);
    v.validate_exp = false;
    v.validate_aud = false;
    v.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<serde_json::Value>(jwt, &DecodingKey::from_rsa_raw_components(&n, &e), &v)
        .map_err(|_| "signature did not verify")?
        .claims;
    if now > key.end {
        return Err("key expired");
    }
    Ok(claims)
}

/// None when the assertion in `form` is one Entra takes for `app`; else
/// Entra's answer.
pub fn check(
    app: &super::App,
    form: &HashMap<String, String>,
    token_url: &str,
    seen: &mut std::collections::HashSet<String>,
    now: i64,
) -> Option<Response> {
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    if get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
        return Some(ms_error(
            400,
            "invalid_request",
            90014,
            "The request body must contain the following parameter: 'client_assertion_type'.",
        ));
    }
    let jwt = get("client_assertion");
    let Ok(header) = jsonwebtoken::decode_header(&jwt) else {
        return Some(ms_error(401, "invalid_client", 50027, "JWT token is invalid or malformed."));
    };
    let used = header.x5t_s256.clone().or(header.x5t.clone()).unwrap_or_else(|| "none".into());
    let refused = |reason: &str| {
        Some(ms_error(
            401,
            "invalid_client",
            700027,
            &format!("Client assertion contains an invalid signature. [Reason - {reason}, Thumbprint of key used by client: '{used}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{}'.]", app.client_id),
        ))
    };
    let claims = match verified(&jwt, &app.certificates, now) {
        Ok(c) => c,
        Err("key not found") => return refused("The key was not found."),
        Err("key expired") => return refused("The key used is expired."),
        Err("algorithm not supported") => return refused("The provided signature algorithm is not supported."),
        Err(_) => return refused("The key was found, but the signature did not verify."),
    };
    let s = |k: &str| claims[k].as_str().unwrap_or_default().to_owned();
    if s("iss") != app.client_id || s("sub") != app.client_id {
        return Some(ms_error(
            401,
            "invalid_client",
            700021,
            "Client assertion application identifier doesn't match 'client_id' parameter.",
        ));
    }
    if s("aud") != token_url {
        return Some(ms_error(401, "invalid_client", 700023, &format!("Client assertion audience claim does not match Realm issuer. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials. Audience: '{}'", s("aud"))));
    }
    let (nbf, exp) = (claims["nbf"].as_i64().unwrap_or(0), claims["exp"].as_i64().unwrap_or(0));
    if now + SKEW < nbf || now - SKEW > exp {
        let message = "Client assertion is not within its valid time range.";
        return Some(ms_error_at(401, "invalid_client", 700024, message, now));
    }
    // Entra does not document the code of a replayed assertion; the
    // simulator refuses it as a failed validation, naming the reason.
    if !seen.insert(s("jti")) {
        return Some(ms_error(
            401,
            "invalid_client",
            700027,
            "Client assertion contains an invalid signature. [Reason - The assertion was already used (jti replay).]",
        ));
    }
    None
}
