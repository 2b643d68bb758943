// The app's commands, found where they are written: every `#[tauri::command]`
// function of `src-tauri/src/*.rs`, as `(module, function)`. Shared by the
// build script (permissions, the invoke handler) and the generator of the
// UI's wrappers and the capability (src/ipc_gen.rs, by `include!`), so a
// command is added in one place: its function.
//
// A text scan, not a parser: the build script would otherwise compile `syn`
// for every build, and the attribute is always followed by the signature
// (`cargo fmt` keeps it so). The generator parses the same files with `syn`
// and checks it finds the same commands.
fn scan_commands(src: &std::path::Path) -> Vec<(String, String)> {
    let mut files: Vec<_> = std::fs::read_dir(src)
        .expect("read src-tauri/src")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let module = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).expect("read a source file");
        let mut armed = false;
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with("#[tauri::command") {
                armed = true;
            } else if armed && !line.starts_with("#[") && !line.starts_with("//") {
                let rest = line.strip_prefix("pub ").unwrap_or(line);
                let rest = rest.strip_prefix("async ").unwrap_or(rest);
                let name = rest.strip_prefix("fn ").map(|r| r.split(['(', '<']).next().unwrap_or("").trim());
                if let Some(name) = name.filter(|n| !n.is_empty()) {
                    out.push((module.clone(), name.to_owned()));
                }
                armed = false;
            }
        }
    }
    out
}
