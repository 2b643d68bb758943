//! Where a profile's setup stands, as the steps the seeds' guides walk:
//! Describe → Register in Entra → Sign in → Test → Hand over → Watch. Each
//! step's state comes from what Mailwarden has seen (a saved profile, a token,
//! the latest tests, the hand-overs, the watch), never from a box someone
//! ticked; the editor opens at the first step not done.

use crate::{Mailwarden, Result, SharedClock, TestKind, TestResult};
use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum StepId {
    Describe,
    Register,
    SignIn,
    Test,
    Handover,
    Watch,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum StepState {
    Todo,
    Done,
    Failing,
    /// Not needed for this profile, or only when the person wants it.
    Optional,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SetupStep {
    pub id: StepId,
    pub title: String,
    pub state: StepState,
    /// One line: what was seen, or what to do.
    pub summary: String,
    /// The diagnosis code of a failing step, if one is known.
    pub code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SetupProgress {
    pub steps: Vec<SetupStep>,
    /// The first step to do or failing (Watch when all are done).
    pub current: StepId,
}

/// Sign-in failures that point at the app registration rather than the account.
fn registration_code(code: &str) -> bool {
    matches!(
        code.trim_start_matches("aadsts"),
        "7000215"
            | "7000222"
            | "700016"
            | "50011"
            | "500112"
            | "500113"
            | "900971"
            | "65001"
            | "7000218"
            | "700025"
            | "9002327"
            | "50194"
            | "9002332"
            | "9002331"
            | "70011"
            | "1002012"
            | "7000112"
    ) || matches!(code, "missing_admin_consent" | "missing_scope")
}

/// Whether RFC 3339 time `a` is at or after `b` (as instants; unreadable: no).
fn after(a: &str, b: &str) -> bool {
    use time::format_description::well_known::Rfc3339;
    use time::OffsetDateTime;
    matches!((OffsetDateTime::parse(a, &Rfc3339), OffsetDateTime::parse(b, &Rfc3339)), (Ok(a), Ok(b)) if a >= b)
}

fn step(id: StepId, title: &str, state: StepState, summary: impl Into<String>) -> SetupStep {
    SetupStep { id, title: title.into(), state, summary: summary.into(), code: None }
}

/// A step a failed test marks failing. Its line says what failed and when;
/// the panel's diagnosis (when shown) says why and what to do, so the line
/// never repeats it word for word.
fn failing(id: StepId, title: &str, t: &TestResult, clock: &SharedClock) -> SetupStep {
    use time::format_description::well_known::Rfc3339;
    let when = time::OffsetDateTime::parse(&t.at, &Rfc3339)
        .map(|at| format!(" at {}", mailwarden_model::clock::local_time(at, &clock.zone())))
        .unwrap_or_default();
    let what = t.kind.label();
    let what = what[..1].to_uppercase() + &what[1..];
    SetupStep {
        id,
        title: title.into(),
        state: StepState::Failing,
        summary: format!("{what}{when} failed: {}.", t.summary.trim_end_matches('.')),
        code: t.code.clone(),
    }
}

impl Mailwarden {
    /// The setup steps of profile `id` and where to go on.
    pub fn progress(&self, id: i64) -> Result<SetupProgress> {
        let v = self.profiles().get(id)?;
        let p = &v.profile;
        let auth = self.mail_checks().latest(id, TestKind::Auth)?;
        let send = self.mail_checks().latest(id, TestKind::Send)?;
        let inbound = self.mail_checks().latest(id, TestKind::Imap)?;
        let token = self.tokens().connection(id)?;
        let worked = auth.as_ref().is_some_and(|t| t.ok)
            || send.as_ref().is_some_and(|t| t.ok)
            || inbound.as_ref().is_some_and(|t| t.ok)
            || token.as_ref().is_some_and(|t| !t.needs_reconnect);
        let oauth = p.auth_method.is_oauth();
        let clock = &self.ctx.clock;

        let describe = step(
            StepId::Describe,
            "Describe",
            StepState::Done,
            format!("{} · {} · sends by {}", p.provider.label(), p.auth_method.label(), p.send_method.label()),
        );

        let register_title = if p.provider.is_microsoft() { "Register in Entra" } else { "Register the app" };
        let register = match auth.as_ref().filter(|t| !t.ok && t.code.as_deref().is_some_and(registration_code)) {
            _ if !oauth => {
                step(StepId::Register, register_title, StepState::Optional, "Nothing to register for a password.")
            }
            Some(t) if !worked => failing(StepId::Register, register_title, t, clock),
            _ if worked => {
                step(StepId::Register, register_title, StepState::Done, "A sign-in worked: the registration is usable.")
            }
            _ => step(
                StepId::Register,
                register_title,
                StepState::Todo,
                "Register the app: the guide lists each step in the portal's words.",
            ),
        };

        let sign_in = if !oauth {
            step(StepId::SignIn, "Sign in", StepState::Optional, "The password is used at each test.")
        } else if p.auth_method.needs_no_connect() {
            match &auth {
                Some(t) if !t.ok => failing(StepId::SignIn, "Sign in", t, clock),
                _ if worked => step(StepId::SignIn, "Sign in", StepState::Done, "Tokens come when needed."),
                _ => step(StepId::SignIn, "Sign in", StepState::Todo, "Test the sign-in: get a first token."),
            }
        } else {
            match &token {
                Some(t) if t.needs_reconnect => step(
                    StepId::SignIn,
                    "Sign in",
                    StepState::Failing,
                    "The sign-in is no longer valid: connect again.",
                ),
                // A sign-in test that failed since the connection was made says
                // the connection does not work (an expired secret, say).
                Some(t) if auth.as_ref().is_some_and(|a| !a.ok && after(&a.at, &t.obtained_at)) => {
                    failing(StepId::SignIn, "Sign in", auth.as_ref().expect("checked"), clock)
                }
                Some(t) => step(
                    StepId::SignIn,
                    "Sign in",
                    StepState::Done,
                    format!("Connected as {}.", t.account.as_deref().unwrap_or("the account")),
                ),
                None => match &auth {
                    Some(t) if !t.ok => failing(StepId::SignIn, "Sign in", t, clock),
                    _ => step(StepId::SignIn, "Sign in", StepState::Todo, "Connect the account."),
                },
            }
        };

        let test = match (&send, &inbound) {
            (Some(t), _) if !t.ok => failing(StepId::Test, "Test", t, clock),
            (_, Some(t)) if !t.ok => failing(StepId::Test, "Test", t, clock),
            (Some(t), _) => step(StepId::Test, "Test", StepState::Done, t.summary.clone()),
            (None, _) => step(StepId::Test, "Test", StepState::Todo, "Send a test message."),
        };

        let history = self.handovers().history(id)?;
        let handover = if history.is_empty() {
            step(StepId::Handover, "Hand over", StepState::Optional, "The values the product being set up needs.")
        } else {
            // What went, once; when is the panel's list.
            let mut what: Vec<&str> = Vec::new();
            for r in &history {
                if !what.contains(&r.what.label()) {
                    what.push(r.what.label());
                }
            }
            step(
                StepId::Handover,
                "Hand over",
                StepState::Done,
                format!("Handed over: the {}.", what.join(" and the ")),
            )
        };

        let items = self.watch().attention_of(id)?;
        let watch = match items.first() {
            Some(i) => SetupStep {
                id: StepId::Watch,
                title: "Watch".into(),
                state: StepState::Failing,
                summary: i.title.clone(),
                code: None,
            },
            None if !oauth => step(
                StepId::Watch,
                "Watch",
                StepState::Optional,
                "A password has no expiry here; a failing test shows when it stops working.",
            ),
            // Nothing that expires is known yet: no secret, no connection.
            None if sign_in.state != StepState::Done => {
                step(StepId::Watch, "Watch", StepState::Todo, "Nothing to watch until the sign-in works.")
            }
            None => step(
                StepId::Watch,
                "Watch",
                StepState::Done,
                match (&v.secret_expiry, p.auth_method) {
                    (Some(b), _) => {
                        format!("The client secret has {} days left; Mailwarden warns before it ends.", b.days_left)
                    }
                    (None, m) if m.is_delegated() && !m.needs_no_connect() => match &token {
                        Some(t) => format!(
                            "The sign-in was last refreshed on {}; nothing expires soon.",
                            t.last_refresh().get(..10).unwrap_or(t.last_refresh())
                        ),
                        None => "Nothing expires soon.".to_owned(),
                    },
                    _ => "Nothing expires soon.".to_owned(),
                },
            ),
        };

        let steps = vec![describe, register, sign_in, test, handover, watch];
        let current = steps
            .iter()
            .find(|s| matches!(s.state, StepState::Todo | StepState::Failing))
            .map_or(StepId::Watch, |s| s.id);
        Ok(SetupProgress { steps, current })
    }
}

#[cfg(test)]
#[path = "progress_tests.rs"]
mod tests;
