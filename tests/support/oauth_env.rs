//! The sign-in tests' environment: a temp database, the identity-provider
//! simulator, and the CLI run against both (`MAILWARDEN_CA_FILE` trusts the
//! simulator's CA). Shared by `tests/oauth*.rs`, `tests/send.rs`, the GUI tests.

use crate::idp::{App, Idp};
use crate::{text, TempDb};
use mailwarden_engine::{system_clock, Mailwarden};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};

pub const TENANT: &str = "d9f2fc08-d549-4fcc-bae2-2286c314d3cd";
pub const CLIENT: &str = "351d6cb2-1c69-4081-9cc2-a769d71567cb";
pub const SECRET: &str = "CCs8Q~simulatorSecretValue0123456789";

pub struct Env {
    pub db: TempDb,
    pub idp: Idp,
}

impl Default for Env {
    fn default() -> Self {
        Self::new()
    }
}

impl Env {
    pub fn new() -> Env {
        Env { db: TempDb::new(), idp: Idp::start() }
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = self.db.cli();
        c.args(args).env("MAILWARDEN_CA_FILE", &self.idp.ca.ca_file);
        c
    }

    pub fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        crate::run_with_stdin(self.cmd(args), stdin)
    }

    pub fn ok(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let o = self.run(args, stdin);
        assert!(o.status.success(), "{args:?} failed:\n{}", text(&o.stderr));
        o
    }

    pub fn app(&self, secret: Option<&str>, public: bool) {
        let app = App::new(CLIENT, TENANT).roles(&["Mail.Send"]);
        let app = if public { app.public_redirect("http://localhost") } else { app.web_redirect("https://localhost") };
        self.idp.register(match secret {
            Some(s) => app.secret(s),
            None => app,
        });
    }

    /// An app-only Graph profile pointing at the simulator.
    /// `profile add NAME` for the simulator's app: a custom cloud whose
    /// authority is the simulator, its tenant and client ID; then `extra`
    /// (flags given there replace these).
    pub fn add_profile(&self, name: &str, extra: &[&str], stdin: Option<&str>) -> Output {
        let o = self.add_profile_raw_in(name, extra, stdin);
        assert!(o.status.success(), "profile add {name} {extra:?} failed:\n{}", text(&o.stderr));
        o
    }

    /// `profile add` as [`Self::add_profile`], its failure left to the caller.
    pub fn add_profile_raw(&self, name: &str, extra: &[&str]) -> Output {
        self.add_profile_raw_in(name, extra, None)
    }

    fn add_profile_raw_in(&self, name: &str, extra: &[&str], stdin: Option<&str>) -> Output {
        let base = ["--cloud", "custom", "--authority-url", &self.idp.base, "--tenant", TENANT, "--client-id", CLIENT];
        let mut args = vec!["profile", "add", "--name", name];
        for pair in base.chunks(2) {
            if !extra.contains(&pair[0]) {
                args.extend_from_slice(pair);
            }
        }
        args.extend_from_slice(extra);
        self.run(&args, stdin)
    }

    /// An app-only Graph profile pointing at the simulator.
    pub fn app_only_profile(&self, name: &str, secret: &str) {
        let extra = [
            "--auth",
            "client-credentials",
            "--send",
            "graph",
            "--mailbox",
            "ops@contoso.com",
            "--client-secret-stdin",
        ];
        self.add_profile(name, &extra, Some(&format!("{secret}\n")));
    }

    /// An app-only Graph profile for `mailbox` that signs in with a
    /// certificate made with it (scope: the simulator's Graph); `more` flags
    /// after those (`--client-id ""`, `--certificate-days N`).
    pub fn certificate_profile(&self, name: &str, mailbox: &str, more: &[&str]) {
        let scope = format!("{}/.default", self.idp.base);
        let mut extra =
            vec!["--auth", "client-credentials", "--send", "graph", "--mailbox", mailbox, "--scopes", &scope];
        extra.push("--create-certificate");
        extra.extend_from_slice(more);
        self.add_profile(name, &extra, None);
    }

    /// Profile `name`'s public certificate as exported for the portal (DER).
    pub fn public_certificate(&self, name: &str) -> Vec<u8> {
        let path = self.db.dir.path().join(format!("{name}.cer"));
        self.ok(&["certificate", "export-public", name, "-o", path.to_str().unwrap()], None);
        let pem = std::fs::read_to_string(&path).unwrap();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----") && !pem.contains("PRIVATE"), "{pem}");
        crate::der_of_pem(&pem)
    }

    /// A delegated SMTP profile with a loopback redirect (public client).
    pub fn delegated_profile(&self, name: &str) {
        self.add_profile(name, &["--mailbox", "erp@contoso.com"], None);
    }

    /// `connect --manual`, playing the person: read the URL the CLI prints,
    /// sign in at the simulator, paste back what `browser` makes of the redirect.
    pub fn manual_connect(&self, name: &str, browser: impl FnOnce(String) -> String) -> Output {
        let mut child = self
            .cmd(&["connect", name, "--manual"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut err = BufReader::new(child.stderr.take().unwrap());
        let mut url = String::new();
        let mut seen = String::new();
        while url.is_empty() {
            let mut line = String::new();
            assert!(err.read_line(&mut line).unwrap() > 0, "CLI printed no URL:\n{seen}");
            seen.push_str(&line);
            if line.starts_with("https://") && line.contains("response_type=code") {
                url = line.trim().to_owned();
            }
        }
        let pasted = browser(url);
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{pasted}").unwrap();
        drop(stdin);
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
        let mut out = child.wait_with_output().unwrap();
        out.stderr = format!("{seen}{rest}").into_bytes();
        out
    }

    pub fn core(&self) -> Mailwarden {
        Mailwarden::open(&self.db.path(), system_clock()).unwrap()
    }
}

pub fn token_of(o: &Output) -> String {
    let t = text(&o.stdout);
    assert_eq!(t.lines().count(), 1, "stdout holds only the token");
    t.trim().to_owned()
}

pub fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

pub fn assert_diagnosis(o: &Output, code: &str, title: &str) {
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty(), "nothing on stdout: {}", text(&o.stdout));
    let err = text(&o.stderr);
    assert!(err.contains(title), "wanted “{title}”:\n{err}");
    assert!(err.contains(code), "wanted {code}:\n{err}");
    assert!(err.contains("trace ID:") && err.contains("correlation ID:"), "{err}");
    assert!(err.contains("  1. "), "numbered steps:\n{err}");
    assert!(!err.contains("\"error\"") && !err.contains("error_codes"), "no raw JSON:\n{err}");
}

pub fn app_of(env: &Env) -> App {
    env.idp.state.lock().unwrap().apps.get(CLIENT).unwrap().clone()
}
