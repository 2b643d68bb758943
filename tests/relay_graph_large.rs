//! A scanner's 25 MB PDF through the relay to a profile that sends only by
//! Microsoft Graph (no SMTP sibling): over Graph's 4 MB request limit, it
//! goes as a draft made from its own MIME, the PDF uploaded through an
//! upload session in ranges of under 4 MB (to a URL that never sees the
//! bearer token), then sent — to exactly the envelope's recipients, a
//! Bcc given only in RCPT TO included. Without Mail.ReadWrite the message is
//! held naming that permission, and no draft is left behind.

use mailwarden_tests::mail_env::MailEnv;
use mailwarden_tests::relay::*;
use mailwarden_tests::text;
use std::process::Command;
use std::time::Duration;

/// Python composes and sends the scan; prints the PDF's SHA-256.
fn send_scan(port: u16, password: &str) -> String {
    let script = format!(
        r#"
import hashlib, random, smtplib, sys
from email.message import EmailMessage
pdf = b"%PDF-1.7\n" + random.Random(7).randbytes(25_000_000)
m = EmailMessage()
m["From"] = "Scanner <scanner@printer.lan>"
m["To"] = "erp@contoso.com"
m["Subject"] = "Scan 0042"
m["Message-ID"] = "<scan-0042@printer.lan>"
m.set_content("Your scan is attached.")
m.add_attachment(pdf, maintype="application", subtype="pdf", filename="scan 0042.pdf")
with smtplib.SMTP("127.0.0.1", {port}, timeout=120) as s:
    s.login("scanner", sys.stdin.readline().strip())
    s.send_message(m, to_addrs=["erp@contoso.com", "audit@contoso.com"])
print(hashlib.sha256(pdf).hexdigest())
"#
    );
    let mut c = Command::new("python3");
    c.args(["-c", &script]);
    let o = mailwarden_tests::run_with_stdin(c, Some(&format!("{password}\n")));
    assert!(o.status.success(), "{}{}", text(&o.stdout), text(&o.stderr));
    text(&o.stdout).trim().to_owned()
}

#[test]
fn a_25_mb_scan_goes_by_graph_as_a_draft_with_its_attachment_uploaded() {
    let env = MailEnv::new();
    graph_profile(&env, "Scans", "erp@contoso.com");
    let password = add_device_on(&env, "scanner", "Scans");
    let relay = Relay::start(&env);
    let sha = send_scan(relay.port, &password);

    // The app holds Mail.Send only: held, naming Mail.ReadWrite; no draft left.
    let held = mailwarden_tests::eventually_explained(
        "the scan held",
        Duration::from_secs(60),
        || queue(&env).into_iter().find(|m| !m["state"]["held"].is_null()),
        || format!("{:#?}", queue(&env)),
    );
    let why = held["state"]["held"].to_string();
    assert_eq!(held["state"]["held"]["code"], "graph_access_denied", "{why}");
    assert!(why.contains("Mail.ReadWrite") && why.contains("large message"), "{why}");
    {
        let s = env.idp.state.lock().unwrap();
        assert!(s.drafts.is_empty() && s.graph_sent.is_empty(), "nothing made, nothing sent");
    }
    // The guide and the registration check of a profile the relay sends
    // through ask for it (and "create this registration" adds what they want).
    let guide = text(&env.ok(&["guide", "Scans"], None).stdout).to_owned();
    assert!(guide.contains("Mail.ReadWrite") && guide.contains("the relay's messages over 4 MB"), "{guide}");
    let app = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9";
    env.idp.state.lock().unwrap().apps.get_mut(app).unwrap().app_roles.push("Application.Read.All".into());
    env.ok(&["disconnect", "Scans"], None);
    let o = env.run(&["registration", "check", "Scans", "--json"], None);
    let check: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_default();
    let missing = check["findings"].as_array().map(|f| {
        f.iter().any(|f| f["item"].as_str().is_some_and(|i| i.contains("Mail.ReadWrite")) && f["state"] == "mismatch")
    });
    assert_eq!(missing, Some(true), "{}{}", text(&o.stdout), text(&o.stderr));

    // Granted (with admin consent), retried: a draft, the PDF uploaded, sent.
    env.idp.state.lock().unwrap().apps.get_mut(app).unwrap().app_roles.push("Mail.ReadWrite".into());
    env.ok(&["disconnect", "Scans"], None);
    env.ok(&["relay", "queue", "retry", held["envelope"]["id"].as_str().unwrap()], None);
    let (mailbox, sent) = mailwarden_tests::eventually_explained(
        "the scan sent by Graph",
        Duration::from_secs(60),
        || env.idp.state.lock().unwrap().graph_sent.iter().find(|s| s.1["message"]["subject"] == "Scan 0042").cloned(),
        || format!("{:#?}", queue(&env)),
    );
    assert_eq!(mailbox, "erp@contoso.com");
    assert_eq!(sent["draft"], true, "sent as a draft");
    assert_eq!(sent["message"]["internetMessageId"], "<scan-0042@printer.lan>");
    let mut to: Vec<&str> = sent["deliveredTo"].as_array().unwrap().iter().filter_map(|v| v.as_str()).collect();
    to.sort();
    assert_eq!(to, ["audit@contoso.com", "erp@contoso.com"], "exactly the envelope");
    let attachments = sent["attachments"].as_array().unwrap();
    assert_eq!(attachments.len(), 1, "{sent:#}");
    assert_eq!(attachments[0]["name"], "scan 0042.pdf");
    assert_eq!(attachments[0]["contentType"], "application/pdf");
    assert_eq!(attachments[0]["size"], 25_000_009);
    assert_eq!(attachments[0]["sha256"], sha.as_str(), "the PDF, byte for byte");
    assert!(sent["raw"].as_str().unwrap().len() < 4096, "the draft held the text, not the PDF");
    {
        let s = env.idp.state.lock().unwrap();
        assert!(s.drafts.is_empty() && s.uploads.is_empty(), "nothing left at Graph");
    }
    wait_queue_empty(&env);
    relay.stop();
    let log = std::fs::read_to_string(env.db.dir.path().join("mailwarden.log")).unwrap_or_default();
    assert!(!log.contains("authtoken="), "an upload URL's authorization in the log");
}
