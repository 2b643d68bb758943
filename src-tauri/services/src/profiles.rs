//! The profiles service: list, read, save, delete, duplicate — views in,
//! views out; validation before any write.

use crate::context::{view_at, ProfileList};
use crate::error::{CoreError, Result};
use crate::profile::ProfileSummary;
use crate::profile::StoredProfile;
use crate::profile::{validate, Existing, ListSort, Matcher, ProfileDraft, ProfileQuery, ProfileView};

crate::context::service!(
    /// Profiles: list, read, save, delete, duplicate.
    Profiles
);

impl Profiles<'_> {
    /// Drop the cached rows: the next list reads SQLite (measures a cold
    /// read; another process's writes are seen without it).
    pub fn reload(&self) {
        self.store.invalidate();
    }

    fn view(&self, s: &StoredProfile) -> ProfileView {
        view_at(s, self.clock.today(), &self.thresholds())
    }

    /// The list rows matching `q`, by name, and how many there are in all.
    /// The matches share the store's cached rows (nothing is copied).
    pub fn list(&self, q: &ProfileQuery) -> Result<ProfileList> {
        let today = self.clock.today();
        let t = self.thresholds();
        let rows = self.store.list_rows()?;
        let m = Matcher::new(q, today, t);
        let mut profiles: Vec<ProfileSummary> = rows
            .iter()
            .filter(|r| m.matches(r))
            .map(|r| ProfileSummary { row: r.clone(), secret_expiry: r.credential_badge(today, &t) })
            .collect();
        if q.sort == ListSort::Urgency {
            // Stable: the name order holds within equal urgency.
            profiles.sort_by_key(urgency);
        }
        Ok(ProfileList { profiles, total: rows.len() })
    }

    pub fn get(&self, id: i64) -> Result<ProfileView> {
        Ok(self.view(&self.store.get(id)?))
    }

    /// Find a profile by exact name (any case) or numeric id, as the CLI takes it.
    pub fn resolve(&self, name_or_id: &str) -> Result<ProfileView> {
        Ok(self.view(&self.find(name_or_id)?))
    }

    /// As [`Self::resolve`], the stored profile only: no badges, no clock, no
    /// settings — the path `mailwarden token` takes on every call.
    pub fn find(&self, name_or_id: &str) -> Result<StoredProfile> {
        if let Some(s) = self.store.find_by_name(name_or_id)? {
            return Ok(s);
        }
        match name_or_id.parse::<i64>() {
            Ok(id) => self.store.get(id).map_err(|_| self.not_found(name_or_id)),
            Err(_) => Err(self.not_found(name_or_id)),
        }
    }

    /// "No profile …", with the names it may have meant: the same name in
    /// another case or spacing, or one a couple of typing slips away.
    fn not_found(&self, name: &str) -> CoreError {
        let wanted = fold(name);
        let mut near: Vec<(usize, String)> = self
            .store
            .list_rows()
            .map(|rows| {
                rows.iter()
                    .filter_map(|r| {
                        let have = fold(&r.name);
                        let d = strsim::levenshtein(&wanted, &have);
                        let close = d <= (wanted.chars().count() / 4).clamp(1, 3);
                        let part = wanted.chars().count() >= 3 && have.contains(&wanted);
                        (close || part).then(|| (d, r.name.clone()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        near.sort();
        let near: Vec<String> = near.into_iter().take(3).map(|(_, n)| n).collect();
        CoreError::no_profile(name, &near)
    }

    /// As [`Self::find`], the profile alone (no secret flags, no test
    /// result): one statement — the path `mailwarden token` takes.
    pub fn find_profile(&self, name_or_id: &str) -> Result<crate::profile::Profile> {
        self.store.profile_only(name_or_id)?.ok_or_else(|| self.not_found(name_or_id))
    }

    /// The draft that edits profile `id` as it is.
    pub fn draft(&self, id: i64) -> Result<ProfileDraft> {
        Ok(ProfileDraft::from_profile(&self.store.get(id)?.profile))
    }

    /// What the stored profile `id` (None: a new one) already holds.
    fn existing(&self, id: Option<i64>) -> Result<Option<Existing>> {
        id.map(|id| {
            let s = self.store.get(id)?;
            Ok(Existing {
                has_client_secret: s.has_client_secret,
                has_password: s.has_password,
                has_certificate: s.has_certificate,
            })
        })
        .transpose()
    }

    /// The field errors saving `draft` would meet, without saving: the editor
    /// checks as the person types and leaves fields.
    pub fn check(&self, id: Option<i64>, draft: &ProfileDraft) -> Result<Vec<crate::FieldError>> {
        Ok(validate(draft, self.existing(id)?, self.clock.today()).err().unwrap_or_default())
    }

    /// Validate and store `draft` as a new profile (`id` = None) or over `id`.
    pub fn save(&self, id: Option<i64>, draft: &ProfileDraft) -> Result<ProfileView> {
        let existing = self.existing(id)?;
        let mut validated = validate(draft, existing, self.clock.today()).map_err(CoreError::Validation)?;
        // A certificate asked for is made (or read) before the transaction,
        // and stored in it with the profile: both or neither.
        validated.certificate = self.certificates().requested(&validated.profile.name, &draft.certificate)?;
        let now = self.clock.now();
        let id = match id {
            Some(id) => {
                self.store.update(id, &validated, now)?;
                id
            }
            None => self.store.insert(&validated, now)?,
        };
        self.get(id)
    }

    /// Name the client secret in use (the portal's Description column).
    pub fn describe_secret(&self, id: i64, description: &str) -> Result<()> {
        self.store.describe_current_secret(id, description)
    }

    /// Delete profile `id`; what was deleted comes back for Undo
    /// ([`Self::restore`]), secrets still sealed.
    pub fn delete(&self, id: i64) -> Result<crate::store::DeletedProfile> {
        self.store.delete(id)
    }

    /// Put a deleted profile back as it was (Undo).
    pub fn restore(&self, deleted: &crate::store::DeletedProfile) -> Result<ProfileView> {
        self.store.restore(deleted)?;
        self.get(deleted.id)
    }

    /// Copy profile `id` as "NAME (copy)", "NAME (copy 2)", …
    pub fn duplicate(&self, id: i64) -> Result<ProfileView> {
        let src = self.store.get(id)?;
        let base = format!("{} (copy)", src.profile.name);
        let mut name = base.clone();
        let mut n = 2;
        while self.store.find_by_name(&name)?.is_some() {
            name = format!("{} (copy {n})", src.profile.name);
            n += 1;
        }
        let new_id = self.store.duplicate(id, &name, self.clock.now())?;
        self.get(new_id)
    }
}

/// A list row's urgency, most urgent least: the secret's state (expired,
/// urgent, soon, unknown, fine, none), a failing last test counting as urgent (or as
/// soon for a single network failure), then the days the secret has left.
fn urgency(s: &ProfileSummary) -> (u8, i64) {
    let secret = s.secret_expiry.as_ref().map_or(5, |b| crate::watch::severity(b.state));
    let test = s.row.last_test.as_ref().and_then(|t| t.failure_state()).map_or(5, crate::watch::severity);
    (secret.min(test), s.secret_expiry.as_ref().map_or(i64::MAX, |b| b.days_left))
}

/// A name as compared for suggestions: lower case, spaces and dashes ignored.
fn fold(name: &str) -> String {
    name.chars().filter(|c| !c.is_whitespace() && *c != '-' && *c != '_').flat_map(char::to_lowercase).collect()
}

#[cfg(test)]
mod tests {
    use crate::clock::FixedClock;
    use crate::context::Context;
    use crate::crypto::DataKey;
    use crate::profile::{AuthMethod, ProfileDraft, Provider, SendMethod};
    use crate::secret::SecretChange;
    use std::sync::Arc;
    use time::macros::datetime;

    fn engine(dir: &tempfile::TempDir) -> Context {
        let clock = Arc::new(FixedClock::at(datetime!(2026-12-01 12:00 UTC)));
        Context::for_tests(&dir.path().join("p.db"), &DataKey::generate(), clock)
    }

    /// An app-only Graph draft named `name`, without its secret.
    fn app_only(name: &str) -> ProfileDraft {
        let mut d = ProfileDraft::new(Provider::Microsoft365, AuthMethod::ClientCredentials, SendMethod::Graph);
        d.name = name.into();
        d.mailbox = "noreply@contoso.com".into();
        d.tenant = "contoso.onmicrosoft.com".into();
        d.client_id = "351d6cb2-1c69-4081-9cc2-a769d71567cb".into();
        d
    }

    #[test]
    fn check_finds_what_save_would_and_saves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let m = engine(&dir);
        let mut d = app_only("Catalyst");
        d.client_id = "nope".into();
        let fields: Vec<String> = m.profiles().check(None, &d).unwrap().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["clientId", "clientSecret"]);
        assert_eq!(m.profiles().list(&Default::default()).unwrap().total, 0, "nothing saved");
        // Editing a stored profile: its stored secret counts, as at save.
        d.client_id = "351d6cb2-1c69-4081-9cc2-a769d71567cb".into();
        d.client_secret = SecretChange::set("WvR8Q~abc");
        let id = m.profiles().save(None, &d).unwrap().profile.id;
        d.client_secret = SecretChange::Keep;
        assert!(m.profiles().check(Some(id), &d).unwrap().is_empty());
        assert_eq!(m.profiles().check(None, &d).unwrap()[0].field, "clientSecret", "a new profile has none");
    }

    #[test]
    fn the_list_sorts_most_urgent_first_on_request() {
        let dir = tempfile::tempdir().unwrap();
        let m = engine(&dir);
        for (name, expires) in
            [("Alpha", "2028-01-01"), ("Bravo", ""), ("Charlie", "2026-12-04"), ("Delta", "2026-12-20")]
        {
            let mut d = app_only(name);
            d.client_secret = SecretChange::set("WvR8Q~abc");
            d.client_secret_expires = expires.into();
            m.profiles().save(None, &d).unwrap();
        }
        let names = |sort| {
            let q = crate::profile::ProfileQuery { sort, ..Default::default() };
            m.profiles().list(&q).unwrap().profiles.iter().map(|p| p.row.name.clone()).collect::<Vec<_>>()
        };
        assert_eq!(names(crate::profile::ListSort::Name), ["Alpha", "Bravo", "Charlie", "Delta"]);
        assert_eq!(names(crate::profile::ListSort::Urgency), ["Charlie", "Delta", "Alpha", "Bravo"]);
        // A failing test counts as urgent, ahead of a secret that is merely soon.
        let alpha = m.profiles().find_profile("Alpha").unwrap().id;
        let failed = crate::mail::results::TestResult {
            kind: crate::mail::results::TestKind::Send,
            at: "2026-12-01T11:00:00Z".into(),
            ok: false,
            code: Some("535_5_7_3".into()),
            summary: "refused".into(),
            failed_before: false,
            current_secret: true,
        };
        m.store.record_test(alpha, &failed).unwrap();
        assert_eq!(names(crate::profile::ListSort::Urgency), ["Charlie", "Alpha", "Delta", "Bravo"]);
    }
}
