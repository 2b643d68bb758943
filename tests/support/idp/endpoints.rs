//! The simulator's endpoints: authorize and token, with Microsoft's rules.

use super::answers::{guid, ms_error, now, random};
use super::http::{Request, Response};
use super::{Code, Grant, State};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::sync::Mutex;

fn jwt(claims: serde_json::Value) -> String {
    let enc = |v: &serde_json::Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());
    let sig = URL_SAFE_NO_PAD.encode(random(256).as_bytes());
    format!("{}.{}.{sig}", enc(&json!({"typ": "JWT", "alg": "RS256", "kid": "sim-key-1"})), enc(&claims))
}

/// The resource of a scope list: `https://outlook.office.com/SMTP.Send` → `https://outlook.office.com`.
fn resources(scopes: &[String]) -> Vec<String> {
    let mut r: Vec<String> = scopes
        .iter()
        .filter(|s| s.starts_with("https://"))
        .filter_map(|s| s.rsplit_once('/').map(|(a, _)| a.to_owned()))
        .collect();
    r.sort();
    r.dedup();
    r
}

pub fn handle(st: &Mutex<State>, _base: &str, req: &Request) -> Response {
    let parts: Vec<&str> = req.path.trim_start_matches('/').split('/').collect();
    if parts.first() == Some(&"v1.0") && req.body.len() > 4 * 1024 * 1024 {
        return super::graph::graph_error(413, "RequestEntityTooLarge", "The request is larger than 4 MB.");
    }
    let not_found = || super::graph::graph_error(400, "BadRequest", "Resource not found for the segment.");
    match (req.method.as_str(), parts.as_slice()) {
        ("GET", [tenant, "oauth2", "v2.0", "authorize"]) => authorize(st, tenant, req),
        ("POST", [tenant, "oauth2", "v2.0", "token"]) => token(st, _base, tenant, req),
        ("POST", [_tenant, "oauth2", "v2.0", "devicecode"]) => devicecode(st, _base, req),
        ("GET", ["common", "userrealm", user]) => super::ropc::userrealm(st, user),
        ("POST", ["v1.0", "me", "sendMail"]) => super::graph::send_mail(st, _base, req, None),
        ("POST", ["v1.0", "users", user, "sendMail"]) => super::graph::send_mail(st, _base, req, Some(user)),
        ("GET", ["v1.0", "me", "mailFolders", "inbox", rest @ ..]) => {
            super::graph::inbox(st, _base, req, None, rest == ["messages"])
        }
        ("GET", ["v1.0", "users", user, "mailFolders", "inbox", rest @ ..]) => {
            super::graph::inbox(st, _base, req, Some(user), rest == ["messages"])
        }
        ("PUT", ["upload", session]) => super::drafts::put(st, req, session),
        (_, ["v1.0", "me", "messages", rest @ ..]) => super::drafts::route(st, _base, req, None, rest)
            .or_else(|| super::mailbox::route(st, _base, req, None, rest))
            .unwrap_or_else(not_found),
        (_, ["v1.0", "users", user, "messages", rest @ ..]) => super::drafts::route(st, _base, req, Some(user), rest)
            .or_else(|| super::mailbox::route(st, _base, req, Some(user), rest))
            .unwrap_or_else(not_found),
        (_, ["v1.0", rest @ ..]) => super::directory::route(st, _base, req, rest).unwrap_or_else(not_found),
        _ => Response::html(404, "Not found"),
    }
}

