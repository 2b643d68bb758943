//! An empty Tauri v2 app: one window showing one static page, no commands,
//! no plugins — what the idle-memory benchmark measures Mailwarden against.

fn main() {
    if let Err(e) = tauri::Builder::default().run(tauri::generate_context!()) {
        eprintln!("the empty app could not run: {e}");
        std::process::exit(1);
    }
}
