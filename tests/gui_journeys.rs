//! The five seeds' journeys, each walked in the real window from an empty
//! database to a working, handed-over setup — Describe → Register in Entra →
//! Sign in → Test → Hand over → Watch — against the identity simulator and
//! the real Postfix/Dovecot, with a screenshot of every step
//! (target/screenshots/journeys/).
//!
//! 000 ConnectPath: app-only, Graph sendMail; tenant, client ID and secret handed over.
//! 001 CXT: the mailbox's password over OAuth (ROPC), SMTP through Postfix.
//! 002 Onit: a Web redirect (https://localhost), the pasted address, the refresh token handed over.
//! 003 Invent ERP: "Connect your Outlook account" (loopback), SMTP and IMAP, msmtp configured.
//! 004 Catalyst: no registration yet — an administrator lets Mailwarden create it; Exchange licence.

use mailwarden_tests::idp::{App, Idp};
use mailwarden_tests::journey::Journey;
use mailwarden_tests::mail::MailServers;

const TENANT: &str = "d9f2fc08-d549-4fcc-bae2-2286c314d3cd";
const CLIENT: &str = "351d6cb2-1c69-4081-9cc2-a769d71567cb";
const SECRET: &str = "JRNs8Q~journeySecretValue0123456789ab";

fn app(idp: &Idp, secret: bool, public: &[&str], web: &[&str], roles: &[&str]) {
    let mut app = App::new(CLIENT, TENANT).roles(roles);
    if secret {
        app = app.secret(SECRET);
    }
    let app = public.iter().fold(app, |a, uri| a.public_redirect(uri));
    idp.register(web.iter().fold(app, |a, uri| a.web_redirect(uri)));
}

/// Describe's common part: a custom cloud whose authority is the simulator.
fn describe(j: &Journey, idp: &Idp, name: &str, auth: &str, send: &str) {
    j.new_profile();
    j.choose("authMethod", auth);
    j.choose("sendMethod", send);
    j.choose("cloud", "custom");
    j.fill("name", name);
    j.fill("authorityUrl", &idp.base);
    j.fill("tenant", TENANT);
}

/// The SMTP (and IMAP) servers: the local Postfix and Dovecot.
fn servers(j: &Journey, mail: &MailServers, imap: bool) {
    j.fill("smtpHost", "127.0.0.1");
    j.fill("smtpPort", &mail.submission.to_string());
    if imap {
        j.fill("imapHost", "127.0.0.1");
        j.fill("imapPort", &mail.imaps.to_string());
        j.choose("imapSecurity", "tls");
    } else {
        j.fill("imapHost", "");
    }
}

/// Send a test message to the mailbox itself and wait for the server's answer.
fn send_test(j: &mut Journey) {
    j.s.button("Send test message").click();
    j.s.wait_until("the send to finish", 40, |s| {
        s.script("return [...document.querySelectorAll('button')].some(b => b.textContent.includes('Sending'));")
            .as_bool()
            == Some(false)
    });
    j.wait_text("[data-testid=send-result]", "", 5);
    let shown =
        j.s.script("const r = document.querySelector('[data-testid=send-result]'); return !!r && !!r.offsetParent;");
    assert_eq!(shown.as_bool(), Some(true), "no send result: {}", j.visible_diagnosis());
}

/// A step marked done shows no red beside it: the token was for the
/// resource the profile's own cloud names (the simulator's, here).
fn no_warning(j: &Journey, css: &str) {
    let red = j.s.script(&format!(
        "return [...document.querySelectorAll('{css} .form-error')].map(e => e.textContent).join(' | ');"
    ));
    assert_eq!(red.as_str(), Some(""), "a warning beside a done step");
}

/// Hand the client secret over: the risk named, copied by Rust to the
/// clipboard, never in the page.
fn hand_over_secret(j: &mut Journey, secret: &str) {
    j.s.find("[data-testid=handover-secret]").click();
    let dialog = j.s.find("[role=alertdialog]").text();
    assert!(dialog.contains("sign in as this application"), "{dialog}");
    j.s.find("[data-testid=confirm-ok]").click();
    j.wait_text("[data-testid=handover-history]", "client secret was handed over", 10);
    assert_eq!(mailwarden_tests::clipboard(), secret);
    assert!(!j.s.source().contains(secret), "the secret reached the page");
}