fn authorize(st: &Mutex<State>, _tenant: &str, req: &Request) -> Response {
    let mut s = st.lock().unwrap();
    let q = &req.query;
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    let Some(app) = s.apps.get(&get("client_id")).cloned() else {
        return Response::html(400, "AADSTS700016: Application not found in the directory.");
    };
    let redirect = get("redirect_uri");
    // Loopback: the port is ignored when matching, the path is not.
    let matches = |r: &String| {
        let strip = |u: &str| {
            url::Url::parse(u).map(|mut x| {
                if x.host_str() == Some("localhost") || x.host_str() == Some("127.0.0.1") {
                    let _ = x.set_port(None);
                }
                x.to_string()
            })
        };
        strip(r).ok() == strip(&redirect).ok()
    };
    if !app.public_redirects.iter().chain(&app.web_redirects).any(matches) {
        return Response::html(400, "AADSTS50011: The redirect URI specified in the request does not match the redirect URIs configured for the application.");
    }
    if get("code_challenge_method") != "S256" || get("code_challenge").is_empty() {
        return Response::redirect(&format!("{redirect}?error=invalid_request&error_description=AADSTS9002325%3A+Proof+Key+for+Code+Exchange+is+required&state={}", get("state")));
    }
    let scopes: Vec<String> = get("scope").split_whitespace().map(str::to_owned).collect();
    if resources(&scopes).len() > 1 {
        return Response::redirect(&format!("{redirect}?error=invalid_request&error_description=AADSTS28000%3A+Provided+value+for+the+input+parameter+scope+is+not+valid+because+it+contains+more+than+one+resource.&state={}", get("state")));
    }
    let code = format!("0.AXEA-sim-code-{}", random(40));
    let user = s.user.clone();
    s.codes.insert(
        code.clone(),
        Code {
            client_id: app.client_id,
            redirect_uri: redirect.clone(),
            challenge: get("code_challenge"),
            scopes,
            user,
            used: false,
        },
    );
    let sep = if redirect.contains('?') { '&' } else { '?' };
    Response::redirect(&format!("{redirect}{sep}code={}&state={}&session_state={}", code, get("state"), guid()))
}

fn devicecode(st: &Mutex<State>, base: &str, req: &Request) -> Response {
    let mut s = st.lock().unwrap();
    let get = |k: &str| req.form.get(k).cloned().unwrap_or_default();
    if !s.apps.contains_key(&get("client_id")) {
        return ms_error(400, "unauthorized_client", 700016, "Application was not found in the directory.");
    }
    let device_code = format!("DAQABAAEAAAD-sim-{}", random(60));
    let user_code: String = random(9).to_uppercase().chars().filter(|c| c.is_ascii_alphanumeric()).take(8).collect();
    let user_code = format!("{user_code:A<8}");
    let interval = s.device_interval;
    s.devices.insert(
        device_code.clone(),
        super::Device {
            client_id: get("client_id"),
            user_code: user_code.clone(),
            scopes: get("scope").split_whitespace().map(str::to_owned).collect(),
            status: super::DeviceStatus::Pending,
            polls: 0,
        },
    );
    let uri = format!("{base}/devicelogin");
    Response::json(
        200,
        &json!({
            "user_code": user_code, "device_code": device_code, "verification_uri": uri, "expires_in": 900,
            "interval": interval,
            "message": format!("To sign in, use a web browser to open the page {uri} and enter the code {user_code} to authenticate."),
        }),
    )
}

