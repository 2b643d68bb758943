//! Test sends through Microsoft Graph against the simulator's Graph endpoints:
//! 202 for app-only and delegated sends, 403 ErrorAccessDenied (no permission;
//! application access policy), 404 MailboxNotEnabledForRESTAPI, ErrorInvalidUser,
//! and 400 for /me with an app-only token; and the inbound check reading the
//! inbox over Graph (Mail.Read): counts and the newest message, its refusals.

use mailwarden_engine::{system_clock, Mailwarden};
use mailwarden_tests::oauth_env::{assert_diagnosis, Env, CLIENT, SECRET};
use mailwarden_tests::text;

fn graph_env() -> Env {
    let env = Env::new();
    env.app(Some(SECRET), false);
    let mut s = env.idp.state.lock().unwrap();
    for u in ["ops@contoso.com", "erp@contoso.com", "unlicensed@contoso.com", "fenced@contoso.com"] {
        s.graph_users.insert(u.into());
    }
    s.graph_unlicensed.insert("unlicensed@contoso.com".into());
    s.graph_policy_denied.insert("fenced@contoso.com".into());
    drop(s);
    env
}

/// An app-only Graph profile whose "Graph" is the simulator (custom cloud).
fn app_only(env: &Env, name: &str, mailbox: &str) {
    let scope = format!("{}/.default", env.idp.base);
    let extra = [
        "--auth",
        "client-credentials",
        "--send",
        "graph",
        "--mailbox",
        mailbox,
        "--scopes",
        &scope,
        "--client-secret-stdin",
    ];
    env.add_profile(name, &extra, Some(&format!("{SECRET}\n")));
}

#[test]
fn app_only_and_delegated_sends_are_accepted_with_202() {
    let env = graph_env();
    app_only(&env, "Catalyst", "ops@contoso.com");
    let o = env.ok(&["test", "send", "Catalyst", "--to", "erp@contoso.com", "--json"], None);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["reply"], "202 Accepted");
    let sent = env.idp.state.lock().unwrap().graph_sent.clone();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, "ops@contoso.com", "app-only sends as /users/{{mailbox}}");
    assert_eq!(sent[0].1["message"]["internetMessageId"], r["messageId"]);
    assert_eq!(sent[0].1["message"]["toRecipients"][0]["emailAddress"]["address"], "erp@contoso.com");
    assert!(r["transcript"].as_array().unwrap().iter().all(|l| !l.as_str().unwrap().contains("eyJ")), "token redacted");

    let scopes = format!("{}/Mail.Send offline_access", env.idp.base);
    let extra = ["--auth", "refresh-token", "--send", "graph", "--mailbox", "erp@contoso.com", "--scopes", &scopes];
    env.add_profile("Delegated", &extra, None);
    env.idp.register(mailwarden_tests::idp::App {
        web_redirects: vec![],
        public_redirects: vec!["http://localhost".into()],
        secret: None,
        ..mailwarden_tests::oauth_env::app_of(&env)
    });
    let rt = env.idp.mint_refresh_token(CLIENT, &[&format!("{}/Mail.Send", env.idp.base), "offline_access"]);
    env.ok(&["connect", "Delegated", "--refresh-token-stdin"], Some(&format!("{rt}\n")));
    env.ok(&["test", "send", "Delegated"], None);
    assert_eq!(env.idp.state.lock().unwrap().graph_sent[1].0, "erp@contoso.com", "delegated sends as /me");
}

#[test]
fn graph_refusals_are_diagnosed() {
    let env = graph_env();
    app_only(&env, "Unlicensed", "unlicensed@contoso.com");
    assert_diagnosis(
        &env.run(&["test", "send", "Unlicensed"], None),
        "MailboxNotEnabledForRESTAPI",
        "cannot send through Microsoft Graph",
    );
    app_only(&env, "Nobody", "nobody@contoso.com");
    assert_diagnosis(&env.run(&["test", "send", "Nobody"], None), "ErrorInvalidUser", "does not know this mailbox");
    app_only(&env, "Fenced", "fenced@contoso.com");
    let o = env.run(&["test", "send", "Fenced"], None);
    assert_diagnosis(&o, "ErrorAccessDenied", "access denied");
    assert!(text(&o.stderr).contains("Access to OData is disabled"), "{}", text(&o.stderr));

    // No application permission granted at all: the token says so before
    // Graph is asked, and the test fails (exit 1) naming the consent.
    env.idp.register(mailwarden_tests::idp::App { app_roles: vec![], ..mailwarden_tests::oauth_env::app_of(&env) });
    app_only(&env, "No permission", "ops@contoso.com");
    let sent_before = env.idp.state.lock().unwrap().graph_sent.len();
    let o = env.run(&["test", "send", "No permission"], None);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.contains("No application permission has admin consent") && err.contains("Grant admin consent"),
        "{err}"
    );
    assert!(err.contains("Mail.Send") && err.contains("adminconsent?client_id="), "{err}");
    assert_eq!(env.idp.state.lock().unwrap().graph_sent.len(), sent_before, "nothing was sent");
    let o = env.run(&["test", "auth", "No permission"], None);
    assert_eq!(o.status.code(), Some(1), "Test sign-in fails too: {}", text(&o.stderr));
    let list = text(&env.ok(&["profile", "show", "No permission", "--json"], None).stdout);
    assert!(list.contains("missing_admin_consent"), "recorded as a failing test: {list}");
}

