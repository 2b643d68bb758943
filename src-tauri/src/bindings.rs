//! TypeScript types for the UI, generated from the Rust types with ts-rs.
//!
//! `ui/src/lib/bindings.ts` is this module's output. The test below fails when
//! that file is stale; run `make bindings` (UPDATE_BINDINGS=1) to refresh it.

use crate::connect::ConnectProgress;
use crate::ipc_error::IpcError;
use crate::transfer::ImportPick;
use crate::watch::SettingsForm;
use mailwarden_engine::diagnosis::Diagnosis;
use mailwarden_engine::guide::{Permission, PermissionKind, Section, SetupGuide, Step};
use mailwarden_engine::handover::programs::{ConfigFile, Program, ProgramConfig};
use mailwarden_engine::handover::{HandoverRecord, HandoverSummary, HandoverValue, Reveal};
use mailwarden_engine::keys::{KeyBackend, KeyInfo};
use mailwarden_engine::mail::imap::{InboundReport, InboundVia, NewestMessage};
use mailwarden_engine::mail::{SendReport, TestStep};
use mailwarden_engine::mail::{TestKind, TestResult};
use mailwarden_engine::oauth::device::DeviceCodePrompt;
use mailwarden_engine::oauth::TokenRecord;
use mailwarden_engine::oauth::{AuthReport, Claims};
use mailwarden_engine::profile::{
    AuthMethod, Catalog, ChoiceOption, Choices, Cloud, Defaults, ExpiryBadge, ExpiryState, ListSort, Profile,
    ProfileDraft, ProfileQuery, ProfileRow, ProfileSummary, ProfileView, Provider, SendMethod, Thresholds, TlsMode,
};
use mailwarden_engine::registration::{
    AdminInfo, ApplyReport, ApplyState, Finding, FindingState, Plan, PlanStep, RegistrationCheck, StepOutcome,
};
use mailwarden_engine::relay::{
    Bounces, DeliveryState, Device, DeviceDraft, Envelope, QueuedMessage, RelaySettings, RelayView, RunningInfo,
};
use mailwarden_engine::secret::SecretChange;
use mailwarden_engine::settings::Settings;
use mailwarden_engine::transfer::import::{FieldChange, ImportAction, ImportItem, ImportReport, OnConflict};
use mailwarden_engine::watch::graph_secrets::{AppSecret, AppSecretsReport};
use mailwarden_engine::watch::history::SecretRecord;
use mailwarden_engine::watch::portal_row::{DateOrder, PortalRow, RowApplied};
use mailwarden_engine::watch::rotate::{NewSecret, RotateReport};
use mailwarden_engine::watch::{AttentionAction, AttentionItem, AttentionKind};
use mailwarden_engine::{AppStatus, ErrorCode, FieldError, ProfileList};
use mailwarden_engine::{SetupProgress, SetupStep, StepId, StepState};
use ts_rs::{Config, TS};

pub const PATH: &str = "ui/src/lib/bindings.ts";

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
        Profile, ProfileView, ProfileRow, ProfileSummary, ProfileList, ProfileDraft, SecretChange, ListSort, ProfileQuery, Choices, Defaults,
        ChoiceOption<()>, Catalog, KeyBackend, KeyInfo, AppStatus, ErrorCode, FieldError, Diagnosis, IpcError,
        TokenRecord, Claims, AuthReport, DeviceCodePrompt, ConnectProgress, SendReport, InboundReport, InboundVia, NewestMessage, TestKind, TestResult, TestStep,
        Thresholds, Settings, SettingsForm, AttentionKind, AttentionAction, AttentionItem, SecretRecord, DateOrder, PortalRow,
        AppSecret, AppSecretsReport, NewSecret, RotateReport, RowApplied, SetupGuide, Section, Step, Permission, PermissionKind,
        HandoverValue, HandoverRecord, HandoverSummary, Reveal, Program, ProgramConfig, ConfigFile,
        SetupProgress, SetupStep, StepId, StepState, OnConflict, ImportAction, FieldChange, ImportItem, ImportReport, ImportPick,
        RegistrationCheck, Finding, FindingState, Plan, PlanStep, ApplyReport, ApplyState, StepOutcome, AdminInfo,
        RelaySettings, Bounces, Device, DeviceDraft, Envelope, DeliveryState, QueuedMessage, RelayView, RunningInfo,
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
}
