//! The one error shape the webview receives: `{code, message, field?, fields}`.
//! The UI branches on `code` and marks `fields`; it never parses `message`.

use mailwarden_engine::{CoreError, Diagnosis, ErrorCode, FieldError};
use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct IpcError {
    pub code: ErrorCode,
    pub message: String,
    /// The first field at fault, when the error is about a field.
    pub field: Option<String>,
    /// Every field at fault (validation), so a form can mark them all.
    pub fields: Vec<FieldError>,
    /// For sign-in failures: the cause and the steps to fix it.
    pub diagnosis: Option<Box<Diagnosis>>,
}

impl IpcError {
    /// An error from the shell itself (a worker that failed to run).
    pub fn flow(message: impl Into<String>) -> Self {
        IpcError { code: ErrorCode::Flow, message: message.into(), field: None, fields: Vec::new(), diagnosis: None }
    }
}

impl From<CoreError> for IpcError {
    fn from(e: CoreError) -> Self {
        let fields = e.field_errors().to_vec();
        let diagnosis = e.diagnosis().cloned().map(Box::new);
        IpcError {
            code: e.code(),
            message: e.to_string(),
            field: fields.first().map(|f| f.field.clone()),
            fields,
            diagnosis,
        }
    }
}
