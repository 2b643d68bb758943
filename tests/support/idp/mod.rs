//! A Microsoft identity platform simulator on 127.0.0.1 over HTTPS. It answers
//! `/{tenant}/oauth2/v2.0/authorize` and `/token` as Microsoft does — the same
//! success fields, the same error JSON (`error`, `error_description` with
//! AADSTS code and trace lines, `error_codes`, `trace_id`, `correlation_id`,
//! `timestamp`, `error_uri`) — and issues JWT-shaped tokens with real claims.
//! Tests register apps, script failures and read counters.

mod answers;
mod apis;
pub mod assertion;
pub mod directory;
pub mod drafts;
mod endpoints;
pub mod graph;
pub mod http;
mod keys;
mod mailbox;
pub mod ropc;

use crate::tls::TestCa;
use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// An app registration (built with [`App::new`] and its setters).
#[derive(Clone, Debug)]
pub struct App {
    pub client_id: String,
    pub tenant: String,
    /// The secret's value; None for an app without secrets.
    pub secret: Option<String>,
    pub secret_expired: bool,
    /// Redirect URIs registered under "Mobile and desktop" (public client).
    pub public_redirects: Vec<String>,
    /// Redirect URIs registered under "Web" (confidential client).
    pub web_redirects: Vec<String>,
    /// Application permissions with admin consent (roles in app-only tokens).
    pub app_roles: Vec<String>,
    /// Certificates registered on the app (keyCredentials).
    pub certificates: Vec<assertion::KeyCredential>,
}

impl App {
    /// App `client_id` in `tenant`: no secret, no redirect, no role yet.
    pub fn new(client_id: &str, tenant: &str) -> App {
        App {
            client_id: client_id.into(),
            tenant: tenant.into(),
            secret: None,
            secret_expired: false,
            public_redirects: vec![],
            web_redirects: vec![],
            app_roles: vec![],
            certificates: vec![],
        }
    }

    /// A certificate (DER) uploaded to the app, valid until `end` (Unix seconds).
    pub fn certificate(mut self, der: &[u8], end: i64) -> App {
        self.certificates.push(assertion::KeyCredential { der: der.to_vec(), end, name: "Uploaded by a test".into() });
        self
    }

    /// A client secret with this value.
    pub fn secret(self, value: &str) -> App {
        App { secret: Some(value.into()), ..self }
    }

    /// A redirect URI under "Mobile and desktop applications".
    pub fn public_redirect(mut self, uri: &str) -> App {
        self.public_redirects.push(uri.into());
        self
    }

    /// A redirect URI under "Web".
    pub fn web_redirect(mut self, uri: &str) -> App {
        self.web_redirects.push(uri.into());
        self
    }

    /// Application permissions with admin consent.
    pub fn roles(mut self, roles: &[&str]) -> App {
        self.app_roles.extend(roles.iter().map(|r| r.to_string()));
        self
    }
}

#[derive(Clone, Debug)]
pub struct Code {
    pub client_id: String,
    pub redirect_uri: String,
    pub challenge: String,
    pub scopes: Vec<String>,
    pub user: String,
    pub used: bool,
}

