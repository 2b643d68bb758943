//! Sign-in and tokens end to end: the `mailwarden` CLI against the identity
//! provider simulator over HTTPS (a test CA the app is told to trust).

use mailwarden_core::{clock, Mailwarden};
use mailwarden_tests::idp::{App, Idp};
use mailwarden_tests::{text, TempDb};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};

const TENANT: &str = "d9f2fc08-d549-4fcc-bae2-2286c314d3cd";
const CLIENT: &str = "351d6cb2-1c69-4081-9cc2-a769d71567cb";
const SECRET: &str = "CCs8Q~simulatorSecretValue0123456789";

struct Env {
    db: TempDb,
    idp: Idp,
}

impl Env {
    fn new() -> Env {
        Env { db: TempDb::new(), idp: Idp::start() }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = self.db.cli();
        c.args(args).env("MAILWARDEN_CA_FILE", &self.idp.ca.ca_file);
        c
    }

    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        mailwarden_tests::run_with_stdin(self.cmd(args), stdin)
    }

    fn ok(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let o = self.run(args, stdin);
        assert!(o.status.success(), "{args:?} failed:\n{}", text(&o.stderr));
        o
    }

    fn app(&self, secret: Option<&str>, public: bool) {
        self.idp.register(App {
            client_id: CLIENT.into(),
            tenant: TENANT.into(),
            secret: secret.map(str::to_owned),
            secret_expired: false,
            public_redirects: if public { vec!["http://localhost".into()] } else { vec![] },
            web_redirects: if public { vec![] } else { vec!["https://localhost".into()] },
            app_roles: vec!["Mail.Send".into()],
        });
    }

    /// An app-only Graph profile pointing at the simulator.
    fn app_only_profile(&self, name: &str, secret: &str) {
        self.ok(
            &[
                "profile",
                "add",
                "--name",
                name,
                "--auth",
                "client-credentials",
                "--send",
                "graph",
                "--cloud",
                "custom",
                "--authority-url",
                &self.idp.base,
                "--tenant",
                TENANT,
                "--client-id",
                CLIENT,
                "--mailbox",
                "ops@contoso.com",
                "--client-secret-stdin",
            ],
            Some(&format!("{secret}\n")),
        );
    }

    /// A delegated SMTP profile with a loopback redirect (public client).
    fn delegated_profile(&self, name: &str) {
        self.ok(
            &[
                "profile",
                "add",
                "--name",
                name,
                "--cloud",
                "custom",
                "--authority-url",
                &self.idp.base,
                "--tenant",
                TENANT,
                "--client-id",
                CLIENT,
                "--mailbox",
                "erp@contoso.com",
            ],
            None,
        );
    }

    /// `connect --manual`, playing the person: read the URL the CLI prints,
    /// sign in at the simulator, paste back what `browser` makes of the redirect.
    fn manual_connect(&self, name: &str, browser: impl FnOnce(String) -> String) -> Output {
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

    fn core(&self) -> Mailwarden {
        Mailwarden::open(&self.db.path(), clock::system()).unwrap()
    }
}

fn token_of(o: &Output) -> String {
    let t = text(&o.stdout);
    assert_eq!(t.lines().count(), 1, "stdout holds only the token");
    t.trim().to_owned()
}

#[test]
fn client_credentials_token_is_cached_and_its_claims_shown() {
    let env = Env::new();
    env.app(Some(SECRET), false);
    env.app_only_profile("Catalyst", SECRET);
    let report = text(&env.ok(&["test", "auth", "Catalyst"], None).stdout);
    assert!(report.contains("https://graph.microsoft.com") && report.contains("Mail.Send"), "{report}");
    let t1 = token_of(&env.ok(&["token", "Catalyst"], None));
    let t2 = token_of(&env.ok(&["token", "Catalyst"], None));
    assert_eq!(t1, t2, "served from cache across process restarts");
    assert_eq!(env.idp.count("client_credentials"), 1);
    assert!(t1.split('.').count() == 3 && t1.len() > 500, "JWT-shaped");
    let x = text(&env.ok(&["token", "Catalyst", "--format", "xoauth2"], None).stdout);
    let decoded = String::from_utf8(base64_decode(x.trim())).unwrap();
    assert_eq!(decoded, format!("user=ops@contoso.com\x01auth=Bearer {t1}\x01\x01"));
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

fn assert_diagnosis(o: &Output, code: &str, title: &str) {
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty(), "nothing on stdout: {}", text(&o.stdout));
    let err = text(&o.stderr);
    assert!(err.contains(title), "wanted “{title}”:\n{err}");
    assert!(err.contains(code), "wanted {code}:\n{err}");
    assert!(err.contains("trace ID:") && err.contains("correlation ID:"), "{err}");
    assert!(err.contains("  1. "), "numbered steps:\n{err}");
    assert!(!err.contains("\"error\"") && !err.contains("error_codes"), "no raw JSON:\n{err}");
}

