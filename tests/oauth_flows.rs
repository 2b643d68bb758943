//! Sign-in flows end to end: the browser and loopback listener (with the fake
//! browser), device code, Web redirects, Google parameters, TLS trust.

use mailwarden_tests::idp::App;
use mailwarden_tests::oauth_env::*;
use mailwarden_tests::text;
use std::io::{BufRead, BufReader};
use std::process::{Output, Stdio};

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
    // The browser runs detached: wait for its last line.
    let seen = mailwarden_tests::eventually("the fake browser to finish", std::time::Duration::from_secs(30), || {
        std::fs::read_to_string(&log).ok().filter(|l| l.contains("browser done"))
    });
    (o, seen)
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
    let err = text(&o.stderr);
    assert!(err.contains("did not come back within 1 minute") && err.contains("AADSTS50011"), "{err}");
    assert!(err.contains("did receive something") && err.contains("wrong state"), "what reached the listener: {err}");
    assert!(err.contains(CLIENT) && err.contains("manual connect"), "this profile's values and the paste route: {err}");

    let (o, pages) = loopback_connect(&env, "P", "idle", "1");
    assert_eq!(o.status.code(), Some(1));
    assert!(pages.starts_with("opened https://127.0.0.1:"), "{pages}");
    let err = text(&o.stderr);
    assert!(err.contains("did not come back") && !err.contains("did receive something"), "{err}");
    assert_eq!(env.idp.count("authorization_code"), 1, "only the good attempt redeemed a code");
}

#[test]
fn a_web_redirect_needs_the_manual_flow_and_the_secret() {
    let env = Env::new();
    env.app(Some(SECRET), false); // https://localhost registered as Web (seed 001)
                                  // Without the secret the profile is refused at save, saying what to do.
    let web = ["--mailbox", "erp@contoso.com", "--redirect-uri", "https://localhost"];
    let mut args = vec!["profile", "add", "--name", "CXT", "--cloud", "custom", "--authority-url", &env.idp.base];
    args.extend(["--tenant", TENANT, "--client-id", CLIENT]);
    args.extend(web);
    let o = env.run(&args, None);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("Mobile and desktop applications"), "{}", text(&o.stderr));
    let mut with_secret = web.to_vec();
    with_secret.push("--client-secret-stdin");
    env.add_profile("CXT", &with_secret, Some(&format!("{SECRET}\n")));
    let o = env.run(&["connect", "CXT"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("--manual"), "{}", text(&o.stderr));
    let o = env.manual_connect("CXT", |url| env.idp.sign_in(&url));
    assert!(o.status.success(), "{}", text(&o.stderr));
    // A loopback address registered under Web instead of Mobile and desktop
    // applications: the profile cannot know, Microsoft refuses (AADSTS7000218).
    env.idp.register(App { web_redirects: vec!["http://localhost".into()], ..app_of(&env) });
    env.delegated_profile("Loopback as Web");
    let o = env.manual_connect("Loopback as Web", |url| env.idp.sign_in(&url));
    assert_diagnosis(&o, "AADSTS7000218", "requires a client secret");
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
    // The person answers once the CLI has polled `polls` times while pending.
    let answer_after = |status: DeviceStatus, polls: usize| {
        let state = state.clone();
        move |code: &str| {
            let code = code.to_owned();
            std::thread::spawn(move || {
                let polled =
                    || state.lock().unwrap().devices.values().find(|d| d.user_code == code).map_or(0, |d| d.polls);
                mailwarden_tests::until("the CLI to poll", std::time::Duration::from_secs(60), || polled() >= polls);
                let mut s = state.lock().unwrap();
                s.devices.values_mut().find(|d| d.user_code == code).unwrap().status = status;
            });
        }
    };
    let o = device_connect(&env, "Personal", answer_after(DeviceStatus::Approved, 2));
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("Connected “Personal” as erp@contoso.com"));
    assert!(env.idp.device_polls() >= 2, "it polled while pending");
    token_of(&env.ok(&["token", "Personal"], None));

    let o = device_connect(&env, "Personal", answer_after(DeviceStatus::Expired, 1));
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("The sign-in code expired"), "{}", text(&o.stderr));

    let o = device_connect(&env, "Personal", answer_after(DeviceStatus::Declined, 1));
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("Sign-in was declined"), "{}", text(&o.stderr));

    // slow_down: the next poll waits 5 s longer, then succeeds.
    let start = std::time::Instant::now();
    env.idp.fail_next("slow_down", 70016);
    let o = device_connect(&env, "Personal", answer_after(DeviceStatus::Approved, 1));
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
