//! `mailwarden`: the command line over mailwarden-engine, for headless machines and
//! for other mail programs. It links no GUI library.
//!
//! Exit codes: 0 success, 1 failure (the message names the field or cause and
//! the fix), 2 usage error (from clap).

mod args;
mod args_certificate;
mod args_profile;
mod args_relay;
mod args_watch;
mod assets_cmd;
mod auth_cmd;
mod certificate_cmd;
mod doctor;
mod edit;
mod key_cmd;
mod output;
mod profile_cmd;
mod registration_cmd;
mod relay_cmd;
mod token_out;
mod transfer_cmd;
mod watch_cmd;

use args::{CalendarCommand, Cli, Command, ProfileCommand, TestCommand};
use mailwarden_engine::{system_clock, CoreError, Mailwarden};
use std::process::ExitCode;

fn main() -> ExitCode {
    // Rust ignores SIGPIPE, so writing to a closed pipe (`… | head -c1`)
    // would panic in println!; a command-line tool ends quietly instead.
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to its default at start-up,
    // before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = args::parse();
    if matches!(&cli.command, Command::Relay { command: args_relay::RelayCommand::Run { .. } }) {
        // Before any thread exists — the keyring's D-Bus client starts some
        // while the database opens — so that every thread inherits the mask
        // and SIGTERM reaches only the relay's wait, which drains.
        relay_cmd::block_signals();
    }
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            output::print_error(&e);
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, CoreError> {
    let db = cli.global.db.clone().unwrap_or_else(mailwarden_engine::default_db_path);
    mailwarden_engine::init_logging(&db, cli.global.log);
    if let Command::GenerateAssets { dir } = &cli.command {
        return assets_cmd::generate(dir).map(|()| ExitCode::SUCCESS);
    }
    if let Command::Doctor { json } = cli.command {
        return Ok(doctor::run(&db, json));
    }
    if let Command::Check { as_of, warn_days, crit_days, json } = &cli.command {
        // Monitoring convention: anything that stops the check is UNKNOWN (3),
        // including a database that is not there (opening would create one).
        if !db.exists() {
            println!("MAILWARDEN UNKNOWN - no Mailwarden database at {}", db.display());
            return Ok(ExitCode::from(3));
        }
        let result = Mailwarden::open(&db, system_clock())
            .and_then(|app| watch_cmd::check(&app, as_of.as_deref(), *warn_days, *crit_days, *json));
        return Ok(result.unwrap_or_else(|e| {
            println!("MAILWARDEN UNKNOWN - {e}");
            ExitCode::from(3)
        }));
    }
    if let Command::Token(a) = &cli.command {
        // msmtp's passwordeval: the process lives for a moment (open_brief).
        let app = Mailwarden::open_brief(&db, system_clock())?;
        return auth_cmd::token(&app, &a.profile, &a.format);
    }
    if let Command::Relay { command } = cli.command {
        return relay_cmd::run(Mailwarden::open(&db, system_clock())?, command);
    }
    let app = Mailwarden::open(&db, system_clock())?;
    match cli.command {
        Command::Profile { command } => match command {
            ProfileCommand::List(a) => profile_cmd::list(&app, a),
            ProfileCommand::Show { profile, json } => profile_cmd::show(&app, &profile, json),
            ProfileCommand::Add(a) => profile_cmd::add(&app, *a),
            ProfileCommand::Edit(a) => profile_cmd::edit(&app, *a),
            ProfileCommand::Rm { profile, yes } => profile_cmd::rm(&app, &profile, yes),
            ProfileCommand::Export(a) => transfer_cmd::export(&app, a),
            ProfileCommand::Import(a) => transfer_cmd::import(&app, a),
        },
        Command::Connect(a) => auth_cmd::connect(&app, a),
        Command::Disconnect { profile } => auth_cmd::disconnect(&app, &profile),
        Command::Guide { profile, markdown } => profile_cmd::guide(&app, &profile, markdown),
        Command::Registration { command } => registration_cmd::run(&app, command),
        Command::Certificate { command } => certificate_cmd::run(&app, command),
        Command::Handover { profile, json, config: Some(program) } => {
            profile_cmd::program_config(&app, &profile, program, cli.global.db.as_deref(), json)
        }
        Command::Handover { profile, json, config: None } => profile_cmd::handover(&app, &profile, json),
        Command::Reveal { profile, client_secret: _, refresh_token, forget, yes } => {
            profile_cmd::reveal(&app, &profile, refresh_token, forget, yes)
        }
        Command::Test { what: TestCommand::Auth { profile, json } } => auth_cmd::test_auth(&app, &profile, json),
        Command::Test { what: TestCommand::Imap { profile, verbose, json } } => {
            auth_cmd::test_imap(&app, &profile, verbose, json)
        }
        Command::Test { what: TestCommand::Send { profile, to, force, verbose, json } } => {
            auth_cmd::test_send(&app, &profile, to.as_deref(), force, verbose, json)
        }
        Command::Keepalive { idle_days, json } => watch_cmd::keepalive(&app, idle_days, json),
        Command::Secret { command } => watch_cmd::secret(&app, command),
        Command::Calendar { command: CalendarCommand::Export { file } } => watch_cmd::calendar_export(&app, &file),
        Command::Settings { command } => watch_cmd::settings(&app, command),
        Command::Key { command } => key_cmd::run(&app, command),
        Command::Doctor { .. }
        | Command::GenerateAssets { .. }
        | Command::Check { .. }
        | Command::Token(_)
        | Command::Relay { .. } => {
            unreachable!("handled above")
        }
    }
}
