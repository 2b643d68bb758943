//! The UI's side of the IPC, generated from the Rust signatures: for every
//! `#[tauri::command]` function, a typed wrapper in `ui/src/lib/commands.ts`
//! (its name, its arguments by the names Tauri gives them, its result) and
//! its permission in the main window's capability. The types are the ones
//! ts-rs writes to `bindings.ts`. The build script finds the same commands
//! (`build_commands.rs`) for their permissions and the invoke handler, so a
//! command is added in one place: its function. The test below fails when
//! either generated file is stale; `make bindings` refreshes them.

use std::collections::BTreeSet;
use std::path::Path;

include!("../build_commands.rs");

pub const COMMANDS_TS: &str = "ui/src/lib/commands.ts";
pub const CAPABILITY: &str = "src-tauri/capabilities/main.json";

/// One command as the UI calls it.
#[derive(Debug, PartialEq, Eq)]
pub struct Command {
    pub name: String,
    /// (the argument's name as Tauri expects it — camelCase — and its TS type)
    pub args: Vec<(String, String)>,
    pub result: String,
}

/// Parameters the runtime fills in, not the page.
const INJECTED: &[&str] = &["State", "AppHandle", "Window", "WebviewWindow", "Webview", "Request"];

fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut up = false;
    for c in snake.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// A Rust type as TypeScript sees it after serde (and ts-rs's names).
