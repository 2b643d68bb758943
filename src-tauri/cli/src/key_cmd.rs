//! `mailwarden key export | import | move`: back up, restore and move the
//! data key. The key itself never goes to a terminal or an argument.

use clap::Subcommand;
use mailwarden_engine::{CoreError, KeyHome, Mailwarden};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum KeyCommand {
    /// Write a backup of the data key to FILE (a new file, owner-only; `-`
    /// for standard output when it is not a terminal).
    Export {
        /// The backup file to create, or `-` for standard output.
        file: std::path::PathBuf,
    },
    /// Restore the data key from a backup made by `key export` (`-` reads
    /// standard input); it is proven against this database first.
    Import {
        /// The backup file, or `-` for standard input.
        file: std::path::PathBuf,
        /// Where to keep it (default: where this database's key belongs).
        #[arg(long, value_enum)]
        to: Option<KeyPlace>,
    },
    /// Move the data key to the system keyring or to a key file beside the database.
    Move {
        /// keyring (the system keyring) or file (a key file beside the database).
        #[arg(long, value_enum)]
        to: KeyPlace,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum KeyPlace {
    Keyring,
    File,
}

impl From<KeyPlace> for KeyHome {
    fn from(p: KeyPlace) -> Self {
        match p {
            KeyPlace::Keyring => KeyHome::Keyring,
            KeyPlace::File => KeyHome::File,
        }
    }
}

fn is_terminal_path(p: &Path) -> bool {
    std::fs::File::open(p).is_ok_and(|f| f.is_terminal())
}

pub fn run(app: &Mailwarden, command: KeyCommand) -> Result<ExitCode, CoreError> {
    match command {
        KeyCommand::Export { file } if file.as_os_str() == "-" => {
            if std::io::stdout().is_terminal() {
                return Err(CoreError::Flow(
                    "The key is not printed to a terminal. Give a file name, or redirect: `mailwarden key export - > FILE`.".into(),
                ));
            }
            let text = app.keys().backup_text()?;
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .map_err(|e| CoreError::io("Could not write the key", e))?;
            Ok(ExitCode::SUCCESS)
        }
        KeyCommand::Export { file } => {
            if is_terminal_path(&file) {
                return Err(CoreError::Flow(format!(
                    "{} is a terminal; the key is only written to a file.",
                    file.display()
                )));
            }
            app.keys().export(&file)?;
            eprintln!(
                "Wrote a backup of the data key to {} (readable only by you). Keep it apart from the database.",
                file.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        KeyCommand::Import { file, to } => {
            let to = to.map(KeyHome::from);
            let info = if file.as_os_str() == "-" {
                app.keys().import_from(std::io::stdin().lock(), &file, to)?
            } else {
                let f = std::fs::File::open(&file)
                    .map_err(|e| CoreError::io(format!("Could not read {}", file.display()), e))?;
                app.keys().import_from(f, &file, to)?
            };
            eprintln!("The key opens this database; it is kept at {}.", info.location);
            Ok(ExitCode::SUCCESS)
        }
        KeyCommand::Move { to } => {
            let info = app.keys().move_to(to.into())?;
            eprintln!("The data key is now kept at {}.", info.location);
            Ok(ExitCode::SUCCESS)
        }
    }
}
