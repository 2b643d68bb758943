//! `mailwarden connect | token | disconnect | test auth`.

use crate::args::ConnectArgs;
use crate::output;
use mailwarden_engine::{
    is_loopback, CoreError, InboundVia, Mailwarden, Profile, SecretString, TokenNeed, TokenRecord,
};
use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

fn read_line(what: &str) -> Result<String, CoreError> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| CoreError::io(format!("Could not read the {what}"), e))?;
    Ok(line.trim().to_owned())
}

fn connected(name: &str, r: &TokenRecord) {
    let who = r.account.as_deref().unwrap_or("the account");
    eprintln!("Connected “{name}” as {who}. Scopes: {}.", r.scopes.join(" "));
    if !r.has_refresh_token {
        eprintln!("warning: no refresh token was issued (is offline_access among the scopes?); you will need to connect again in about an hour.");
    }
}

pub fn connect(app: &Mailwarden, a: ConnectArgs) -> Result<ExitCode, CoreError> {
    let v = app.profiles().resolve(&a.profile)?;
    let id = v.profile.id;
    if a.refresh_token_stdin {
        let rt = SecretString::from(read_line("refresh token")?);
        let r = app.tokens().connect_refresh_token(id, rt)?;
        connected(&v.profile.name, &r);
        return Ok(ExitCode::SUCCESS);
    }
    if a.device_code {
        let cancel = AtomicBool::new(false);
        let r = app.tokens().connect_device_code(id, &cancel, |d| {
            eprintln!(
                "To sign in, open {} in any browser and enter the code {} (it expires in {}).",
                d.verification_uri,
                d.user_code,
                mailwarden_engine::plural((d.expires_in_secs / 60) as i64, "minute")
            );
            eprintln!("Waiting for the sign-in… (Ctrl+C to cancel)");
        })?;
        connected(&v.profile.name, &r);
        return Ok(ExitCode::SUCCESS);
    }
    if !a.manual {
        return connect_loopback(app, &v.profile, a.timeout);
    }
    let url = app.tokens().manual_start(id)?;
    eprintln!("Open this address in a browser and sign in as {}:\n\n{url}\n", v.profile.mailbox);
    eprintln!(
        "The browser then ends on {} (it may say the page cannot be reached: that is expected).",
        v.profile.redirect_uri
    );
    eprint!("Paste that whole address here and press Enter: ");
    let _ = std::io::stderr().flush();
    let pasted = read_line("pasted address")?;
    let r = app.tokens().manual_finish(id, &pasted)?;
    connected(&v.profile.name, &r);
    Ok(ExitCode::SUCCESS)
}

pub fn token(app: &Mailwarden, profile: &str, format: &str) -> Result<ExitCode, CoreError> {
    let p = app.profiles().find_profile(profile)?;
    let issued = app.tokens().access_token(&p, TokenNeed::default())?;
    crate::token_out::print(&p, &issued, format);
    Ok(ExitCode::SUCCESS)
}

pub fn disconnect(app: &Mailwarden, profile: &str) -> Result<ExitCode, CoreError> {
    let v = app.profiles().resolve(profile)?;
    app.tokens().disconnect(v.profile.id)?;
    eprintln!("Disconnected “{}”: its tokens are deleted.", v.profile.name);
    Ok(ExitCode::SUCCESS)
}

pub fn test_auth(app: &Mailwarden, profile: &str, json: bool) -> Result<ExitCode, CoreError> {
    let v = app.profiles().resolve(profile)?;
    let report = app.tokens().test_auth(v.profile.id)?;
    if json {
        output::json(&report);
        return Ok(ExitCode::SUCCESS);
    }
    println!("Signed in: a token was issued for “{}”.", v.profile.name);
    if let Some(c) = &report.claims {
        let show = |k: &str, val: Option<String>| println!("  {k:<10} {}", val.unwrap_or_else(|| "-".into()));
        show("audience", c.aud.clone());
        show("account", c.account.clone());
        show("tenant", c.tenant_id.clone());
        if !c.roles.is_empty() {
            show("roles", Some(c.roles.join(" ")));
        }
        if !c.scopes.is_empty() {
            show("scopes", Some(c.scopes.join(" ")));
        }
    } else {
        println!("  (the token is opaque: personal Microsoft accounts do not expose claims)");
    }
    for w in &report.warnings {
        println!("warning: {w}");
    }
    if let Some(a) = &report.advice {
        println!("note: {a}");
    }
    Ok(ExitCode::SUCCESS)
}

