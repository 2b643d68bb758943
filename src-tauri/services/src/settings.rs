//! The settings service: reads the person's settings (defaults for those
//! never set) and saves them once every rule holds. The type and its rules
//! are the model's ([`mailwarden_model::settings`]).

use crate::error::Result;
pub use mailwarden_model::settings::*;

crate::context::service!(
    /// The person's settings.
    SettingsService
);

impl SettingsService<'_> {
    /// The settings in force (defaults for those never set).
    pub fn get(&self) -> Result<Settings> {
        self.store.settings()
    }

    /// Validate and save; nothing is written when a field is wrong.
    pub fn save(&self, s: &Settings) -> Result<()> {
        self.store.save_settings(s)
    }
}