#[test]
fn client_credentials_failures_are_diagnosed() {
    let env = Env::new();
    env.app(Some(SECRET), false);
    env.app_only_profile("Wrong secret", "0667485f~notTheValue");
    assert_diagnosis(&env.run(&["token", "Wrong secret"], None), "AADSTS7000215", "The client secret is wrong");

    env.idp.register(App { secret_expired: true, ..app_of(&env) });
    env.app_only_profile("Expired", SECRET);
    assert_diagnosis(&env.run(&["token", "Expired"], None), "AADSTS7000222", "The client secret has expired");

    // A custom provider is not held to Microsoft's scope rules by our form, so
    // the simulator's own /.default rule is what answers.
    env.idp.register(App { secret_expired: false, ..app_of(&env) });
    let token_url = format!("{}/{TENANT}/oauth2/v2.0/token", env.idp.base);
    env.ok(
        &[
            "profile",
            "add",
            "--name",
            "No default",
            "--provider",
            "custom",
            "--auth",
            "client-credentials",
            "--token-url",
            &token_url,
            "--client-id",
            CLIENT,
            "--mailbox",
            "ops@contoso.com",
            "--smtp-host",
            "smtp.example.net",
            "--scopes",
            "https://graph.microsoft.com/Mail.Send",
            "--client-secret-stdin",
        ],
        Some(&format!("{SECRET}\n")),
    );
    assert_diagnosis(&env.run(&["token", "No default"], None), "AADSTS1002012", "/.default");
}

fn app_of(env: &Env) -> App {
    env.idp.state.lock().unwrap().apps.get(CLIENT).unwrap().clone()
}

#[test]
fn manual_connect_then_refresh_rotates_and_the_old_token_dies() {
    let env = Env::new();
    env.app(None, true);
    env.delegated_profile("Invent ERP");
    env.idp.set_access_lifetime(60); // shorter than the 5-minute margin: every use refreshes
    let o = env.manual_connect("Invent ERP", |url| {
        assert!(url.contains("code_challenge_method=S256") && url.contains("state="), "{url}");
        assert!(url.contains("login_hint=erp%40contoso.com"), "{url}");
        env.idp.sign_in(&url)
    });
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("Connected “Invent ERP” as erp@contoso.com"), "{}", text(&o.stderr));
    assert_eq!(env.idp.count("authorization_code"), 1);

    let first_rt: Vec<String> = env.idp.state.lock().unwrap().refresh_tokens.keys().cloned().collect();
    assert_eq!(first_rt.len(), 1);
    let t = token_of(&env.ok(&["token", "Invent ERP"], None));
    assert_eq!(env.idp.count("refresh_token"), 1, "expiring token was refreshed");
    assert!(env.idp.state.lock().unwrap().refresh_tokens[&first_rt[0]].revoked, "the used refresh token is revoked");
    assert_eq!(env.idp.live_refresh_tokens(), 1, "a rotated one replaced it");
    let t2 = token_of(&env.ok(&["token", "Invent ERP"], None));
    assert_ne!(t, t2);
    assert_eq!(env.idp.count("refresh_token"), 2, "the rotated refresh token was stored and works");

    // The old refresh token, pasted into another profile, is refused and nothing is kept.
    env.delegated_profile("Second");
    let o = env.run(&["connect", "Second", "--refresh-token-stdin"], Some(&format!("{}\n", first_rt[0])));
    assert_diagnosis(&o, "AADSTS70008", "The refresh token has expired");
    let core = env.core();
    let second = core.resolve("Second").unwrap().profile.id;
    assert!(core.connection(second).unwrap().is_none(), "a refused token is not stored");
}

