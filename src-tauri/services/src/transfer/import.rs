//! Bringing profiles in from an export file. Each profile is read and
//! validated on its own (a bad one is reported by field, the others still
//! come in); a name that exists already is a conflict the caller resolves per
//! profile (skip, rename, replace). A dry run reports what would happen and
//! changes nothing. Secrets in the file go in through the same paths as
//! typed ones: sealed by the store, a refresh token through the tokens service.

use super::{read, ExportFile, ExportedProfile, Secrets, Transfer};
use crate::error::{FieldError, Result};
use crate::profile::{validate, Existing};
use crate::secret::{SecretChange, SecretString};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use ts_rs::TS;

/// What to do with a profile whose name exists already.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum OnConflict {
    Skip,
    /// Import it as "NAME (imported)".
    Rename,
    /// Overwrite the existing profile (its secrets stay unless the file has new ones).
    Replace,
}

impl OnConflict {
    pub fn parse(s: &str) -> Option<OnConflict> {
        match s {
            "skip" => Some(OnConflict::Skip),
            "rename" => Some(OnConflict::Rename),
            "replace" => Some(OnConflict::Replace),
            _ => None,
        }
    }
}

/// What happened (or, in a dry run, would happen) to one profile of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ImportAction {
    Add,
    Replace,
    Rename,
    Skip,
    /// The name exists and no choice was given.
    Conflict,
    /// The profile has errors; nothing of it is imported.
    Invalid,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportItem {
    /// Its position in the file (choices are given by it).
    pub index: u32,
    pub name: String,
    pub action: ImportAction,
    /// The name it is (or would be) stored under.
    pub stored_as: String,
    /// The profile it is (or would be) stored as; None in a dry run of an add.
    pub id: Option<i64>,
    pub errors: Vec<FieldError>,
    /// The secrets the file holds for it ("client secret", …).
    pub secrets: Vec<String>,
    /// What to do next, e.g. "set its client secret in the editor".
    pub note: String,
    /// For a replace: each field that changes (never a secret).
    pub changes: Vec<FieldChange>,
    /// A replace changes where the stored secrets would be sent: they and
    /// the connection are (or would be) dropped, to be entered again.
    pub drops_secrets: bool,
}

/// A field a replace changes, as the editor names it, old and new.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FieldChange {
    pub field: String,
    pub from: String,
    pub to: String,
}

/// The fields that say where a profile's secrets and tokens are sent (or
/// whose change could make them sent elsewhere: a custom cloud's Graph is
/// its scopes' host). A replace that changes one drops what is stored.
const DESTINATION: &[&str] = &[
    "provider",
    "authMethod",
    "sendMethod",
    "tenant",
    "cloud",
    "authorityUrl",
    "graphUrl",
    "clientId",
    "scopes",
    "redirectUri",
    "authUrl",
    "tokenUrl",
    "smtpHost",
    "smtpPort",
    "smtpSecurity",
    "imapHost",
    "imapPort",
    "imapSecurity",
    "pop3Host",
    "pop3Port",
    "pop3Security",
];

/// The fields that differ between the stored profile and the file's.
fn changes(old: &crate::profile::Profile, new: &crate::profile::Profile) -> Vec<FieldChange> {
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) =
        (serde_json::to_value(old), serde_json::to_value(new))
    else {
        return Vec::new();
    };
    let shown = |v: Option<&serde_json::Value>| match v {
        None | Some(serde_json::Value::Null) => "(empty)".to_owned(),
        Some(serde_json::Value::String(s)) if s.is_empty() => "(empty)".to_owned(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Array(items)) => {
            items.iter().map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned)).collect::<Vec<_>>().join(" ")
        }
        Some(v) => v.to_string(),
    };
    a.keys()
        .filter(|k| !matches!(k.as_str(), "id" | "createdAt" | "updatedAt"))
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| FieldChange { field: k.clone(), from: shown(a.get(k)), to: shown(b.get(k)) })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    pub dry_run: bool,
    /// The file was encrypted (and so may carry secrets).
    pub encrypted: bool,
    pub items: Vec<ImportItem>,
}

impl ImportReport {
    pub fn conflicts(&self) -> impl Iterator<Item = &ImportItem> {
        self.items.iter().filter(|i| i.action == ImportAction::Conflict)
    }
}