#[test]
fn me_with_an_app_only_token_is_explained() {
    let env = graph_env();
    app_only(&env, "Catalyst", "ops@contoso.com");
    std::env::set_var("MAILWARDEN_CA_FILE", &env.idp.ca.ca_file);
    let core = Mailwarden::open(&env.db.path(), system_clock()).unwrap();
    let mut p = core.profiles().resolve("Catalyst").unwrap().profile;
    let token = core.tokens().access_token(&p, Default::default()).unwrap().token;
    // Pretend the profile were delegated: the sender then uses /me.
    p.auth_method = mailwarden_engine::AuthMethod::AuthCode;
    let err = mailwarden_services::mail::graph::send_mime(
        &p,
        &token,
        b"To: erp@contoso.com\r\nSubject: s\r\n\r\nb\r\n",
        &mut |_| {},
        None,
    )
    .unwrap_err();
    let d = err.diagnosis().unwrap();
    assert_eq!(d.code, "graph_me_with_app_token");
    assert_eq!(d.codes, ["400", "BadRequest"]);
    assert!(d.trace_id.is_some(), "Graph's request-id is kept for a ticket");
}

#[test]
fn the_inbox_is_read_over_graph_with_mail_read_app_only_and_delegated() {
    let env = graph_env();
    app_only(&env, "Catalyst", "ops@contoso.com");
    env.idp.deliver_graph("ops@contoso.com", "vendor@fabrikam.com", "Invoice 1001", "2026-11-30T09:00:00Z", false);
    env.idp.deliver_graph("ops@contoso.com", "vendor@fabrikam.com", "Invoice 1002", "2026-12-01T10:30:00Z", true);

    // Mail.Send alone: Graph refuses the read, and the fix names Mail.Read.
    let o = env.run(&["test", "inbound", "Catalyst"], None);
    assert_diagnosis(&o, "ErrorAccessDenied", "Microsoft Graph refused to read the inbox (access denied)");
    assert!(text(&o.stderr).contains("**Mail.Read**") || text(&o.stderr).contains("Mail.Read"), "{}", text(&o.stderr));

    let app = mailwarden_tests::oauth_env::app_of(&env);
    env.idp.register(mailwarden_tests::idp::App { app_roles: vec!["Mail.Send".into(), "Mail.Read".into()], ..app });
    let o = env.ok(&["test", "inbound", "Catalyst", "--json"], None);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (r["via"].as_str(), r["messages"].as_u64(), r["unread"].as_u64()),
        (Some("graph"), Some(2), Some(1)),
        "{r}"
    );
    assert_eq!(r["newest"]["subject"], "Invoice 1002");
    assert_eq!(r["newest"]["from"], "vendor@fabrikam.com");
    assert!(r["transcript"][0].as_str().unwrap().contains("/v1.0/users/ops@contoso.com/mailFolders/inbox"), "{r}");
    let out = text(&env.ok(&["test", "imap", "Catalyst"], None).stdout);
    assert!(out.contains("2 messages, 1 unread") && out.contains("“Invoice 1002”"), "{out}");
    let shown = text(&env.ok(&["profile", "show", "Catalyst", "--json"], None).stdout);
    assert!(shown.contains("2 messages in the inbox of ops@contoso.com (Graph)"), "{shown}");

    // An unlicensed mailbox: named as a read.
    app_only(&env, "Unlicensed", "unlicensed@contoso.com");
    assert_diagnosis(
        &env.run(&["test", "inbound", "Unlicensed"], None),
        "MailboxNotEnabledForRESTAPI",
        "cannot read the inbox through Microsoft Graph",
    );

    // Delegated: /me, with the Mail.Read scope in the token.
    let scopes = format!("{b}/Mail.Send {b}/Mail.Read offline_access", b = env.idp.base);
    let extra = ["--auth", "refresh-token", "--send", "graph", "--mailbox", "erp@contoso.com", "--scopes", &scopes];
    env.add_profile("Delegated", &extra, None);
    env.idp.register(mailwarden_tests::idp::App {
        web_redirects: vec![],
        public_redirects: vec!["http://localhost".into()],
        secret: None,
        ..mailwarden_tests::oauth_env::app_of(&env)
    });
    let granted = [format!("{}/Mail.Send", env.idp.base), format!("{}/Mail.Read", env.idp.base)];
    let rt = env.idp.mint_refresh_token(CLIENT, &[&granted[0], &granted[1], "offline_access"]);
    env.ok(&["connect", "Delegated", "--refresh-token-stdin"], Some(&format!("{rt}\n")));
    let o = env.ok(&["test", "inbound", "Delegated", "--json"], None);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["messages"], 0, "{r}");
    assert!(r["newest"].is_null());
    assert!(r["transcript"][0].as_str().unwrap().contains("/v1.0/me/mailFolders/inbox"), "{r}");
}
