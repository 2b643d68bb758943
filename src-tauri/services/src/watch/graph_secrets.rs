//! Read an app's client secrets and certificates from Microsoft Graph:
//! `GET /v1.0/applications(appId='{clientId}')` (the registration module's
//! directory) with an app-only token for Graph (the profile's client
//! credentials; the app needs the Application.Read.All application
//! permission). The profile's secret is matched by Secret ID (`keyId`), else
//! by its hint, and its expiry filled in; its certificate is matched by
//! thumbprint, and Entra's end for it kept for the watch; the app's other
//! credentials are listed.

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

/// One of the app's certificates as Graph describes it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppCertificate {
    /// SHA-1, upper-case hex (the portal's Thumbprint column).
    pub thumbprint: Option<String>,
    pub description: String,
    /// The local date Entra stops taking it, `YYYY-MM-DD`.
    pub expires: Option<String>,
    /// This is the certificate the profile signs in with.
    pub is_profiles: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppSecretsReport {
    pub app_name: Option<String>,
    pub secrets: Vec<AppSecret>,
    pub certificates: Vec<AppCertificate>,
    /// The profile's expiry (and Secret ID, if it was missing) were filled in.
    pub updated: bool,
}

impl super::Watch<'_> {
    /// Read the app's secrets and certificates from Graph: fill in the
    /// profile's secret expiry, and keep Entra's end for its certificate.
    pub fn read_app_secrets(&self, id: i64) -> Result<AppSecretsReport> {
        let p = self.store.get(id)?.profile;
        let secret = self.store.read_secret(id, SecretKind::ClientSecret)?;
        let certificate = self.store.certificate_end(id)?.map(|c| c.thumbprint);
        if secret.is_none() && certificate.is_none() {
            return Err(CoreError::invalid(
                "clientSecret",
                "This profile holds neither a client secret nor a certificate: there is no expiry to read. Reading needs the app's credential (client credentials).",
            ));
        }
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
        let zone = self.clock.zone();
        let expires = |e: Option<&str>| {
            e.and_then(|e| OffsetDateTime::parse(e, &Rfc3339).ok()).map(|t| local_date(t, &zone).to_string())
        };
        let certificates: Vec<AppCertificate> = app
            .key_credentials
            .iter()
            .map(|k| AppCertificate {
                thumbprint: k.thumbprint(),
                description: k.display_name.clone().unwrap_or_default(),
                expires: expires(k.end_date_time.as_deref()),
                is_profiles: certificate.is_some() && k.thumbprint() == certificate,
            })
            .collect();
        // (The app's own token proves the certificate is on the app.)
        if let Some(t) = &certificate {
            self.certificates().note_entra_end(id, t, &app.key_credentials);
        }
        let mut report = self.apply_app_secrets(&p, secret.as_ref().map(|s| s.expose_secret()), app)?;
        report.certificates = certificates;
        Ok(report)
    }

    fn apply_app_secrets(
        &self,
        p: &crate::profile::Profile,
        value: Option<&str>,
        app: Application,
    ) -> Result<AppSecretsReport> {
        let zone = self.clock.zone();
        let hint = value.map(crate::watch::history::hint_of);
        let by_id = app.password_credentials.iter().position(|c| Some(&c.key_id) == p.client_secret_id.as_ref());
        let by_hint = || {
            let same: Vec<usize> = app
                .password_credentials
                .iter()
                .enumerate()
                .filter(|(_, c)| hint.is_some() && c.hint == hint)
                .map(|(i, _)| i)
                .collect();
            (same.len() == 1).then(|| same[0])
        };
        let mine = value.and(by_id.or_else(by_hint));
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
        Ok(AppSecretsReport { app_name: app.display_name, secrets, updated, certificates: Vec::new() })
    }
}
