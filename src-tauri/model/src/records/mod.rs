//! The records the store keeps beside profiles, as the layers above read
//! them: a connection's tokens, a client secret's history, a hand-over, a
//! relay device, a test's result. Never a secret's value outside
//! [`TokenRecord`]'s sealed fields.

pub mod certificate;
pub mod device;
pub mod handover;
pub mod inbound;
pub mod secret_history;
pub mod test_result;
pub mod token;

pub use certificate::{CertificateCredential, CertificateInfo, CertificateRequest};
pub use device::{Device, DeviceDraft, DeviceRow, MailboxAccess, MailboxSetting};
pub use handover::{HandoverRecord, Reveal};
pub use inbound::InboundState;
pub use secret_history::{hint_of, SecretRecord};
pub use test_result::{TestKind, TestResult};
pub use token::TokenRecord;
