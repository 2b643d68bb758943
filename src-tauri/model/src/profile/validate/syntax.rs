//! Small syntax checks: GUIDs, addresses, host names, dates.
//!
//! Hand-written because each is a few lines and the crates that exist for them
//! (full RFC 5322 address parsers, uuid) either accept far more than a person
//! should type here or reject the shapes Entra shows.

use time::{Date, Month};

/// 8-4-4-4-12 hexadecimal, as Entra shows client, tenant and secret IDs.
pub fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts.iter().zip([8, 4, 4, 4, 12]).all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && !local.chars().any(|c| c.is_whitespace() || c == '@' || c.is_control())
        && domain.contains('.')
        && is_hostname(domain)
}

pub fn is_hostname(s: &str) -> bool {
    if s.is_empty() || s.len() > 253 {
        return false;
    }
    if s.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    s.trim_end_matches('.').split('.').all(|l| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    })
}

pub fn is_loopback_host(h: &str) -> bool {
    let h = h.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost") || h.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// `http://localhost…` or `http://127.0.0.1…`: a desktop app's loopback
/// redirect, which Entra treats as a public client's (the loopback listener
/// serves exactly these).
pub fn is_public_loopback(uri: &str) -> bool {
    url::Url::parse(uri)
        .is_ok_and(|u| u.scheme() == "http" && matches!(u.host_str(), Some("localhost") | Some("127.0.0.1")))
}

/// `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<Date> {
    let mut it = s.split('-');
    let (y, m, d) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() || y.len() != 4 {
        return None;
    }
    let month = Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert!(is_guid("0667485f-2d81-4cef-97f8-723b3fec0642"));
        assert!(!is_guid("0667485f-2d81-4cef-97f8-723b3fec064"));
        assert!(!is_guid("WvR8Q~dburnMyAJOayfq9DUm61D~M"));
        assert!(is_email("invoices@contoso.com"));
        assert!(!is_email("invoices@contoso"));
        assert!(!is_email("in voices@contoso.com"));
        assert!(is_hostname("smtp.office365.com") && is_hostname("127.0.0.1") && !is_hostname("smtp_office.com"));
        assert!(is_loopback_host("localhost") && is_loopback_host("127.0.0.1") && is_loopback_host("[::1]"));
        assert!(!is_loopback_host("example.com"));
        assert_eq!(parse_date("2027-04-16").map(|d| d.to_string()), Some("2027-04-16".into()));
        assert!(parse_date("2027-02-30").is_none() && parse_date("4/16/2025").is_none());
    }
}
