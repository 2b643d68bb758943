//! `profile export` and `profile import`: the core's transfer service with a
//! passphrase read from standard input or a hidden prompt (twice when
//! exporting), and name conflicts asked one by one at a terminal.

use crate::args_profile::{ExportArgs, ImportArgs};
use crate::output;
use mailwarden_engine::{
    is_encrypted_export, open_export, read_export_file, write_export_file, CoreError, ImportAction, ImportItem,
    ImportReport, Mailwarden, OnConflict, SecretString,
};
use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

pub(crate) fn passphrase(from_stdin: bool, twice: bool) -> Result<SecretString, CoreError> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|e| CoreError::io("Could not read the passphrase", e))?;
        return Ok(SecretString::from(line.trim_end_matches(['\r', '\n']).to_owned()));
    }
    if !std::io::stdin().is_terminal() {
        return Err(CoreError::invalid(
            "passphrase",
            "Give the passphrase with --passphrase-stdin (no terminal to ask at).",
        ));
    }
    let ask = |label: &str| {
        rpassword::prompt_password(label).map_err(|e| CoreError::io("Could not read from the terminal", e))
    };
    let first = ask("Passphrase: ")?;
    if twice && ask("The same passphrase again: ")? != first {
        return Err(CoreError::invalid("passphrase", "The two passphrases differ; nothing was written."));
    }
    Ok(SecretString::from(first))
}

pub fn export(app: &Mailwarden, a: ExportArgs) -> Result<ExitCode, CoreError> {
    let ids =
        a.profiles.iter().map(|p| Ok(app.profiles().resolve(p)?.profile.id)).collect::<Result<Vec<_>, CoreError>>()?;
    let pass = if a.with_secrets { Some(passphrase(a.passphrase_stdin, true)?) } else { None };
    let bytes = app.transfer().export(&ids, pass.as_ref())?;
    write_export_file(&a.output, &bytes)?;
    let count = if ids.is_empty() { app.profiles().list(&Default::default())?.total } else { ids.len() };
    let what = if pass.is_some() { "with their secrets, encrypted under the passphrase" } else { "without secrets" };
    eprintln!("Exported {} {what} to {}.", mailwarden_engine::plural(count as i64, "profile"), a.output.display());
    Ok(ExitCode::SUCCESS)
}

pub fn import(app: &Mailwarden, a: ImportArgs) -> Result<ExitCode, CoreError> {
    let bytes = read_export_file(&a.file)?;
    let pass = if is_encrypted_export(&bytes) { Some(passphrase(a.passphrase_stdin, false)?) } else { None };
    let (file, encrypted) = open_export(&bytes, pass.as_ref())?;
    let default = a.on_conflict.as_deref().and_then(OnConflict::parse);
    let mut choices = HashMap::new();
    let preview = app.transfer().import_file(&file, encrypted, &choices, default, true)?;
    if preview.conflicts().next().is_some() {
        if !std::io::stdin().is_terminal() || a.passphrase_stdin {
            let names: Vec<String> = preview.conflicts().map(|i| format!("“{}”", i.name)).collect();
            return Err(CoreError::Flow(format!(
                "{} exist(s) already: pass --on-conflict skip, rename or replace.",
                names.join(", ")
            )));
        }
        for item in preview.conflicts() {
            choices.insert(item.index, ask_conflict(&item.name)?);
        }
    }
    let report = app.transfer().import_file(&file, encrypted, &choices, default, a.dry_run)?;
    if a.json {
        output::json(&report);
    } else {
        print_report(&report);
    }
    let trouble = report.items.iter().any(|i| matches!(i.action, ImportAction::Invalid | ImportAction::Conflict));
    Ok(if trouble { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn ask_conflict(name: &str) -> Result<OnConflict, CoreError> {
    loop {
        eprint!("“{name}” exists already. Skip, rename or replace it? [s/r/R] ");
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer).map_err(|e| CoreError::io("Could not read the answer", e))?;
        match answer.trim() {
            "s" | "skip" | "" => return Ok(OnConflict::Skip),
            "r" | "rename" => return Ok(OnConflict::Rename),
            "R" | "replace" => return Ok(OnConflict::Replace),
            _ => eprintln!("Type s, r or R."),
        }
    }
}

fn print_report(r: &ImportReport) {
    let verb = |i: &ImportItem| match (i.action, r.dry_run) {
        (ImportAction::Add, false) => "added",
        (ImportAction::Add, true) => "would add",
        (ImportAction::Replace, false) => "replaced",
        (ImportAction::Replace, true) => "would replace",
        (ImportAction::Rename, false) => "added as",
        (ImportAction::Rename, true) => "would add as",
        (ImportAction::Skip, _) => "skipped",
        (ImportAction::Conflict, _) => "exists",
        (ImportAction::Invalid, _) => "not imported",
    };
    for i in &r.items {
        let name = if i.action == ImportAction::Rename {
            format!("“{}” → “{}”", i.name, i.stored_as)
        } else {
            format!("“{}”", i.name)
        };
        let with = if i.secrets.is_empty() { String::new() } else { format!(" (with its {})", i.secrets.join(", ")) };
        println!("{:<14} {name}{with}", verb(i));
        for e in &i.errors {
            println!("{:<14}   {}", "", e.message);
        }
        for c in &i.changes {
            println!("{:<14}   {}: {} → {}", "", c.field, c.from, c.to);
        }
        if !i.note.is_empty() {
            println!("{:<14}   {}", "", i.note);
        }
    }
    if r.dry_run {
        println!("Dry run: nothing was changed.");
    }
}
