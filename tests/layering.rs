//! Architecture invariants: the core's layers are crates whose graph is the
//! one ARCHITECTURE.md draws (so a wrong arrow does not compile), no core
//! crate depends on Tauri, the CLI links no GUI library (so it runs on a
//! headless server), and the front ends reach the core through the engine.

use mailwarden_tests::{binary, workspace_root};
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// The crates of the core, bottom layer first.
const CORE: [&str; 5] =
    ["mailwarden-model", "mailwarden-store", "mailwarden-services", "mailwarden-relay", "mailwarden-engine"];

fn cargo_tree(package: &str) -> String {
    let out = Command::new(env!("CARGO"))
        .args(["tree", "--offline", "-e", "normal,build", "--prefix", "none", "-p", package])
        .current_dir(workspace_root())
        .output()
        .expect("run cargo tree");
    assert!(out.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Each workspace package's dependencies on other workspace packages (normal
/// and build, as `cargo metadata` reads the manifests).
fn workspace_graph() -> BTreeMap<String, BTreeSet<String>> {
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--offline", "--no-deps", "--format-version", "1"])
        .current_dir(workspace_root())
        .output()
        .expect("run cargo metadata");
    assert!(out.status.success(), "cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr));
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages = meta["packages"].as_array().unwrap();
    let names: BTreeSet<String> = packages.iter().map(|p| p["name"].as_str().unwrap().to_owned()).collect();
    packages
        .iter()
        .filter(|p| p["name"].as_str().is_some_and(|n| n.starts_with("mailwarden-") && n != "mailwarden-empty-app"))
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["kind"].is_null() || d["kind"] == "build")
                .filter_map(|d| d["name"].as_str())
                .filter(|n| names.contains(*n))
                .map(str::to_owned)
                .collect();
            (p["name"].as_str().unwrap().to_owned(), deps)
        })
        .collect()
}

/// The graph ARCHITECTURE.md draws, between its `crate-graph` markers: one
/// line per crate, `name: dependency dependency …`.
fn documented_graph() -> BTreeMap<String, BTreeSet<String>> {
    let text = std::fs::read_to_string(workspace_root().join("ARCHITECTURE.md")).unwrap();
    let start = text.find("<!-- crate-graph -->").expect("ARCHITECTURE.md has a crate-graph block");
    let end = text[start..].find("<!-- /crate-graph -->").expect("the crate-graph block ends") + start;
    text[start..end]
        .lines()
        .filter_map(|l| l.trim().trim_start_matches("- ").split_once(':'))
        .filter(|(name, _)| name.trim().trim_matches('`').starts_with("mailwarden-"))
        .map(|(name, deps)| {
            let deps = deps.split_whitespace().map(|d| d.trim_matches(|c| c == '`' || c == ',').to_owned());
            (name.trim().trim_matches('`').to_owned(), deps.filter(|d| !d.is_empty() && d != "—").collect())
        })
        .collect()
}

#[test]
fn the_crate_graph_is_the_one_architecture_md_draws() {
    let actual = workspace_graph();
    let drawn = documented_graph();
    assert!(drawn.len() >= CORE.len(), "sanity: the drawn graph was read: {drawn:?}");
    assert_eq!(actual, drawn, "cargo metadata (left) differs from ARCHITECTURE.md's crate graph (right)");
    // Each core crate depends only on the layers below it.
    for (i, name) in CORE.iter().enumerate() {
        for dep in &actual[*name] {
            let below = CORE[..i].contains(&dep.as_str());
            assert!(below, "{name} depends on {dep}, which is not a layer below it");
        }
    }
}

#[test]
fn core_has_no_tauri_or_gui_dependency() {
    for core in CORE {
        let tree = cargo_tree(core);
        for banned in ["tauri", "wry", "webkit2gtk", "gtk ", "tao "] {
            assert!(!tree.lines().any(|l| l.starts_with(banned)), "{core} depends on {banned}:\n{tree}");
        }
        assert!(tree.contains("rusqlite"), "sanity: the tree was read");
    }
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

/// Every Rust file under `dir`, with its path relative to it.
fn sources(dir: &str) -> Vec<(String, String)> {
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
    let base = workspace_root().join(dir);
    let mut out = Vec::new();
    walk(&base, &base, &mut out);
    out
}

/// A token write takes the token lock's guard (`&TokenLock`), which only
/// `Store::lock_tokens` makes: the compiler keeps writes under the lock. The
/// tokens service is the one that takes it (rotation proves a new secret
/// through it, under the same lock).
#[test]
fn only_the_tokens_service_takes_the_token_lock() {
    let mut files = 0;
    for dir in
        ["src-tauri/services/src", "src-tauri/relay/src", "src-tauri/engine/src", "src-tauri/src", "src-tauri/cli/src"]
    {
        for (path, text) in sources(dir) {
            files += 1;
            if path.ends_with("tests.rs") || path == "oauth/service.rs" {
                continue;
            }
            assert!(!text.contains("lock_tokens("), "{dir}/{path} takes the token lock; go through the tokens service");
            let rotation = dir == "src-tauri/services/src" && path == "watch/rotate.rs";
            let tokens_service = dir == "src-tauri/services/src" && path.starts_with("oauth/");
            if !(rotation || tokens_service) {
                assert!(!text.contains("token_lock("), "{dir}/{path} takes the token lock");
            }
        }
    }
    assert!(files > 60, "sanity: the sources were read");
}

/// Front ends and tests reach the core through the engine and its
/// services; the store, the crypto and the keystore are the core's own.
#[test]
fn the_store_is_not_reached_around_the_engine() {
    for dir in ["src-tauri/src", "src-tauri/cli/src"] {
        for (path, text) in sources(dir) {
            for banned in [".store()", ".store.", "store::Store", "crypto::", "mailwarden_store", "mailwarden_services"]
            {
                assert!(!text.contains(banned), "{dir}/{path} uses {banned}");
            }
        }
    }
}

/// The front door: the CLI and the window name what they use from the
/// engine by one name (`mailwarden_engine::Profile`), never by a module path
/// into the services (`mailwarden_engine::watch::portal_row::…`), so what
/// the services keep to themselves can move without touching a front end.
#[test]
fn front_ends_use_the_engines_flat_names_only() {
    let deep = deep_path;
    for dir in ["src-tauri/src", "src-tauri/cli/src", "src-tauri/cli/benches"] {
        if !workspace_root().join(dir).exists() {
            continue;
        }
        for (path, text) in sources(dir) {
            if let Some(found) = deep(&text) {
                panic!("{dir}/{path} reaches past the engine's front door: {found}");
            }
        }
    }
    // The rule can fail: a deep path is found.
    assert!(deep("use mailwarden_engine::watch::AttentionItem;").is_some());
    assert!(deep("use mailwarden_engine::{AttentionItem, Profile};").is_none());
}

/// The first `mailwarden_engine::module::…` path in `text`: a lower-case
/// segment followed by `::` is a module, not a flat name.
fn deep_path(text: &str) -> Option<String> {
    const ROOT: &str = "mailwarden_engine::";
    let mut rest = text;
    while let Some(i) = rest.find(ROOT) {
        let after = &rest[i + ROOT.len()..];
        let segment: String = after.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        if after[segment.len()..].starts_with("::") && segment.starts_with(|c: char| c.is_ascii_lowercase()) {
            return Some(format!("{ROOT}{segment}::…"));
        }
        rest = after;
    }
    None
}
