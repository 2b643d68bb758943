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
