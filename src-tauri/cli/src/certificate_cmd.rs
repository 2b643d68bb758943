//! `mailwarden certificate create|import|show|export-public|export-pfx|rotate|remove NAME`:
//! a profile's certificate credential. Files are read here (PEM or PFX) and
//! handed to the core; the private key never appears in output, and leaves
//! only as a PFX under a passphrase, recorded as a hand-over.

use crate::args_certificate::CertificateCommand;
use mailwarden_engine::{read_certificate_file as read_file, write_private};
use mailwarden_engine::{CertificateInfo, CoreError, Mailwarden, NewCertificate};
use std::path::Path;
use std::process::ExitCode;

/// A PEM file's text, bounded.
pub(crate) fn read_pem(path: &Path) -> Result<String, CoreError> {
    let bytes = read_file(path)?;
    String::from_utf8(bytes).map_err(|_| {
        CoreError::invalid("certificateFile", format!("{} is not PEM text (a PFX file is binary).", path.display()))
    })
}

fn print(info: &CertificateInfo, json: bool) {
    if json {
        crate::output::json(info);
        return;
    }
    println!("Subject:     {}", info.subject);
    println!("Thumbprint:  {}  (as Entra shows it)", info.thumbprint);
    println!("SHA-256:     {}", info.thumbprint_sha256);
    println!("Valid:       {} to {}", info.not_before, info.not_after);
    println!("Key:         RSA {} bits", info.key_bits);
}

pub fn run(app: &Mailwarden, command: CertificateCommand) -> Result<ExitCode, CoreError> {
    match command {
        CertificateCommand::Create { profile, days, bits, json } => {
            let p = app.profiles().resolve(&profile)?.profile;
            let info = app.certificates().create(p.id, &NewCertificate { days, bits })?;
            print(&info, json);
            if !json {
                eprintln!(
                    "Made and kept (the key sealed). Next: mailwarden certificate export-public '{}' -o cert.cer, then upload it in Entra → App registrations → the app → Certificates & secrets → Certificates.",
                    p.name
                );
            }
        }
        CertificateCommand::Import { profile, file, key_file, passphrase_stdin, json } => {
            let p = app.profiles().resolve(&profile)?.profile;
            let mut bytes = read_file(&file)?;
            if let Some(k) = key_file {
                bytes.push(b'\n');
                bytes.extend_from_slice(read_pem(&k)?.as_bytes());
            }
            // A PFX's passphrase comes from standard input (never argv).
            let pass = match mailwarden_engine::is_pem(&bytes) {
                true => None,
                false => Some(crate::transfer_cmd::passphrase(passphrase_stdin, false)?),
            };
            let info = app.certificates().import_bytes(p.id, &bytes, pass.as_ref())?;
            print(&info, json);
        }
        CertificateCommand::ExportPfx { profile, output, passphrase_stdin } => {
            let p = app.profiles().resolve(&profile)?.profile;
            let pass = crate::transfer_cmd::passphrase(passphrase_stdin, true)?;
            app.certificates().export_pfx(p.id, &pass, |bytes| write_private(&output, bytes))?;
            eprintln!(
                "Wrote {} — the certificate of “{}” with its private key, under the passphrase. Recorded as a hand-over.",
                output.display(),
                p.name
            );
        }
        CertificateCommand::Show { profile, json } => {
            let p = app.profiles().resolve(&profile)?.profile;
            match app.certificates().show(p.id)? {
                Some(info) => print(&info, json),
                None if json => println!("null"),
                None => println!("“{}” has no certificate.", p.name),
            }
        }
        CertificateCommand::ExportPublic { profile, output } => {
            let p = app.profiles().resolve(&profile)?.profile;
            let pem = app.certificates().public_pem(p.id)?;
            match output {
                Some(path) => {
                    std::fs::write(&path, pem).map_err(|e| CoreError::Io {
                        context: format!("Could not write {}", path.display()),
                        source: e,
                    })?;
                    eprintln!("Wrote {} — upload it in Entra → Certificates & secrets → Certificates.", path.display());
                }
                None => print!("{pem}"),
            }
        }
        CertificateCommand::Rotate { profile, days, admin, timeout, json } => {
            let p = app.profiles().resolve(&profile)?.profile;
            let session = if admin { Some(crate::registration_cmd::sign_in(app, p.id, timeout)?) } else { None };
            let new = NewCertificate { days, ..NewCertificate::default() };
            let r = app.certificates().rotate(p.id, &new, session.as_ref(), |step| {
                if !json {
                    eprintln!("  {step}…");
                }
            })?;
            if json {
                crate::output::json(&r);
            } else {
                println!("Rotated by {}: {} replaces {}.", r.by, r.new.thumbprint, r.old_thumbprint);
                print(&r.new, false);
                match &r.old_left {
                    None => println!("The old certificate was removed from the app."),
                    Some(why) => println!(
                        "The old certificate {} is still on the app ({why}): delete it in Entra → Certificates & secrets → Certificates once nothing uses it.",
                        r.old_thumbprint
                    ),
                }
            }
        }
        CertificateCommand::Remove { profile } => {
            let p = app.profiles().resolve(&profile)?.profile;
            app.certificates().remove(p.id)?;
            eprintln!("Removed the certificate of “{}”.", p.name);
        }
    }
    Ok(ExitCode::SUCCESS)
}
