//! The log: what happened is recorded (sign-in steps, refreshes, diagnosis
//! codes) in a size-bounded file beside the database and, with `-v`, on
//! stderr — and no secret the flows handled is in either.

use mailwarden_tests::oauth_env::*;
use mailwarden_tests::{contains, text};

#[test]
fn the_log_records_each_step_and_no_secret() {
    let env = Env::new();
    env.app(Some(SECRET), true);
    env.app_only_profile("App only", SECRET);
    env.delegated_profile("Delegated");
    env.idp.set_access_lifetime(60); // every use refreshes
    let scopes =
        ["https://outlook.office.com/SMTP.Send", "https://outlook.office.com/IMAP.AccessAsUser.All", "offline_access"];
    let rt = env.idp.mint_refresh_token(CLIENT, &scopes);
    let mut stderr = String::new();
    let mut tokens = Vec::new();
    for args in [
        vec!["-vv", "connect", "Delegated", "--refresh-token-stdin"],
        vec!["-vv", "token", "Delegated"],
        vec!["-vv", "token", "Delegated", "--format", "xoauth2"],
        vec!["-vv", "token", "App only"],
        vec!["-vv", "test", "auth", "App only"],
    ] {
        let o = env.ok(&args, Some(&format!("{rt}\n")));
        stderr.push_str(&text(&o.stderr));
        tokens.push(text(&o.stdout).trim().to_owned());
    }
    env.idp.fail_next("invalid_grant", 50173);
    let o = env.run(&["-v", "token", "Delegated"], None);
    stderr.push_str(&text(&o.stderr));

    let log_path = env.db.dir.path().join("mailwarden.log");
    let log = std::fs::read(&log_path).expect("a log file beside the database");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&log_path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let log_text = text(&log);
    for event in [
        "token refreshed",
        "token refresh failed",
        "aadsts50173",
        "the provider declared the grant dead",
        "test passed",
    ] {
        assert!(log_text.to_lowercase().contains(&event.to_lowercase()), "{event} missing from the log:\n{log_text}");
    }
    assert!(stderr.contains("token refreshed"), "-v shows events on stderr: {stderr}");

    // Every secret this run handled: the client secret, the pasted refresh
    // token, every token the simulator issued, what the CLI printed.
    let mut secrets = vec![SECRET.to_owned(), rt.clone()];
    secrets.extend(env.idp.state.lock().unwrap().refresh_tokens.keys().cloned());
    secrets.extend(tokens.into_iter().filter(|t| t.len() > 20));
    for s in &secrets {
        assert!(!contains(&log, s.as_bytes()), "a secret is in the log file:\n{log_text}");
        assert!(!stderr.contains(s.as_str()), "a secret is on stderr:\n{stderr}");
    }
}
