//! What `mailwarden token` prints, in one place for both binaries (the front
//! and the full command line compile this file): only the token goes to
//! stdout, so it works as msmtp's `passwordeval`; a bookkeeping warning goes
//! to stderr.

use mailwarden_engine::{ExposeSecret, Issued, Profile};
use std::io::Write;

/// The formats `--format` takes; the first is the default.
pub const FORMATS: [&str; 3] = ["raw", "xoauth2", "json"];

pub fn print(p: &Profile, issued: &Issued, format: &str) {
    if let Some(w) = &issued.warning {
        eprintln!("warning: {w}");
    }
    let token = issued.token.expose_secret();
    let out = match format {
        "xoauth2" => mailwarden_engine::xoauth2_string(p, &issued.token).to_string(),
        "json" => serde_json::json!({"access_token": token, "token_type": "Bearer", "expires_at": issued.expires_at})
            .to_string(),
        _ => token.to_owned(),
    };
    // A reader that went away (`| head -c1`) ends the process by SIGPIPE,
    // as Unix tools do (both mains restore its default).
    let _ = writeln!(std::io::stdout().lock(), "{out}");
}