/// One profile of the file, decoded: serde's path names the field at fault
/// (the draft and its secrets are decoded apart: a flattened struct would
/// hide the path).
fn decode(mut v: serde_json::Value) -> std::result::Result<ExportedProfile, FieldError> {
    fn named<T: serde::de::DeserializeOwned>(v: serde_json::Value, prefix: &str) -> std::result::Result<T, FieldError> {
        serde_path_to_error::deserialize::<_, T>(v).map_err(|e| {
            let field = format!("{prefix}{}", e.path());
            FieldError::new(&field, format!("{field}: {}", e.into_inner()))
        })
    }
    let secrets = v.as_object_mut().and_then(|o| o.remove("secrets"));
    let draft = named(v, "")?;
    let secrets = secrets.map(|s| named(s, "secrets.")).transpose()?.unwrap_or_default();
    Ok(ExportedProfile { draft, secrets })
}

impl Transfer<'_> {
    /// Import `bytes` (an export file). `choices` resolves name conflicts by
    /// the profile's index; `default` applies to the rest (None: they are
    /// reported as conflicts and not imported). `dry_run` changes nothing.
    pub fn import(
        &self,
        bytes: &[u8],
        passphrase: Option<&SecretString>,
        choices: &HashMap<u32, OnConflict>,
        default: Option<OnConflict>,
        dry_run: bool,
    ) -> Result<ImportReport> {
        let (file, encrypted) = read(bytes, passphrase)?;
        self.import_file(&file, encrypted, choices, default, dry_run)
    }

    /// [`Transfer::import`] of a file already read (decrypting is slow on
    /// purpose: a preview and the import read it once).
    pub fn import_file(
        &self,
        file: &ExportFile,
        encrypted: bool,
        choices: &HashMap<u32, OnConflict>,
        default: Option<OnConflict>,
        dry_run: bool,
    ) -> Result<ImportReport> {
        let mut taken: Vec<String> = self.store.list()?.iter().map(|s| s.profile.name.clone()).collect();
        let today = self.clock.today();
        let mut items = Vec::new();
        for (index, raw) in file.profiles.iter().cloned().enumerate() {
            let index = index as u32;
            let fallback = raw.get("name").and_then(|n| n.as_str()).unwrap_or("(no name)").to_owned();
            let entry = match decode(raw) {
                Ok(e) => e,
                Err(err) => {
                    items.push(item(index, &fallback, ImportAction::Invalid, vec![err], &Secrets::default()));
                    continue;
                }
            };
            let ExportedProfile { mut draft, secrets } = entry;
            let name = draft.name.trim().to_owned();
            if !encrypted && !secrets.is_empty() {
                // Only an encrypted export carries secrets: a plain file that
                // does is not Mailwarden's, and could plant a refresh token.
                let err = FieldError::new(
                    "secrets",
                    "This plain (unencrypted) file carries secrets: Mailwarden writes secrets only into encrypted exports, so nothing of this profile is imported. Export it again with its secrets (encrypted), or without them.",
                );
                items.push(item(index, &name, ImportAction::Invalid, vec![err], &secrets));
                continue;
            }
            let existing = self.store.find_by_name(&name)?;
            let existing_id = existing.as_ref().map(|s| s.profile.id);
            let existing_profile = existing.as_ref().map(|s| s.profile.clone());
            let choice = choices.get(&index).copied().or(default);
            let (action, stored_as) = match (existing_id, choice) {
                (None, _) => (ImportAction::Add, name.clone()),
                (Some(_), None) => (ImportAction::Conflict, name.clone()),
                (Some(_), Some(OnConflict::Skip)) => (ImportAction::Skip, name.clone()),
                (Some(_), Some(OnConflict::Replace)) => (ImportAction::Replace, name.clone()),
                (Some(_), Some(OnConflict::Rename)) => (ImportAction::Rename, free_name(&name, &taken)),
            };
            draft.name = stored_as.clone();
            draft.client_secret =
                secrets.client_secret.clone().map(|v| SecretChange::Set { value: v }).unwrap_or_default();
            draft.password = secrets.password.clone().map(|v| SecretChange::Set { value: v }).unwrap_or_default();
            if let Some(text) = &secrets.certificate {
                draft.certificate = crate::records::CertificateRequest::Pem { text: text.clone() };
            }
            let replace_id = existing_id.filter(|_| action == ImportAction::Replace);
            // A replaced profile keeps what it holds; a secret neither it
            // nor the file has is set afterwards (the item's note says so).
            let held = existing.filter(|_| replace_id.is_some());
            let mut held = (held.as_ref().is_some_and(|s| s.has_client_secret), held.is_some_and(|s| s.has_password));
            let lenient = Existing { has_client_secret: true, has_password: true, has_certificate: false };
            let mut it = item(index, &name, action, Vec::new(), &secrets);
            it.stored_as = stored_as.clone();
            it.id = replace_id;
            let mut validated = match validate(&draft, Some(lenient), today) {
                Ok(v) => v,
                Err(errors) => {
                    it.action = ImportAction::Invalid;
                    it.errors = errors;
                    items.push(it);
                    continue;
                }
            };
            if let Some(old) = existing_profile.as_ref().filter(|_| replace_id.is_some()) {
                it.changes = changes(old, &validated.profile);
                it.drops_secrets = it.changes.iter().any(|c| DESTINATION.contains(&c.field.as_str()));
                if it.drops_secrets {
                    // The kept secrets would go where the file says: drop them.
                    if secrets.client_secret.is_none() {
                        validated.client_secret = SecretChange::Clear;
                    }
                    if secrets.password.is_none() {
                        validated.password = SecretChange::Clear;
                    }
                    held = (false, false);
                }
            }
            // The certificate in the file, read and checked now: a bad one
            // makes the item invalid, never a half-imported profile.
            match self.certificates().requested(&validated.profile.name, &draft.certificate) {
                Ok(c) => validated.certificate = c,
                Err(crate::error::CoreError::Validation(errors)) => {
                    it.action = ImportAction::Invalid;
                    it.errors = errors;
                    items.push(it);
                    continue;
                }
                Err(e) => return Err(e),
            }
            it.note = note(&missing(&validated.profile, &secrets, held));
            if it.drops_secrets {
                let changed: Vec<&str> = it
                    .changes
                    .iter()
                    .filter(|c| DESTINATION.contains(&c.field.as_str()))
                    .map(|c| c.field.as_str())
                    .collect();
                it.note = format!(
                    "The file changes where its secrets are sent ({}): the stored client secret, password and connection {} dropped — enter them again and reconnect after checking the new values.{}",
                    changed.join(", "),
                    if dry_run { "would be" } else { "were" },
                    if it.note.is_empty() { String::new() } else { format!(" {}", it.note) }
                );
            }
            if matches!(action, ImportAction::Add | ImportAction::Rename) {
                taken.push(stored_as.clone());
            }
            if dry_run || matches!(action, ImportAction::Skip | ImportAction::Conflict) {
                items.push(it);
                continue;
            }
            let now = self.clock.now();
            let id = match replace_id {
                Some(id) => {
                    self.store.update(id, &validated, now)?;
                    if it.drops_secrets {
                        self.tokens().disconnect(id)?;
                    }
                    id
                }
                None => self.store.insert(&validated, now)?,
            };
            if let Some(rt) = secrets.refresh_token {
                self.tokens().adopt_refresh_token(id, rt)?;
            }
            it.id = Some(id);
            items.push(it);
        }
        if !dry_run {
            tracing::info!(items = items.len(), encrypted, "profiles imported");
        }
        Ok(ImportReport { dry_run, encrypted, items })
    }
}

