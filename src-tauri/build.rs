//! Build script: Tauri context; the app's own commands, found where they are
//! written (`#[tauri::command]` functions, build_commands.rs): a permission
//! for each (a capability must allow it by name) and the invoke handler that
//! registers them all (`invoke_handler.rs` in OUT_DIR); packed
//! relocations where the toolchain allows (see build_relr.rs), and the commit
//! for the About dialog (build_commit.rs).

include!("build_relr.rs");
include!("build_commit.rs");

include!("build_commands.rs");

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    println!("cargo:rerun-if-changed=src-tauri/src");
    println!("cargo:rerun-if-changed=src-tauri/build_commands.rs");
    let found = scan_commands(std::path::Path::new("src-tauri/src"));
    let paths: Vec<String> = found.iter().map(|(m, f)| format!("{m}::{f}")).collect();
    let handler = format!("tauri::generate_handler![{}]", paths.join(", "));
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("invoke_handler.rs"), handler).expect("write the invoke handler");
    let names: Vec<&'static str> = found.into_iter().map(|(_, f)| &*Box::leak(f.into_boxed_str())).collect();
    let attrs = tauri_build::Attributes::new()
        .capabilities_path_pattern("src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(Box::leak(names.into_boxed_slice())));
    tauri_build::try_build(attrs).expect("tauri build step failed");
    println!("cargo:rerun-if-changed=src-tauri/build_relr.rs");
    println!("cargo:rerun-if-changed=src-tauri/build_commit.rs");
    link_packed_relocations();
    record_commit(std::path::Path::new("."));
}
