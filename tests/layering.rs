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
    // The front (`mailwarden`) and the full command line it hands over to.
    for bin in ["mailwarden", "mailwarden-cli"] {
        let ldd = Command::new("ldd").arg(binary(bin)).output().expect("run ldd");
        let libs = String::from_utf8_lossy(&ldd.stdout);
        assert!(libs.contains("libc.so"), "sanity: ldd listed libraries:\n{libs}");
        // No libdbus either: the keyring is spoken in pure Rust, and every
        // `mailwarden token` would otherwise load it and its seven libraries.
        for banned in ["libgtk", "libwebkit", "libjavascriptcore", "libsoup", "libgdk", "libdbus"] {
            assert!(!libs.contains(banned), "{bin} links {banned}:\n{libs}");
        }
    }
    // The desktop binary, by contrast, does link WebKit: the check can fail.
    let desktop = Command::new("ldd").arg(binary("mailwarden-desktop")).output().unwrap();
    assert!(String::from_utf8_lossy(&desktop.stdout).contains("libwebkit2gtk"));
}

/// Every file of the core's sources, with its path relative to `src/`.
fn core_sources() -> Vec<(String, String)> {
    fn walk(dir: &std::path::Path, base: &std::path::Path, out: &mut Vec<(String, String)>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, base, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
                out.push((rel, std::fs::read_to_string(&p).unwrap()));
            }
        }
    }
    let base = workspace_root().join("src-tauri/core/src");
    let mut out = Vec::new();
    walk(&base, &base, &mut out);
    out
}

/// The tokens service is the only writer of tokens: the store's token writes
/// are called from `oauth/` alone (and defined, and tested, in `store/`).
#[test]
fn only_the_tokens_service_writes_tokens() {
    let sources = core_sources();
    assert!(sources.len() > 30, "sanity: the sources were read");
    for (path, text) in &sources {
        if path.starts_with("oauth/") || path.starts_with("store/") || path.ends_with("tests.rs") {
            continue;
        }
        for write in [".save_tokens(", ".mark_grant_dead(", ".delete_tokens("] {
            assert!(!text.contains(write), "{path} writes tokens ({write}); go through the tokens service");
        }
    }
}

/// Front ends and tests reach the core through the engine and its
/// services; the store, the crypto and the keystore are the core's own.
#[test]
fn the_store_is_not_reached_around_the_engine() {
    let root = workspace_root();
    for dir in ["src-tauri/src", "src-tauri/cli/src"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap().flatten() {
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            for banned in [".store()", "store::Store", "crypto::"] {
                assert!(!text.contains(banned), "{} uses {banned}", e.path().display());
            }
        }
    }
}
