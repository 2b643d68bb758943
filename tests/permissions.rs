//! The webview's reach, kept in step. Commands are found where they are
//! written (`#[tauri::command]` functions, by src-tauri/build_commands.rs):
//! the build script declares a permission for each and registers them all;
//! the capability and the UI's wrappers are generated from the same
//! functions (src-tauri/src/ipc_gen.rs checks they are fresh). Here, from
//! outside: the capability allows exactly those commands, and the UI calls
//! only those (a command missing from one place would fail at run time only
//! — often quietly, as a wrapper whose error the page ignores).

use mailwarden_tests::workspace_root;
use std::collections::BTreeSet;

include!("../src-tauri/build_commands.rs");

fn read(rel: &str) -> String {
    std::fs::read_to_string(workspace_root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn every_command_is_allowed_and_every_call_is_a_command() {
    let declared: BTreeSet<String> =
        scan_commands(&workspace_root().join("src-tauri/src")).into_iter().map(|(_, f)| f).collect();
    assert!(declared.len() > 30 && declared.contains("list_profiles"), "sanity: {declared:?}");

    let capability: serde_json::Value = serde_json::from_str(&read("src-tauri/capabilities/main.json")).unwrap();
    let allowed: BTreeSet<String> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str()?.strip_prefix("allow-").map(|c| c.replace('-', "_")))
        .collect();
    assert_eq!(declared, allowed, "the #[tauri::command] functions vs the capability's allow-… permissions");

    // `call<Type>('command', …)`: the quoted name right after the type.
    let calls = |file: &str| -> BTreeSet<String> {
        read(file)
            .split("call<")
            .skip(1)
            .filter_map(|rest| rest.split_once(">('")?.1.split_once('\'').map(|(name, _)| name.to_owned()))
            .collect()
    };
    let called = calls("ui/src/lib/commands.ts");
    assert_eq!(declared, called, "the generated wrappers (commands.ts) wrap every command, and only those");
    // Nothing else in the UI calls a command by name.
    for file in ["ui/src/lib/api.ts", "ui/src/lib/ipc.ts"] {
        assert!(calls(file).is_empty(), "{file} calls a command by name: use the generated wrapper");
    }
}
