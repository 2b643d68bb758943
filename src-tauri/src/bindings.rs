//! TypeScript types for the UI, generated from the Rust types with ts-rs.
//!
//! `ui/src/lib/bindings.ts` is this module's output. The test below fails when
//! that file is stale; run `make bindings` (UPDATE_BINDINGS=1) to refresh it.

use crate::connect::ConnectProgress;
use crate::ipc_error::IpcError;
use crate::transfer::ImportPick;
use crate::watch::SettingsForm;
use mailwarden_engine::{
    AdminInfo, AppCertificate, AppSecret, AppSecretsReport, AppStatus, ApplyReport, ApplyState, AttentionAction,
    AttentionItem, AttentionKind, AuthMethod, AuthReport, Bounces, Catalog, CertificateInfo, CertificateRequest,
    CertificateRotation, ChoiceOption, Choices, Claims, Cloud, ConfigFile, DateOrder, Defaults, DeliveryState, Device,
    DeviceCodePrompt, DeviceDraft, Diagnosis, Envelope, ErrorCode, ExpiryBadge, ExpiryState, FieldChange, FieldError,
    Finding, FindingState, Fix, GuideSection, GuideStep, HandoverRecord, HandoverSummary, HandoverValue, ImportAction,
    ImportItem, ImportReport, InboundReport, InboundState, InboundVia, KeyBackend, KeyInfo, ListSort, MailboxAccess,
    MailboxSetting, MailboxView, NewSecret, NewestMessage, OnConflict, Permission, PermissionKind, Plan, PlanStep,
    PortalRow, Profile, ProfileDraft, ProfileList, ProfileQuery, ProfileRow, ProfileSummary, ProfileView, Program,
    ProgramChoice, ProgramConfig, Provider, QueuedMessage, RegistrationCheck, RelaySettings, RelayView, Reveal,
    RotateReport, RowApplied, RunningInfo, SecretChange, SecretRecord, SendMethod, SendReport, Settings, SetupGuide,
    SetupProgress, SetupStep, StepId, StepOutcome, StepState, TestKind, TestResult, TestStep, Thresholds, TlsMode,
    TokenRecord,
};
use ts_rs::{Config, TS};

pub const PATH: &str = "ui/src/lib/bindings.ts";

/// The catalogue the UI tests' fake backend serves (see the test below).
pub const CATALOG_FIXTURE: &str = "ui/tests/catalog.json";

macro_rules! decls {
    ($cfg:expr; $($t:ty),+ $(,)?) => {
        vec![$(format!("export {}", <$t as TS>::decl($cfg))),+]
    };
}

/// The whole bindings file.
pub fn render() -> String {
    let cfg = Config::default();
    let mut out = String::from(
        "// Generated from the Rust types by src-tauri/src/bindings.rs. Do not edit.\n// Refresh with `make bindings`.\n\n",
    );
    let items = decls!(&cfg;
        Provider, AuthMethod, SendMethod, Cloud, TlsMode, ExpiryState, ExpiryBadge,
        Profile, ProfileView, ProfileRow, ProfileSummary, ProfileList, ProfileDraft, SecretChange, CertificateRequest, CertificateInfo, CertificateRotation, ListSort, ProfileQuery, Choices, Defaults,
        ChoiceOption<()>, Catalog, KeyBackend, KeyInfo, AppStatus, ErrorCode, FieldError, Diagnosis, Fix, IpcError,
        TokenRecord, Claims, AuthReport, DeviceCodePrompt, ConnectProgress, SendReport, InboundReport, InboundVia, NewestMessage, TestKind, TestResult, TestStep,
        Thresholds, Settings, SettingsForm, AttentionKind, AttentionAction, AttentionItem, SecretRecord, DateOrder, PortalRow,
        AppCertificate, AppSecret, AppSecretsReport, NewSecret, RotateReport, RowApplied, SetupGuide, GuideSection, GuideStep, Permission, PermissionKind,
        HandoverValue, HandoverRecord, HandoverSummary, Reveal, Program, ProgramChoice, ProgramConfig, ConfigFile,
        SetupProgress, SetupStep, StepId, StepState, OnConflict, ImportAction, FieldChange, ImportItem, ImportReport, ImportPick,
        RegistrationCheck, Finding, FindingState, Plan, PlanStep, ApplyReport, ApplyState, StepOutcome, AdminInfo,
        RelaySettings, Bounces, Device, DeviceDraft, MailboxAccess, MailboxSetting, Envelope, DeliveryState, QueuedMessage, RelayView, RunningInfo,
        MailboxView, InboundState,
    );
    for item in items {
        // ChoiceOption is generic: declare it with its type parameter.
        let item = item.replace("type ChoiceOption = { value: null,", "type ChoiceOption<T> = { value: T,");
        out.push_str(&item);
        out.push_str("\n\n");
    }
    out.trim_end().to_owned() + "\n"
}

#[cfg(test)]
mod tests {
    #[test]
    fn bindings_are_fresh() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let path = root.join(super::PATH);
        let want = super::render();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &want).unwrap();
            return;
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(have == want, "{} is stale: run `make bindings` and commit it", super::PATH);
    }

    /// The UI tests' stand-in backend answers `catalog` with the core's own
    /// catalogue, written here, so its labels are never a second copy.
    #[test]
    fn the_ui_tests_catalogue_is_the_cores() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let path = root.join(super::CATALOG_FIXTURE);
        let want = serde_json::to_string_pretty(&mailwarden_engine::catalog_of_choices()).unwrap() + "\n";
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &want).unwrap();
            return;
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(have == want, "{} is stale: run `make bindings` and commit it", super::CATALOG_FIXTURE);
    }
}
