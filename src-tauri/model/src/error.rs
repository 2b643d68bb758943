//! Errors of the core, one enum for everything a front end can meet.
//!
//! Each variant carries an [`ErrorCode`] (stable, machine-readable: the UI and the
//! CLI branch on it, never on message text) and a message written for a person,
//! saying what went wrong and what to do next. Validation failures carry every
//! offending field so a form can mark them all at once.

use serde::Serialize;
use ts_rs::TS;

/// One problem with one field of a profile, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FieldError {
    /// The draft's field name in camelCase (`clientId`, `smtpPort`, …).
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self { field: field.to_owned(), message: message.into() }
    }
}

/// Stable codes the front ends branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Validation,
    NotFound,
    Storage,
    KeyUnavailable,
    KeyMismatch,
    Crypto,
    Io,
    /// Sign-in or token failure, explained by a Diagnosis.
    Auth,
    /// A connect attempt expired, was cancelled, or got a wrong callback.
    Flow,
    /// A test message was sent moments ago; it may be sent anyway (force).
    TooSoon,
}

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("{}", .0.first().map(|e| e.message.as_str()).unwrap_or("invalid profile"))]
    Validation(Vec<FieldError>),

    /// The whole sentence: see [`CoreError::no_profile`].
    #[error("{0}")]
    NotFound(String),

    #[error("The database could not be used: {0}. Check that the file is writable and not on a full disk.")]
    Storage(#[from] rusqlite::Error),

    #[error("The database schema could not be brought up to date: {0}")]
    Migration(#[from] rusqlite_migration::Error),

    #[error("{0}")]
    KeyUnavailable(String),

    #[error("The data key found does not open this database's secrets (it belongs to another database or was replaced). Nothing was changed. Restore this database's key file or keyring entry, or import a backup with `mailwarden key import FILE`; without that key the stored secrets cannot be read (the profiles can).")]
    KeyMismatch,

    #[error(
        "A stored secret could not be opened ({0}). It may have been copied from another database; enter it again."
    )]
    Crypto(String),

    #[error("{context}: {source}")]
    Io { context: String, source: std::io::Error },

    #[error("{}: {}", .0.title, .0.cause)]
    Auth(Box<crate::diagnosis::Diagnosis>),

    #[error("{0}")]
    Flow(String),

    /// A second test message within the throttle: the UI offers "Send anyway".
    #[error("{0}")]
    TooSoon(String),
}

impl ErrorCode {
    /// The code as the UI receives it (the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Validation => "validation",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Storage => "storage",
            ErrorCode::KeyUnavailable => "key_unavailable",
            ErrorCode::KeyMismatch => "key_mismatch",
            ErrorCode::Crypto => "crypto",
            ErrorCode::Io => "io",
            ErrorCode::Auth => "auth",
            ErrorCode::Flow => "flow",
            ErrorCode::TooSoon => "too_soon",
        }
    }
}

impl CoreError {
    /// No profile is called `name`; `near` are the names it may have meant.
    pub fn no_profile(name: &str, near: &[String]) -> CoreError {
        let hint = match near {
            [] => String::new(),
            [one] => format!(" Did you mean \"{one}\"?"),
            many => {
                format!(" Did you mean {}?", many.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(" or "))
            }
        };
        CoreError::NotFound(format!(
            "No profile \"{name}\" exists.{hint} Run `mailwarden profile list` to see the names."
        ))
    }

    /// No profile has this id (it was deleted meanwhile).
    pub fn no_profile_id(id: i64) -> CoreError {
        CoreError::NotFound(format!("No profile with id {id} exists (it may have just been deleted)."))
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            CoreError::Validation(_) => ErrorCode::Validation,
            CoreError::NotFound(_) => ErrorCode::NotFound,
            CoreError::Storage(_) | CoreError::Migration(_) => ErrorCode::Storage,
            CoreError::KeyUnavailable(_) => ErrorCode::KeyUnavailable,
            CoreError::KeyMismatch => ErrorCode::KeyMismatch,
            CoreError::Crypto(_) => ErrorCode::Crypto,
            CoreError::Io { .. } => ErrorCode::Io,
            CoreError::Auth(_) => ErrorCode::Auth,
            CoreError::Flow(_) => ErrorCode::Flow,
            CoreError::TooSoon(_) => ErrorCode::TooSoon,
        }
    }

    /// The field errors of a validation failure (empty for other errors).
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            CoreError::Validation(errors) => errors,
            _ => &[],
        }
    }

    /// The diagnosis of a sign-in failure.
    pub fn diagnosis(&self) -> Option<&crate::diagnosis::Diagnosis> {
        match self {
            CoreError::Auth(d) => Some(d),
            _ => None,
        }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        CoreError::Io { context: context.into(), source }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        CoreError::Validation(vec![FieldError::new(field, message)])
    }
}

pub type Result<T, E = CoreError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    #[test]
    fn code_names_match_what_the_ui_receives() {
        use super::ErrorCode::*;
        for c in [Validation, NotFound, Storage, KeyUnavailable, KeyMismatch, Crypto, Io, Auth, Flow] {
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
    }
}
