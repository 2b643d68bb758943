//! `mailwarden`, the command line's front door. msmtp, mutt and their kin run
//! `mailwarden token NAME` before every message, and while the cached token
//! is valid that call needs SQLite and the key file, nothing else. This small
//! binary serves exactly that case with the core's own functions — it links
//! none of the network, mail, keyring or argument-parsing code, so the
//! process loads and exits in about half the time — and hands every other
//! command line, unchanged, to the full one (`mailwarden-cli`, installed
//! beside it) by exec.
//!
//! It decides nothing itself: any doubt — an option it does not know, a key
//! in the keyring, a token to refresh, any error — is handed over, and the
//! full command line answers, explains and fixes as it always did. Hand-written
//! argument matching rather than clap: clap's command tree was what this
//! binary exists to leave out, and anything unusual goes to clap anyway.

mod token_out;

use mailwarden_engine::{system_clock, Mailwarden};
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use token_out::FORMATS;

/// The full command line's file name, beside this one.
const FULL: &str = "mailwarden-cli";

fn main() -> ExitCode {
    // As the full command line: a reader that went away ends us quietly.
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to its default at start-up,
    // before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let args: Vec<OsString> = std::env::args_os().collect();
    if let Some(call) = args.get(1..).and_then(TokenCall::parse) {
        if call.serve() {
            return ExitCode::SUCCESS;
        }
    }
    hand_over(&args)
}

/// `mailwarden token NAME`, with `--format F` after `token` and `--db PATH`
/// anywhere, each at most once (`--x=v` or `--x v`): the calls mail programs
/// make. Anything else is for the full command line.
#[derive(Debug, PartialEq)]
struct TokenCall {
    profile: String,
    format: &'static str,
    db: Option<PathBuf>,
}

impl TokenCall {
    fn parse(args: &[OsString]) -> Option<TokenCall> {
        let mut it = args.iter();
        let (mut token, mut profile, mut format, mut db) = (false, None, None, None);
        while let Some(arg) = it.next() {
            let arg = arg.to_str()?;
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f, Some(v)),
                _ => (arg, None),
            };
            match flag {
                "--format" | "--db" => {
                    let value = match inline {
                        Some(v) => v,
                        None => it.next()?.to_str()?,
                    };
                    if flag == "--db" && db.is_none() && !value.is_empty() {
                        db = Some(PathBuf::from(value));
                    } else if flag == "--format" && token && format.is_none() {
                        format = Some(*FORMATS.iter().find(|f| **f == value)?);
                    } else {
                        return None;
                    }
                }
                _ if arg.starts_with('-') => return None,
                "token" if !token => token = true,
                _ if token && profile.is_none() => profile = Some(arg.to_owned()),
                _ => return None,
            }
        }
        Some(TokenCall { profile: profile?, format: format.unwrap_or(FORMATS[0]), db })
    }

    /// Print the cached token if it is valid; false (having printed and
    /// changed nothing) when the full command line must answer.
    fn serve(&self) -> bool {
        let db = self.db.clone().unwrap_or_else(mailwarden_engine::default_db_path);
        mailwarden_engine::init_logging(&db, 0);
        let Some(app) = Mailwarden::open_quick(&db, system_clock()) else {
            return false;
        };
        let Ok(p) = app.profiles().find_profile(&self.profile) else {
            return false;
        };
        let Ok(Some(issued)) = app.tokens().cached_token_for(&p) else {
            return false;
        };
        token_out::print(&p, &issued, self.format);
        true
    }
}

/// Run the full command line with these arguments, in this process.
fn hand_over(args: &[OsString]) -> ExitCode {
    let exe = std::env::current_exe().unwrap_or_default();
    let full = exe.with_file_name(format!("{FULL}{}", std::env::consts::EXE_SUFFIX));
    let mut cmd = std::process::Command::new(&full);
    cmd.args(args.get(1..).unwrap_or_default());
    let failed = run(cmd, args.first().map(OsString::as_os_str));
    eprintln!("error: could not start the Mailwarden command line {}: {failed}", full.display());
    eprintln!(
        "It is installed beside `mailwarden`; reinstall Mailwarden (or build it: cargo build -p mailwarden-cli)."
    );
    ExitCode::from(1)
}

/// Replace this process with `cmd` (returns only if that failed).
#[cfg(unix)]
fn run(mut cmd: std::process::Command, arg0: Option<&std::ffi::OsStr>) -> std::io::Error {
    use std::os::unix::process::CommandExt;
    if let Some(name) = arg0 {
        cmd.arg0(name); // help and usage name `mailwarden`, as typed
    }
    cmd.exec()
}

/// Elsewhere: run `cmd` to its end and leave with its exit code.
#[cfg(not(unix))]
fn run(mut cmd: std::process::Command, _arg0: Option<&std::ffi::OsStr>) -> std::io::Error {
    match cmd.status() {
        Ok(s) => std::process::exit(s.code().unwrap_or(1)),
        Err(e) => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Option<TokenCall> {
        TokenCall::parse(&line.split_whitespace().map(OsString::from).collect::<Vec<_>>())
    }

    #[test]
    fn serves_the_calls_mail_programs_make() {
        let call = |profile: &str, format, db: Option<&str>| {
            Some(TokenCall { profile: profile.into(), format, db: db.map(PathBuf::from) })
        };
        assert_eq!(parse("token Work"), call("Work", "raw", None));
        assert_eq!(parse("token token"), call("token", "raw", None));
        assert_eq!(parse("token Work --format xoauth2"), call("Work", "xoauth2", None));
        assert_eq!(parse("token --format=json Work"), call("Work", "json", None));
        assert_eq!(parse("--db /x.db token Work"), call("Work", "raw", Some("/x.db")));
        assert_eq!(parse("token Work --db=/x.db"), call("Work", "raw", Some("/x.db")));
    }

    #[test]
    fn hands_everything_else_over() {
        for line in [
            "",
            "token",
            "profile list",
            "token A B",
            "token Work -v",
            "-v token Work",
            "token --help",
            "token Work --format yaml",
            "--format raw token Work",
            "token Work --format raw --format json",
            "--db a --db b token Work",
            "token Work --db",
            "token Work --db=",
            "token -- Work",
            "token -Work",
            "token Work --timeout 5",
            "disconnect token",
        ] {
            assert_eq!(parse(line), None, "{line:?}");
        }
    }
}
