//! Sixty malformed profiles and CLI invocations: each is refused with the field
//! (as its flag) and a message that says what to fix, and the database is left
//! exactly as it was.

use mailwarden_tests::{text, TempDb};

const CLIENT: &str = "351d6cb2-1c69-4081-9cc2-a769d71567cb";
const TENANT: &str = "d9f2fc08-d549-4fcc-bae2-2286c314d3cd";

struct Case {
    args: Vec<String>,
    stdin: Option<&'static str>,
    flag: &'static str,
    says: &'static str,
}

/// `profile add` for a valid delegated Microsoft 365 SMTP profile, plus `extra`
/// (later flags override earlier ones).
fn add(extra: &[&str]) -> Vec<String> {
    let mut a: Vec<String> =
        ["profile", "add", "--name", "New one", "--mailbox", "erp@contoso.com", "--client-id", CLIENT]
            .iter()
            .map(|s| s.to_string())
            .collect();
    // Let a case replace a base flag's value instead of repeating the flag.
    let mut i = 0;
    while i < extra.len() {
        let flag = extra[i];
        let takes_value = i + 1 < extra.len() && !extra[i + 1].starts_with("--");
        if let Some(pos) = a.iter().position(|x| x == flag) {
            if takes_value {
                a[pos + 1] = extra[i + 1].to_string();
                i += 2;
                continue;
            }
        }
        a.push(flag.to_string());
        if takes_value {
            a.push(extra[i + 1].to_string());
            i += 1;
        }
        i += 1;
    }
    a
}

