//! The manual flow's input: a pasted redirected URL (or a bare code), for
//! redirect URIs nothing local can serve (seed 001's `https://localhost`).

use crate::diagnosis::ProviderError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pasted {
    Code { code: String, state: Option<String> },
    Error(ProviderError),
}

/// Parse what the person pasted: a full URL with `code`/`state` or
/// `error`/`error_description` in the query (or fragment), or a bare code.
pub fn parse_pasted(input: &str) -> Result<Pasted, String> {
    let t = input.trim();
    if t.is_empty() {
        return Err(
            "Nothing was pasted. Copy the whole address from the browser's address bar after signing in.".into()
        );
    }
    if let Ok(u) = url::Url::parse(t) {
        let mut pairs: Vec<(String, String)> = u.query_pairs().into_owned().collect();
        if let Some(f) = u.fragment() {
            pairs.extend(url::form_urlencoded::parse(f.as_bytes()).into_owned());
        }
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        if let Some(error) = get("error") {
            return Ok(Pasted::Error(ProviderError {
                error,
                error_description: get("error_description"),
                error_uri: get("error_uri"),
                ..Default::default()
            }));
        }
        return match get("code") {
            Some(code) if !code.is_empty() => Ok(Pasted::Code { code, state: get("state") }),
            _ => Err("That address has no code in it. Paste the address the browser shows after you signed in (it contains ?code=…).".into()),
        };
    }
    let looks_like_code =
        t.len() >= 10 && !t.chars().any(char::is_whitespace) && t.chars().all(|c| c.is_ascii_graphic());
    if looks_like_code && !t.contains("://") {
        Ok(Pasted::Code { code: t.to_owned(), state: None })
    } else {
        Err("That is neither the redirected address nor an authorization code. Copy the whole address from the browser's address bar.".into())
    }
}

/// A manual sign-in waiting for its pasted address: what checks the answer.
pub(crate) struct Pending {
    state: String,
    verifier: oauth2::PkceCodeVerifier,
}

impl super::Tokens<'_> {
    /// Manual sign-in, step 1: the address to open. The engine keeps what
    /// checks the answer (state, PKCE verifier) until step 2.
    pub fn manual_start(&self, id: i64) -> crate::error::Result<String> {
        let req = self.authorize_request(id)?;
        self.pending_manual().insert(id, Pending { state: req.state, verifier: req.verifier });
        tracing::info!(profile = id, "sign-in: manual, waiting for the pasted address");
        Ok(req.url)
    }

    /// Manual sign-in, step 2: the pasted address (or a bare code). An error
    /// the address carries is explained; an address from another attempt
    /// (state mismatch) is refused and the sign-in stays open for the right
    /// one; otherwise the code is redeemed with this attempt's verifier.
    pub fn manual_finish(&self, id: i64, pasted: &str) -> crate::error::Result<crate::oauth::TokenRecord> {
        use crate::error::CoreError;
        let parsed = parse_pasted(pasted).map_err(|m| CoreError::invalid("pasted", m))?;
        match parsed {
            Pasted::Error(pe) => {
                self.pending_manual().remove(&id);
                Err(CoreError::Auth(Box::new(self.diagnose_pasted(id, &pe)?)))
            }
            Pasted::Code { code, state } => {
                let mut pending = self.pending_manual();
                let Some(p) = pending.remove(&id) else {
                    return Err(CoreError::Flow(
                        "No sign-in was started for this profile here; start Connect again.".into(),
                    ));
                };
                if state.as_deref().is_some_and(|s| s != p.state) {
                    pending.insert(id, p);
                    return Err(CoreError::invalid(
                        "pasted",
                        "That address belongs to another sign-in attempt (its state does not match). Paste the address from this attempt, or start Connect again.",
                    ));
                }
                drop(pending);
                self.exchange_code(id, &code, p.verifier)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_codes_errors_and_garbage() {
        assert_eq!(
            parse_pasted("https://localhost/?code=0.AXEA-abc&state=xyz&session_state=1").unwrap(),
            Pasted::Code { code: "0.AXEA-abc".into(), state: Some("xyz".into()) }
        );
        match parse_pasted("https://localhost/?error=access_denied&error_description=AADSTS65004%3A+User+declined")
            .unwrap()
        {
            Pasted::Error(e) => {
                assert_eq!(e.error, "access_denied");
                assert_eq!(e.aadsts(), Some(65004));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            parse_pasted("  0.AXEAbarecode123  ").unwrap(),
            Pasted::Code { code: "0.AXEAbarecode123".into(), state: None }
        );
        assert!(parse_pasted("").is_err());
        assert!(parse_pasted("hello world").is_err());
        assert!(parse_pasted("https://localhost/?state=only").is_err());
    }
}
