//! `mailwarden relay …`: run the relay in the foreground (stopped by SIGTERM
//! or Ctrl+C, draining), its status, devices and queue.

use crate::args_relay::{DeviceCommand, Listeners, QueueCommand, RelayCommand};
use crate::output;
use mailwarden_engine::{plural, CoreError, DeviceDraft, ExposeSecret, Mailwarden, QueuedMessage};
use std::process::ExitCode;
use std::sync::Arc;

pub fn run(app: Mailwarden, command: RelayCommand) -> Result<ExitCode, CoreError> {
    match command {
        RelayCommand::Run { at, cert, key } => serve(app, at, cert, key),
        RelayCommand::Status { json } => status(&app, json),
        RelayCommand::Device { command } => device(&app, command),
        RelayCommand::Queue { command } => queue(&app, command),
    }
}

/// SIGTERM and SIGINT, blocked in every thread and awaited by `relay run`.
/// Called first thing in `main` (threads started later inherit the mask;
/// one started earlier would take SIGTERM's default action: death without
/// draining) and again here for the set to wait on.
pub fn block_signals() -> libc::sigset_t {
    // SAFETY: a zeroed sigset_t is then initialised by sigemptyset; the mask is
    // set before any other thread exists, so every thread inherits it.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        set
    }
}

fn serve(app: Mailwarden, at: Listeners, cert: Option<String>, key: Option<String>) -> Result<ExitCode, CoreError> {
    let Listeners { listen, tls_listen, pop3_listen, pop3_tls_listen, imap_listen, imap_tls_listen } = at;
    let signals = block_signals();
    // A file-size limit (or a full quota) then fails the write with EFBIG, which
    // the relay answers with 452, instead of killing the process.
    // SAFETY: setting a signal's disposition before any thread exists.
    unsafe { libc::signal(libc::SIGXFSZ, libc::SIG_IGN) };
    let mut settings = app.settings().get()?.relay;
    if let Some(l) = listen {
        settings.listen = l;
    }
    // Each flag given replaces its setting.
    for (flag, setting) in [
        (tls_listen, &mut settings.tls_listen),
        (pop3_listen, &mut settings.pop3_listen),
        (pop3_tls_listen, &mut settings.pop3_tls_listen),
        (imap_listen, &mut settings.imap_listen),
        (imap_tls_listen, &mut settings.imap_tls_listen),
    ] {
        if flag.is_some() {
            *setting = flag;
        }
    }
    if cert.is_some() {
        (settings.cert_file, settings.key_file) = (cert, key);
    }
    let app = Arc::new(app);
    let devices = app.relay().devices()?.len();
    let queued = app.relay().queue()?.len();
    let running = app.start_relay(settings)?;
    println!(
        "Relay listening on {} (SMTP submission{}).",
        running.addr,
        if running.fingerprint.is_some() { ", STARTTLS" } else { "" }
    );
    if let Some(a) = running.tls_addr {
        println!("Implicit TLS on {a}.");
    }
    let tls = running.fingerprint.is_some();
    for (name, plain, implicit, upgrade) in [
        ("POP3", running.pop3_addr, running.pop3_tls_addr, " (STLS)"),
        ("IMAP", running.imap_addr, running.imap_tls_addr, " (STARTTLS)"),
    ] {
        if let Some(a) = plain {
            println!("{name} on {a}{}.", if tls { upgrade } else { "" });
        }
        if let Some(a) = implicit {
            println!("{name} with implicit TLS on {a}.");
        }
    }
    if let (Some(f), Some(c)) = (&running.fingerprint, &running.certificate) {
        println!("Certificate: {c}\n  SHA-256 {f}");
    }
    println!(
        "{}; {} in the queue. SIGTERM or Ctrl+C stops (open transactions finish, the queue stays).",
        plural(devices as i64, "device"),
        plural(queued as i64, "message")
    );
    if devices == 0 {
        println!("No devices yet: `mailwarden relay device add NAME --profile PROFILE`.");
    }
    let mut sig: libc::c_int = 0;
    // SAFETY: waits for one of the blocked signals in `signals`.
    unsafe { libc::sigwait(&signals, &mut sig) };
    eprintln!("Stopping: finishing open transactions…");
    running.stop();
    eprintln!("Stopped. Messages left in the queue: {}.", app.relay().queue()?.len());
    Ok(ExitCode::SUCCESS)
}

