//! The expiry watch from the command line: `check` for monitoring systems,
//! `keepalive` for timers, `secret …` (history, pasted portal row, Graph,
//! rotation), `calendar export` and `settings`.

use crate::args::{SecretCommand, SettingsCommand};
use crate::output;
use mailwarden_engine::{
    Bounces, CoreError, DateOrder, ExpiryState, ExposeSecret, Mailwarden, NewSecret, SecretString, Thresholds,
};
use serde::Serialize;
use std::io::{BufRead, Read};
use std::path::Path;
use std::process::ExitCode;

fn parse_day(s: &str) -> Result<time::Date, CoreError> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s.trim(), &fmt)
        .map_err(|_| CoreError::invalid("asOf", format!("“{s}” is not a date; use YYYY-MM-DD, e.g. 2026-12-01.")))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CheckReport<'a> {
    status: &'a str,
    exit_code: u8,
    items: &'a [mailwarden_engine::AttentionItem],
    /// The data key is unreachable: nothing can be refreshed until it is back.
    key_problem: Option<&'a str>,
}

/// Monitoring-plugin convention: a status line, then one line per problem;
/// exit 0 OK, 1 WARNING, 2 CRITICAL (3 UNKNOWN is the caller's, on errors).
pub fn check(
    app: &Mailwarden,
    as_of: Option<&str>,
    warn: Option<i64>,
    crit: Option<i64>,
    json: bool,
) -> Result<ExitCode, CoreError> {
    let settings = app.settings().get()?;
    let t = Thresholds {
        soon_days: warn.unwrap_or(settings.thresholds.soon_days),
        urgent_days: crit.unwrap_or(settings.thresholds.urgent_days),
    };
    if t.urgent_days < 0 || t.soon_days < t.urgent_days {
        return Err(CoreError::invalid("warnDays", "--warn-days must be at least --crit-days (and neither negative)."));
    }
    let today = match as_of {
        Some(d) => parse_day(d)?,
        None => mailwarden_engine::system_clock().today(),
    };
    let items = app.watch().attention_at(today, &t)?;
    // A locked key is a warning of its own: dates are still checked, but
    // no token can be refreshed and no test run until the key is back.
    let key_problem = app.keys().info().problem;
    let crit_n = items.iter().filter(|i| matches!(i.state, ExpiryState::Expired | ExpiryState::Urgent)).count();
    let warn_n = items.len() - crit_n + usize::from(key_problem.is_some());
    let (status, code) = match (crit_n, warn_n) {
        (0, 0) => ("OK", 0u8),
        (0, _) => ("WARNING", 1),
        _ => ("CRITICAL", 2),
    };
    if json {
        let report = CheckReport {
            status: &status.to_lowercase(),
            exit_code: code,
            items: &items,
            key_problem: key_problem.as_deref(),
        };
        output::json(&report);
        return Ok(ExitCode::from(code));
    }
    if crit_n + warn_n == 0 {
        println!("MAILWARDEN OK - nothing expires within {} days", t.soon_days);
    } else {
        println!("MAILWARDEN {status} - {crit_n} critical, {warn_n} warning");
    }
    for i in &items {
        let level = if matches!(i.state, ExpiryState::Expired | ExpiryState::Urgent) { "CRITICAL" } else { "WARNING" };
        println!("{level}: {}: {} ({})", i.profile_name, i.title, i.state.as_str());
    }
    if let Some(p) = &key_problem {
        println!("WARNING: data key: {p}");
    }
    Ok(ExitCode::from(code))
}

