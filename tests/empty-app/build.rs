//! Build script: the Tauri context of the empty baseline app.

fn main() {
    tauri_build::build();
}
