//! The simulator tenant's APIs as their service principals list them —
//! Microsoft Graph and Office 365 Exchange Online, with their application
//! roles and delegated scopes by name and ID (Mailwarden finds them by name,
//! as the portal does).

use serde_json::{json, Value};

pub const GRAPH_APP: &str = "00000003-0000-0000-c000-000000000000";
pub const EXCHANGE_APP: &str = "00000002-0000-0ff1-ce00-000000000000";
pub const GRAPH_SP: &str = "6e9e2a1c-0c8a-4d8e-9d8f-5b3a6a0f0001";
pub const EXCHANGE_SP: &str = "6e9e2a1c-0c8a-4d8e-9d8f-5b3a6a0f0002";

/// The APIs' permissions as their service principals list them: (name, id,
/// application role?). Mailwarden finds them by name, as the portal does.
pub const GRAPH_PERMISSIONS: &[(&str, &str, bool)] = &[
    ("Mail.Send", "b633e1c5-b582-4048-a93e-9f11b44c7e96", true),
    ("Mail.Read", "810c84a8-4a9e-49e6-bf7d-12d183f40d01", true),
    ("Application.Read.All", "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30", true),
    ("Application.ReadWrite.OwnedBy", "18a4783c-866b-4cc7-a460-3d5e5662c884", true),
    ("SMTP.Send", "258f6531-6087-4cc4-bb90-092c5fb3ed3f", false),
    ("IMAP.AccessAsUser.All", "652390e4-393a-48de-9484-05f9b1212954", false),
    ("Mail.Send", "e383f46e-2787-4529-855e-0e479a3ffac0", false),
    ("Mail.Read", "570282fd-fa5c-430d-a7fd-fc8dc98a9dca", false),
    ("offline_access", "7427e0e9-2fba-42fe-b0c0-848c9e6a8182", false),
    ("Application.ReadWrite.All", "bdfbf15f-ee85-4955-8675-146e8e5296b5", false),
];
pub const EXCHANGE_PERMISSIONS: &[(&str, &str, bool)] = &[
    ("SMTP.SendAsApp", "1d8c1b5e-2f4a-4b7e-9a0c-0a3f2d6c0001", true),
    ("IMAP.AccessAsApp", "1d8c1b5e-2f4a-4b7e-9a0c-0a3f2d6c0002", true),
];

pub fn permission_id(name: &str, role: bool) -> Option<&'static str> {
    [GRAPH_PERMISSIONS, EXCHANGE_PERMISSIONS]
        .iter()
        .flat_map(|l| l.iter())
        .find(|(n, _, r)| *n == name && *r == role)
        .map(|(_, id, _)| *id)
}

pub fn role_name(id: &str) -> Option<&'static str> {
    [GRAPH_PERMISSIONS, EXCHANGE_PERMISSIONS]
        .iter()
        .flat_map(|l| l.iter())
        .find(|(_, i, r)| *i == id && *r)
        .map(|(n, _, _)| *n)
}

pub fn sp_json(app_id: &str, sp_id: &str, name: &str) -> Value {
    let perms: &[(&str, &str, bool)] = match app_id {
        GRAPH_APP => GRAPH_PERMISSIONS,
        EXCHANGE_APP => EXCHANGE_PERMISSIONS,
        _ => &[],
    };
    let list = |role: bool| -> Vec<Value> {
        perms
            .iter()
            .filter(|p| p.2 == role)
            .map(|(n, id, _)| json!({"id": id, "value": n, "isEnabled": true}))
            .collect()
    };
    json!({"id": sp_id, "appId": app_id, "displayName": name, "appRoles": list(true), "oauth2PermissionScopes": list(false)})
}
