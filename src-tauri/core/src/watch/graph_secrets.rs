//! Read an app's client secrets from Microsoft Graph:
//! `GET /v1.0/applications(appId='{clientId}')?$select=displayName,passwordCredentials`
//! with an app-only token for Graph (the profile's client credentials; the app
//! needs the Application.Read.All application permission). The profile's
//! secret is matched by Secret ID (`keyId`), else by its hint; its expiry is
//! filled in, and the app's other secrets are listed.

use crate::clock::local_date;
use crate::diagnosis::{Diagnosis, TransportError};
use crate::error::{CoreError, Result};
use crate::mail::graph::graph_base;
use crate::oauth::client::{client_for, context_for, failure};
use crate::secret::{ExposeSecret, SecretKind};
use oauth2::{Scope, TokenResponse as _};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use ts_rs::TS;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Application {
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    password_credentials: Vec<PasswordCredential>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PasswordCredential {
    key_id: String,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    hint: Option<String>,
    #[serde(default)]
    end_date_time: Option<String>,
}

/// One of the app's secrets as Graph describes it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppSecret {
    pub secret_id: String,
    pub description: String,
    pub hint: Option<String>,
    /// The local date it expires, `YYYY-MM-DD`.
    pub expires: Option<String>,
    /// This is the secret the profile holds.
    pub is_profiles: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppSecretsReport {
    pub app_name: Option<String>,
    pub secrets: Vec<AppSecret>,
    /// The profile's expiry (and Secret ID, if it was missing) were filled in.
    pub updated: bool,
}

fn denied(client_id: &str) -> Diagnosis {
    Diagnosis::new(
        "graph_application_read_denied",
        "Microsoft Graph would not show this app's secrets",
        "Reading an app's secrets needs the Application.Read.All application permission, with admin consent.",
        vec![
            format!("In Entra → **App registrations** → the app {client_id} → **API permissions** → **Add a permission** → Microsoft Graph → **Application permissions** → **Application.Read.All**, then **Grant admin consent**."),
            "Or type the expiry date shown under **Certificates & secrets** (or paste the secret's row there).".into(),
        ],
    )
}

impl super::Watch<'_> {
    /// Read the app's secrets from Graph and fill in the profile's expiry.
    pub fn read_app_secrets(&self, id: i64) -> Result<AppSecretsReport> {
        let p = self.store.get(id)?.profile;
        let secret = self.store.read_secret(id, SecretKind::ClientSecret)?.ok_or_else(|| {
            CoreError::invalid(
                "clientSecret",
                "This profile holds no client secret: there is no expiry to read. Reading needs the app's secret (client credentials).",
            )
        })?;
        let (client, ep) = client_for(&p, Some(&secret))?;
        let ctx = context_for(&p, &ep);
        let http = crate::http::client()?;
        let base = graph_base(&p);
        let token = client
            .exchange_client_credentials()
            .add_scope(Scope::new(format!("{base}/.default")))
            .request(&crate::http::Bounded(&http, None))
            .map_err(|e| CoreError::from(failure(e, &ctx, &ep)))?;
        let url = format!("{base}/v1.0/applications(appId='{}')?$select=displayName,passwordCredentials", p.client_id);
        let host = url::Url::parse(&url).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default();
        let resp = http
            .get(&url)
            .bearer_auth(token.access_token().secret().as_str())
            .send()
            .map_err(|e| CoreError::Auth(Box::new(crate::http::classify(&e, &host).diagnose())))?;
        let status = resp.status().as_u16();
        let bytes = crate::http::read_body(resp).map_err(|e| {
            CoreError::Auth(Box::new(TransportError::Overflow { host: host.clone(), detail: e.to_string() }.diagnose()))
        })?;
        if status != 200 {
            let err = serde_json::from_slice::<crate::mail::graph::GraphErrorBody>(&bytes).ok();
            let code = err.as_ref().map(|e| e.error.code.as_str()).unwrap_or("");
            let mut d = match (status, code) {
                (403, _) | (_, "Authorization_RequestDenied") => denied(&p.client_id),
                (404, _) => Diagnosis::new(
                    "graph_app_not_found",
                    "Microsoft Graph does not know this app",
                    format!("Tenant {} has no app registration with client ID {}: a typing error, or a multi-tenant app registered in another tenant (only its enterprise application is here).", p.tenant, p.client_id),
                    vec![
                        "Check the Client ID and the Tenant: both are on the app's **Overview** page in Entra.".into(),
                        "For an app registered in another tenant, read its secrets there, or type the expiry date its owner gives you.".into(),
                    ],
                ),
                _ => TransportError::BadResponse { host, status, detail: code.to_owned() }.diagnose(),
            };
            if let Some(e) = err {
                e.error.annotate(status, &mut d);
            }
            return Err(CoreError::Auth(Box::new(d)));
        }
        let app: Application = serde_json::from_slice(&bytes).map_err(|_| {
            CoreError::Auth(Box::new(
                TransportError::BadResponse { host, status, detail: "not an application".into() }.diagnose(),
            ))
        })?;
        self.apply_app_secrets(&p, secret.expose_secret(), app)
    }

    fn apply_app_secrets(
        &self,
        p: &crate::profile::Profile,
        value: &str,
        app: Application,
    ) -> Result<AppSecretsReport> {
        let zone = self.clock.zone();
        let hint = crate::watch::history::hint_of(value);
        let by_id = app.password_credentials.iter().position(|c| Some(&c.key_id) == p.client_secret_id.as_ref());
        let by_hint = || {
            let same: Vec<usize> = app
                .password_credentials
                .iter()
                .enumerate()
                .filter(|(_, c)| c.hint.as_deref() == Some(hint.as_str()))
                .map(|(i, _)| i)
                .collect();
            (same.len() == 1).then(|| same[0])
        };
        let mine = by_id.or_else(by_hint);
        let secrets: Vec<AppSecret> = app
            .password_credentials
            .iter()
            .enumerate()
            .map(|(i, c)| AppSecret {
                secret_id: c.key_id.clone(),
                description: c.display_name.clone().unwrap_or_default(),
                hint: c.hint.clone(),
                expires: c
                    .end_date_time
                    .as_deref()
                    .and_then(|e| OffsetDateTime::parse(e, &Rfc3339).ok())
                    .map(|t| local_date(t, &zone).to_string()),
                is_profiles: Some(i) == mine,
            })
            .collect();
        let mut updated = false;
        if let Some(m) = mine.map(|i| &secrets[i]) {
            let mut draft = self.profiles().draft(p.id)?;
            let expires = m.expires.clone().unwrap_or_default();
            if draft.client_secret_expires != expires || draft.client_secret_id != m.secret_id {
                draft.client_secret_expires = expires;
                draft.client_secret_id = m.secret_id.clone();
                self.profiles().save(Some(p.id), &draft)?;
                updated = true;
            }
            if !m.description.is_empty() {
                self.store.describe_current_secret(p.id, &m.description)?;
            }
        }
        Ok(AppSecretsReport { app_name: app.display_name, secrets, updated })
    }
}
