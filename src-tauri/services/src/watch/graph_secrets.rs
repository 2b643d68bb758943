//! Read an app's client secrets from Microsoft Graph:
//! `GET /v1.0/applications(appId='{clientId}')` (the registration module's
//! directory) with an app-only token for Graph (the profile's client credentials; the app
//! needs the Application.Read.All application permission). The profile's
//! secret is matched by Secret ID (`keyId`), else by its hint; its expiry is
//! filled in, and the app's other secrets are listed.

use crate::clock::local_date;
use crate::diagnosis::Diagnosis;
use crate::error::{CoreError, Result};
use crate::mail::graph::graph_base;
use crate::registration::directory::{Application, Directory};
use crate::secret::{ExposeSecret, SecretKind};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use ts_rs::TS;

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
        let token = self.registrations().app_token(&p)?;
        let dir = Directory::new(&graph_base(&p), &token, false)?;
        let app = dir.application(&p.client_id)?.ok_or_else(|| {
            let mut d = Diagnosis::new(
                "graph_app_not_found",
                "Microsoft Graph does not know this app",
                format!("Tenant {} has no app registration with client ID {}: a typing error, or a multi-tenant app registered in another tenant (only its enterprise application is here).", p.tenant, p.client_id),
                vec![
                    "Check the Client ID and the Tenant: both are on the app's **Overview** page in Entra.".into(),
                    "For an app registered in another tenant, read its secrets there, or type the expiry date its owner gives you.".into(),
                ],
            );
            dir.annotate_absent(&mut d);
            CoreError::Auth(Box::new(d))
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
