//! Property tests (bounded fuzzing inside `make test`): every parser that takes
//! input from a person, a file or a server returns a value or an error for
//! any input — never a panic — and keeps its promises on well-formed input.

use crate::oauth::{claims, loopback, manual};
use crate::watch::portal_row::{parse_portal_row, DateOrder};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() }
}

/// Text that looks like what the parsers see: URL pieces, separators, tabs,
/// digits, wide and combining characters, control bytes.
fn texty() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("https://localhost/?".to_owned()),
        Just("http://127.0.0.1:8400/cb?".to_owned()),
        Just("code=".to_owned()),
        Just("state=".to_owned()),
        Just("error=".to_owned()),
        Just("&".to_owned()),
        Just("#".to_owned()),
        Just("%".to_owned()),
        Just("\t".to_owned()),
        Just("/".to_owned()),
        Just("...".to_owned()),
        Just("ｌｏｃａｌｈｏｓｔ".to_owned()),
        Just("e\u{301}".to_owned()),
        "[0-9]{1,4}".prop_map(|s| s),
        "[a-zA-Z~._-]{1,12}".prop_map(|s| s),
        any::<char>().prop_map(|c| c.to_string()),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn pasted_addresses_never_panic(s in texty()) {
        let _ = manual::parse_pasted(&s);
    }

    #[test]
    fn a_pasted_redirect_gives_back_its_code(code in "[A-Za-z0-9._~-]{1,64}", state in "[A-Za-z0-9_-]{1,32}") {
        let url = format!("https://localhost/?code={code}&state={state}&session_state=x");
        prop_assert_eq!(
            manual::parse_pasted(&url),
            Ok(manual::Pasted::Code { code, state: Some(state) })
        );
    }

    #[test]
    fn jwt_claims_never_panic(header in texty(), payload in prop::collection::vec(any::<u8>(), 0..512), sig in texty()) {
        let _ = claims::decode(&format!("{header}.{}.{sig}", B64URL.encode(&payload)));
        let _ = claims::decode(&header);
    }

    #[test]
    fn jwt_claims_of_any_json_shape_never_panic(
        aud in prop_oneof![Just(serde_json::json!("https://outlook.office.com")), Just(serde_json::json!(42)), Just(serde_json::json!(["a", 1])), Just(serde_json::Value::Null)],
        exp in any::<i64>(),
        scp in texty(),
        roles in prop::collection::vec(texty(), 0..4),
    ) {
        let body = serde_json::json!({"aud": aud, "exp": exp, "scp": scp, "roles": roles, "upn": scp});
        let token = format!("eyJ0eXAiOiJKV1QifQ.{}.sig", B64URL.encode(body.to_string()));
        let _ = claims::decode(&token);
    }

    #[test]
    fn smtp_replies_never_panic(code in 0u16..1000, text in texty(), raw in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = crate::diagnosis::smtp::explain(code, &text);
        let _ = crate::diagnosis::smtp::enhanced_status(&text);
        let mut r = std::io::BufReader::new(std::io::Cursor::new(raw));
        while let Ok(line) = crate::mail::net::read_line(&mut r) {
            if line.is_empty() {
                break;
            }
            let _ = std::str::FromStr::from_str(&line).map(|r: lettre::transport::smtp::response::Response| r.code());
        }
    }

    #[test]
    fn portal_rows_never_panic(s in texty(), us in any::<bool>()) {
        let order = if us { DateOrder::MonthFirst } else { DateOrder::DayFirst };
        let _ = parse_portal_row(&s, order);
    }

    #[test]
    fn a_copied_portal_row_is_read_back(desc in "[A-Za-z][A-Za-z ]{0,20}", hint in "[A-Za-z0-9]{3}", month in 1u8..=12, day in 1u8..=28, year in 2025i32..2030) {
        let id = "0667485f-2d81-4cef-97f8-723b3fec0642";
        let row = format!("{desc}\t{month}/{day}/{year}\t{hint}~abc...\t{id}");
        let parsed = parse_portal_row(&row, DateOrder::MonthFirst).unwrap();
        prop_assert_eq!(parsed.secret_id.as_str(), id);
        prop_assert_eq!(parsed.expires, format!("{year}-{month:02}-{day:02}"));
        prop_assert_eq!(parsed.description, desc.trim().to_owned());
    }

    #[test]
    fn loopback_requests_never_panic(raw in prop::collection::vec(any::<u8>(), 0..600), s in texty()) {
        let _ = loopback::request_target(&raw);
        let _ = loopback::request_target(format!("GET {s} HTTP/1.1\r\n\r\n").as_bytes());
    }

    #[test]
    fn profile_validation_never_panics(redirect in texty(), host in texty(), port in texty(), tenant in texty(), date in texty()) {
        let mut d = crate::profile::ProfileDraft::new(
            crate::profile::Provider::Microsoft365,
            crate::profile::AuthMethod::AuthCode,
            crate::profile::SendMethod::Smtp,
        );
        d.name = "Fuzz".into();
        d.redirect_uri = redirect;
        d.smtp_host = host;
        d.smtp_port = port;
        d.tenant = tenant;
        d.client_secret_expires = date;
        let _ = crate::profile::validate(&d, None, crate::profile::TEST_TODAY);
    }
}
