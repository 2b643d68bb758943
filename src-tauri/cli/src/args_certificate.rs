//! The `mailwarden certificate` subcommands' arguments.

use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum CertificateCommand {
    /// Make an RSA key and a self-signed certificate ("Mailwarden <profile>")
    /// and make it the profile's credential; the key is sealed like every
    /// secret. Then upload its public half (export-public) in Entra.
    Create {
        /// Profile name or id.
        profile: String,
        /// Days it is valid.
        #[arg(long, default_value_t = 365, value_name = "DAYS")]
        days: u32,
        /// RSA key size: 2048, 3072 or 4096.
        #[arg(long, default_value_t = 2048, value_name = "BITS")]
        bits: usize,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Bring in a certificate with its private key from a PEM file (both
    /// blocks in one file, or --key-file for the key) or a PFX / PKCS#12 file
    /// (its passphrase from standard input or a hidden prompt). Never from
    /// the command line itself.
    Import {
        /// Profile name or id.
        profile: String,
        /// The PEM file with the certificate (and its key, unless --key-file).
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
        /// The private key's PEM file, when it is apart from the certificate.
        #[arg(long, value_name = "FILE")]
        key_file: Option<PathBuf>,
        /// Read a PFX file's passphrase from standard input (one line).
        #[arg(long)]
        passphrase_stdin: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The profile's certificate: thumbprint (as the portal shows it),
    /// subject, validity.
    Show {
        /// Profile name or id.
        profile: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Write the public certificate (PEM, a .cer file Entra takes) for the
    /// portal's Certificates & secrets → Certificates → Upload certificate.
    ExportPublic {
        /// Profile name or id.
        profile: String,
        /// Where to write it (standard output when absent).
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Replace the certificate with overlap, never a gap: a new one is made
    /// and added to the app (Graph addKey, proven with the current key), a
    /// sign-in with it is proved, the profile switches, and the old one is
    /// removed from the app (removeKey). The app does it itself when it owns
    /// itself with Application.ReadWrite.OwnedBy; else pass --admin.
    Rotate {
        /// Profile name or id.
        profile: String,
        /// Days the new certificate is valid.
        #[arg(long, default_value_t = 365, value_name = "DAYS")]
        days: u32,
        /// Change the app as an administrator, who signs in in the browser.
        #[arg(long)]
        admin: bool,
        /// Seconds to wait for the administrator's sign-in.
        #[arg(long, default_value_t = 300, value_name = "SECONDS")]
        timeout: u64,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Hand the certificate with its private key over as a PFX file under a
    /// passphrase (typed twice, or from standard input), for a product that
    /// needs the key itself (SMTP2Graph, say). Recorded as a hand-over.
    ExportPfx {
        /// Profile name or id.
        profile: String,
        /// Where to write the PFX file.
        #[arg(long, short, value_name = "FILE")]
        output: PathBuf,
        /// Read the passphrase from standard input (one line).
        #[arg(long)]
        passphrase_stdin: bool,
    },
    /// Remove the profile's certificate and its key (a client secret, if
    /// the profile holds one, is its credential again).
    Remove {
        /// Profile name or id.
        profile: String,
    },
}
