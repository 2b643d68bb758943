//! The setup guide: what to do in the Microsoft Entra admin center (or Google
//! Cloud Console) for exactly one profile — the portal's own words, every
//! value to copy, each blade as a direct link, the API permissions as a
//! table, and the Exchange Online PowerShell a method needs. The guide is
//! data ([`SetupGuide`]); `render.rs` writes it as plain text or Markdown for
//! the CLI (`mailwarden guide NAME`) and the handout, and the window shows
//! the same data with copy buttons.
//!
//! Portal names follow the portal: **bold** marks a blade, button or option
//! as it reads on screen (`**…**` in [`Step::Say`] texts).

mod microsoft;
pub use microsoft::ROPC_DISCOURAGED;
pub(crate) use microsoft::{needs_secret, permission_rows};
pub mod render;

use crate::error::Result;
use crate::profile::{Profile, Provider};
use serde::Serialize;
use ts_rs::TS;

/// The guide for one profile, section by section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SetupGuide {
    pub profile: String,
    pub sections: Vec<Section>,
}

/// One portal page (blade) and what to do there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Section {
    pub title: String,
    /// The blade, opened directly for this app where the client ID is known.
    pub link: Option<String>,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Step {
    /// An instruction; `**…**` marks the portal's own words.
    Say { text: String },
    /// A value to type or copy: into the portal, or from it into the profile.
    Value { label: String, value: String },
    /// API permissions to add.
    Permissions { rows: Vec<Permission> },
    /// Commands to run as they are (PowerShell).
    Code { language: String, text: String },
    /// A link to open (the admin-consent address).
    Link { label: String, url: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Permission {
    /// As the portal lists it: Microsoft Graph, Office 365 Exchange Online.
    pub api: String,
    pub permission: String,
    /// Delegated (on behalf of the signed-in mailbox) or Application (app-only).
    pub kind: PermissionKind,
    pub admin_consent: bool,
    /// What Mailwarden uses it for.
    pub why: String,
    /// Mail still flows without it (the inbound check, reading the expiry).
    pub optional: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub enum PermissionKind {
    Delegated,
    Application,
}

crate::context::service!(
    /// Setup guides for profiles.
    Guides
);

impl Guides<'_> {
    /// The guide for the profile named (or numbered) `name_or_id`.
    pub fn for_profile(&self, name_or_id: &str) -> Result<SetupGuide> {
        let p = self.profiles().find_profile(name_or_id)?;
        self.with_certificate(&p)
    }

    /// The guide for the profile with this id.
    pub fn for_id(&self, id: i64) -> Result<SetupGuide> {
        self.with_certificate(&self.profiles().get(id)?.profile)
    }

    /// Whether the relay sends for devices through profile `id`.
    pub(crate) fn relays_for(&self, id: i64) -> Result<bool> {
        Ok(self.store.relay_devices()?.iter().any(|d| d.device.profile_id == id))
    }

    fn with_certificate(&self, p: &Profile) -> Result<SetupGuide> {
        let certificate = self.certificates().show(p.id)?;
        Ok(guide_with(p, certificate.as_ref(), self.relays_for(p.id)?))
    }
}

impl SetupGuide {
    /// Whether `url` is one of this guide's links: the window opens only
    /// those in the browser, never an address the page made up.
    pub fn links_to(&self, url: &str) -> bool {
        self.sections.iter().any(|s| {
            s.link.as_deref() == Some(url)
                || s.steps.iter().any(|st| matches!(st, Step::Link { url: u, .. } if u == url))
        })
    }
}

/// What a profile is used for beyond its own sends, which its registration
/// must allow: a certificate to rotate, devices the relay sends for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Uses {
    pub certificate: bool,
    pub relays: bool,
}

/// The guide for `p` (signing in with a client secret, if any credential),
/// from its provider's rules.
pub fn guide_for(p: &Profile) -> SetupGuide {
    guide_with(p, None, false)
}

/// The guide for `p` signing in with `certificate` when it has one, and
/// sending for relay devices if `relays`.
pub fn guide_with(p: &Profile, certificate: Option<&crate::records::CertificateInfo>, relays: bool) -> SetupGuide {
    let sections = match p.provider {
        Provider::Microsoft365 | Provider::OutlookCom => microsoft::sections(p, certificate, relays),
        Provider::Google => google(p),
        Provider::Custom => custom(p),
    };
    SetupGuide { profile: p.name.clone(), sections }
}

fn say(text: impl Into<String>) -> Step {
    Step::Say { text: text.into() }
}

fn value(label: impl Into<String>, value: impl Into<String>) -> Step {
    Step::Value { label: label.into(), value: value.into() }
}

/// Google Cloud Console: an OAuth client for a desktop app and the mail scope.
fn google(p: &Profile) -> Vec<Section> {
    vec![
        Section {
            title: "Create the OAuth client".into(),
            link: Some("https://console.cloud.google.com/apis/credentials".into()),
            steps: vec![
                say("In Google Cloud Console, open **APIs & Services** → **OAuth consent screen** and set it up; add your own account under **Test users** while the app is in testing."),
                say("A consent screen left in **Testing** ends refresh tokens after 7 days: choose **Publish app** (In production) for a setup that keeps working."),
                say("Open **Credentials** → **Create credentials** → **OAuth client ID**, **Application type**: **Desktop app**."),
                value("Copy the Client ID into the profile's Client ID", p.client_id.clone()),
                say("Copy the **Client secret** into the profile's Client secret (Google's desktop clients have one too)."),
                value("Scope", "https://mail.google.com/"),
            ],
        },
    ]
}

/// Any other OAuth server: the values it must know about this client.
fn custom(p: &Profile) -> Vec<Section> {
    vec![Section {
        title: "Register the client with your OAuth server".into(),
        link: None,
        steps: vec![
            say("Register a client at your identity provider with these values, then copy its client ID and secret into the profile."),
            value("Redirect URI", p.redirect_uri.clone()),
            value("Scopes", p.scopes.join(" ")),
        ],
    }]
}

#[cfg(test)]
mod tests;
