//! What the last tests of each profile found: kind, time, outcome, the
//! diagnosis code on failure and a one-line summary (never a secret).

use super::Store;
use crate::error::Result;
use crate::records::{TestKind, TestResult};
use rusqlite::{params, OptionalExtension};
use std::collections::HashMap;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// 1 when test row `t` ran after the profile's client secret was last set
/// (or there is none): one key lookup per row read. Times compared as
/// instants, not text (fractions of a second sort wrongly as text).
macro_rules! current_secret {
    () => {
        "coalesce(julianday(t.at) >= (SELECT julianday(s.updated_at) FROM secrets s
             WHERE s.profile_id = t.profile_id AND s.kind = 'client_secret'), 1)"
    };
}

/// The latest two results per profile (the one before says whether a failure
/// repeats), in one pass over the `(profile_id, at DESC, id DESC)` index (no
/// sort; nothing to do when no test ever ran), each with whether it ran with
/// the client secret stored now.
const LATEST: &str = concat!(
    "SELECT profile_id, kind, at, ok, code, summary, n, ",
    current_secret!(),
    " FROM (
        SELECT *, row_number() OVER (PARTITION BY profile_id ORDER BY at DESC, id DESC) AS n
        FROM test_results WHERE ?1 IS NULL OR profile_id = ?1) AS t
     WHERE n <= 2"
);

/// Test results kept per profile.
const KEEP: i64 = 100;

impl Store {
    pub fn record_test(&self, profile_id: i64, r: &TestResult) -> Result<()> {
        let mut conn = self.conn()?;
        conn.execute(
            "INSERT INTO test_results (profile_id, kind, at, ok, code, summary) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![profile_id, r.kind.as_str(), r.at, r.ok, r.code, r.summary],
        )?;
        // The history is for the person, not an archive: keep the latest ones.
        conn.execute(
            "DELETE FROM test_results WHERE profile_id = ?1 AND id <= (
                SELECT id FROM test_results WHERE profile_id = ?1 ORDER BY at DESC, id DESC LIMIT 1 OFFSET ?2)",
            params![profile_id, KEEP],
        )?;
        conn.slot().forget();
        Ok(())
    }

    /// When a test of `kind` last ran for the profile.
    pub fn last_test_at(&self, profile_id: i64, kind: TestKind) -> Result<Option<OffsetDateTime>> {
        let at: Option<String> = self
            .conn()?
            .query_row(
                "SELECT max(at) FROM test_results WHERE profile_id = ?1 AND kind = ?2",
                params![profile_id, kind.as_str()],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        Ok(at.and_then(|a| OffsetDateTime::parse(&a, &Rfc3339).ok()))
    }

    /// The latest test of `kind` for the profile.
    pub fn latest_test_of(&self, profile_id: i64, kind: TestKind) -> Result<Option<TestResult>> {
        let row = self
            .conn()?
            .query_row(
                concat!(
                    "SELECT at, ok, code, summary, ",
                    current_secret!(),
                    " FROM test_results AS t WHERE profile_id = ?1 AND kind = ?2 ORDER BY at DESC, id DESC LIMIT 1"
                ),
                params![profile_id, kind.as_str()],
                |r| {
                    Ok(TestResult {
                        kind,
                        at: r.get(0)?,
                        ok: r.get(1)?,
                        code: r.get(2)?,
                        summary: r.get(3)?,
                        failed_before: false,
                        current_secret: r.get(4)?,
                    })
                },
            )
            .optional()?;
        Ok(row)
    }

    /// The latest test of any kind, per profile (of one profile, or of all),
    /// with whether the one before it failed too.
    pub(super) fn latest_tests(conn: &rusqlite::Connection, only: Option<i64>) -> Result<HashMap<i64, TestResult>> {
        let mut stmt = conn.prepare_cached(LATEST)?;
        let mut rows = stmt.query([only])?;
        let (mut latest, mut before_failed) = (HashMap::new(), Vec::new());
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let ok: bool = r.get(3)?;
            if r.get::<_, i64>(6)? == 2 {
                if !ok {
                    before_failed.push(id);
                }
                continue;
            }
            let kind: String = r.get(1)?;
            let result = TestResult {
                kind: TestKind::parse(&kind).unwrap_or(TestKind::Auth),
                at: r.get(2)?,
                ok,
                code: r.get(4)?,
                summary: r.get(5)?,
                failed_before: false,
                current_secret: r.get(7)?,
            };
            latest.insert(id, result);
        }
        for id in before_failed {
            if let Some(t) = latest.get_mut(&id) {
                t.failed_before = true;
            }
        }
        Ok(latest)
    }
}