fn status(app: &Mailwarden, json: bool) -> Result<ExitCode, CoreError> {
    let st = app.relay().status()?;
    if json {
        output::json(&st);
        return Ok(ExitCode::SUCCESS);
    }
    match &st.running {
        Some(r) => println!("Listening on {} (process {}, since {}).", r.listen, r.pid, r.started_at),
        None => println!("Not running (`mailwarden relay run`, or the relay in the app)."),
    }
    println!("{}.", plural(st.devices as i64, "device"));
    for d in app.relay().devices()? {
        if let Some(w) = &d.warning {
            println!("Warning: device \"{}\": {w}", d.name);
        }
    }
    for p in &st.profiles {
        println!("{}: {} queued ({} waiting to retry, {} held)", p.profile, p.queued, p.waiting, p.held);
        if let Some(d) = &p.last.last_delivery {
            println!("  last delivery  {}  {}", d.at, d.text);
        }
        if let Some(f) = &p.last.last_failure {
            println!("  last failure   {}  {}", f.at, f.text);
        }
        if let Some(i) = &p.inbound {
            if let Some(at) = &i.last_fetch {
                let n = i.messages.map(|n| plural(n as i64, "message")).unwrap_or_default();
                let shown = if n.is_empty() { String::new() } else { format!(", shown {n}") };
                println!("  last fetch     {at}  {} ({}){shown}", i.device, i.protocol);
            }
            if let (Some(why), Some(at)) = (&i.failure, &i.failed_at) {
                println!("  fetch failing  {at}  {}: {why}", i.device);
            }
        }
    }
    let queue = app.relay().queue()?;
    for m in queue.iter().filter(|m| m.state.held.is_some()) {
        print_line(m);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_line(m: &QueuedMessage) {
    let state = match (&m.state.held, &m.state.last_error) {
        (Some(d), _) => format!("HELD: {}", d.title),
        (None, Some(e)) => format!("retrying ({} tries): {e}", m.state.attempts),
        _ => "queued".into(),
    };
    let subject = m.subject.as_deref().map(|s| format!("  “{s}”")).unwrap_or_default();
    println!("  {}  {} → {}{subject}  {state}", m.envelope.id, m.envelope.device, m.envelope.to.join(", "));
}

fn device(app: &Mailwarden, command: DeviceCommand) -> Result<ExitCode, CoreError> {
    match command {
        DeviceCommand::Add {
            name,
            profile,
            allow,
            allow_wide,
            no_password,
            plain,
            keep_from,
            pop3,
            on_delete,
            newest,
            imap,
        } => {
            let mailbox = mailwarden_engine::MailboxAccess { pop3, imap, on_delete, newest };
            let draft = DeviceDraft {
                name,
                profile,
                by_address: no_password,
                allowed: allow,
                plain_ok: plain,
                keep_from,
                allow_wide,
                mailbox,
            };
            let (d, password) = app.relay().add_device(&draft)?;
            println!("Added device \"{}\" sending through \"{}\".", d.name, d.profile_name);
            // The generated password is shown here once, on purpose (the device
            // needs it typed in); it is printed to stdout only, never logged,
            // and Mailwarden keeps only its Argon2 hash.
            match password {
                Some(p) => {
                    println!("Relay user name: {}", d.name);
                    println!("Relay password:  {}", p.expose_secret());
                    println!("(Shown only now; `mailwarden relay device reset-password {}` makes a new one.)", d.name);
                }
                None => println!("No password: let in from {} only.", d.allowed.join(", ")),
            }
            if d.mailbox.pop3 || d.mailbox.imap {
                let settings = app.relay().mailbox_settings(&d.name)?;
                let has = |p: &str| settings.iter().any(|s| s.protocol == p);
                if d.mailbox.pop3 && !has("POP3") {
                    println!("POP3: the relay has no POP3 listener yet: `mailwarden settings set --relay-pop3-listen 127.0.0.1:1110` (or relay run --pop3-listen).");
                }
                if d.mailbox.imap && !has("IMAP") {
                    println!("IMAP: the relay has no IMAP listener yet: `mailwarden settings set --relay-imap-listen 127.0.0.1:1143` (or relay run --imap-listen).");
                }
                for s in settings {
                    let note = s.note.map(|n| format!("  ({n})")).unwrap_or_default();
                    println!(
                        "Incoming mail ({}): server {}  port {}  security {}  user {}  password: the one above{note}",
                        s.protocol, s.server, s.port, s.security, s.user
                    );
                }
                if d.mailbox.pop3 {
                    println!(
                        "A POP3 deletion ({}) is applied when the app ends its session (QUIT).",
                        d.mailbox.on_delete
                    );
                }
            }
            if let Some(w) = &d.warning {
                println!("Warning: {w}");
            }
        }
        DeviceCommand::List { json } => {
            let devices = app.relay().devices()?;
            if json {
                output::json(&devices);
            } else {
                let rows: Vec<Vec<String>> = devices
                    .iter()
                    .map(|d| {
                        vec![
                            d.name.clone(),
                            d.profile_name.clone(),
                            if d.has_password { "password".into() } else { "address only".into() },
                            if d.allowed.is_empty() { "any".into() } else { d.allowed.join(" ") },
                            d.last_seen.clone().unwrap_or_else(|| "-".into()),
                            d.warning.clone().unwrap_or_default(),
                        ]
                    })
                    .collect();
                output::table(&["NAME", "PROFILE", "SIGN-IN", "FROM", "LAST SEEN", "WARNING"], &rows);
            }
        }
        DeviceCommand::Rm { name } => {
            app.relay().remove_device(&name)?;
            println!("Removed device \"{name}\".");
        }
        DeviceCommand::ResetPassword { name } => {
            let p = app.relay().reset_password(&name)?;
            // Shown once on stdout, as at `device add`: never logged, only its hash kept.
            println!("New relay password for \"{name}\": {}", p.expose_secret());
            println!("(Shown only now; the old one no longer works.)");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn queue(app: &Mailwarden, command: QueueCommand) -> Result<ExitCode, CoreError> {
    match command {
        QueueCommand::List { json } => {
            let q = app.relay().queue()?;
            if json {
                output::json(&q);
            } else if q.is_empty() {
                println!("The queue is empty.");
            } else {
                q.iter().for_each(print_line);
            }
        }
        QueueCommand::Show { id } => {
            let m =
                app.relay().queue()?.into_iter().find(|m| m.envelope.id == id).ok_or_else(|| {
                    CoreError::NotFound(format!("No message {id} in the queue (delivered, or deleted)."))
                })?;
            output::json(&m);
        }
        QueueCommand::Retry { id } => {
            app.relay().retry(&id)?;
            println!("Message {id} will be tried again within seconds (if the relay runs).");
        }
        QueueCommand::Delete { id } => {
            println!("{}", app.relay().delete(&id)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}