fn edit(extra: &[&str]) -> Vec<String> {
    let mut a = vec!["profile".to_string(), "edit".into(), "Existing".into()];
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

fn case(args: Vec<String>, flag: &'static str, says: &'static str) -> Case {
    Case { args, stdin: None, flag, says }
}

fn with_stdin(mut c: Case, stdin: &'static str) -> Case {
    c.stdin = Some(stdin);
    c
}

fn cases() -> Vec<Case> {
    let long_name = "n".repeat(101);
    let long_notes = "x".repeat(4001);
    let cc = ["--auth", "client-credentials", "--tenant", TENANT];
    let cc_with = |more: &[&str]| -> Vec<String> {
        let mut v: Vec<&str> = cc.to_vec();
        v.extend_from_slice(more);
        add(&v)
    };
    vec![
        case(add(&["--name", ""]), "--name", "Name is required"),
        case(add(&["--name", &long_name]), "--name", "too long"),
        case(add(&["--name", "tab\there"]), "--name", "control character"),
        case(add(&["--name", "EXISTING"]), "--name", "already exists"),
        case(add(&["--mailbox", ""]), "--mailbox", "Mailbox is required"),
        case(add(&["--mailbox", "bob"]), "--mailbox", "not an email address"),
        case(add(&["--mailbox", "bob smith@contoso.com"]), "--mailbox", "contains a space"),
        case(add(&["--from", "not-an-address"]), "--from", "not an email address"),
        case(add(&["--domain", "user@contoso.com"]), "--domain", "just the domain"),
        case(add(&["--domain", "bad_domain.com"]), "--domain", "not a valid domain"),
        case(add(&["--provider", "google", "--client-id", ""]), "--client-id", "Client ID is required"),
        case(add(&["--client-id", "nope"]), "--client-id", "not a GUID"),
        case(add(&["--client-id", "351d6cb2-1c69-4081-9cc2-a769d71567c"]), "--client-id", "not a GUID"),
        case(add(&["--provider", "google"]), "--client-id", "apps.googleusercontent.com"),
        case(add(&["--tenant", ""]), "--tenant", "Tenant is required"),
        case(add(&["--tenant", "not a tenant!"]), "--tenant", "neither a GUID"),
        case(cc_with(&["--tenant", "common"]), "--tenant", "AADSTS9001023"),
        case(cc_with(&["--tenant", "organizations"]), "--tenant", "AADSTS9001023"),
        case(add(&["--provider", "outlook", "--tenant", "organizations"]), "--tenant", "consumers"),
        with_stdin(
            case(add(&["--client-secret-stdin"]), "--client-secret-stdin", "Secret ID"),
            "0667485f-2d81-4cef-97f8-723b3fec0642\n",
        ),
        with_stdin(
            case(add(&["--client-secret-stdin"]), "--client-secret-stdin", "cut short"),
            "WvR8Q~dburnMyAJOayfq9DUm61D~M...\n",
        ),
        with_stdin(case(add(&["--client-secret-stdin"]), "--client-secret-stdin", "spaces"), "WvR8Q~abc def\n"),
        with_stdin(case(add(&["--client-secret-stdin"]), "--client-secret-stdin", "empty"), "\n"),
        case(cc_with(&["--send", "graph"]), "--client-secret-stdin", "required for app-only"),
        case(add(&["--secret-id", "abc"]), "--secret-id", "Secret ID is a GUID"),
        case(add(&["--secret-expires", "4/16/2025"]), "--secret-expires", "not a date"),
        case(add(&["--secret-expires", "2027-02-30"]), "--secret-expires", "not a date"),
        case(add(&["--secret-expires", "0016-12-04"]), "--secret-expires", "not a plausible date"),
        case(add(&["--secret-expires", "2704-16-20"]), "--secret-expires", "not a date"),
        case(add(&["--secret-expires", "2704-12-20"]), "--secret-expires", "not a plausible date"),
        case(add(&["--scopes", ""]), "--scopes", "Scopes are required"),
        case(add(&["--scopes", "https://outlook.office.com/SMTP.Send,offline_access"]), "--scopes", "not commas"),
        case(
            add(&["--scopes", "https://graph.microsoft.com/SMTP.Send offline_access"]),
            "--scopes",
            "https://outlook.office.com/SMTP.Send",
        ),
        case(
            add(&[
                "--scopes",
                "https://outlook.office.com/SMTP.Send https://graph.microsoft.com/Mail.Send offline_access",
            ]),
            "--scopes",
            "AADSTS28000",
        ),
        case(add(&["--scopes", "https://outlook.office.com/SMTP.Send"]), "--scopes", "offline_access"),
        with_stdin(
            case(
                cc_with(&[
                    "--send",
                    "graph",
                    "--scopes",
                    "https://graph.microsoft.com/Mail.Send",
                    "--client-secret-stdin",
                ]),
                "--scopes",
                "AADSTS1002012",
            ),
            "WvR8Q~good\n",
        ),
        with_stdin(
            case(
                cc_with(&["--scopes", "https://graph.microsoft.com/.default", "--client-secret-stdin"]),
                "--scopes",
                "https://outlook.office365.com/.default",
            ),
            "WvR8Q~good\n",
        ),
        case(
            add(&["--send", "graph", "--scopes", "https://outlook.office.com/SMTP.Send offline_access"]),
            "--scopes",
            "Graph scope",
        ),
        case(add(&["--provider", "google", "--send", "graph"]), "--send", "Microsoft Graph can only"),
        case(add(&["--provider", "outlook", "--auth", "client-credentials"]), "--auth", "Personal Outlook.com"),
        case(add(&["--redirect-uri", ""]), "--redirect-uri", "Redirect URI is required"),
        case(add(&["--redirect-uri", "http://example.com/cb"]), "--redirect-uri", "only allowed for localhost"),
        case(add(&["--redirect-uri", "not a url"]), "--redirect-uri", "not a URL"),
        case(add(&["--redirect-uri", "http://[::1]/cb"]), "--redirect-uri", "[::1]"),
        case(add(&["--cloud", "custom"]), "--authority-url", "Authority URL is required"),
        case(add(&["--cloud", "custom", "--authority-url", "http://login.example.com"]), "--authority-url", "https"),
        case(
            add(&[
                "--provider",
                "custom",
                "--smtp-host",
                "mail.example.net",
                "--auth-url",
                "https://idp.example.net/auth",
            ]),
            "--token-url",
            "Token URL is required",
        ),
        case(add(&["--smtp-host", ""]), "--smtp-host", "SMTP server is required"),
        case(add(&["--smtp-host", "https://smtp.office365.com"]), "--smtp-host", "host name only"),
        case(add(&["--smtp-port", "0"]), "--smtp-port", "1 to 65535"),
        case(add(&["--smtp-port", "70000"]), "--smtp-port", "1 to 65535"),
        case(add(&["--smtp-port", "abc"]), "--smtp-port", "1 to 65535"),
        case(add(&["--smtp-port", "-1"]), "--smtp-port", "1 to 65535"),
        case(add(&["--imap-host", "outlook.office365.com", "--imap-port", "-993"]), "--imap-port", "1 to 65535"),
        case(add(&["--smtp-port", "465", "--smtp-security", "tls"]), "--smtp-port", "does not accept port 465"),
        case(add(&["--smtp-port", "465", "--smtp-security", "starttls"]), "--smtp-port", "does not accept port 465"),
        case(add(&["--smtp-port", "587", "--smtp-security", "tls"]), "--smtp-security", "Security to STARTTLS"),
        case(add(&["--redirect-uri", "https://localhost"]), "--redirect-uri", "Mobile and desktop applications"),
        case(
            add(&[
                "--provider",
                "custom",
                "--auth",
                "basic",
                "--smtp-host",
                "mail.example.net",
                "--smtp-security",
                "tls",
            ]),
            "--smtp-port",
            "587 uses STARTTLS",
        ),
        case(add(&["--smtp-security", "none"]), "--smtp-security", "clear text"),
        case(add(&["--imap-port", "99999"]), "--imap-port", "1 to 65535"),
        case(add(&["--imap-host", "bad host"]), "--imap-host", "not a valid host name"),
        case(add(&["--auth", "basic"]), "--password-stdin", "Password is required"),
        with_stdin(case(add(&["--auth", "basic", "--password-stdin"]), "--password-stdin", "Password is empty"), "\n"),
        case(add(&["--notes", &long_notes]), "--notes", "Notes are too long"),
        case(edit(&["--client-id", "not-a-guid"]), "--client-id", "not a GUID"),
        case(edit(&["--name", ""]), "--name", "Name is required"),
        case(edit(&["--mailbox", "bad"]), "--mailbox", "not an email address"),
        case(edit(&["--clear-client-secret"]), "--client-secret-stdin", "required for app-only"),
    ]
}

#[test]
fn every_bad_input_is_refused_with_its_field_and_nothing_changes() {
    let db = TempDb::new();
    db.add_app_only("Existing", "WvR8Q~seed-secret", &["--tenant", TENANT, "--client-id", CLIENT]);
    let before = db.dump();
    let all = cases();
    assert!(all.len() >= 40, "the issue asks for at least 40 cases");
    let mut failures = Vec::new();
    for (i, c) in all.iter().enumerate() {
        let args: Vec<&str> = c.args.iter().map(String::as_str).collect();
        let out = db.run(&args, c.stdin);
        let err = text(&out.stderr);
        let want = format!("{}: ", c.flag);
        let line = err.lines().find(|l| l.trim_start().starts_with(&want));
        let ok = out.status.code() == Some(1) && line.is_some_and(|l| l.contains(c.says));
        if !ok {
            failures.push(format!(
                "case {i} {:?}: exit {:?}, wanted `{want}…{}…`, got:\n{err}",
                c.args,
                out.status.code(),
                c.says
            ));
        }
        assert_eq!(db.dump(), before, "case {i} {:?} changed the database", c.args);
    }
    assert!(failures.is_empty(), "{} of {} cases wrong:\n{}", failures.len(), all.len(), failures.join("\n"));
}
