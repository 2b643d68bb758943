//! Where a profile signs in: authorize, token and device-code URLs by provider,
//! tenant and cloud.

use crate::profile::{Cloud, Profile, Provider};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// The authority (for Microsoft) or the token URL's origin, for messages.
    pub authority: String,
    pub authorize: Option<String>,
    pub token: String,
    pub device: Option<String>,
}

pub fn microsoft_authority(p: &Profile) -> String {
    match p.cloud {
        Cloud::Global => "https://login.microsoftonline.com".to_owned(),
        Cloud::UsGov => "https://login.microsoftonline.us".to_owned(),
        Cloud::China => "https://login.chinacloudapi.cn".to_owned(),
        Cloud::Custom => p.authority_url.as_deref().unwrap_or("").trim_end_matches('/').to_owned(),
    }
}

pub fn endpoints(p: &Profile) -> Endpoints {
    match p.provider {
        Provider::Microsoft365 | Provider::OutlookCom => {
            let authority = microsoft_authority(p);
            let base = format!("{authority}/{}/oauth2/v2.0", p.tenant);
            Endpoints {
                authorize: Some(format!("{base}/authorize")),
                token: format!("{base}/token"),
                device: Some(format!("{base}/devicecode")),
                authority,
            }
        }
        Provider::Google => Endpoints {
            authority: "https://accounts.google.com".into(),
            authorize: Some("https://accounts.google.com/o/oauth2/v2/auth".into()),
            token: "https://oauth2.googleapis.com/token".into(),
            device: Some("https://oauth2.googleapis.com/device/code".into()),
        },
        Provider::Custom => {
            let token = p.token_url.clone().unwrap_or_default();
            let authority = url::Url::parse(&token).map(|u| u.origin().ascii_serialization()).unwrap_or_default();
            Endpoints { authority, authorize: p.auth_url.clone(), token, device: None }
        }
    }
}