fn ts_type(ty: &syn::Type, names: &mut BTreeSet<String>) -> String {
    match ty {
        syn::Type::Reference(r) => ts_type(&r.elem, names),
        syn::Type::Tuple(t) if t.elems.is_empty() => "null".into(),
        syn::Type::Slice(s) => format!("{}[]", ts_type(&s.elem, names)),
        syn::Type::Path(p) => {
            let seg = p.path.segments.last().expect("a type has a name");
            let args: Vec<&syn::Type> = match &seg.arguments {
                syn::PathArguments::AngleBracketed(a) => a
                    .args
                    .iter()
                    .filter_map(|g| match g {
                        syn::GenericArgument::Type(t) => Some(t),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            let name = seg.ident.to_string();
            match (name.as_str(), args.as_slice()) {
                (
                    "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "usize" | "isize" | "f32" | "f64",
                    _,
                ) => "number".into(),
                ("bool", _) => "boolean".into(),
                ("String" | "str" | "SecretString" | "PathBuf", _) => "string".into(),
                ("Option", [t]) => format!("{} | null", ts_type(t, names)),
                ("Vec", [t]) => {
                    let inner = ts_type(t, names);
                    if inner.contains(' ') {
                        format!("({inner})[]")
                    } else {
                        format!("{inner}[]")
                    }
                }
                ("HashMap" | "BTreeMap", [k, v]) => format!("Record<{}, {}>", ts_type(k, names), ts_type(v, names)),
                ("Res" | "Result", [t, ..]) => ts_type(t, names),
                ("Channel", [t]) => format!("Channel<{}>", ts_type(t, names)),
                (other, []) => {
                    names.insert(other.to_owned());
                    other.to_owned()
                }
                (other, _) => panic!("no TypeScript for {other}<…>: teach ipc_gen.rs"),
            }
        }
        _ => panic!("a command's signature has a type ipc_gen.rs has no TypeScript for: teach it"),
    }
}

fn is_command(f: &syn::ItemFn) -> bool {
    f.attrs.iter().any(|a| {
        let segs: Vec<String> = a.path().segments.iter().map(|s| s.ident.to_string()).collect();
        segs == ["tauri", "command"]
    })
}

/// Every command of `src`, in the order the build script finds them, and
/// the binding types their signatures name.
pub fn commands(src: &Path) -> (Vec<Command>, BTreeSet<String>) {
    let mut names = BTreeSet::new();
    let mut out = Vec::new();
    for (module, name) in scan_commands(src) {
        let text = std::fs::read_to_string(src.join(format!("{module}.rs"))).unwrap();
        let file = syn::parse_file(&text).unwrap_or_else(|e| panic!("{module}.rs: {e}"));
        let f = file
            .items
            .iter()
            .find_map(|i| match i {
                syn::Item::Fn(f) if f.sig.ident == name && is_command(f) => Some(f),
                _ => None,
            })
            .unwrap_or_else(|| panic!("the build script finds {module}::{name}, the parser does not"));
        let mut args = Vec::new();
        for input in &f.sig.inputs {
            let syn::FnArg::Typed(pt) = input else { continue };
            let injected = match &*pt.ty {
                syn::Type::Path(p) => {
                    p.path.segments.last().is_some_and(|s| INJECTED.contains(&s.ident.to_string().as_str()))
                }
                _ => false,
            };
            if injected {
                continue;
            }
            let syn::Pat::Ident(id) = &*pt.pat else { panic!("{name}: an argument without a plain name") };
            args.push((camel(&id.ident.to_string()), ts_type(&pt.ty, &mut names)));
        }
        let result = match &f.sig.output {
            syn::ReturnType::Default => "null".into(),
            syn::ReturnType::Type(_, t) => ts_type(t, &mut names),
        };
        out.push(Command { name, args, result });
    }
    (out, names)
}

/// `ui/src/lib/commands.ts`.
pub fn render_ts(commands: &[Command], names: &BTreeSet<String>) -> String {
    let mut out = String::from(
        "// Generated from the #[tauri::command] functions by src-tauri/src/ipc_gen.rs. Do not edit.\n\
         // Refresh with `make bindings`. Components call `api` (api.ts), which builds on these.\n\n",
    );
    if commands.iter().any(|c| c.args.iter().any(|(_, t)| t.starts_with("Channel<"))) {
        out.push_str("import type { Channel } from '@tauri-apps/api/core';\n");
    }
    let imports: Vec<&str> = names.iter().map(String::as_str).collect();
    out.push_str(&format!("import type {{\n  {},\n}} from './bindings';\n", imports.join(",\n  ")));
    out.push_str("import { call } from './ipc';\n\nexport const commands = {\n");
    for c in commands {
        let params: Vec<String> = c.args.iter().map(|(n, t)| format!("{n}: {t}")).collect();
        let keys: Vec<&str> = c.args.iter().map(|(n, _)| n.as_str()).collect();
        let args = if keys.is_empty() { String::new() } else { format!(", {{ {} }}", keys.join(", ")) };
        out.push_str(&format!(
            "  {}: ({}) => call<{}>('{}'{}),\n",
            camel(&c.name),
            params.join(", "),
            c.result,
            c.name,
            args
        ));
    }
    out.push_str("};\n");
    out
}

/// The main window's capability: exactly the app's commands.
pub fn render_capability(commands: &[Command]) -> String {
    let permissions: Vec<String> =
        commands.iter().map(|c| format!("    \"allow-{}\"", c.name.replace('_', "-"))).collect();
    format!(
        "{{\n  \"$schema\": \"../../gen/schemas/desktop-schema.json\",\n  \"identifier\": \"main\",\n  \
         \"description\": \"The main window: the app's own commands and nothing else (generated by src-tauri/src/ipc_gen.rs from the #[tauri::command] functions). Network, files, browser and notifications are used from Rust, never from the webview.\",\n  \
         \"windows\": [\n    \"main\"\n  ],\n  \"permissions\": [\n{}\n  ]\n}}\n",
        permissions.join(",\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ui_wrappers_and_the_capability_are_generated_from_the_commands() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let (commands, names) = commands(&root.join("src-tauri/src"));
        assert!(commands.len() > 30 && commands.iter().any(|c| c.name == "list_profiles"), "sanity: {commands:?}");
        let list = commands.iter().find(|c| c.name == "list_profiles").unwrap();
        assert_eq!(list.args, [("query".to_owned(), "ProfileQuery".to_owned())]);
        assert_eq!(list.result, "ProfileList");
        for (path, want) in [(COMMANDS_TS, render_ts(&commands, &names)), (CAPABILITY, render_capability(&commands))] {
            if std::env::var_os("UPDATE_BINDINGS").is_some() {
                std::fs::write(root.join(path), &want).unwrap();
                continue;
            }
            let have = std::fs::read_to_string(root.join(path)).unwrap_or_default();
            assert!(have == want, "{path} is stale: run `make bindings` and commit it");
        }
        // Every type a signature names is one bindings.ts declares.
        let bindings = std::fs::read_to_string(root.join(crate::bindings::PATH)).unwrap();
        for n in &names {
            assert!(
                bindings.contains(&format!("export type {n} ")),
                "{n} is not in bindings.ts: add it to bindings.rs"
            );
        }
    }
}