#[test]
fn manual_connect_rejects_wrong_state_errors_and_garbage() {
    let env = Env::new();
    env.app(None, true);
    env.delegated_profile("P");
    let o = env.manual_connect("P", |url| {
        let redirect = env.idp.sign_in(&url);
        redirect.replace("state=", "state=tampered")
    });
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("another sign-in attempt"), "{}", text(&o.stderr));

    let o = env.manual_connect("P", |_| {
        "http://localhost/?error=access_denied&error_description=AADSTS65004%3A+User+declined+to+consent".into()
    });
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("Sign-in was declined") && text(&o.stderr).contains("AADSTS65004"),
        "{}",
        text(&o.stderr)
    );

    let o = env.manual_connect("P", |_| "what is this".into());
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("neither the redirected address nor an authorization code"),
        "{}",
        text(&o.stderr)
    );
    assert!(env.core().connection(1).unwrap().is_none());
}

#[test]
fn pasted_refresh_token_good_and_dead_then_disconnect() {
    let env = Env::new();
    env.app(None, true);
    env.delegated_profile("Onit");
    let good = env.idp.mint_refresh_token(
        CLIENT,
        &["https://outlook.office.com/SMTP.Send", "https://outlook.office.com/IMAP.AccessAsUser.All", "offline_access"],
    );
    let o = env.ok(&["connect", "Onit", "--refresh-token-stdin"], Some(&format!("{good}\n")));
    assert!(text(&o.stderr).contains("Connected “Onit” as erp@contoso.com"), "{}", text(&o.stderr));
    token_of(&env.ok(&["token", "Onit"], None));

    let dead = env.idp.mint_refresh_token(CLIENT, &["https://outlook.office.com/SMTP.Send", "offline_access"]);
    env.idp.revoke(&dead);
    env.delegated_profile("Dead");
    assert_diagnosis(
        &env.run(&["connect", "Dead", "--refresh-token-stdin"], Some(&format!("{dead}\n"))),
        "AADSTS70008",
        "expired",
    );

    env.ok(&["disconnect", "Onit"], None);
    let o = env.run(&["token", "Onit"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("is not connected"), "{}", text(&o.stderr));
}

#[test]
fn invalid_grant_drops_the_refresh_token_but_a_network_failure_keeps_everything() {
    let env = Env::new();
    env.app(None, true);
    env.delegated_profile("Kept");
    env.delegated_profile("Dropped");
    env.idp.set_access_lifetime(60);
    for name in ["Kept", "Dropped"] {
        let rt = env.idp.mint_refresh_token(
            CLIENT,
            &[
                "https://outlook.office.com/SMTP.Send",
                "https://outlook.office.com/IMAP.AccessAsUser.All",
                "offline_access",
            ],
        );
        env.ok(&["connect", name, "--refresh-token-stdin"], Some(&format!("{rt}\n")));
    }
    env.idp.fail_next("invalid_grant", 50173);
    assert_diagnosis(&env.run(&["token", "Dropped"], None), "AADSTS50173", "revoked");
    let core = env.core();
    let dropped = core.connection(core.resolve("Dropped").unwrap().profile.id).unwrap().unwrap();
    assert!(!dropped.has_refresh_token && dropped.needs_reconnect);

    let kept_id = core.resolve("Kept").unwrap().profile.id;
    let before = core.connection(kept_id).unwrap().unwrap();
    let Env { db, idp } = env;
    drop(idp); // the identity provider goes away: connection refused
    let env_db = db;
    let o = env_db.cli().args(["token", "Kept"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("refused the connection"), "{}", text(&o.stderr));
    let after = Mailwarden::open(&env_db.path(), clock::system()).unwrap().connection(kept_id).unwrap().unwrap();
    assert_eq!(before, after, "a network failure changes nothing");
    assert!(after.has_refresh_token);
}

#[test]
fn twenty_processes_on_an_expired_token_make_exactly_one_refresh() {
    let env = Env::new();
    env.app(None, true);
    env.delegated_profile("Busy");
    env.idp.set_access_lifetime(1);
    let rt = env.idp.mint_refresh_token(
        CLIENT,
        &["https://outlook.office.com/SMTP.Send", "https://outlook.office.com/IMAP.AccessAsUser.All", "offline_access"],
    );
    env.ok(&["connect", "Busy", "--refresh-token-stdin"], Some(&format!("{rt}\n")));
    let before = env.idp.count("refresh_token");
    env.idp.set_access_lifetime(3599);
    // The app is open too (its own connection, as the GUI holds one) and asks
    // for the token at the same moment as the twenty CLI processes.
    let mut gui = env.core();
    let id = gui.resolve("Busy").unwrap().profile.id;
    std::env::set_var("MAILWARDEN_CA_FILE", &env.idp.ca.ca_file);
    let children: Vec<_> = (0..20)
        .map(|_| env.cmd(&["token", "Busy"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap())
        .collect();
    let from_gui = gui.access_token(id).unwrap();
    let outs: Vec<Output> = children.into_iter().map(|c| c.wait_with_output().unwrap()).collect();
    for o in &outs {
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
    let mut tokens: std::collections::BTreeSet<String> = outs.iter().map(token_of).collect();
    tokens.insert(mailwarden_core::secret::ExposeSecret::expose_secret(&from_gui.token).to_owned());
    assert_eq!(tokens.len(), 1, "all twenty and the app got the same fresh token");
    assert_eq!(env.idp.count("refresh_token") - before, 1, "exactly one refresh reached the identity provider");
}

/// `connect` through the loopback listener, with the fake browser as $BROWSER.
fn loopback_connect(env: &Env, name: &str, mode: &str, timeout: &str) -> (Output, String) {
    let log = env.db.dir.path().join(format!("browser-{mode}.log"));
    let browser = mailwarden_tests::workspace_root().join("tests/support/fake-browser");
    let o = env
        .cmd(&["connect", name, "--timeout", timeout])
        .env("BROWSER", browser)
        .env("FAKE_BROWSER_MODE", mode)
        .env("FAKE_BROWSER_LOG", &log)
        .output()
        .unwrap();
    // The browser runs detached: give a replay a moment to finish.
    std::thread::sleep(std::time::Duration::from_millis(if mode == "replay" { 1200 } else { 100 }));
    (o, std::fs::read_to_string(&log).unwrap_or_default())
}

#[test]
fn connect_through_the_browser_and_loopback_listener() {
    let env = Env::new();
    env.app(None, true);
    env.delegated_profile("Odoo");
    let (o, pages) = loopback_connect(&env, "Odoo", "replay", "30");
    assert!(o.status.success(), "{}\n{pages}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains(&env.idp.base) && err.contains("code_challenge="), "the URL is shown: {err}");
    assert!(pages.contains("<h1>Signed in</h1>"), "{pages}");
    assert!(pages.contains("replay exit 7"), "a replayed callback finds the listener closed: {pages}");
    assert_eq!(env.idp.count("authorization_code"), 1);
    let access = token_of(&env.ok(&["token", "Odoo"], None));
    // Tokens are stored sealed: neither the access nor the refresh token is in any file in clear.
    let refresh: Vec<String> = env.idp.state.lock().unwrap().refresh_tokens.keys().cloned().collect();
    for (path, bytes) in env.db.all_bytes() {
        assert!(!mailwarden_tests::contains(&bytes, access.as_bytes()), "access token in clear in {}", path.display());
        for rt in &refresh {
            assert!(!mailwarden_tests::contains(&bytes, rt.as_bytes()), "refresh token in clear in {}", path.display());
        }
    }
}

#[test]
fn loopback_refuses_wrong_paths_and_states_and_times_out() {
    let env = Env::new();
    env.app(None, true);
    env.delegated_profile("P");
    let (o, pages) = loopback_connect(&env, "P", "wrong-path", "30");
    assert!(o.status.success(), "a wrong path is refused, then the right one accepted: {}", text(&o.stderr));
    assert!(pages.contains("Not the sign-in address") && pages.contains("<h1>Signed in</h1>"), "{pages}");

    let (o, pages) = loopback_connect(&env, "P", "wrong-state", "2");
    assert_eq!(o.status.code(), Some(1));
    assert!(pages.contains("wrong state"), "{pages}");
    assert!(text(&o.stderr).contains("timed out"), "{}", text(&o.stderr));

    let (o, pages) = loopback_connect(&env, "P", "idle", "1");
    assert_eq!(o.status.code(), Some(1));
    assert!(pages.starts_with("opened https://127.0.0.1:"), "{pages}");
    assert!(text(&o.stderr).contains("timed out"));
    assert_eq!(env.idp.count("authorization_code"), 1, "only the good attempt redeemed a code");
}

#[test]
fn a_web_redirect_needs_the_manual_flow_and_the_secret() {
    let env = Env::new();
    env.app(Some(SECRET), false); // https://localhost registered as Web (seed 001)
    env.ok(
        &[
            "profile",
            "add",
            "--name",
            "CXT",
            "--cloud",
            "custom",
            "--authority-url",
            &env.idp.base,
            "--tenant",
            TENANT,
            "--client-id",
            CLIENT,
            "--mailbox",
            "erp@contoso.com",
            "--redirect-uri",
            "https://localhost",
        ],
        None,
    );
    let o = env.run(&["connect", "CXT"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("--manual"), "{}", text(&o.stderr));
    // Without the secret, a Web (confidential) app is refused: AADSTS7000218.
    let o = env.manual_connect("CXT", |url| env.idp.sign_in(&url));
    assert_diagnosis(&o, "AADSTS7000218", "requires a client secret");
    env.ok(&["profile", "edit", "CXT", "--client-secret-stdin"], Some(&format!("{SECRET}\n")));
    let o = env.manual_connect("CXT", |url| env.idp.sign_in(&url));
    assert!(o.status.success(), "{}", text(&o.stderr));
}

/// `connect --device-code`; `person` acts on the user code once it is shown.
fn device_connect(env: &Env, name: &str, person: impl FnOnce(&str) + Send + 'static) -> Output {
    let mut child = env
        .cmd(&["connect", name, "--device-code"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    err.read_line(&mut first).unwrap();
    let code = first
        .split("enter the code ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no code shown: {first}"))
        .to_owned();
    assert!(first.contains("/devicelogin"), "{first}");
    person(&code);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
    let mut out = child.wait_with_output().unwrap();
    out.stderr = format!("{first}{rest}").into_bytes();
    out
}

#[test]
fn device_code_pending_then_success_expiry_decline_and_slow_down() {
    use mailwarden_tests::idp::DeviceStatus;
    let env = Env::new();
    env.app(None, true);
    env.delegated_profile("Personal");
    env.idp.set_device_interval(1);
    let state = env.idp.state.clone();
    let approve_later = |status: DeviceStatus, after_ms: u64| {
        let state = state.clone();
        move |code: &str| {
            let code = code.to_owned();
            std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(after_ms));
                let mut s = state.lock().unwrap();
                s.devices.values_mut().find(|d| d.user_code == code).unwrap().status = status;
            });
        }
    };
    let o = device_connect(&env, "Personal", approve_later(DeviceStatus::Approved, 1500));
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("Connected “Personal” as erp@contoso.com"));
    assert!(env.idp.device_polls() >= 2, "it polled while pending");
    token_of(&env.ok(&["token", "Personal"], None));

    let o = device_connect(&env, "Personal", approve_later(DeviceStatus::Expired, 200));
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("The sign-in code expired"), "{}", text(&o.stderr));

    let o = device_connect(&env, "Personal", approve_later(DeviceStatus::Declined, 200));
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("Sign-in was declined"), "{}", text(&o.stderr));

    // slow_down: the next poll waits 5 s longer, then succeeds.
    let start = std::time::Instant::now();
    env.idp.fail_next("slow_down", 70016);
    let o = device_connect(&env, "Personal", approve_later(DeviceStatus::Approved, 100));
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(start.elapsed() >= std::time::Duration::from_secs(6), "slow_down was honoured");
}

#[test]
fn an_untrusted_certificate_is_a_tls_diagnosis() {
    let env = Env::new();
    env.app(Some(SECRET), false);
    env.app_only_profile("No CA", SECRET);
    let o = env.db.cli().args(["token", "No CA"]).env_remove("MAILWARDEN_CA_FILE").output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(err.contains("The secure connection to 127.0.0.1 failed") && err.contains("MAILWARDEN_CA_FILE"), "{err}");
}

#[test]
fn google_sign_in_asks_for_offline_access_and_consent() {
    let env = Env::new();
    env.ok(
        &[
            "profile",
            "add",
            "--name",
            "Gmail",
            "--provider",
            "google",
            "--client-id",
            "123-abc.apps.googleusercontent.com",
            "--mailbox",
            "me@example.com",
            "--redirect-uri",
            "https://app.example.com/callback",
        ],
        None,
    );
    let o = env.manual_connect("Gmail", |url| {
        assert!(url.starts_with("https://accounts.google.com/o/oauth2/v2/auth?"), "{url}");
        let q: std::collections::HashMap<String, String> =
            url::Url::parse(&url).unwrap().query_pairs().into_owned().collect();
        assert_eq!(q["access_type"], "offline");
        assert_eq!(q["prompt"], "consent");
        assert_eq!(q["scope"], "https://mail.google.com/");
        assert_eq!(q["code_challenge_method"], "S256");
        "garbage in".into()
    });
    assert_eq!(o.status.code(), Some(1));
}