#[derive(Clone, Debug)]
pub struct Grant {
    pub client_id: String,
    pub scopes: Vec<String>,
    pub user: String,
    pub revoked: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceStatus {
    Pending,
    Approved,
    Declined,
    Expired,
}

#[derive(Clone, Debug)]
pub struct Device {
    pub client_id: String,
    pub user_code: String,
    pub scopes: Vec<String>,
    pub status: DeviceStatus,
    pub polls: usize,
}

#[derive(Default)]
pub struct State {
    /// Device codes by device_code.
    pub devices: HashMap<String, Device>,
    /// The polling interval the devicecode endpoint announces.
    pub device_interval: i64,
    pub apps: HashMap<String, App>,
    pub codes: HashMap<String, Code>,
    pub refresh_tokens: HashMap<String, Grant>,
    /// Seconds the simulator's clock is ahead of this computer's, for
    /// checking assertions' times (a computer whose clock is off).
    pub clock_ahead: i64,
    /// The tenant's app management policy forbids new client secrets
    /// (`passwordAddition`): addPassword is refused.
    pub secrets_forbidden: bool,
    /// Certificates added through Graph's addKey.
    pub added_keys: usize,
    /// Client assertions' `jti`s seen (each may be used once).
    pub assertion_ids: std::collections::HashSet<String>,
    /// Token requests by grant type.
    pub counts: HashMap<String, usize>,
    /// The next token request(s) fail with this (error, AADSTS code).
    pub scripted: Vec<(String, u64)>,
    /// The next token request(s) get this raw answer (outages, throttling).
    pub scripted_http: Vec<http::Response>,
    /// Lifetime of issued access tokens, seconds.
    pub access_lifetime: i64,
    /// The account that "signs in" at /authorize.
    pub user: String,
    /// Graph: mailboxes that exist, those without an Exchange Online licence,
    /// those an ApplicationAccessPolicy keeps the app from, and what was sent.
    pub graph_users: std::collections::HashSet<String>,
    pub graph_unlicensed: std::collections::HashSet<String>,
    pub graph_policy_denied: std::collections::HashSet<String>,
    pub graph_sent: Vec<(String, serde_json::Value)>,
    /// Graph drafts by id, and attachment upload sessions by id.
    pub drafts: HashMap<String, drafts::Draft>,
    pub uploads: HashMap<String, drafts::Upload>,
    /// Graph: each mailbox's inbox (Mail.Read).
    pub graph_inbox: HashMap<String, Vec<graph::InboxMessage>>,
    /// Messages moved out of an inbox, by "mailbox/folder".
    pub graph_folders: HashMap<String, Vec<graph::InboxMessage>>,
    /// Extra claim bytes in delegated access tokens (realistic 3 KB tokens).
    pub token_padding: usize,
    /// Introspection answers "inactive" for every token (a revoked or foreign token).
    pub introspection_rejects: bool,
    /// App-only tokens: the mailbox each app (appid) may use over SMTP/IMAP.
    pub app_mailboxes: HashMap<String, String>,
    /// Graph `passwordCredentials` of each app (by appId), as Graph returns them.
    pub app_secrets: HashMap<String, Vec<serde_json::Value>>,
    /// Apps registered in another tenant (multi-tenant): only a service
    /// principal here, so Graph answers 404 for the application object.
    pub foreign_apps: std::collections::HashSet<String>,
    /// Accounts that can sign in with a password (ROPC), by lower-case UPN.
    pub users: HashMap<String, ropc::User>,
    /// Apps with "Allow public client flows" on (by client ID).
    pub public_client_flows: std::collections::HashSet<String>,
    /// Federated domains and their sign-in service's host (AD FS).
    pub federated_domains: HashMap<String, String>,
    /// Graph directory: each app's registration beyond sign-in (object ID,
    /// audience, configured permissions, enterprise application).
    pub app_meta: HashMap<String, directory::AppMeta>,
    /// Delegated permission grants (admin or user consent).
    pub grants: Vec<directory::DirGrant>,
    /// Accounts holding an administrator's directory role.
    pub directory_admins: std::collections::HashSet<String>,
    /// App registrations created through Graph.
    pub created_apps: usize,
    pub seq: u64,
}

pub struct Idp {
    pub base: String,
    /// Plain-HTTP token introspection for Dovecot (RFC 7662 shape).
    pub introspect_url: String,
    pub ca: TestCa,
    pub state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    port: u16,
}

impl Idp {
    pub fn start() -> Idp {
        let ca = TestCa::new();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state =
            Arc::new(Mutex::new(State { access_lifetime: 3599, user: "erp@contoso.com".into(), ..State::default() }));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, cfg, stop2) = (state.clone(), ca.server.clone(), stop.clone());
        let base = format!("https://127.0.0.1:{port}");
        let base2 = base.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(tcp) = conn else { continue };
                let (st, cfg, base) = (st.clone(), cfg.clone(), base2.clone());
                std::thread::spawn(move || {
                    let Ok(server) = rustls::ServerConnection::new(cfg) else { return };
                    let mut tls = rustls::StreamOwned::new(server, tcp);
                    if let Some(req) = http::read_request(&mut tls) {
                        let resp = endpoints::handle(&st, &base, &req);
                        http::write_response(&mut tls, &resp);
                        tls.conn.send_close_notify();
                        let _ = std::io::Write::flush(&mut tls);
                    }
                });
            }
        });
        let introspect = TcpListener::bind("127.0.0.1:0").unwrap();
        let introspect_url = format!("http://127.0.0.1:{}/introspect", introspect.local_addr().unwrap().port());
        let st = state.clone();
        std::thread::spawn(move || {
            for conn in introspect.incoming() {
                let Ok(mut tcp) = conn else { continue };
                let st = st.clone();
                std::thread::spawn(move || {
                    if let Some(req) = http::read_request(&mut tcp) {
                        let resp = endpoints::introspect(&st, &req);
                        http::write_response(&mut tcp, &resp);
                    }
                });
            }
        });
        Idp { base, introspect_url, ca, state, stop, port }
    }

    pub fn register(&self, app: App) {
        let mut s = self.state.lock().unwrap();
        s.app_meta.insert(app.client_id.clone(), directory::meta_for(&app));
        s.apps.insert(app.client_id.clone(), app);
    }

    /// `upn` holds Application Administrator (and may grant consent).
    pub fn make_admin(&self, upn: &str) {
        self.state.lock().unwrap().directory_admins.insert(upn.into());
    }

    /// The tenant knows Microsoft Graph Command Line Tools (the public client
    /// administrators sign in with) and `admin` holds the administrator's role.
    pub fn with_admin(&self, tenant: &str, admin: &str) {
        self.register(App {
            client_id: directory::ADMIN_CLIENT.into(),
            tenant: tenant.into(),
            secret: None,
            secret_expired: false,
            public_redirects: vec!["http://localhost".into()],
            web_redirects: vec![],
            app_roles: vec![],
            certificates: vec![],
        });
        self.make_admin(admin);
    }

    /// Answer the next token request with `r` as is (a 503 page, a 429).
    pub fn script_response(&self, r: http::Response) {
        self.state.lock().unwrap().scripted_http.push(r);
    }

    pub fn count(&self, grant: &str) -> usize {
        self.state.lock().unwrap().counts.get(grant).copied().unwrap_or(0)
    }

    pub fn set_access_lifetime(&self, secs: i64) {
        self.state.lock().unwrap().access_lifetime = secs;
    }

    /// The next token request fails with `error` / AADSTS `code`.
    pub fn fail_next(&self, error: &str, code: u64) {
        self.state.lock().unwrap().scripted.push((error.into(), code));
    }

    /// What the person's browser does at the authorize URL: sign in and
    /// follow the redirect. Returns the redirect (with code or error).
    pub fn sign_in(&self, authorize_url: &str) -> String {
        let u = url::Url::parse(authorize_url).unwrap();
        let req = http::Request {
            method: "GET".into(),
            path: u.path().to_owned(),
            query: u.query_pairs().into_owned().collect(),
            headers: HashMap::new(),
            form: HashMap::new(),
            body: Vec::new(),
        };
        let resp = endpoints::handle(&self.state, &self.base, &req);
        assert_eq!(resp.status, 302, "authorize did not redirect: {}", String::from_utf8_lossy(&resp.body));
        resp.headers.iter().find(|(k, _)| k == "Location").unwrap().1.clone()
    }

    /// Mint a refresh token as if `user` had signed in to `client_id` elsewhere.
    pub fn mint_refresh_token(&self, client_id: &str, scopes: &[&str]) -> String {
        let mut s = self.state.lock().unwrap();
        s.seq += 1;
        let rt = format!("1.AXEA-sim-rt-{}-{}", s.seq, answers::random(24));
        let user = s.user.clone();
        s.refresh_tokens.insert(
            rt.clone(),
            Grant {
                client_id: client_id.into(),
                scopes: scopes.iter().map(|x| x.to_string()).collect(),
                user,
                revoked: false,
            },
        );
        rt
    }

    pub fn set_device_interval(&self, secs: i64) {
        self.state.lock().unwrap().device_interval = secs;
    }

    /// The person enters `user_code` and accepts (or declines, or lets it expire).
    pub fn set_device_status(&self, user_code: &str, status: DeviceStatus) {
        let mut s = self.state.lock().unwrap();
        let d = s.devices.values_mut().find(|d| d.user_code == user_code).expect("no such user code");
        d.status = status;
    }

    /// Token requests with the device-code grant (polls), over all codes.
    pub fn device_polls(&self) -> usize {
        self.count("urn:ietf:params:oauth:grant-type:device_code")
    }

    pub fn revoke(&self, refresh_token: &str) {
        if let Some(g) = self.state.lock().unwrap().refresh_tokens.get_mut(refresh_token) {
            g.revoked = true;
        }
    }

    pub fn live_refresh_tokens(&self) -> usize {
        self.state.lock().unwrap().refresh_tokens.values().filter(|g| !g.revoked).count()
    }

    /// Let app `client_id`'s app-only tokens use `mailbox` (Add-MailboxPermission).
    pub fn grant_mailbox(&self, client_id: &str, mailbox: &str) {
        self.state.lock().unwrap().app_mailboxes.insert(client_id.into(), mailbox.into());
    }

    /// An account that signs in with `password` (ROPC); `mfa`: Conditional
    /// Access requires multi-factor sign-in for it.
    pub fn add_user(&self, upn: &str, password: &str, mfa: bool) {
        let user = ropc::User { password: password.into(), mfa };
        self.state.lock().unwrap().users.insert(upn.to_ascii_lowercase(), user);
    }

    /// "Allow public client flows" on (or off) for app `client_id`.
    pub fn allow_public_client_flows(&self, client_id: &str, on: bool) {
        let mut s = self.state.lock().unwrap();
        if on {
            s.public_client_flows.insert(client_id.into());
        } else {
            s.public_client_flows.remove(client_id);
        }
    }

    /// `domain`'s passwords are checked by an AD FS at `host`.
    pub fn federate(&self, domain: &str, host: &str) {
        self.state.lock().unwrap().federated_domains.insert(domain.into(), host.into());
    }

    pub fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for Idp {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = std::net::TcpStream::connect(("127.0.0.1", self.port));
    }
}