/// Hand over a program's configuration (`needle` in it), then the Watch:
/// every step before the hand-over is done.
fn program_then_watch(j: &mut Journey, program: &str, needle: &str) {
    j.s.find(&format!("[data-testid=program] option[value={program}]")).click();
    j.wait_text("[data-testid=program-config]", needle, 10);
    j.shot("handover");
    j.step("watch");
    j.shot("watch");
    for id in ["describe", "register", "signIn", "test"] {
        assert_eq!(j.step_state(id), "done", "{id}");
    }
}

fn watch_done(j: &mut Journey) {
    j.step("watch");
    j.s.find("[data-testid=step-summary]");
    for id in ["describe", "signIn", "test", "handover", "watch"] {
        assert_eq!(j.step_state(id), "done", "{id}: {}", j.s.find(".setup-steps").text());
    }
    j.shot("watch");
}

#[test]
fn seed_000_connectpath_app_only_graph() {
    let idp = Idp::start();
    app(&idp, true, &[], &[], &["Mail.Send"]);
    idp.state.lock().unwrap().graph_users.insert("noreply@contoso.com".into());
    let mut j = Journey::start("000-connectpath", &idp);
    describe(&j, &idp, "ConnectPath", "client-credentials", "graph");
    j.fill("clientId", CLIENT);
    j.fill("clientSecret", SECRET);
    j.fill("clientSecretExpires", "2027-06-01");
    j.fill("scopes", &format!("{}/.default", idp.base));
    j.fill("mailbox", "noreply@contoso.com");
    j.shot("describe");
    j.save_and_go_on();
    let guide = j.s.find("[data-testid=guide-permissions]").text();
    assert!(guide.contains("Mail.Send") && guide.contains("Application"), "{guide}");
    assert_eq!(j.step_state("watch"), "todo", "nothing is watched before a sign-in works");
    j.shot("register");

    j.step("signIn");
    j.press("Test sign-in", "[data-testid=auth-report]", "Mail.Send");
    no_warning(&j, "[data-testid=auth-report]");
    assert_eq!(j.step_state("signIn"), "done");
    j.shot("sign-in");

    j.step("test");
    send_test(&mut j);
    let sent = idp.state.lock().unwrap().graph_sent.clone();
    assert_eq!(sent.len(), 1, "one message through Graph");
    assert_eq!(sent[0].0, "noreply@contoso.com");
    // The step says it in a person's words, not the server's reply.
    let summary = j.wait_text("[data-testid=step-summary]", "Sent to noreply@contoso.com at ", 10);
    assert!(!summary.contains("202"), "{summary}");
    j.shot("test");

    j.step("handover");
    let values = j.s.find("[data-testid=handover-values]").text();
    assert!(values.contains("Directory (tenant) ID") && values.contains("Application (client) ID"), "{values}");
    hand_over_secret(&mut j, SECRET);
    j.shot("handover");
    watch_done(&mut j);
    assert!(j.s.find("[data-testid=step-summary]").text().contains("days left"));
}

#[test]
fn seed_001_cxt_password_sign_in_over_smtp() {
    let idp = Idp::start();
    app(&idp, false, &[], &[], &[]);
    idp.allow_public_client_flows(CLIENT, true);
    idp.add_user("erp@contoso.com", "Mailbox-Passw0rd!", false);
    let mail =
        MailServers::start(&idp.ca, &idp.introspect_url, &[("erp@contoso.com", "erp@contoso.com")], "contoso.com");
    let mut j = Journey::start("001-cxt", &idp);
    describe(&j, &idp, "CXT", "password", "smtp");
    j.fill("clientId", CLIENT);
    j.fill("scopes", "https://outlook.office365.com/SMTP.Send offline_access");
    j.fill("mailbox", "erp@contoso.com");
    j.fill("password", "Mailbox-Passw0rd!");
    servers(&j, &mail, false);
    assert!(j.s.find("[data-testid=ropc-warning]").text().contains("Microsoft discourages"));
    j.shot("describe");
    j.save_and_go_on();
    assert!(j.s.find("[data-testid=guide]").text().contains("Allow public client flows"));
    j.shot("register");

    j.step("signIn");
    j.press("Test sign-in", "[data-testid=auth-report]", "SMTP.Send");
    // Microsoft's caution about the password sign-in is said once, beside the
    // method (Describe), not again in red after a sign-in that worked.
    no_warning(&j, "[data-testid=auth-report]");
    j.shot("sign-in");

    j.step("test");
    send_test(&mut j);
    let reply = j.s.find("[data-testid=send-reply]").text();
    assert!(reply.starts_with("250"), "{reply}\n{}", mail.log());
    let id = j.s.script("return document.querySelector('[data-testid=send-result] dd.mono').textContent.trim();");
    mail.wait_delivered("erp@contoso.com", id.as_str().unwrap().split_whitespace().next().unwrap());
    j.shot("test");

    // CXT takes the client ID and the mailbox: the values, each with its other names.
    j.step("handover");
    let values = j.s.find("[data-testid=handover-values]").text();
    assert!(values.contains("Application (client) ID") && values.contains("user principal name"), "{values}");
    assert!(!j.s.source().contains("Mailbox-Passw0rd!"), "the password reached the page");
    program_then_watch(&mut j, "msmtp", "passwordeval");
}

