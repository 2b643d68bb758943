//! The configuration Mailwarden writes for other programs
//! (`mailwarden handover NAME --config PROGRAM`), used by the real programs
//! from Debian: msmtp, git send-email (through msmtp) and neomutt send
//! through the real Postfix with Mailwarden's tokens; mutt and postconf/postmap
//! parse theirs; aerc's command is run as aerc runs it. The profile's name
//! holds quotes and a `$` so that every layer of quoting is exercised.

use mailwarden_tests::mail_env::{MailEnv, SCOPES};
use mailwarden_tests::oauth_env::{Env, CLIENT, SECRET};
use mailwarden_tests::text;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const NAME: &str = "Invent \"ERP\" $HOME";
const ACCOUNT: &str = "invent-erp-home";

fn config(env: &Env, name: &str, program: &str) -> String {
    text(&env.ok(&["handover", name, "--config", program], None).stdout)
}

/// `cmd` with the environment the token command needs (database, key file,
/// the simulator's CA), as a person's session would have it.
fn with_env(env: &Env, mut cmd: Command, home: &Path) -> Command {
    let probe = env.cmd(&[]);
    for (k, v) in probe.get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    cmd.env("HOME", home).env_remove("XDG_CONFIG_HOME");
    cmd
}

fn run_with(mut cmd: Command, stdin: &str) -> Output {
    use std::io::Write;
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("the program is installed (make test installs it)");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn write_private(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

#[test]
fn msmtp_git_send_email_and_neomutt_send_with_mailwardens_token() {
    let env = MailEnv::new();
    env.connected(NAME, &[]);
    let home = tempfile::tempdir().unwrap();
    let ca = env.idp.ca.ca_file.display().to_string();

    // msmtp, as written; only the trust store is the test CA's.
    let msmtprc = config(&env, NAME, "msmtp");
    assert!(msmtprc.contains(&format!("account {ACCOUNT}\n")), "{msmtprc}");
    assert!(msmtprc.contains("auth xoauth2"), "{msmtprc}");
    write_private(
        &home.path().join(".msmtprc"),
        &msmtprc.replace("tls_trust_file system", &format!("tls_trust_file {ca}")),
    );
    let mut msmtp = Command::new("msmtp");
    msmtp.args(["-a", ACCOUNT, "erp@contoso.com"]);
    let o = run_with(
        with_env(&env, msmtp, home.path()),
        "From: erp@contoso.com\nTo: erp@contoso.com\nSubject: via msmtp\nMessage-ID: <msmtp-1@contoso.com>\n\nHello from msmtp.\n",
    );
    assert!(o.status.success(), "msmtp: {}{}", text(&o.stderr), env.mail.log());
    env.mail.wait_delivered("erp@contoso.com", "Subject: via msmtp");
    assert!(env.mail.log().contains("sasl_method=XOAUTH2, sasl_username=erp@contoso.com"), "{}", env.mail.log());

    // git send-email hands the patch to msmtp (the same account).
    let gitconfig = config(&env, NAME, "git-send-email");
    std::fs::write(
        home.path().join(".gitconfig"),
        format!("{gitconfig}[user]\n\tname = ERP\n\temail = erp@contoso.com\n"),
    )
    .unwrap();
    let repo = home.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    let git = |args: &[&str]| {
        let mut c = Command::new("/usr/bin/git");
        c.args(args).current_dir(&repo);
        let o = run_with(with_env(&env, c, home.path()), "");
        assert!(o.status.success(), "git {args:?}: {}{}", text(&o.stderr), text(&o.stdout));
        o
    };
    git(&["init", "-q"]);
    std::fs::write(repo.join("README"), "hello\n").unwrap();
    git(&["add", "README"]);
    git(&["commit", "-qm", "A patch sent by git send-email"]);
    let o = git(&["send-email", "--confirm=never", "--to=erp@contoso.com", "-1"]);
    assert!(text(&o.stdout).contains("OK"), "{}", text(&o.stdout));
    env.mail.wait_delivered("erp@contoso.com", "A patch sent by git send-email");

    // neomutt in batch mode sends through smtp_url with the token command
    // (its IMAP lines use the same command: the mutt test below runs it).
    let muttrc = config(&env, NAME, "neomutt");
    let rc = home.path().join("neomuttrc");
    std::fs::write(&rc, format!("{muttrc}set ssl_ca_certificates_file = \"{ca}\"\nset record = \"\"\n")).unwrap();
    let mut neomutt = Command::new("neomutt");
    neomutt.args(["-n", "-F"]).arg(&rc).args(["-s", "via neomutt", "--", "erp@contoso.com"]);
    let o = run_with(with_env(&env, neomutt, home.path()), "Hello from neomutt.\n");
    assert!(o.status.success(), "neomutt: {}{}", text(&o.stderr), env.mail.log());
    env.mail.wait_delivered("erp@contoso.com", "Subject: via neomutt");
    let log = env.mail.log();
    assert_eq!(log.matches("sasl_method=XOAUTH2, sasl_username=erp@contoso.com").count(), 3, "{log}");
}

#[test]
fn mutt_aerc_and_postfix_read_what_mailwarden_writes() {
    let env = Env::new();
    env.app(Some(SECRET), false);
    let extra = [
        "--auth",
        "refresh-token",
        "--mailbox",
        "erp@contoso.com",
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        "2587",
        "--client-secret-stdin",
    ];
    env.add_profile(NAME, &extra, Some(&format!("{SECRET}\n")));
    let rt = env.idp.mint_refresh_token(CLIENT, &SCOPES);
    env.ok(&["connect", NAME, "--refresh-token-stdin"], Some(&format!("{rt}\n")));
    let home = tempfile::tempdir().unwrap();

    // mutt 2 reads neomutt's file; the token command is what a shell runs.
    let rc = home.path().join("muttrc");
    std::fs::write(&rc, config(&env, NAME, "neomutt")).unwrap();
    let mut mutt = Command::new("mutt");
    mutt.args(["-n", "-F"]).arg(&rc).args(["-Q", "smtp_url", "-Q", "smtp_oauth_refresh_command", "-Q", "spoolfile"]);
    let o = run_with(with_env(&env, mutt, home.path()), "");
    assert!(o.status.success() && o.stderr.is_empty(), "mutt: {}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("smtp_url=\"smtp://erp%40contoso.com@127.0.0.1:2587/\""), "{out}");
    let command = out.lines().find_map(|l| l.strip_prefix("smtp_oauth_refresh_command=")).unwrap();
    let command = command.trim_matches('"').replace("\\\"", "\"").replace("\\$", "$");
    assert_runs_token_command(&env, &command, home.path());

    // aerc: an ini file; its *-cred-cmd is run by `sh -c`.
    let aerc = config(&env, NAME, "aerc");
    assert!(aerc.contains(&format!("[{NAME}]\n")), "{aerc}");
    assert!(aerc.contains("outgoing = smtp+xoauth2://erp%40contoso.com@127.0.0.1:2587\n"), "{aerc}");
    let cred = aerc.lines().find_map(|l| l.strip_prefix("outgoing-cred-cmd = ")).unwrap();
    assert_runs_token_command(&env, cred, home.path());
    let url = aerc.lines().find_map(|l| l.strip_prefix("outgoing = ")).unwrap();
    assert_eq!(url::Url::parse(url).unwrap().username(), "erp%40contoso.com");

    // Postfix: postconf reads main.cf, postmap builds and answers the map.
    let postfix = config(&env, NAME, "postfix");
    let part = |path: &str| {
        let start = postfix.find(&format!("# ---- {path} ----\n")).unwrap();
        let rest = &postfix[start..];
        let body = rest.split_once('\n').unwrap().1;
        body.split("# ---- ").next().unwrap().to_owned()
    };
    let dir = home.path().join("postfix");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("main.cf"), part("/etc/postfix/main.cf")).unwrap();
    std::fs::write(dir.join("master.cf"), "").unwrap();
    let o = Command::new("postconf").arg("-c").arg(&dir).args(["-n"]).output().unwrap();
    assert!(o.status.success() && o.stderr.is_empty(), "postconf: {}", text(&o.stderr));
    let out = text(&o.stdout);
    for line in
        ["relayhost = [127.0.0.1]:2587", "smtp_sasl_mechanism_filter = xoauth2", "smtp_tls_security_level = encrypt"]
    {
        assert!(out.contains(line), "{line} in {out}");
    }
    std::fs::write(dir.join("sasl_passwd"), part("/etc/postfix/sasl_passwd")).unwrap();
    let map = format!("hash:{}", dir.join("sasl_passwd").display());
    let o = Command::new("postmap").arg("-c").arg(&dir).arg(&map).output().unwrap();
    assert!(o.status.success(), "postmap: {}", text(&o.stderr));
    let o = Command::new("postmap").arg("-c").arg(&dir).args(["-q", "[127.0.0.1]:2587", &map]).output().unwrap();
    assert_eq!(text(&o.stdout).trim(), "erp@contoso.com:/var/spool/postfix/etc/tokens/erp@contoso.com");
    let conf: serde_json::Value = serde_json::from_str(&part("/etc/sasl-xoauth2.conf")).unwrap();
    assert!(conf["token_endpoint"].as_str().unwrap().ends_with("/oauth2/v2.0/token"), "{conf}");

    // No secret is written into any of them; the secret is named as a command.
    for program in ["msmtp", "neomutt", "aerc", "git-send-email", "postfix"] {
        let c = config(&env, NAME, program);
        assert!(!c.contains(SECRET), "{program} holds the secret");
    }
    let notes = text(&env.ok(&["handover", NAME, "--config", "postfix"], None).stderr);
    assert!(notes.contains("reveal") && notes.contains("--client-secret"), "{notes}");
}

