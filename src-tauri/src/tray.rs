//! The tray icon: how many items need attention, Open, Check now, Quit.
//! With "close to tray" set, closing the window hides it and Mailwarden keeps
//! checking in the background; launched at login with `--background`, it
//! starts hidden.

use crate::state::AppState;
use crate::watcher::Watcher;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{App, AppHandle, Manager, Wry};

const TRAY: &str = "main";

struct TrayStatus(MenuItem<Wry>);

pub fn build(app: &App) -> tauri::Result<()> {
    let status = MenuItem::with_id(app, "status", "Checking expiries…", false, None::<&str>)?;
    let open = MenuItem::with_id(app, "open", "Open Mailwarden", true, None::<&str>)?;
    let check = MenuItem::with_id(app, "check", "Check now", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit Mailwarden", true, None::<&str>)?;
    let relay = MenuItem::with_id(app, "relay", "Relay: off", false, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&status, &relay, &separator, &open, &check, &quit])?;
    let mut tray = TrayIconBuilder::with_id(TRAY).tooltip("Mailwarden").menu(&menu).on_menu_event(|app, e| {
        match e.id.as_ref() {
            "open" => show_main(app),
            "check" => app.state::<Watcher>().check_now(),
            // Unsaved edits: show them instead; closing the window asks.
            "quit" if app.state::<AppState>().unsaved() => show_main(app),
            "quit" => app.exit(0),
            _ => {}
        }
    });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    app.manage(TrayStatus(status));
    app.manage(TrayRelay(relay));
    Ok(())
}

/// The tray's relay line ("Relay: listening on …" / "Relay: off").
pub struct TrayRelay(pub MenuItem<tauri::Wry>);

pub fn set_relay(app: &AppHandle, listening: Option<&str>) {
    if let Some(t) = app.try_state::<TrayRelay>() {
        let text = listening.map_or_else(|| "Relay: off".to_owned(), |a| format!("Relay: listening on {a}"));
        let _ = t.0.set_text(text);
    }
}

pub fn show_main(app: &AppHandle) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.show();
        let _ = w.unminimize();
        let _ = w.set_focus();
    }
}

pub fn set_count(app: &AppHandle, n: usize) {
    let text = match n {
        0 => "Nothing needs attention".to_owned(),
        1 => "1 item needs attention".to_owned(),
        n => format!("{n} items need attention"),
    };
    if let Some(s) = app.try_state::<TrayStatus>() {
        let _ = s.0.set_text(&text);
    }
    if let Some(t) = app.tray_by_id(TRAY) {
        let _ = t.set_tooltip(Some(format!("Mailwarden — {text}")));
    }
}