#[test]
fn seed_002_onit_web_redirect_pasted_and_refresh_token_handed_over() {
    let idp = Idp::start();
    app(&idp, true, &[], &["https://localhost"], &[]);
    let mail =
        MailServers::start(&idp.ca, &idp.introspect_url, &[("erp@contoso.com", "erp@contoso.com")], "contoso.com");
    let mut j = Journey::start("002-onit", &idp);
    describe(&j, &idp, "Onit", "auth-code", "smtp");
    j.fill("clientId", CLIENT);
    j.fill("redirectUri", "https://localhost");
    j.fill("clientSecret", SECRET);
    j.fill("scopes", "https://outlook.office365.com/SMTP.Send offline_access");
    j.fill("mailbox", "erp@contoso.com");
    servers(&j, &mail, false);
    j.shot("describe");
    j.save_and_go_on();
    assert!(j.s.find("[data-testid=guide]").text().contains("Web"));
    j.shot("register");

    // The paste route: open the address, sign in, paste where the browser ended.
    j.step("signIn");
    j.s.button("Connect your Outlook account").click();
    j.s.find("[data-testid=manual]");
    let url = j.s.script("return document.querySelector('[data-testid=manual] input[readonly]').value;");
    let redirect = idp.sign_in(url.as_str().unwrap());
    j.s.find("#pasted").type_text(&redirect);
    j.shot("sign-in-paste");
    j.press("Finish", "[data-testid=connected-account]", "erp@contoso.com");
    j.shot("sign-in");

    j.step("test");
    send_test(&mut j);
    assert!(j.s.find("[data-testid=send-reply]").text().starts_with("250"), "{}", mail.log());
    j.shot("test");

    // The refresh token for Onit: Mailwarden keeps its own copy; both stay valid.
    j.step("handover");
    j.s.find("[data-testid=handover-token]").click();
    let dialog = j.s.find("[role=alertdialog]").text();
    assert!(dialog.contains("Both copies stay valid"), "{dialog}");
    j.s.find("[data-testid=confirm-ok]").click();
    j.wait_text("[data-testid=handover-history]", "refresh token was handed over", 10);
    let token = mailwarden_tests::clipboard();
    let live = idp.state.lock().unwrap().refresh_tokens.get(&token).is_some_and(|g| !g.revoked);
    assert!(live, "the clipboard holds a live refresh token");
    assert!(!j.s.source().contains(&token), "the token reached the page");
    j.shot("handover");
    // The watch needs the secret's expiry: the portal's row gives it.
    j.step("watch");
    assert_eq!(j.step_state("watch"), "failing", "expiry unknown is something to do");
    j.s.find("[data-testid=secrets] summary").click();
    // Typed with spaces: a Tab key would move the focus (a paste keeps the tabs).
    j.fill("current-row", "Onit   6/16/2027   JRN...   0667485f-2d81-4cef-97f8-723b3fec0642");
    j.press("Use row", "[data-testid=current-row-note]", "expires on 2027-06-16");
    j.step("handover");
    watch_done(&mut j);
}

