//! Build script: Tauri context, and the permissions of the app's own commands
//! (each command is gated: a capability must allow it by name), and packed
//! relocations where the toolchain allows (see build_relr.rs), and the commit
//! for the About dialog (build_commit.rs).

include!("build_relr.rs");
include!("build_commit.rs");

const COMMANDS: &[&str] = &[
    "app_status",
    "catalog",
    "list_profiles",
    "get_profile",
    "new_draft",
    "edit_draft",
    "rebase_draft",
    "save_profile",
    "check_draft",
    "delete_profile",
    "duplicate_profile",
    "set_unsaved",
    "window_ready",
    "connection",
    "connect_browser",
    "connect_device",
    "cancel_connect",
    "can_listen",
    "manual_start",
    "manual_finish",
    "connect_refresh_token",
    "test_auth",
    "disconnect",
    "copy_text",
    "send_test",
    "check_inbound",
    "attention",
    "watch_failure",
    "secret_history",
    "parse_portal_row_text",
    "apply_portal_row",
    "read_app_secrets",
    "rotate_secret",
    "get_settings",
    "save_settings",
    "check_now",
    "export_calendar",
    "open_secrets_blade",
    "profile_guide",
    "open_guide_link",
    "profile_progress",
    "registration_check",
    "registration_sign_in",
    "registration_admin",
    "registration_sign_out",
    "registration_plan",
    "registration_apply",
    "relay_view",
    "relay_start",
    "relay_stop",
    "relay_device_add",
    "relay_device_reset",
    "relay_device_remove",
    "relay_queue_retry",
    "relay_queue_delete",
    "handover",
    "handover_copy_secret",
    "program_config",
    "save_program_config",
    "export_profiles",
    "import_pick",
    "import_preview",
    "import_apply",
    "key_export",
    "key_import",
    "key_move",
];

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    let attrs = tauri_build::Attributes::new()
        .capabilities_path_pattern("src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attrs).expect("tauri build step failed");
    println!("cargo:rerun-if-changed=src-tauri/build_relr.rs");
    println!("cargo:rerun-if-changed=src-tauri/build_commit.rs");
    link_packed_relocations();
    record_commit(std::path::Path::new("."));
}
