//! Mailwarden's engine: the one facade both front ends hold. Opened once per
//! process ([`Mailwarden::open`]), shared (`Send + Sync`), it hands out the
//! services (profiles, tokens, tests, transport, watch, guides, hand-overs,
//! registrations, transfer, settings, keys), the relay, and the setup's
//! progress, which reads across them ([`Mailwarden::progress`]).
//!
//! The layers, each a crate, so that a wrong arrow does not compile:
//! `mailwarden-model` ← `mailwarden-store` ← `mailwarden-services` ←
//! `mailwarden-relay` ← this engine ← the CLI and the desktop shell.
//! Nothing here may depend on `tauri` (a test enforces it).

mod progress;

pub use progress::{SetupProgress, SetupStep, StepId, StepState};

// The front door. A front end names what it needs from here by one name,
// never by a module path: what the services keep to themselves can change
// without touching the CLI or the window (tests/layering.rs holds the front
// ends to `mailwarden_engine::Name`). Grouped by the service that answers.

// Errors, secrets, the clock, where data lives, logging.
pub use mailwarden_model::clock::{system as system_clock, SharedClock};
pub use mailwarden_model::diagnosis::{plural, Diagnosis, Fix};
pub use mailwarden_model::logging::init as init_logging;
pub use mailwarden_model::paths::default_db_path;
pub use mailwarden_model::providers::portal_link;
pub use mailwarden_model::secret::{ExposeSecret, SecretChange, SecretString};
pub use mailwarden_model::{CoreError, ErrorCode, FieldError, Result};
pub use mailwarden_services::{AppStatus, Context, ProfileList};

// Profiles: their fields, choices, list and expiry.
pub use mailwarden_model::profile::{
    catalog as catalog_of_choices, days_text, rebase, AuthMethod, Catalog, ChoiceOption, Choices, Cloud, Defaults,
    ExpiryBadge, ExpiryState, ListSort, Profile, ProfileDraft, ProfileQuery, ProfileRow, ProfileSummary, ProfileView,
    Provider, SendMethod, Thresholds, TlsMode,
};
pub use mailwarden_model::settings::Settings;

// Sign-in and tokens.
pub use mailwarden_services::oauth::device::DeviceCodePrompt;
pub use mailwarden_services::oauth::loopback::{is_loopback, DEFAULT_TIMEOUT as SIGN_IN_TIMEOUT};
pub use mailwarden_services::oauth::xoauth2::encoded as xoauth2_string;
pub use mailwarden_services::oauth::{AuthReport, Claims, Issued, TokenNeed, TokenRecord};

// Certificate credentials.
pub use mailwarden_services::certificate::{
    is_pem, read_certificate_file, write_private, CertificateRotation, Certificates, NewCertificate,
};
pub use mailwarden_services::records::{CertificateInfo, CertificateRequest};

// Tests of a profile: sending and reading.
pub use mailwarden_services::mail::imap::{InboundReport, InboundVia, NewestMessage};
pub use mailwarden_services::mail::{SendReport, TestKind, TestResult, TestStep};

// The setup guide, the registration in Entra, the hand-over.
pub use mailwarden_services::guide::render::{render as render_guide, Format as GuideFormat};
pub use mailwarden_services::guide::{
    Permission, PermissionKind, Section as GuideSection, SetupGuide, Step as GuideStep,
};
pub use mailwarden_services::handover::programs::{ConfigFile, Invocation, Program, ProgramChoice, ProgramConfig};
pub use mailwarden_services::handover::{HandoverRecord, HandoverSummary, HandoverValue, Reveal};
pub use mailwarden_services::registration::{
    AdminInfo, AdminSession, ApplyReport, ApplyState, Finding, FindingState, Plan, PlanStep, RegistrationCheck,
    StepOutcome,
};

// The expiry watch and secret rotation.
pub use mailwarden_services::watch::calendar::secrets_blade_url;
pub use mailwarden_services::watch::graph_secrets::{AppCertificate, AppSecret, AppSecretsReport};
pub use mailwarden_services::watch::history::SecretRecord;
pub use mailwarden_services::watch::portal_row::{parse_portal_row, DateOrder, PortalRow, RowApplied};
pub use mailwarden_services::watch::rotate::{NewSecret, RotateReport};
pub use mailwarden_services::watch::{AttentionAction, AttentionItem, AttentionKind};

// Export and import files.
pub use mailwarden_services::transfer::import::{FieldChange, ImportAction, ImportItem, ImportReport, OnConflict};
pub use mailwarden_services::transfer::{
    is_encrypted as is_encrypted_export, read as open_export, read_file as read_export_file,
    write_file as write_export_file, ExportFile,
};

// The relay.
pub use mailwarden_relay::{
    pop3, Bounces, DeliveryState, Device, DeviceDraft, Envelope, InboundState, MailboxAccess, MailboxSetting,
    MailboxView, QueuedMessage, Relay, RelaySettings, RelayView, Running, RunningInfo,
};
pub use mailwarden_services::mail::graph_maildrop::OnDelete;

// The data key: where it lives, and its service.
pub use mailwarden_services::keys::Keys;
pub use mailwarden_store::keystore::{KeyBackend, KeyInfo};
pub use mailwarden_store::{DeletedProfile, KeyHome};

use std::path::Path;
use std::sync::Arc;

/// The engine: the services' shared [`Context`] and what reads across them.
/// It derefs to the context, whose accessors hand out the services
/// (`engine.profiles()`, `engine.tokens()`, …).
pub struct Mailwarden {
    ctx: Arc<Context>,
}

impl std::ops::Deref for Mailwarden {
    type Target = Context;
    fn deref(&self) -> &Context {
        &self.ctx
    }
}

impl Mailwarden {
    /// Open the database at `db` with its data key from the keyring or key
    /// file (a new database gets a new key). When an existing database's key
    /// is unreachable the engine still opens, locked: the key's info says
    /// why, and only what needs a secret fails.
    pub fn open(db: &Path, clock: SharedClock) -> Result<Self> {
        Ok(Mailwarden { ctx: Arc::new(Context::open(db, clock)?) })
    }

    /// As [`Mailwarden::open`], for a process that lives for a moment (the
    /// CLI's `token`): see [`Context::open_brief`].
    pub fn open_brief(db: &Path, clock: SharedClock) -> Result<Self> {
        Ok(Mailwarden { ctx: Arc::new(Context::open_brief(db, clock)?) })
    }

    /// The token front's open: see [`Context::open_quick`].
    pub fn open_quick(db: &Path, clock: SharedClock) -> Option<Self> {
        Some(Mailwarden { ctx: Arc::new(Context::open_quick(db, clock)?) })
    }

    /// An engine on a fresh data key (no keyring), for unit tests.
    #[doc(hidden)]
    pub fn for_tests(db: &Path, key: &mailwarden_store::crypto::DataKey, clock: SharedClock) -> Self {
        Mailwarden { ctx: Arc::new(Context::for_tests(db, key, clock)) }
    }

    /// The relay's devices and queue.
    pub fn relay(&self) -> Relay<'_> {
        Relay(&self.ctx)
    }

    /// Start the relay on this engine (it runs until the returned handle stops).
    pub fn start_relay(&self, settings: RelaySettings) -> Result<Running> {
        mailwarden_relay::start(self.ctx.clone(), settings)
    }
}
