//! `mailwarden profile list|show|add|edit|rm`.

use crate::args::{AddArgs, EditArgs, ListArgs};
use crate::{edit, output};
use mailwarden_engine::{
    render_guide, Choices, CoreError, ExposeSecret, GuideFormat, Invocation, Mailwarden, ProfileDraft, ProfileQuery,
    ProfileView, Reveal, StepState,
};
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

pub fn list(app: &Mailwarden, a: ListArgs) -> Result<ExitCode, CoreError> {
    let q = ProfileQuery {
        text: a.search.clone().unwrap_or_default(),
        provider: a.provider,
        auth_method: a.auth_method,
        enabled: a.enabled,
        expiry: a.expiry_state(),
        sort: a.sort,
    };
    let views = app.profiles().list(&q)?.profiles;
    if a.json {
        output::json(&views);
        return Ok(ExitCode::SUCCESS);
    }
    if views.is_empty() {
        if q.is_empty() {
            println!("No profiles yet. Add one with `mailwarden profile add --name NAME ...` (see --help).");
        } else {
            println!("No profile matches.");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Vec<String>> = views
        .iter()
        .map(|v| {
            let p = &v.row;
            vec![
                p.id.to_string(),
                p.name.clone(),
                p.provider.as_str().into(),
                p.auth_method.as_str().into(),
                p.send_method.as_str().into(),
                p.mailbox.clone(),
                if p.enabled { "yes".into() } else { "no".into() },
                output::expiry_text(v.secret_expiry.as_ref()),
            ]
        })
        .collect();
    output::table(&["ID", "NAME", "PROVIDER", "AUTH", "SEND", "MAILBOX", "ENABLED", "SECRET EXPIRES"], &rows);
    Ok(ExitCode::SUCCESS)
}

pub fn show(app: &Mailwarden, name: &str, json: bool) -> Result<ExitCode, CoreError> {
    let v = app.profiles().resolve(name)?;
    if json {
        output::json(&v);
    } else {
        print_view(&v);
        print_steps(&app.progress(v.profile.id)?);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_view(v: &ProfileView) {
    let p = &v.profile;
    let set = |b: bool| if b { "set" } else { "not set" };
    let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
    let lines: Vec<(&str, String)> = vec![
        ("Name", p.name.clone()),
        ("Id", p.id.to_string()),
        ("Enabled", if p.enabled { "yes".into() } else { "no".into() }),
        ("Provider", p.provider.label().into()),
        ("Auth method", p.auth_method.label().into()),
        ("Send method", p.send_method.label().into()),
        ("Mailbox", p.mailbox.clone()),
        ("From", p.effective_from().into()),
        ("Domain", opt(&p.domain)),
        ("Tenant", p.tenant.clone()),
        ("Cloud", p.cloud.label().into()),
        ("Client ID", p.client_id.clone()),
        ("Client secret", set(v.has_client_secret).into()),
        ("Secret ID", opt(&p.client_secret_id)),
        (
            "Secret expires",
            p.client_secret_expires
                .map(|d| format!("{d} ({})", output::expiry_text(v.secret_expiry.as_ref())))
                .unwrap_or_else(|| "-".into()),
        ),
        ("Scopes", p.scopes.join(" ")),
        ("Redirect URI", p.redirect_uri.clone()),
        ("SMTP", format!("{}:{} {}", p.smtp_host, p.smtp_port, p.smtp_security.label())),
        (
            "IMAP",
            if p.imap_host.is_empty() {
                "-".into()
            } else {
                format!("{}:{} {}", p.imap_host, p.imap_port, p.imap_security.label())
            },
        ),
        (
            "POP3",
            if p.pop3_host.is_empty() {
                "-".into()
            } else {
                format!("{}:{} {}", p.pop3_host, p.pop3_port, p.pop3_security.label())
            },
        ),
        ("Password", set(v.has_password).into()),
        ("Notes", p.notes.clone()),
        ("Created", stamp(p.created_at)),
        ("Updated", stamp(p.updated_at)),
    ];
    for (k, val) in lines {
        println!("{k:<15} {val}");
    }
}

/// The setup's steps, as the editor shows them.
fn print_steps(progress: &mailwarden_engine::SetupProgress) {
    println!("Setup:");
    for s in &progress.steps {
        let mark = match s.state {
            StepState::Done => "done",
            StepState::Failing => "FAILING",
            StepState::Todo => "to do",
            StepState::Optional => "optional",
        };
        let here = if s.id == progress.current { " ←" } else { "" };
        println!("  {mark:<9} {:<18} {}{here}", s.title, s.summary);
    }
}

pub fn add(app: &Mailwarden, a: AddArgs) -> Result<ExitCode, CoreError> {
    let mut d = ProfileDraft::new(a.provider, a.auth_method, a.send_method);
    d.name = a.name;
    let choices = Choices::of(&d);
    edit::apply(&mut d, choices, a.fields)?;
    edit::prompt_missing(&mut d)?;
    let v = app.profiles().save(None, &d)?;
    println!("Added profile \"{}\" (id {}).", v.profile.name, v.profile.id);
    Ok(ExitCode::SUCCESS)
}

pub fn edit(app: &Mailwarden, a: EditArgs) -> Result<ExitCode, CoreError> {
    let current = app.profiles().resolve(&a.profile)?;
    let mut d = app.profiles().draft(current.profile.id)?;
    if let Some(name) = a.name {
        d.name = name;
    }
    let choices = Choices {
        provider: a.provider.unwrap_or(d.provider),
        auth_method: a.auth_method.unwrap_or(d.auth_method),
        send_method: a.send_method.unwrap_or(d.send_method),
        cloud: d.cloud,
    };
    edit::apply(&mut d, choices, a.fields)?;
    let v = app.profiles().save(Some(current.profile.id), &d)?;
    println!("Saved profile \"{}\".", v.profile.name);
    Ok(ExitCode::SUCCESS)
}

pub fn rm(app: &Mailwarden, name: &str, yes: bool) -> Result<ExitCode, CoreError> {
    let v = app.profiles().resolve(name)?;
    if !yes {
        if !std::io::stdin().is_terminal() {
            eprintln!("error: not removing \"{}\" without confirmation; add --yes.", v.profile.name);
            return Ok(ExitCode::from(1));
        }
        eprint!("Remove \"{}\" and its stored secrets? [y/N] ", v.profile.name);
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer).map_err(|e| CoreError::io("Could not read the answer", e))?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            eprintln!("Nothing removed.");
            return Ok(ExitCode::from(1));
        }
    }
    app.profiles().delete(v.profile.id)?;
    println!("Removed profile \"{}\".", v.profile.name);
    Ok(ExitCode::SUCCESS)
}

fn stamp(t: time::OffsetDateTime) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    t.format(&fmt).unwrap_or_default()
}

pub fn guide(app: &Mailwarden, profile: &str, markdown: bool) -> Result<ExitCode, CoreError> {
    let g = app.guides().for_profile(profile)?;
    print!("{}", render_guide(&g, if markdown { GuideFormat::Markdown } else { GuideFormat::Text }));
    Ok(ExitCode::SUCCESS)
}

pub fn handover(app: &Mailwarden, profile: &str, json: bool) -> Result<ExitCode, CoreError> {
    let v = app.profiles().resolve(profile)?;
    let values = app.handovers().values(v.profile.id)?;
    let history = app.handovers().history(v.profile.id)?;
    if json {
        output::json(&serde_json::json!({ "values": values, "handedOver": history }));
        return Ok(ExitCode::SUCCESS);
    }
    println!("For the product being set up (“{}”):", v.profile.name);
    let width = values.iter().map(|h| h.name.chars().count()).max().unwrap_or(0);
    for h in &values {
        println!("  {:<width$}  {}   ({})", h.name, h.value, h.aka);
    }
    if v.has_client_secret {
        println!("  The client secret's Value: `mailwarden reveal \"{}\" --client-secret | …`", v.profile.name);
    }
    for r in &history {
        let kept = if r.kept { "Mailwarden kept its copy" } else { "Mailwarden forgot its copy" };
        println!("  Handed over: the {} on {} ({kept}).", r.what.label(), r.at);
    }
    Ok(ExitCode::SUCCESS)
}

/// Ready configuration for `program`. It runs this same binary (by name when
/// it is the `mailwarden` on PATH) with this database (when not the default).
pub fn program_config(
    app: &Mailwarden,
    profile: &str,
    program: mailwarden_engine::Program,
    db: Option<&std::path::Path>,
    json: bool,
) -> Result<ExitCode, CoreError> {
    let v = app.profiles().resolve(profile)?;
    let exe = std::env::current_exe().map_err(|e| CoreError::Flow(format!("Where is this program? {e}")))?;
    let how = Invocation::beside(exe.parent().unwrap_or(std::path::Path::new(".")), db);
    let c = app.handovers().program_config(v.profile.id, program, &how)?;
    if json {
        output::json(&c);
        return Ok(ExitCode::SUCCESS);
    }
    for f in &c.files {
        if c.files.len() > 1 {
            println!("# ---- {} ----", f.path);
        }
        print!("{}", f.text);
    }
    for n in &c.notes {
        eprintln!("{n}");
    }
    Ok(ExitCode::SUCCESS)
}

pub fn reveal(
    app: &Mailwarden,
    profile: &str,
    refresh_token: bool,
    forget: bool,
    yes: bool,
) -> Result<ExitCode, CoreError> {
    let what = if refresh_token { Reveal::RefreshToken } else { Reveal::ClientSecret };
    if std::io::stdout().is_terminal() && !yes {
        return Err(CoreError::Flow(format!(
            "The {} would stay on this screen and in its scrollback. Pipe it to the product (`… | product-cli set-secret`) or into a file, or pass --yes to show it here.",
            what.label()
        )));
    }
    let v = app.profiles().resolve(profile)?;
    app.handovers().reveal(v.profile.id, what, !forget, |secret| {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", secret.expose_secret())?;
        out.flush()?;
        synced_stdout()
    })?;
    eprintln!(
        "Handed over the {} of “{}” (recorded){}.",
        what.label(),
        v.profile.name,
        if forget { "; this profile's connection is deleted" } else { "" }
    );
    Ok(ExitCode::SUCCESS)
}

/// Stdout on disk, when it is a file: what was written is flushed to the
/// disk before the hand-over counts. A pipe or a terminal cannot be synced
/// (EINVAL): the write having succeeded is all there is to know.
fn synced_stdout() -> std::io::Result<()> {
    // SAFETY: fsync on the process's own standard output descriptor.
    if unsafe { libc::fsync(1) } == 0 {
        return Ok(());
    }
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EINVAL) | Some(libc::EROFS) => Ok(()),
        _ => Err(e),
    }
}
