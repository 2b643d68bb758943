//! An application's certificates in Graph — listed (`keyCredentials`, the key
//! only when asked for), replaced by a PATCH, added and removed by `addKey`
//! and `removeKey` — and its owners, as
//! Graph takes them: the caller an administrator (Application.ReadWrite.All)
//! or the app itself holding Application.ReadWrite.OwnedBy while it owns
//! itself; each request carrying a proof of possession — a JWT signed by one
//! of the app's current certificates, `aud` 00000002-0000-0000-c000-000000000000,
//! `iss` the application's object ID, valid at most ten minutes.

use super::answers::now;
use super::assertion::{verified, KeyCredential};
use super::directory::{allowed, not_found};
use super::graph::graph_error;
use super::http::Response;
use super::State;
use serde_json::{json, Value};

/// The app's certificates as Graph lists them; `key` only when asked for
/// (`$select=keyCredentials` on one application).
pub(super) fn key_credentials(app: &super::App, with_key: bool) -> Vec<Value> {
    app.certificates.iter().map(|k| key_credential_json(k, with_key)).collect()
}

/// One certificate as Graph shows it (its keyId stable: from its thumbprint).
pub(super) fn key_credential_json(k: &KeyCredential, with_key: bool) -> Value {
    use base64::Engine;
    use sha1::Digest;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let thumb = sha1::Sha1::digest(&k.der);
    let end = time::OffsetDateTime::from_unix_timestamp(k.end).unwrap();
    let id = format!("{:032x}", u128::from_be_bytes(thumb[..16].try_into().unwrap()));
    json!({
        "customKeyIdentifier": b64(&thumb),
        "keyId": format!("{}-{}-{}-{}-{}", &id[..8], &id[8..12], &id[12..16], &id[16..20], &id[20..]),
        "displayName": k.name,
        "endDateTime": end.format(&time::format_description::well_known::Rfc3339).unwrap(),
        "type": "AsymmetricX509Cert",
        "usage": "Verify",
        "key": if with_key { json!(b64(&k.der)) } else { Value::Null },
    })
}

/// A PATCH's `keyCredentials`, as Graph takes them: the whole list, each
/// with its certificate (`key`), ending when the certificate does unless
/// an earlier `endDateTime` is given. None: a 400.
pub(super) fn parse_key_credentials(body: &Value) -> Option<Vec<KeyCredential>> {
    use base64::Engine;
    let mut out = Vec::new();
    for k in body.as_array()? {
        let der = base64::engine::general_purpose::STANDARD.decode(k["key"].as_str()?).ok()?;
        let (_, cert) = x509_parser::parse_x509_certificate(&der).ok()?;
        let not_after = cert.validity().not_after.timestamp();
        let given = k["endDateTime"]
            .as_str()
            .and_then(|e| time::OffsetDateTime::parse(e, &time::format_description::well_known::Rfc3339).ok());
        let end = given.map_or(not_after, |g| g.unix_timestamp().min(not_after));
        let name = k["displayName"].as_str().unwrap_or_default().to_owned();
        out.push(KeyCredential { der, end, name });
    }
    Some(out)
}

const PROOF_AUDIENCE: &str = "00000002-0000-0000-c000-000000000000";