fn token(st: &Mutex<State>, base: &str, tenant: &str, req: &Request) -> Response {
    let mut s = st.lock().unwrap();
    let f = &req.form;
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let grant = get("grant_type");
    *s.counts.entry(grant.clone()).or_default() += 1;
    if !s.scripted_http.is_empty() {
        return s.scripted_http.remove(0);
    }
    if !s.scripted.is_empty() {
        let (error, code) = s.scripted.remove(0);
        return ms_error(400, &error, code, "Scripted failure.");
    }
    let Some(app) = s.apps.get(&get("client_id")).cloned() else {
        return ms_error(
            400,
            "unauthorized_client",
            700016,
            &format!("Application with identifier '{}' was not found in the directory '{tenant}'.", get("client_id")),
        );
    };
    let url = format!("{base}/{tenant}/oauth2/v2.0/token");
    let scopes: Vec<String> = get("scope").split_whitespace().map(str::to_owned).collect();
    let lifetime = s.access_lifetime;
    match grant.as_str() {
        "client_credentials" => {
            if matches!(tenant, "common" | "organizations" | "consumers") {
                return ms_error(
                    400,
                    "invalid_request",
                    9001023,
                    "The tenant used for client credentials must be a tenant ID or domain.",
                );
            }
            if let Some(e) = check_client(&mut s, &app, f, &url, true) {
                return e;
            }
            if scopes.len() != 1 || !scopes[0].ends_with("/.default") {
                return ms_error(400, "invalid_scope", 1002012, &format!("The provided value for scope {} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", get("scope")));
            }
            let aud = scopes[0].trim_end_matches("/.default").to_owned();
            let access = jwt(
                json!({"aud": aud, "iss": format!("https://sts.windows.net/{}/", app.tenant), "iat": now(), "nbf": now(),
                "exp": now() + lifetime, "appid": app.client_id, "appidacr": "1", "idtyp": "app", "oid": guid(), "roles": app.app_roles,
                "sub": guid(), "tid": app.tenant, "ver": "1.0"}),
            );
            Response::json(
                200,
                &json!({"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": access}),
            )
        }
        "authorization_code" => {
            let Some(code) = s.codes.get(&get("code")).cloned() else {
                return ms_error(
                    400,
                    "invalid_grant",
                    70000,
                    "The provided value for the 'code' parameter is not valid.",
                );
            };
            if code.used {
                return ms_error(400, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.");
            }
            s.codes.get_mut(&get("code")).unwrap().used = true;
            if code.redirect_uri != get("redirect_uri") {
                return ms_error(400, "invalid_grant", 500112, "The reply address does not match the reply address provided when requesting the authorization code.");
            }
            let verifier_hash = URL_SAFE_NO_PAD.encode(Sha256::digest(get("code_verifier").as_bytes()));
            if verifier_hash != code.challenge {
                return ms_error(
                    400,
                    "invalid_grant",
                    501481,
                    "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
                );
            }
            let web = app.web_redirects.contains(&code.redirect_uri);
            if let Some(e) = check_client(&mut s, &app, f, &url, web) {
                return e;
            }
            issue_delegated(&mut s, &app.client_id, &app.tenant, code.scopes, &code.user, lifetime)
        }
        "refresh_token" => {
            let rt = get("refresh_token");
            let Some(g) = s.refresh_tokens.get(&rt).cloned() else {
                return ms_error(400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.");
            };
            if g.revoked {
                return ms_error(400, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.");
            }
            if g.client_id != app.client_id {
                return ms_error(400, "invalid_grant", 70000, "The refresh token was issued to a different client id.");
            }
            let wanted = if scopes.is_empty() { g.scopes.clone() } else { scopes };
            if wanted.iter().any(|x| x != "offline_access" && x != "openid" && x != "profile" && !g.scopes.contains(x))
            {
                return ms_error(
                    400,
                    "invalid_grant",
                    65001,
                    "The user or administrator has not consented to use the application.",
                );
            }
            let confidential = !app.web_redirects.is_empty() && app.public_redirects.is_empty();
            if let Some(e) = check_client(&mut s, &app, f, &url, confidential) {
                return e;
            }
            // Rotation: the used refresh token is revoked, a new one issued.
            s.refresh_tokens.get_mut(&rt).unwrap().revoked = true;
            issue_delegated(&mut s, &app.client_id, &app.tenant, wanted, &g.user, lifetime)
        }
        "password" => super::ropc::password(&mut s, &app, tenant, f, &url, scopes, lifetime),
        "urn:ietf:params:oauth:grant-type:device_code" => {
            let Some(d) = s.devices.get_mut(&get("device_code")) else {
                return ms_error(400, "bad_verification_code", 70000, "The device code is not valid.");
            };
            d.polls += 1;
            let d = d.clone();
            match d.status {
                super::DeviceStatus::Pending => ms_error(
                    400,
                    "authorization_pending",
                    70016,
                    "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
                ),
                super::DeviceStatus::Declined => {
                    ms_error(400, "authorization_declined", 70017, "The user declined to authenticate.")
                }
                super::DeviceStatus::Expired => ms_error(400, "expired_token", 70019, "Verification code expired."),
                super::DeviceStatus::Approved => {
                    s.devices.remove(&get("device_code"));
                    if let Some(e) = check_client(&mut s, &app, f, &url, false) {
                        return e;
                    }
                    let user = s.user.clone();
                    issue_delegated(&mut s, &d.client_id, &app.tenant, d.scopes, &user, lifetime)
                }
            }
        }
        _ => ms_error(
            400,
            "unsupported_grant_type",
            70003,
            &format!("The app requested an unsupported grant type '{grant}'."),
        ),
    }
}

/// A confidential client proves itself with a client assertion (checked as
/// Entra checks one) or its secret; a public client sends neither.
pub(super) fn check_client(
    s: &mut State,
    app: &super::App,
    f: &std::collections::HashMap<String, String>,
    token_url: &str,
    confidential: bool,
) -> Option<Response> {
    if f.contains_key("client_assertion") && confidential {
        let now = time::OffsetDateTime::now_utc().unix_timestamp() + s.clock_ahead;
        return super::assertion::check(app, f, token_url, &mut s.assertion_ids, now);
    }
    let sent = f.get("client_secret").or_else(|| f.get("client_assertion"));
    check_secret(app, sent.map(String::as_str), confidential)
}

/// Confidential clients must send the right, unexpired secret; public ones none.
fn check_secret(app: &super::App, sent: Option<&str>, confidential: bool) -> Option<Response> {
    match (confidential, sent) {
        (true, None) => Some(ms_error(401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")),
        (false, Some(_)) => Some(ms_error(401, "invalid_client", 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.")),
        (true, Some(s)) if Some(s) != app.secret.as_deref() => Some(ms_error(401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app.")),
        (true, Some(_)) if app.secret_expired => Some(ms_error(401, "invalid_client", 7000222, "The provided client secret keys for app are expired. Visit the Azure portal to create new keys for your app.")),
        _ => None,
    }
}

pub(super) fn issue_delegated(
    s: &mut State,
    client_id: &str,
    tenant: &str,
    scopes: Vec<String>,
    user: &str,
    lifetime: i64,
) -> Response {
    let res = resources(&scopes);
    let aud = res.first().cloned().unwrap_or_else(|| "00000003-0000-0000-c000-000000000000".into());
    let scp: Vec<String> = scopes
        .iter()
        .filter(|x| x.starts_with("https://"))
        .filter_map(|x| x.rsplit('/').next().map(str::to_owned))
        .collect();
    let access = jwt(
        json!({"aud": aud, "iss": format!("https://sts.windows.net/{tenant}/"), "iat": now(), "nbf": now(), "xms_pad": "A".repeat(s.token_padding),
        "exp": now() + lifetime, "appid": client_id, "name": "ERP Mailbox", "oid": guid(), "scp": scp.join(" "),
        "sub": guid(), "tid": tenant, "unique_name": user, "upn": user, "ver": "1.0"}),
    );
    let granted: Vec<String> = scopes.iter().filter(|x| *x != "offline_access").cloned().collect();
    let mut body = json!({"token_type": "Bearer", "scope": granted.join(" "), "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": access});
    if scopes.iter().any(|x| x == "offline_access") {
        s.seq += 1;
        let rt = format!("1.AXEA-sim-rt-{}-{}", s.seq, random(120));
        s.refresh_tokens
            .insert(rt.clone(), Grant { client_id: client_id.into(), scopes, user: user.into(), revoked: false });
        body["refresh_token"] = json!(rt);
    }
    Response::json(200, &body)
}

/// RFC 7662-style introspection, as Dovecot's oauth2 passdb calls it: a token
/// is active when it is ours, unexpired and for the Outlook resource; the
/// username is its `upn` (delegated) or the mailbox granted to its app.
pub fn introspect(st: &Mutex<State>, req: &Request) -> Response {
    let token = req.form.get("token").cloned().unwrap_or_default();
    let claims: Option<serde_json::Value> = token
        .split('.')
        .nth(1)
        .and_then(|p| URL_SAFE_NO_PAD.decode(p).ok())
        .and_then(|b| serde_json::from_slice(&b).ok());
    let inactive = || Response::json(200, &json!({"active": false}));
    let Some(c) = claims else { return inactive() };
    if st.lock().unwrap().introspection_rejects {
        return inactive();
    }
    let aud = c["aud"].as_str().unwrap_or_default();
    if c["exp"].as_i64().unwrap_or(0) <= now() || !aud.contains("outlook.office") {
        return inactive();
    }
    let user = match c["upn"].as_str() {
        Some(u) => u.to_owned(),
        None => match st.lock().unwrap().app_mailboxes.get(c["appid"].as_str().unwrap_or_default()) {
            Some(m) => m.clone(),
            None => return inactive(),
        },
    };
    Response::json(200, &json!({"active": true, "username": user, "scope": c["scp"], "client_id": c["appid"]}))
}
