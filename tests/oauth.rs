//! Sign-in and tokens end to end: the `mailwarden` CLI against the identity
//! provider simulator over HTTPS (a test CA the app is told to trust).

use mailwarden_engine::{system_clock, Mailwarden};
use mailwarden_tests::idp::App;
use mailwarden_tests::oauth_env::*;
use mailwarden_tests::text;
use std::process::{Output, Stdio};

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

/// `mailwarden` serves a valid cached token by itself (src/token_front.rs) and
/// hands everything else to `mailwarden-cli` beside it: a front copied alone
/// still answers a cached `token`, in every format, and says what is missing
/// for the rest — a refresh, another command — instead of failing obscurely.
#[test]
fn the_front_serves_a_cached_token_alone_and_hands_over_the_rest() {
    let env = Env::new();
    env.app(Some(SECRET), false);
    env.app_only_profile("Catalyst", SECRET);
    let t1 = token_of(&env.ok(&["token", "Catalyst"], None)); // the full command line signs in
    let alone = tempfile::tempdir().unwrap();
    let front = alone.path().join("mailwarden");
    // Copied by cp, not std::fs::copy: a file this process held open for
    // writing could be inherited by a child another test forks meanwhile,
    // and running it would then fail with "text file busy" (ETXTBSY).
    let cp = std::process::Command::new("cp").arg(mailwarden_tests::binary("mailwarden")).arg(&front).status().unwrap();
    assert!(cp.success());
    let run = |args: &[&str]| {
        let c = env.cmd(args); // its arguments and environment, run from the copy
        let mut alone = std::process::Command::new(&front);
        alone.args(c.get_args()).envs(c.get_envs().filter_map(|(k, v)| Some((k, v?))));
        alone.env_remove("RUST_LOG").output().unwrap()
    };
    for (args, want) in [
        (&["token", "Catalyst"][..], t1.clone()),
        (&["--db", &env.db.path().to_string_lossy(), "token", "--format=json", "Catalyst"][..], t1.clone()),
    ] {
        let o = run(args);
        assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
        assert!(text(&o.stdout).contains(&want), "{args:?}: {}", text(&o.stdout));
    }
    let x = text(&run(&["token", "Catalyst", "--format", "xoauth2"]).stdout);
    assert_eq!(
        String::from_utf8(base64_decode(x.trim())).unwrap(),
        format!("user=ops@contoso.com\x01auth=Bearer {t1}\x01\x01")
    );
    assert_eq!(env.idp.count("client_credentials"), 1, "served from the cache, no sign-in");
    for args in [&["profile", "list"][..], &["token", "Nope"], &["-v", "token", "Catalyst"]] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let err = text(&o.stderr);
        assert!(err.contains("mailwarden-cli") && err.contains("reinstall Mailwarden"), "{args:?}: {err}");
    }
    // Beside the full command line, the same calls are answered in full.
    let o = env.run(&["token", "Nope"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("No profile \"Nope\""), "{}", text(&o.stderr));
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
    let second = core.profiles().resolve("Second").unwrap().profile.id;
    assert!(core.tokens().connection(second).unwrap().is_none(), "a refused token is not stored");
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
    assert!(env.core().tokens().connection(1).unwrap().is_none());
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

/// Seed 002 ends by pasting a refresh token into the product: Mailwarden hands
/// over the one it holds, keeps using its own copy unless told to forget it,
/// and records each hand-over.
#[test]
fn a_refresh_token_is_handed_over_kept_or_forgotten_and_recorded() {
    let env = Env::new();
    env.app(None, true);
    env.delegated_profile("Onit");
    let scopes =
        ["https://outlook.office.com/SMTP.Send", "https://outlook.office.com/IMAP.AccessAsUser.All", "offline_access"];
    let pasted = env.idp.mint_refresh_token(CLIENT, &scopes);
    env.ok(&["connect", "Onit", "--refresh-token-stdin"], Some(&format!("{pasted}\n")));
    let handed = text(&env.ok(&["reveal", "Onit", "--refresh-token"], None).stdout).trim().to_owned();
    assert!(handed.len() > 20 && handed != pasted, "the rotated token Mailwarden holds");
    token_of(&env.ok(&["token", "Onit"], None)); // still connected: kept
                                                 // A hand-over that does not arrive (a full disk) forgets nothing.
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let o = env.cmd(&["reveal", "Onit", "--refresh-token", "--forget"]).stdout(full).output().unwrap();
    assert!(!o.status.success(), "reported handed over into /dev/full");
    assert!(text(&o.stderr).contains("could not be handed over, so nothing changed"), "{}", text(&o.stderr));
    token_of(&env.ok(&["token", "Onit"], None)); // still connected
    let v: serde_json::Value = serde_json::from_slice(&env.ok(&["handover", "Onit", "--json"], None).stdout).unwrap();
    assert_eq!(v["handedOver"].as_array().unwrap().len(), 1, "a failed hand-over is not recorded");
    let o = env.ok(&["reveal", "Onit", "--refresh-token", "--forget"], None);
    assert!(text(&o.stderr).contains("connection is deleted"), "{}", text(&o.stderr));
    let o = env.run(&["token", "Onit"], None);
    assert!(text(&o.stderr).contains("is not connected"), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&env.ok(&["handover", "Onit", "--json"], None).stdout).unwrap();
    let kept: Vec<bool> = v["handedOver"].as_array().unwrap().iter().map(|r| r["kept"].as_bool().unwrap()).collect();
    assert_eq!(kept, [false, true], "newest first");
    assert!(!v.to_string().contains(&handed));
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
    let dropped = core.tokens().connection(core.profiles().resolve("Dropped").unwrap().profile.id).unwrap().unwrap();
    assert!(!dropped.has_refresh_token && dropped.needs_reconnect);

    let kept_id = core.profiles().resolve("Kept").unwrap().profile.id;
    let before = core.tokens().connection(kept_id).unwrap().unwrap();
    let Env { db, idp } = env;
    drop(idp); // the identity provider goes away: connection refused
    let env_db = db;
    let o = env_db.cli().args(["token", "Kept"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("refused the connection"), "{}", text(&o.stderr));
    let after =
        Mailwarden::open(&env_db.path(), system_clock()).unwrap().tokens().connection(kept_id).unwrap().unwrap();
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
    let gui = env.core();
    let id = gui.profiles().resolve("Busy").unwrap().profile.id;
    std::env::set_var("MAILWARDEN_CA_FILE", &env.idp.ca.ca_file);
    let children: Vec<_> = (0..20)
        .map(|_| env.cmd(&["token", "Busy"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap())
        .collect();
    let from_gui = gui.tokens().access_token(&gui.profiles().get(id).unwrap().profile, Default::default()).unwrap();
    let outs: Vec<Output> = children.into_iter().map(|c| c.wait_with_output().unwrap()).collect();
    for o in &outs {
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
    let mut tokens: std::collections::BTreeSet<String> = outs.iter().map(token_of).collect();
    tokens.insert(mailwarden_engine::ExposeSecret::expose_secret(&from_gui.token).to_owned());
    assert_eq!(tokens.len(), 1, "all twenty and the app got the same fresh token");
    assert_eq!(env.idp.count("refresh_token") - before, 1, "exactly one refresh reached the identity provider");
}