#[test]
fn seed_003_invent_erp_loopback_smtp_and_imap() {
    let idp = Idp::start();
    app(&idp, false, &["http://localhost"], &[], &[]);
    let mail =
        MailServers::start(&idp.ca, &idp.introspect_url, &[("erp@contoso.com", "erp@contoso.com")], "contoso.com");
    let mut j = Journey::start("003-invent-erp", &idp);
    describe(&j, &idp, "Invent ERP", "auth-code", "smtp");
    j.fill("clientId", CLIENT);
    j.fill(
        "scopes",
        "https://outlook.office365.com/SMTP.Send https://outlook.office365.com/IMAP.AccessAsUser.All offline_access",
    );
    j.fill("mailbox", "erp@contoso.com");
    servers(&j, &mail, true);
    j.shot("describe");
    j.save_and_go_on();
    let guide = j.s.find("[data-testid=guide]").text();
    assert!(guide.contains("Mobile and desktop applications") && guide.contains("IMAP.AccessAsUser.All"), "{guide}");
    j.shot("register");

    j.step("signIn");
    j.press("Connect your Outlook account", "[data-testid=connected-account]", "erp@contoso.com");
    j.shot("sign-in");

    j.step("test");
    send_test(&mut j);
    assert!(j.s.find("[data-testid=send-reply]").text().starts_with("250"), "{}", mail.log());
    j.press("Check inbound", "[data-testid=inbound-result]", "");
    j.shot("test");

    j.step("handover");
    program_then_watch(&mut j, "neomutt", "imap_oauth_refresh_command");
}

#[test]
fn seed_004_catalyst_registered_by_mailwarden() {
    let idp = Idp::start();
    idp.with_admin(TENANT, "admin@contoso.com");
    idp.state.lock().unwrap().user = "admin@contoso.com".into();
    {
        let mut s = idp.state.lock().unwrap();
        s.graph_users.insert("catalyst@contoso.com".into());
        s.graph_unlicensed.insert("catalyst@contoso.com".into());
    }
    let mut j = Journey::start("004-catalyst", &idp);
    // No registration yet: no client ID, no secret.
    describe(&j, &idp, "Catalyst", "client-credentials", "graph");
    j.fill("scopes", &format!("{}/.default", idp.base));
    j.fill("mailbox", "catalyst@contoso.com");
    j.shot("describe");
    j.save_and_go_on();
    j.s.find("[data-testid=no-client-id]");
    j.s.find("[data-testid=registration-create]").click();
    j.wait_text("[data-testid=registration-plan]", "Create the app registration", 30);
    let plan = j.s.find("[data-testid=registration-plan]").text();
    assert!(plan.contains("As admin@contoso.com") && plan.contains("Add a client secret"), "{plan}");
    j.shot("register-plan");
    j.s.find("[data-testid=registration-apply]").click();
    j.wait_text("[data-testid=registration-report]", "in line with this profile", 30);
    j.shot("register-done");
    let client = j.db.run(&["profile", "show", "Catalyst", "--json"], None);
    let v: serde_json::Value = serde_json::from_slice(&client.stdout).unwrap();
    let client_id = v["clientId"].as_str().unwrap().to_owned();
    let secret = idp.state.lock().unwrap().apps[&client_id].secret.clone().unwrap();
    assert!(!j.s.source().contains(&secret), "the created secret reached the page");

    j.step("signIn");
    j.press("Test sign-in", "[data-testid=auth-report]", "Mail.Send");
    no_warning(&j, "[data-testid=auth-report]");
    j.shot("sign-in");

    // Seed 004's step 4: the mailbox needs an Exchange Online licence.
    j.step("test");
    j.s.button("Send test message").click();
    j.s.wait_until("the diagnosis", 30, |s| s.count("[data-testid=diagnosis]") > 0);
    assert!(j.visible_diagnosis().contains("MailboxNotEnabledForRESTAPI"), "{}", j.visible_diagnosis());
    j.shot("test-unlicensed");
    idp.state.lock().unwrap().graph_unlicensed.clear();
    // Within seconds of the first: refused as a burst, then sent anyway.
    j.s.button("Send test message").click();
    j.s.find("[data-testid=send-anyway]").click();
    j.wait_text("[data-testid=send-result]", "", 30);
    assert_eq!(idp.state.lock().unwrap().graph_sent.len(), 1);
    no_warning(&j, "[data-testid=send-result]");
    j.shot("test");

    j.step("handover");
    hand_over_secret(&mut j, &secret);
    j.shot("handover");
    watch_done(&mut j);
}