#[test]
fn programs_that_cannot_use_the_profile_are_told_why() {
    let env = Env::new();
    env.add_profile("Basic", &["--auth", "basic", "--mailbox", "basic@contoso.com", "--password-stdin"], Some("pw\n"));
    let o = env.run(&["handover", "Basic", "--config", "msmtp"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("OAuth tokens only"), "{}", text(&o.stderr));

    env.db.add_app_only("Graph app", SECRET, &[]);
    let o = env.run(&["handover", "Graph app", "--config", "msmtp"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("Microsoft Graph"), "{}", text(&o.stderr));

    let o = env.run(&["handover", "Graph app", "--config", "pine"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("msmtp, neomutt, aerc, git-send-email, postfix"), "{}", text(&o.stderr));
}

/// `command`, run by a shell as the other program runs it, prints the
/// profile's current access token.
fn assert_runs_token_command(env: &Env, command: &str, home: &Path) {
    let mut sh = Command::new("sh");
    sh.args(["-c", command]);
    let o = run_with(with_env(env, sh, home), "");
    assert!(o.status.success(), "{command}: {}", text(&o.stderr));
    let expected = text(&env.ok(&["token", NAME], None).stdout);
    assert!(expected.len() > 20);
    assert_eq!(text(&o.stdout), expected, "{command}");
}
