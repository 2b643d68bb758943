//! A seed's journey walked in the real window (WebKitWebDriver under Xvfb):
//! the app started on an empty database with the identity simulator trusted
//! and a fake browser first on PATH as xdg-open; helpers fill the editor the
//! way a person does (choices first, then fields), move between the setup
//! steps, and take a numbered screenshot of every step into
//! target/screenshots/journeys/.

use crate::idp::Idp;
use crate::webdriver::{Driver, Session};
use crate::{bin_dir, binary, TempDb};
use std::path::{Path, PathBuf};

pub struct Journey {
    pub s: Session,
    pub db: TempDb,
    shots: PathBuf,
    seed: String,
    n: usize,
    // Dropped last: the driver ends the app, then the next journey may start.
    _driver: Driver,
}

impl Journey {
    /// The app on an empty database; `seed` names the screenshots.
    pub fn start(seed: &str, idp: &Idp) -> Journey {
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "run under a display: `xvfb-run -a cargo test` (make test does)"
        );
        let db = TempDb::new();
        let path = crate::path_with_fake_browser(db.dir.path());
        let log = db.dir.path().join("browser.log");
        let driver = Driver::start(&[
            ("MAILWARDEN_DB", &db.path()),
            ("MAILWARDEN_CA_FILE", &idp.ca.ca_file),
            ("MAILWARDEN_CLIPBOARD_SECONDS", Path::new("30")),
            ("PATH", Path::new(&path)),
            ("FAKE_BROWSER_LOG", &log),
        ]);
        let s = driver.launch(&binary("mailwarden-desktop"));
        let shots = bin_dir().parent().unwrap().join("screenshots").join("journeys");
        std::fs::create_dir_all(&shots).unwrap();
        Journey { s, db, shots, seed: seed.into(), n: 0, _driver: driver }
    }

    /// A numbered screenshot of this step, once the screen shows it (see
    /// [`Session::screenshot`]: a step whose frame never changes fails).
    pub fn shot(&mut self, name: &str) {
        self.n += 1;
        let path = self.shots.join(format!("{}-{:02}-{name}.png", self.seed, self.n));
        if name == "FAILED" {
            self.s.screenshot_now(&path);
        } else {
            self.s.screenshot(&path);
        }
    }

    /// Open a new profile's editor from the empty list.
    pub fn new_profile(&self) {
        self.s.find("[data-testid=empty-state]");
        self.s.button("Add your first mail server").click();
        self.s.find("#name");
    }

    /// Choose `value` in the select `id` (the core re-derives the defaults).
    pub fn choose(&self, id: &str, value: &str) {
        self.s.find(&format!("#{id} option[value=\"{value}\"]")).click();
        self.s.wait_until(&format!("{id} = {value}"), 10, |s| {
            s.script(&format!("return document.getElementById('{id}').value;")).as_str() == Some(value)
        });
    }

    /// Replace the text of field `id`: emptied as Ctrl+A, Backspace would
    /// (the page hears an input event), then typed key by key.
    pub fn fill(&self, id: &str, value: &str) {
        let e = self.s.find(&format!("#{id}"));
        self.s.script(&format!(
            "const e = document.getElementById('{id}'); e.value = ''; e.dispatchEvent(new Event('input', {{bubbles: true}}));"
        ));
        if !value.is_empty() {
            e.type_text(value);
        }
    }

    /// Go to a setup step (by its tab) and wait until its panel shows.
    pub fn step(&self, id: &str) {
        self.s.find(&format!("[data-testid=step-{id}]")).click();
        self.s.wait_until(&format!("the {id} step"), 10, |s| {
            s.script(&format!("const p = document.getElementById('panel-{id}'); return !!p && !p.hidden;")).as_bool()
                == Some(true)
        });
    }

    /// The Describe step's Next: saves the new profile, which opens at its next step.
    pub fn save_and_go_on(&self) {
        self.s.find("[data-testid=next-step]").click();
        self.s.wait_until("the profile saved and its Register step shown", 15, |s| {
            s.count("[data-testid=form-error]") > 0
                || s.script("const p = document.getElementById('panel-register'); return !!p && !p.hidden;").as_bool()
                    == Some(true)
        });
        assert_eq!(self.s.count("[data-testid=form-error]"), 0, "not saved: {}", self.s.find(".editor").text());
    }

    /// Wait until `css` holds `needle` (or a Diagnosis shows, which fails).
    pub fn wait_text(&mut self, css: &str, needle: &str, secs: u64) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        let found = format!(
            "return [...document.querySelectorAll('{css}')].some(e => e.offsetParent && e.textContent.includes({needle:?}));"
        );
        while self.s.script(&found).as_bool() != Some(true) && self.visible_diagnosis().is_empty() {
            if std::time::Instant::now() > deadline {
                self.shot("FAILED");
                panic!("timed out waiting for “{needle}” in {css}");
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let visible = self.s.script(&format!(
            "return [...document.querySelectorAll('{css}')].filter(e => e.offsetParent).map(e => e.textContent).join('\\n');"
        ));
        let text = visible.as_str().unwrap_or_default().to_owned();
        assert!(text.contains(needle), "wanted “{needle}” in {css}, the page shows: {}", self.visible_diagnosis());
        text
    }

    /// Press the button labelled `label` and wait for `needle` in `css`.
    pub fn press(&mut self, label: &str, css: &str, needle: &str) -> String {
        self.s.button(label).click();
        self.wait_text(css, needle, 30)
    }

    /// The text of a visible Diagnosis card, if any (for failure messages).
    pub fn visible_diagnosis(&self) -> String {
        let v = self.s.script(
            "return [...document.querySelectorAll('[data-testid=diagnosis]')].filter(e => e.offsetParent).map(e => e.textContent).join('\\n');",
        );
        v.as_str().unwrap_or_default().to_owned()
    }

    /// The step's state as the stepper shows it.
    pub fn step_state(&self, id: &str) -> String {
        self.s.find(&format!("[data-testid=step-{id}]")).attr("data-state").unwrap_or_default()
    }
}