pub fn keepalive(app: &Mailwarden, idle_days: Option<i64>, json: bool) -> Result<ExitCode, CoreError> {
    let done = app.watch().keepalive(idle_days)?;
    let failed = done.iter().filter(|k| k.error.is_some()).count();
    if json {
        output::json(&done);
    } else if done.is_empty() {
        println!("No refresh token needed a keep-alive.");
    } else {
        for k in &done {
            match &k.error {
                None => println!("refreshed: {} (idle {} days)", k.profile_name, k.idle_days),
                Some(e) => eprintln!("failed: {} (idle {} days): {e}", k.profile_name, k.idle_days),
            }
        }
    }
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

pub fn calendar_export(app: &Mailwarden, file: &Path) -> Result<ExitCode, CoreError> {
    let ics = app.watch().expiry_calendar()?;
    if file == Path::new("-") {
        print!("{ics}");
    } else {
        std::fs::write(file, ics).map_err(|e| CoreError::io(format!("Could not write {}", file.display()), e))?;
        eprintln!("Wrote {}: import it into your calendar (importing again updates the events).", file.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn read_all_stdin(what: &str) -> Result<String, CoreError> {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).map_err(|e| CoreError::io(format!("Could not read the {what}"), e))?;
    Ok(s)
}

pub fn secret(app: &Mailwarden, command: SecretCommand) -> Result<ExitCode, CoreError> {
    match command {
        SecretCommand::History { profile, json } => {
            let v = app.profiles().resolve(&profile)?;
            let h = app.watch().secret_history(v.profile.id)?;
            if json {
                output::json(&h);
            } else {
                let rows: Vec<Vec<String>> = h
                    .iter()
                    .map(|r| {
                        vec![
                            r.secret_id.clone().unwrap_or_else(|| "—".into()),
                            r.hint.clone().map(|h| format!("{h}…")).unwrap_or_default(),
                            r.description.clone(),
                            r.expires_on.clone().unwrap_or_default(),
                            r.added_at.clone(),
                            r.retired_at.clone().unwrap_or_else(|| "in use".into()),
                        ]
                    })
                    .collect();
                output::table(&["SECRET ID", "HINT", "DESCRIPTION", "EXPIRES", "ADDED", "RETIRED"], &rows);
                println!(
                    "\nCreate or delete secrets in Entra (Certificates & secrets): {}",
                    mailwarden_engine::secrets_blade_url(&v.profile.client_id)
                );
            }
        }
        SecretCommand::PasteRow { profile, day_first, month_first } => {
            let v = app.profiles().resolve(&profile)?;
            let order = DateOrder::chosen(if day_first || month_first { Some(day_first) } else { None });
            let row = app.profiles().apply_portal_row(v.profile.id, &read_all_stdin("row")?, order)?.row;
            println!("Secret {} (“{}”) expires {}.", row.secret_id, row.description, row.expires);
            if row.date_was_ambiguous {
                eprintln!(
                    "note: the date was read as {} (pass --day-first or --month-first to read it the other way).",
                    row.expires
                );
            }
            if row.value_truncated {
                eprintln!("note: the row's value is cut off by the portal, so it was not taken as the secret; the stored secret is unchanged.");
            }
        }
        SecretCommand::ReadGraph { profile, json } => {
            let v = app.profiles().resolve(&profile)?;
            let r = app.watch().read_app_secrets(v.profile.id)?;
            if json {
                output::json(&r);
            } else {
                for s in &r.secrets {
                    let mine = if s.is_profiles { "  ← this profile's" } else { "" };
                    println!(
                        "{}  {}  expires {}{mine}",
                        s.secret_id,
                        s.description,
                        s.expires.as_deref().unwrap_or("never")
                    );
                }
                for c in &r.certificates {
                    let mine = if c.is_profiles { "  ← this profile's" } else { "" };
                    println!(
                        "certificate {}  {}  expires {}{mine}",
                        c.thumbprint.as_deref().unwrap_or("(no thumbprint)"),
                        c.description,
                        c.expires.as_deref().unwrap_or("never")
                    );
                }
                let holds_secret = v.has_client_secret;
                if r.updated {
                    println!("The profile's Secret ID and expiry were filled in.");
                } else if holds_secret && !r.secrets.iter().any(|s| s.is_profiles) {
                    eprintln!(
                        "None of the app's secrets matches this profile's (by Secret ID or hint): set the Secret ID."
                    );
                }
            }
        }
        SecretCommand::Rotate { profile, secret_id, expires, description } => {
            let v = app.profiles().resolve(&profile)?;
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| CoreError::io("Could not read the new secret from standard input", e))?;
            let value = SecretString::from(line.trim_end_matches(['\r', '\n']).to_owned());
            line.clear();
            if value.expose_secret().is_empty() {
                return Err(CoreError::invalid("clientSecret", "Give the new secret's Value on standard input."));
            }
            let r = app.watch().rotate_secret(v.profile.id, NewSecret { value, secret_id, expires, description })?;
            println!("Rotated: {}.", r.proof);
            if let Some(old) = r.retired {
                println!(
                    "Retired {}: delete it in Entra once nothing else uses it: {}",
                    old.secret_id.as_deref().unwrap_or("the old secret"),
                    mailwarden_engine::secrets_blade_url(&v.profile.client_id)
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn settings(app: &Mailwarden, command: SettingsCommand) -> Result<ExitCode, CoreError> {
    let mut s = app.settings().get()?;
    match command {
        SettingsCommand::Show { json } => {
            if json {
                output::json(&s);
                return Ok(ExitCode::SUCCESS);
            }
        }
        SettingsCommand::Set { warn_days, crit_days, keepalive_days, check_every_hours, close_to_tray, relay } => {
            let r = &mut s.relay;
            r.listen = relay.relay_listen.unwrap_or(r.listen.clone());
            if let Some(p) = relay.relay_pop3_listen {
                r.pop3_listen = (p != "off").then_some(p);
            }
            if let Some(p) = relay.relay_imap_listen {
                r.imap_listen = (p != "off").then_some(p);
            }
            r.microsoft_per_minute = relay.relay_per_minute.unwrap_or(r.microsoft_per_minute);
            r.microsoft_recipients_per_day = relay.relay_recipients_per_day.unwrap_or(r.microsoft_recipients_per_day);
            r.other_per_minute = relay.relay_other_per_minute.unwrap_or(r.other_per_minute);
            r.max_message_bytes =
                relay.relay_max_message_mb.map_or(r.max_message_bytes, |mb| mb.saturating_mul(1024 * 1024));
            r.max_recipients = relay.relay_max_recipients.unwrap_or(r.max_recipients);
            r.max_connections = relay.relay_max_connections.unwrap_or(r.max_connections);
            r.max_connections_per_client = relay.relay_max_per_client.unwrap_or(r.max_connections_per_client);
            r.max_connection_rate = relay.relay_connection_rate.unwrap_or(r.max_connection_rate);
            r.idle_timeout_secs = relay.relay_idle_timeout.unwrap_or(r.idle_timeout_secs);
            r.start_with_app = relay.relay_with_app.unwrap_or(r.start_with_app);
            if let Some(b) = relay.relay_bounces {
                r.bounces = match b.as_str() {
                    "off" => Bounces::Off,
                    "sender" => Bounces::Sender,
                    _ => Bounces::To(b),
                };
            }
            s.thresholds.soon_days = warn_days.unwrap_or(s.thresholds.soon_days);
            s.thresholds.urgent_days = crit_days.unwrap_or(s.thresholds.urgent_days);
            s.keepalive_days = keepalive_days.unwrap_or(s.keepalive_days);
            s.check_every_hours = check_every_hours.unwrap_or(s.check_every_hours);
            s.close_to_tray = close_to_tray.unwrap_or(s.close_to_tray);
            app.settings().save(&s)?;
        }
    }
    println!("warn (soon):      {} days before", s.thresholds.soon_days);
    println!("critical:         {} days before", s.thresholds.urgent_days);
    println!("keep-alive:       refresh tokens idle {} days", s.keepalive_days);
    println!("check every:      {} hours", s.check_every_hours);
    println!("close to tray:    {}", s.close_to_tray);
    let r = &s.relay;
    println!("relay:            {} · {} msg/min and {} recipients/day per Microsoft mailbox (0: none) · up to {} MB, {} recipients, {} connections, {} s idle",
        r.listen, r.microsoft_per_minute, r.microsoft_recipients_per_day, r.max_message_bytes / (1024 * 1024), r.max_recipients, r.max_connections, r.idle_timeout_secs);
    let bounces = match &r.bounces {
        mailwarden_engine::Bounces::Off => "off (held messages show in the queue, the watch and check)".to_owned(),
        mailwarden_engine::Bounces::Sender => "to the device's envelope sender".to_owned(),
        mailwarden_engine::Bounces::To(a) => format!("to {a}"),
    };
    println!("relay bounces:    {bounces}");
    Ok(ExitCode::SUCCESS)
}