fn connect_loopback(app: &Mailwarden, p: &Profile, timeout: u64) -> Result<ExitCode, CoreError> {
    if !is_loopback(&p.redirect_uri) {
        return Err(CoreError::Flow(format!(
            "The redirect URI {} is not a loopback address Mailwarden can listen on. Use `mailwarden connect \"{}\" --manual` and paste the address the browser ends on, or register http://localhost (Mobile and desktop applications) and use it.",
            p.redirect_uri, p.name
        )));
    }
    let cancel = AtomicBool::new(false);
    let r = app.tokens().connect_loopback(p.id, Duration::from_secs(timeout), &cancel, |url| {
        eprintln!(
            "Opening the browser to sign in as {}. If it does not open, copy this address into a browser:\n\n{url}\n",
            p.mailbox
        );
        open_browser(url);
        eprintln!(
            "Waiting for the sign-in (up to {}; Ctrl+C to cancel)…",
            mailwarden_engine::plural(timeout.div_ceil(60) as i64, "minute")
        );
    })?;
    connected(&p.name, &r);
    Ok(ExitCode::SUCCESS)
}

/// `$BROWSER` if set, else the desktop's opener. Failures are not fatal: the
/// address is printed either way.
pub(crate) fn open_browser(url: &str) {
    let launcher = std::env::var("BROWSER").ok().filter(|b| !b.trim().is_empty());
    let (prog, args): (String, Vec<String>) = match launcher {
        Some(b) if b.contains("%s") => {
            let mut parts = b.split_whitespace().map(|p| p.replace("%s", url));
            (parts.next().unwrap_or_default(), parts.collect())
        }
        Some(b) => (b, vec![url.to_owned()]),
        None if cfg!(target_os = "macos") => ("open".into(), vec![url.to_owned()]),
        None if cfg!(windows) => ("explorer".into(), vec![url.to_owned()]),
        None => ("xdg-open".into(), vec![url.to_owned()]),
    };
    let spawned = std::process::Command::new(&prog)
        .args(&args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Err(e) = spawned {
        eprintln!("(could not start {prog}: {e})");
    }
}

pub fn test_send(
    app: &Mailwarden,
    profile: &str,
    to: Option<&str>,
    force: bool,
    verbose: bool,
    json: bool,
) -> Result<ExitCode, CoreError> {
    let v = app.profiles().resolve(profile)?;
    let r =
        app.mail_checks().send_test(v.profile.id, to, force).inspect_err(|e| print_failed_transcript(e, verbose))?;
    if verbose && !json {
        for line in &r.transcript {
            println!("{line}");
        }
    }
    for w in &r.warnings {
        eprintln!("warning: {w}");
    }
    if json {
        output::json(&r);
    } else {
        println!("Sent a test message to {} in {} ms.", r.to, r.elapsed_ms);
        println!("  Message-ID: {}", r.message_id);
        println!("  server said: {}", r.reply);
    }
    Ok(ExitCode::SUCCESS)
}

/// With `--verbose`, the conversation up to a failure goes to stderr before
/// the diagnosis.
fn print_failed_transcript(e: &CoreError, verbose: bool) {
    if verbose {
        for line in e.diagnosis().map(|d| d.transcript.as_slice()).unwrap_or_default() {
            eprintln!("{line}");
        }
    }
}

pub fn test_imap(app: &Mailwarden, profile: &str, verbose: bool, json: bool) -> Result<ExitCode, CoreError> {
    let v = app.profiles().resolve(profile)?;
    let r = app.mail_checks().check_inbound(v.profile.id).inspect_err(|e| print_failed_transcript(e, verbose))?;
    if verbose && !json {
        for line in &r.transcript {
            println!("{line}");
        }
    }
    if json {
        output::json(&r);
    } else {
        print_inbound(&r);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_inbound(r: &mailwarden_engine::InboundReport) {
    match r.via {
        InboundVia::Imap => {
            println!("Signed in to IMAP as {} and listed {} folders in {} ms.", r.mailbox, r.folders, r.elapsed_ms)
        }
        InboundVia::Graph => {
            println!(
                "Read the inbox of {} over Microsoft Graph in {} ms: {} messages, {} unread.",
                r.mailbox,
                r.elapsed_ms,
                r.messages.unwrap_or(0),
                r.unread.unwrap_or(0)
            );
            match &r.newest {
                Some(m) => println!("  newest: {} from {} — “{}”", m.received, m.from, m.subject),
                None => println!("  the inbox is empty."),
            }
        }
    }
}
