//! The password sign-in over OAuth (ROPC), as seed 001's product uses it,
//! against the identity simulator: it works (with Microsoft's warning said),
//! and each way it fails is named — a wrong password, MFA, public client
//! flows turned off, a federated account (found by home realm discovery
//! before the password is sent), an organisation-less tenant at save.

use mailwarden_tests::oauth_env::{assert_diagnosis, token_of, Env, CLIENT};
use mailwarden_tests::{contains, text};

const USER: &str = "cxt@contoso.com";
const PASSWORD: &str = "Mailbox-Pa55word!";

fn env() -> Env {
    let env = Env::new();
    env.app(None, true);
    env.idp.allow_public_client_flows(CLIENT, true);
    env.idp.add_user(USER, PASSWORD, false);
    env
}

fn profile(env: &Env, name: &str, mailbox: &str, password: &str) {
    env.add_profile(
        name,
        &["--auth", "password", "--mailbox", mailbox, "--password-stdin"],
        Some(&format!("{password}\n")),
    );
}

#[test]
fn the_mailbox_password_gets_a_token_and_microsofts_warning_is_said() {
    let env = env();
    profile(&env, "CXT", USER, PASSWORD);
    let o = env.ok(&["test", "auth", "CXT", "--json"], None);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["claims"]["account"], USER, "{r}");
    let advice = r["advice"].as_str().unwrap_or_default();
    assert!(advice.contains("Microsoft discourages the password sign-in"), "{r}");
    assert_eq!(r["warnings"], serde_json::json!([]), "said once, as advice, not as a warning on this token");
    assert_eq!(env.idp.count("password"), 1);
    // A second token comes from the cache; no second password sign-in.
    let t = token_of(&env.ok(&["token", "CXT"], None));
    assert!(t.contains('.'), "a JWT");
    assert_eq!(env.idp.count("password"), 1);
    // The password stays out of every file Mailwarden writes (DB sealed, log).
    for (path, bytes) in env.db.all_bytes() {
        assert!(!contains(&bytes, PASSWORD.as_bytes()), "the password in {}", path.display());
    }
    // The guide says what to turn on, and that Microsoft discourages it.
    let guide = text(&env.ok(&["guide", "CXT"], None).stdout);
    assert!(guide.contains("Allow public client flows") && guide.contains("discourages"), "{guide}");
}

#[test]
fn each_failure_is_named() {
    let env = env();
    profile(&env, "Wrong", USER, "not the password");
    assert_diagnosis(
        &env.run(&["test", "auth", "Wrong"], None),
        "AADSTS50126",
        "Wrong password (or not Entra's to check)",
    );

    env.idp.add_user("mfa@contoso.com", PASSWORD, true);
    profile(&env, "MFA", "mfa@contoso.com", PASSWORD);
    assert_diagnosis(
        &env.run(&["test", "auth", "MFA"], None),
        "AADSTS50076",
        "This account must use multi-factor sign-in",
    );

    profile(&env, "Nobody", "nobody@contoso.com", PASSWORD);
    assert_diagnosis(
        &env.run(&["test", "auth", "Nobody"], None),
        "AADSTS50034",
        "This account does not exist in the tenant",
    );

    env.idp.allow_public_client_flows(CLIENT, false);
    let o = env.run(&["test", "auth", "MFA"], None);
    assert_diagnosis(&o, "AADSTS7000218", "Public client flows are turned off for this app");
    assert!(
        text(&o.stderr).contains("**Allow public client flows**")
            || text(&o.stderr).contains("Allow public client flows")
    );

    // A federated account: named from home realm discovery, its password never sent.
    env.idp.allow_public_client_flows(CLIENT, true);
    env.idp.federate("fabrikam.com", "sts.fabrikam.com");
    profile(&env, "Federated", "erp@fabrikam.com", PASSWORD);
    let before = env.idp.count("password");
    let o = env.run(&["test", "auth", "Federated"], None);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(err.contains("This account's password is checked elsewhere") && err.contains("sts.fabrikam.com"), "{err}");
    assert_eq!(env.idp.count("password"), before, "no password sent for a federated account");
}

#[test]
fn a_tenant_without_an_organisation_is_refused_at_save() {
    let env = env();
    let o = env.run(
        &[
            "profile",
            "add",
            "--name",
            "Common",
            "--auth",
            "password",
            "--mailbox",
            USER,
            "--tenant",
            "common",
            "--password-stdin",
        ],
        Some(&format!("{PASSWORD}\n")),
    );
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(err.contains("--tenant") && err.contains("only within an organisation's tenant"), "{err}");
    let o = env.run(
        &[
            "profile",
            "add",
            "--name",
            "Gmail",
            "--provider",
            "google",
            "--auth",
            "password",
            "--mailbox",
            "a@gmail.com",
            "--password-stdin",
        ],
        Some(&format!("{PASSWORD}\n")),
    );
    assert!(text(&o.stderr).contains("does not accept a password sign-in"), "{}", text(&o.stderr));
}
