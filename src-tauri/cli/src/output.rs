//! Rendering for people (aligned text) and for programs (`--json`), and errors
//! with the flag to fix.

use mailwarden_engine::{days_text, CoreError, ExpiryBadge};
use serde::Serialize;

/// The command-line flag that sets a draft field.
pub fn flag_for(field: &str) -> String {
    match field {
        "clientSecret" => "--client-secret-stdin".into(),
        "password" => "--password-stdin".into(),
        "fromAddress" => "--from".into(),
        "authMethod" => "--auth".into(),
        "sendMethod" => "--send".into(),
        "clientSecretId" => "--secret-id".into(),
        "clientSecretExpires" => "--secret-expires".into(),
        "certificate" => "--create-certificate / --certificate-file".into(),
        other => {
            let mut s = String::from("--");
            for c in other.chars() {
                if c.is_ascii_uppercase() {
                    s.push('-');
                    s.push(c.to_ascii_lowercase());
                } else {
                    s.push(c);
                }
            }
            s
        }
    }
}

pub fn print_error(e: &CoreError) {
    if let Some(d) = e.diagnosis() {
        eprint!("error: {}", d.render_text());
        return;
    }
    if e.code() == mailwarden_engine::ErrorCode::TooSoon {
        eprintln!("error: {e} Add --force to send it now.");
        return;
    }
    let fields = e.field_errors();
    // Fields of what was typed or pasted at a prompt, not of the profile.
    if let [f] = fields {
        if matches!(f.field.as_str(), "pasted" | "file" | "refreshToken" | "to" | "passphrase") {
            eprintln!("error: {}", f.message);
            return;
        }
    }
    if fields.is_empty() {
        eprintln!("error: {e}");
        return;
    }
    eprintln!("error: nothing was saved:");
    for f in fields {
        eprintln!("  {}: {}", flag_for(&f.field), f.message);
    }
}

pub fn json<T: Serialize>(value: &T) {
    println!("{}", serde_json::to_string_pretty(value).expect("views serialise"));
}

pub fn expiry_text(badge: Option<&ExpiryBadge>) -> String {
    match badge {
        None => "-".into(),
        Some(b) => format!("{} ({})", days_text(b.days_left), b.state.as_str()),
    }
}

/// A plain table: columns padded to their widest cell.
pub fn table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let parts: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        println!("{}", parts.join("  ").trim_end());
    };
    line(header.to_vec());
    for r in rows {
        line(r.iter().map(String::as_str).collect());
    }
}
