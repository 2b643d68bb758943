//! Applying command-line fields to a draft, and reading secrets safely.

use crate::args::FieldArgs;
use mailwarden_engine::{rebase, AuthMethod, CertificateRequest, Choices, CoreError, ProfileDraft, SecretChange};
use std::io::{BufRead, IsTerminal};

/// Switch choices first (so defaults follow), then apply every given field.
pub fn apply(d: &mut ProfileDraft, choices: Choices, f: FieldArgs) -> Result<(), CoreError> {
    let choices = Choices { cloud: f.cloud.unwrap_or(choices.cloud), ..choices };
    if choices != Choices::of(d) {
        rebase(d, choices);
    }
    let set = |field: &mut String, v: Option<String>| {
        if let Some(v) = v {
            *field = v;
        }
    };
    if f.enable {
        d.enabled = true;
    }
    if f.disable {
        d.enabled = false;
    }
    set(&mut d.notes, f.notes);
    set(&mut d.mailbox, f.mailbox);
    set(&mut d.from_address, f.from_address);
    set(&mut d.domain, f.domain);
    set(&mut d.tenant, f.tenant);
    set(&mut d.authority_url, f.authority_url);
    set(&mut d.graph_url, f.graph_url);
    set(&mut d.client_id, f.client_id);
    set(&mut d.client_secret_id, f.secret_id);
    set(&mut d.client_secret_expires, f.secret_expires);
    set(&mut d.scopes, f.scopes);
    set(&mut d.redirect_uri, f.redirect_uri);
    set(&mut d.auth_url, f.auth_url);
    set(&mut d.token_url, f.token_url);
    set(&mut d.smtp_host, f.smtp_host);
    set(&mut d.smtp_port, f.smtp_port);
    set(&mut d.imap_host, f.imap_host);
    set(&mut d.imap_port, f.imap_port);
    set(&mut d.pop3_host, f.pop3_host);
    set(&mut d.pop3_port, f.pop3_port);
    if let Some(t) = f.smtp_security {
        d.smtp_security = t;
    }
    if let Some(t) = f.imap_security {
        d.imap_security = t;
    }
    if let Some(t) = f.pop3_security {
        d.pop3_security = t;
    }
    if f.client_secret_stdin {
        d.client_secret = read_stdin_secret("client secret")?;
    } else if f.client_secret_prompt {
        d.client_secret = prompt("Client secret Value: ")?;
    } else if f.clear_client_secret {
        d.client_secret = SecretChange::Clear;
    }
    if f.create_certificate {
        d.certificate = CertificateRequest::Create { days: f.certificate_days.unwrap_or(365) };
    } else if let Some(path) = &f.certificate_file {
        let text = crate::certificate_cmd::read_pem(path)?;
        d.certificate = CertificateRequest::Pem { text: text.into() };
    }
    if f.password_stdin {
        d.password = read_stdin_secret("password")?;
    } else if f.password_prompt {
        d.password = prompt("Password: ")?;
    } else if f.clear_password {
        d.password = SecretChange::Clear;
    }
    Ok(())
}

/// On `add` at a terminal, ask for the secret the method needs if none was given.
pub fn prompt_missing(d: &mut ProfileDraft) -> Result<(), CoreError> {
    if !std::io::stdin().is_terminal() {
        return Ok(());
    }
    let certificate = !matches!(d.certificate, CertificateRequest::Keep);
    if d.auth_method == AuthMethod::ClientCredentials && matches!(d.client_secret, SecretChange::Keep) && !certificate {
        d.client_secret = prompt("Client secret Value (from Certificates & secrets): ")?;
    }
    if d.auth_method.uses_password() && matches!(d.password, SecretChange::Keep) {
        d.password = prompt("Password: ")?;
    }
    Ok(())
}

fn read_stdin_secret(what: &str) -> Result<SecretChange, CoreError> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CoreError::io(format!("Could not read the {what} from standard input"), e))?;
    let value = line.trim_end_matches(['\r', '\n']).to_owned();
    line.clear();
    Ok(SecretChange::set(value))
}

fn prompt(label: &str) -> Result<SecretChange, CoreError> {
    rpassword::prompt_password(label)
        .map(SecretChange::set)
        .map_err(|e| CoreError::io("Could not read from the terminal", e))
}