fn item(index: u32, name: &str, action: ImportAction, errors: Vec<FieldError>, secrets: &Secrets) -> ImportItem {
    ImportItem {
        index,
        name: name.to_owned(),
        action,
        stored_as: name.to_owned(),
        id: None,
        errors,
        secrets: secrets.names(),
        note: String::new(),
        changes: Vec::new(),
        drops_secrets: false,
    }
}

/// "NAME (imported)", "NAME (imported 2)", … — the first not taken.
fn free_name(name: &str, taken: &[String]) -> String {
    let mut candidate = format!("{name} (imported)");
    let mut n = 2;
    while taken.iter().any(|t| t == &candidate) {
        candidate = format!("{name} (imported {n})");
        n += 1;
    }
    candidate
}

fn note(missing: &[&str]) -> String {
    match missing {
        [] => String::new(),
        [one] => format!("Set its {one} in the editor: the file holds none."),
        many => format!("Set its {} in the editor: the file holds none.", many.join(" and ")),
    }
}

/// The secrets profile `p` needs that neither the file nor the replaced
/// profile (`held`: client secret, password) brings.
fn missing(p: &crate::profile::Profile, secrets: &Secrets, held: (bool, bool)) -> Vec<&'static str> {
    use crate::profile::AuthMethod;
    let mut out = Vec::new();
    if p.auth_method == AuthMethod::ClientCredentials
        && secrets.client_secret.is_none()
        && secrets.certificate.is_none()
        && !held.0
    {
        out.push("client secret");
    }
    if p.auth_method.uses_password() && secrets.password.is_none() && !held.1 {
        out.push("password");
    }
    out
}
