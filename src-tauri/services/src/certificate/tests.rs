//! The certificate credential against what Entra checks: the certificate
//! reads back with its thumbprints and dates, a key that is not the
//! certificate's is refused, and an assertion verifies with the certificate's
//! public key, names it in the header, and binds client, audience and time.

use super::*;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-12-07 10:00 UTC);

fn made() -> Credential {
    create("Mailwarden Catalyst", 365, 2048, NOW).expect("made")
}

#[test]
fn a_made_certificate_names_the_profile_and_lasts_the_days_chosen() {
    let c = made();
    let i = info(&c.der).unwrap();
    assert_eq!(i, c.info);
    assert_eq!(i.subject, "CN=Mailwarden Catalyst");
    assert_eq!(i.not_after, "2027-12-07T10:00:00Z");
    assert_eq!(i.not_before, "2026-12-07T09:59:00Z");
    assert_eq!(i.key_bits, 2048);
    assert_eq!(i.thumbprint.len(), 40, "SHA-1 in hex, as the portal shows it");
    assert!(i.thumbprint.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase()));
    assert_eq!(i.thumbprint_sha256.len(), 64);
    let shown = format!("{c:?}");
    assert!(
        shown.contains("thumbprint") && !shown.contains("PRIVATE") && !shown.contains("MII"),
        "the key never in Debug: {shown}"
    );
}

#[test]
fn bad_choices_are_named_by_field() {
    for (subject, days, bits, field) in [
        ("", 365, 2048, "certificateSubject"),
        ("x", 0, 2048, "certificateDays"),
        ("x", MAX_VALID_DAYS + 1, 2048, "certificateDays"),
        ("x", 365, 1024, "certificateBits"),
    ] {
        match create(subject, days, bits, NOW) {
            Err(CoreError::Validation(f)) => assert_eq!(f[0].field, field),
            other => panic!("{subject} {days} {bits}: {other:?}"),
        }
    }
}

#[test]
fn pem_round_trip_and_a_key_from_another_certificate_is_refused() {
    let a = made();
    let text = format!("{}{}", public_pem(&a.der), a.key.expose_secret());
    let back = from_pem(&text).unwrap();
    assert_eq!(back.der, a.der);
    let b = made();
    let mixed = format!("{}{}", public_pem(&a.der), b.key.expose_secret());
    let err = from_pem(&mixed).unwrap_err().to_string();
    assert!(err.contains("does not belong to the certificate"), "{err}");
    let only_cert = from_pem(&public_pem(&a.der)).unwrap_err().to_string();
    assert!(only_cert.contains("No private key found"), "{only_cert}");
    let encrypted = format!(
        "{}-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
        public_pem(&a.der)
    );
    assert!(from_pem(&encrypted).unwrap_err().to_string().contains("encrypted"));
    assert!(from_pem("not pem at all").unwrap_err().to_string().contains("No certificate found"));
}

#[test]
fn the_assertion_verifies_with_the_certificate_and_binds_client_audience_and_time() {
    let c = made();
    let aud = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token";
    let jwt = client_assertion(&c, "351d6cb2-1c69-4081-9cc2-a769d71567cb", aud, Signing::Ps256, NOW).unwrap();
    let h = decode_header(&jwt).unwrap();
    assert_eq!(h.alg, Algorithm::PS256);
    assert_eq!(h.x5t_s256.as_deref(), Some(URL_SAFE_NO_PAD.encode(Sha256::digest(&c.der)).as_str()));
    assert_eq!(h.x5t, None);
    // Verified with the public key read from the certificate, as Entra does.
    let (n, e) = public_key_of(&c.der).unwrap();
    let key = DecodingKey::from_rsa_raw_components(&n, &e);
    let mut v = Validation::new(Algorithm::PS256);
    v.set_audience(&[aud]);
    v.validate_exp = false;
    let claims = decode::<serde_json::Value>(&jwt, &key, &v).unwrap().claims;
    assert_eq!(claims["iss"], "351d6cb2-1c69-4081-9cc2-a769d71567cb");
    assert_eq!(claims["sub"], claims["iss"]);
    assert_eq!(claims["nbf"], NOW.unix_timestamp());
    assert_eq!(claims["exp"], NOW.unix_timestamp() + 600);
    let again = client_assertion(&c, "351d6cb2-1c69-4081-9cc2-a769d71567cb", aud, Signing::Ps256, NOW).unwrap();
    let jti = |t: &str| decode::<serde_json::Value>(t, &key, &v).unwrap().claims["jti"].clone();
    assert_ne!(jti(&jwt), jti(&again), "each assertion its own jti");
    // RS256 names the certificate by its SHA-1 (x5t) instead.
    let rs = client_assertion(&c, "351d6cb2-1c69-4081-9cc2-a769d71567cb", aud, Signing::Rs256, NOW).unwrap();
    let h = decode_header(&rs).unwrap();
    assert_eq!(
        (h.alg, h.x5t.as_deref()),
        (Algorithm::RS256, Some(URL_SAFE_NO_PAD.encode(Sha1::digest(&c.der)).as_str()))
    );
    // Signed by another key, it does not verify.
    let other = made();
    let forged = client_assertion(
        &Credential { der: c.der.clone(), info: c.info.clone(), key: other.key },
        "x",
        aud,
        Signing::Ps256,
        NOW,
    )
    .unwrap();
    assert!(decode::<serde_json::Value>(&forged, &key, &v).is_err());
}

#[test]
fn the_national_clouds_get_rs256_with_x5t() {
    use crate::profile::Cloud;
    assert_eq!(Signing::for_cloud(Cloud::Global), Signing::Ps256);
    assert_eq!(Signing::for_cloud(Cloud::Custom), Signing::Ps256);
    assert_eq!(Signing::for_cloud(Cloud::UsGov), Signing::Rs256);
    assert_eq!(Signing::for_cloud(Cloud::China), Signing::Rs256);
}
