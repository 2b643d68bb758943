//! `mailwarden doctor`: where the database and the data key live, and whether
//! they open. Says plainly when secrets are protected by a key file rather than
//! the system keyring.

use crate::output;
use mailwarden_engine::{system_clock, Mailwarden};
use std::path::Path;
use std::process::ExitCode;

pub fn run(db: &Path, json: bool) -> ExitCode {
    match Mailwarden::open(db, system_clock()).and_then(|app| app.status()) {
        Ok(status) => {
            if json {
                output::json(&status);
            } else {
                println!("mailwarden {}", status.version);
                println!("database     {} (ok, {} profiles)", status.db_path, status.profile_count);
                println!(
                    "data key     {} at {}",
                    match status.key.backend {
                        mailwarden_engine::KeyBackend::Keyring => "system keyring",
                        mailwarden_engine::KeyBackend::File => "key file",
                    },
                    status.key.location
                );
                if let Some(n) = &status.key.notice {
                    println!("warning      {n}");
                }
                if let Some(p) = &status.key.problem {
                    println!("problem      {p}");
                }
                println!("backup       `mailwarden key export FILE` keeps a copy of the key; without it, losing the key loses the secrets.");
            }
            if status.key.problem.is_some() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            output::print_error(&e);
            eprintln!("database     {}", db.display());
            ExitCode::from(1)
        }
    }
}
