//! `mailwarden registration check|apply NAME`: the app registration compared
//! with what the profile needs (as the app itself, or as an administrator who
//! signs in in the browser), and created or brought in line through Graph
//! after the plan is shown and confirmed.

use crate::args::RegistrationCommand;
use mailwarden_engine::{AdminSession, ApplyState, CoreError, FindingState, Mailwarden};
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// The portal's words are bold in the core's texts; a terminal gets them plain.
fn plain(s: &str) -> String {
    s.replace("**", "")
}

pub fn run(app: &Mailwarden, command: RegistrationCommand) -> Result<ExitCode, CoreError> {
    match command {
        RegistrationCommand::Check { profile, admin, json, timeout } => {
            let id = app.profiles().resolve(&profile)?.profile.id;
            let session = if admin { Some(sign_in(app, id, timeout)?) } else { None };
            let r = app.registrations().check(id, session.as_ref())?;
            if json {
                crate::output::json(&r);
            } else {
                println!("{} — read as {}:", r.app_name.as_deref().unwrap_or("App registration"), r.read_as);
                for f in &r.findings {
                    let tag = match f.state {
                        FindingState::Ok => "ok",
                        FindingState::Mismatch => "MISMATCH",
                        FindingState::Warning => "warning",
                        FindingState::Unchecked => "unchecked",
                    };
                    println!("  {tag:<9} {}: {}", f.item, f.found);
                    if let Some(fix) = &f.fix {
                        println!("            needs {}; {}", f.wanted, plain(fix));
                    }
                }
                match r.mismatches {
                    0 => println!("Nothing stops sign-in or mail."),
                    n => println!(
                        "{} stop sign-in or mail: fix them in the portal, or `mailwarden registration apply {profile}`.",
                        mailwarden_engine::plural(n as i64, "difference")
                    ),
                }
            }
            Ok(if r.mismatches == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        RegistrationCommand::Apply { profile, dry_run, yes, timeout } => {
            let v = app.profiles().resolve(&profile)?;
            let id = v.profile.id;
            if !dry_run && !yes && !std::io::stdin().is_terminal() {
                eprintln!("error: not changing the app registration without confirmation; add --yes (or --dry-run to see the plan).");
                return Ok(ExitCode::from(1));
            }
            let session = sign_in(app, id, timeout)?;
            let plan = app.registrations().plan(id, &session)?;
            if plan.steps.is_empty() {
                println!(
                    "The app registration of “{}” is already in line: nothing to create or change.",
                    v.profile.name
                );
            } else {
                println!("As {}, Mailwarden will:", plan.admin);
                for (i, s) in plan.steps.iter().enumerate() {
                    println!("  {}. {} — {}", i + 1, s.title, s.detail);
                }
            }
            for m in &plan.manual {
                println!("  Left for you: {m}");
            }
            if dry_run || plan.steps.is_empty() {
                return Ok(ExitCode::SUCCESS);
            }
            if !yes && !confirm()? {
                eprintln!("Nothing changed.");
                return Ok(ExitCode::from(1));
            }
            let report = app.registrations().apply(id, &session, |title| eprintln!("… {title}"))?;
            for s in &report.steps {
                let tag = match s.state {
                    ApplyState::Done => "done",
                    ApplyState::Failed => "FAILED",
                    ApplyState::Skipped => "skipped",
                };
                println!("  {tag:<7} {}: {}", s.title, s.detail);
                if let Some(d) = &s.diagnosis {
                    print!("{}", plain(&d.render_text()));
                }
            }
            Ok(if report.complete { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
    }
}

fn confirm() -> Result<bool, CoreError> {
    eprint!("Go ahead? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).map_err(|e| CoreError::io("Could not read the answer", e))?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

/// The administrator signs in in the browser; the session lives only in this process.
pub(crate) fn sign_in(app: &Mailwarden, id: i64, timeout: u64) -> Result<AdminSession, CoreError> {
    let cancel = AtomicBool::new(false);
    app.registrations().admin_sign_in(id, Duration::from_secs(timeout), &cancel, |url| {
        eprintln!("Opening the browser: sign in as an administrator (Application Administrator or Cloud Application Administrator). If it does not open, copy this address into a browser:\n\n{url}\n");
        crate::auth_cmd::open_browser(url);
    })
}
