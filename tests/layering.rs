//! Architecture invariants: the core never depends on Tauri, and the CLI links
//! no GUI library (so it runs on a headless server).

use mailwarden_tests::{binary, workspace_root};
use std::process::Command;

fn cargo_tree(package: &str) -> String {
    let out = Command::new(env!("CARGO"))
        .args(["tree", "--offline", "-e", "normal,build", "--prefix", "none", "-p", package])
        .current_dir(workspace_root())
        .output()
        .expect("run cargo tree");
    assert!(out.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn core_has_no_tauri_or_gui_dependency() {
    let tree = cargo_tree("mailwarden-core");
    for banned in ["tauri", "wry", "webkit2gtk", "gtk ", "tao "] {
        assert!(!tree.lines().any(|l| l.starts_with(banned)), "mailwarden-core depends on {banned}:\n{tree}");
    }
    assert!(tree.contains("rusqlite"), "sanity: the tree was read");
}

#[test]
fn cli_has_no_tauri_dependency_and_links_no_gtk_or_webkit() {
    let tree = cargo_tree("mailwarden-cli");
    assert!(!tree.lines().any(|l| l.starts_with("tauri")), "mailwarden-cli depends on tauri:\n{tree}");
    let ldd = Command::new("ldd").arg(binary("mailwarden")).output().expect("run ldd");
    let libs = String::from_utf8_lossy(&ldd.stdout);
    assert!(libs.contains("libc.so"), "sanity: ldd listed libraries:\n{libs}");
    for banned in ["libgtk", "libwebkit", "libjavascriptcore", "libsoup", "libgdk"] {
        assert!(!libs.contains(banned), "the CLI links {banned}:\n{libs}");
    }
    // The desktop binary, by contrast, does link WebKit: the check can fail.
    let desktop = Command::new("ldd").arg(binary("mailwarden-desktop")).output().unwrap();
    assert!(String::from_utf8_lossy(&desktop.stdout).contains("libwebkit2gtk"));
}
