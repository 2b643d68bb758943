//! The webview's reach, kept in step: every app command is declared with a
//! permission (src-tauri/build.rs), allowed by name in the main window's
//! capability, registered in the invoke handler, and every command the UI
//! calls (ui/src/lib/api.ts) is one of them. A command missing from one
//! place fails at run time only — often quietly, as a wrapper whose error
//! the page ignores (`window_ready`) — so it is checked here.

use mailwarden_tests::workspace_root;
use std::collections::BTreeSet;

fn read(rel: &str) -> String {
    std::fs::read_to_string(workspace_root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The quoted words of `text` between `start` and the next `end`.
fn quoted_between(text: &str, start: &str, end: &str) -> BTreeSet<String> {
    let from = text.find(start).unwrap_or_else(|| panic!("no {start:?}")) + start.len();
    let block = &text[from..from + text[from..].find(end).unwrap()];
    block.split('"').skip(1).step_by(2).map(str::to_owned).collect()
}

#[test]
fn every_command_is_declared_allowed_registered_and_called_by_name() {
    let declared = quoted_between(&read("src-tauri/build.rs"), "const COMMANDS: &[&str] = &[", "];");
    assert!(declared.len() > 30 && declared.contains("list_profiles"), "sanity: {declared:?}");

    let capability: serde_json::Value = serde_json::from_str(&read("src-tauri/capabilities/main.json")).unwrap();
    let allowed: BTreeSet<String> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str()?.strip_prefix("allow-").map(|c| c.replace('-', "_")))
        .collect();

    let lib = read("src-tauri/src/lib.rs");
    let from = lib.find("generate_handler![").unwrap();
    let registered: BTreeSet<String> = lib[from..from + lib[from..].find(']').unwrap()]
        .split([',', '['])
        .filter_map(|p| p.trim().rsplit("::").next().filter(|n| !n.is_empty() && !n.contains('!')))
        .map(str::to_owned)
        .collect();

    let api = read("ui/src/lib/api.ts");
    // `call<Type>('command', …)`: the quoted name right after the type.
    let called: BTreeSet<String> = api
        .split("call<")
        .skip(1)
        .filter_map(|rest| rest.split_once(">('")?.1.split_once('\'').map(|(name, _)| name.to_owned()))
        .collect();
    assert!(called.contains("window_ready") && called.contains("list_profiles"), "sanity: {called:?}");

    assert_eq!(declared, allowed, "build.rs COMMANDS vs the capability's allow-… permissions");
    assert_eq!(declared, registered, "build.rs COMMANDS vs lib.rs generate_handler!");
    let unknown: Vec<_> = called.difference(&declared).collect();
    assert!(unknown.is_empty(), "the UI calls commands that do not exist: {unknown:?}");
}