/// Whether the caller (claims `c`) may change app `app_id`'s keys.
fn may_manage(s: &State, c: &Value, app_id: &str) -> bool {
    if allowed(s, c, &["Application.ReadWrite.All"], true) {
        return true;
    }
    let roles: Vec<&str> = c["roles"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let caller_sp = s.app_meta.get(c["appid"].as_str().unwrap_or_default()).and_then(|m| m.sp_id.clone());
    roles.contains(&"Application.ReadWrite.All")
        || (roles.contains(&"Application.ReadWrite.OwnedBy")
            && caller_sp.is_some_and(|sp| s.app_meta[app_id].owners.contains(&sp)))
}

/// The proof's problem, if any.
fn bad_proof(s: &State, app_id: &str, proof: &str) -> Option<Response> {
    let object_id = &s.app_meta[app_id].object_id;
    let refuse = |why: &str| {
        Some(graph_error(
            400,
            "Request_BadRequest",
            &format!(
                "Invalid proof of possession ({why}): it must be signed by a current certificate of the application."
            ),
        ))
    };
    let claims = match verified(proof, &s.apps[app_id].certificates, now()) {
        Ok(c) => c,
        Err(why) => return refuse(why),
    };
    let (nbf, exp) = (claims["nbf"].as_i64().unwrap_or(0), claims["exp"].as_i64().unwrap_or(0));
    if claims["aud"].as_str() != Some(PROOF_AUDIENCE) {
        return refuse("audience");
    }
    if claims["iss"].as_str() != Some(object_id.as_str()) {
        return refuse("issuer is not the application's object ID");
    }
    if exp - nbf > 600 || now() + 300 < nbf || now() - 300 > exp {
        return refuse("lifetime");
    }
    None
}

/// The routes; None when `parts` is not one of them.
pub fn route(s: &mut State, c: &Value, m: &str, parts: &[&str], body: &Value) -> Option<Response> {
    let (verb, oid) = match (m, parts) {
        ("POST", ["applications", oid, verb @ ("addKey" | "removeKey")]) => (*verb, *oid),
        ("POST", ["applications", oid, "owners", "$ref"]) => ("addOwner", *oid),
        ("GET", ["applications", oid, "owners"]) => ("owners", *oid),
        _ => return None,
    };
    let Some(app_id) = s.app_meta.iter().find(|(_, m)| m.object_id == oid).map(|(k, _)| k.clone()) else {
        return Some(not_found(oid));
    };
    let denied =
        || graph_error(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
    Some(match verb {
        "owners" => {
            if !allowed(s, c, &["Application.Read.All", "Application.ReadWrite.All"], false)
                && !may_manage(s, c, &app_id)
            {
                return Some(denied());
            }
            let owners: Vec<Value> = s.app_meta[&app_id].owners.iter().map(|id| json!({"id": id})).collect();
            Response::json(200, &json!({ "value": owners }))
        }
        "addOwner" => {
            if !allowed(s, c, &["Application.ReadWrite.All"], true) {
                return Some(denied());
            }
            let id = body["@odata.id"].as_str().unwrap_or_default().rsplit('/').next().unwrap_or_default().to_owned();
            let owners = &mut s.app_meta.get_mut(&app_id).unwrap().owners;
            if !owners.contains(&id) {
                owners.push(id);
            }
            Response { status: 204, headers: vec![], body: vec![] }
        }
        _ if !may_manage(s, c, &app_id) => denied(),
        "addKey" => {
            if let Some(r) = bad_proof(s, &app_id, body["proof"].as_str().unwrap_or_default()) {
                return Some(r);
            }
            use base64::Engine;
            let k = &body["keyCredential"];
            let Some(der) = k["key"].as_str().and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
            else {
                return Some(graph_error(400, "Request_BadRequest", "keyCredential.key is required."));
            };
            let Ok((_, cert)) = x509_parser::parse_x509_certificate(&der) else {
                return Some(graph_error(400, "Request_BadRequest", "keyCredential.key is not a certificate."));
            };
            let key = KeyCredential {
                end: cert.validity().not_after.timestamp(),
                der,
                name: k["displayName"].as_str().unwrap_or_default().to_owned(),
            };
            let out = key_credential_json(&key, false);
            s.apps.get_mut(&app_id).unwrap().certificates.push(key);
            s.added_keys += 1;
            Response::json(200, &out)
        }
        _ => {
            if let Some(r) = bad_proof(s, &app_id, body["proof"].as_str().unwrap_or_default()) {
                return Some(r);
            }
            let key_id = body["keyId"].as_str().unwrap_or_default();
            let certs = &mut s.apps.get_mut(&app_id).unwrap().certificates;
            let before = certs.len();
            certs.retain(|k| key_credential_json(k, false)["keyId"] != key_id);
            if certs.len() == before {
                return Some(graph_error(404, "Request_ResourceNotFound", &format!("No key with keyId '{key_id}'.")));
            }
            Response { status: 204, headers: vec![], body: vec![] }
        }
    })
}
