//! A small W3C WebDriver client for driving the real app window through
//! WebKitWebDriver (the driver WebKitGTK ships; Tauri's own `tauri-driver` only
//! proxies to it). Hand-written because it needs a dozen endpoints and the
//! WebDriver crates (fantoccini, thirtyfour) bring an async runtime to a
//! synchronous test.

use serde_json::{json, Value};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The W3C key under which an element reference travels.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Every request has a deadline: a driver that stops answering fails the
/// test that asked, instead of hanging the whole suite. (The longest wait a
/// test asks of the driver is the 8 s implicit wait of `find`.)
fn agent() -> &'static ureq::Agent {
    static AGENT: std::sync::OnceLock<ureq::Agent> = std::sync::OnceLock::new();
    AGENT.get_or_init(|| {
        ureq::AgentBuilder::new().timeout_connect(Duration::from_secs(5)).timeout(Duration::from_secs(60)).build()
    })
}

pub struct Driver {
    process: Child,
    base: String,
    // Released after Drop has ended the app: then the next test may start one.
    _one_app: std::sync::MutexGuard<'static, ()>,
}

/// One app at a time in a test binary: a second instance would hand over to
/// the first (the single-instance plugin) and exit, and screenshots are of
/// the whole screen.
static ONE_APP: std::sync::Mutex<()> = std::sync::Mutex::new(());

thread_local! {
    /// This thread holds [`ONE_APP`]: a second Driver would wait for itself.
    static HOLDS_APP: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

impl Driver {
    /// Start WebKitWebDriver on a free loopback port, with `env` passed on to
    /// the app it launches — once the test before it has ended its app (and
    /// any app a crashed test left behind is gone).
    pub fn start(env: &[(&str, &Path)]) -> Driver {
        assert!(
            !HOLDS_APP.get(),
            "this test already has a Driver: drop it before starting another (it holds the one-app lock)"
        );
        let one_app = ONE_APP.lock().unwrap_or_else(|p| p.into_inner());
        HOLDS_APP.set(true);
        crate::no_stray_apps();
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut cmd = Command::new("WebKitWebDriver");
        cmd.arg(format!("--port={port}"))
            .arg("--host=127.0.0.1")
            .env("TAURI_WEBVIEW_AUTOMATION", "true")
            .env("MAILWARDEN_KEY_BACKEND", "file")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let process = cmd.spawn().expect("WebKitWebDriver must be installed (package webkit2gtk-driver)");
        let base = format!("http://127.0.0.1:{port}");
        // A cap for a cold machine, not a wait: it returns as soon as it answers.
        crate::until("WebKitWebDriver to answer", Duration::from_secs(120), || {
            agent().get(&format!("{base}/status")).call().is_ok()
        });
        Driver { process, base, _one_app: one_app }
    }

    /// The driver's process id: the apps it launches are its descendants.
    pub fn pid(&self) -> u32 {
        self.process.id()
    }

    /// Launch the app binary in a new session.
    pub fn launch(&self, app: &Path) -> Session {
        let caps = json!({"capabilities": {"alwaysMatch": {
            "webkitgtk:browserOptions": {"binary": app, "args": []}
        }}});
        let v = post(&format!("{}/session", self.base), caps);
        let id = v["sessionId"].as_str().expect("session id").to_owned();
        let s = Session { url: format!("{}/session/{id}", self.base), last_shot: Default::default() };
        post(&format!("{}/timeouts", s.url), json!({"implicit": 8000}));
        s
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The app it launched too: a test that failed must not leave a
        // window behind for the next test to find by its name.
        let _ = Command::new("pkill").args(["-KILL", "-P", &self.process.id().to_string()]).status();
        let _ = self.process.kill();
        let _ = self.process.wait();
        HOLDS_APP.set(false);
    }
}

fn post(url: &str, body: Value) -> Value {
    // What was asked goes into the failure (which selector was not found).
    let asked = body.to_string();
    match agent().post(url).send_json(body) {
        Ok(r) => r.into_json::<Value>().unwrap()["value"].take(),
        Err(ureq::Error::Status(code, r)) => {
            panic!("POST {url} {asked:.300} -> {code}: {}", r.into_string().unwrap_or_default())
        }
        Err(e) => panic!("POST {url}: {e}"),
    }
}

fn get(url: &str) -> Value {
    match agent().get(url).call() {
        Ok(r) => r.into_json::<Value>().unwrap()["value"].take(),
        Err(ureq::Error::Status(code, r)) => panic!("GET {url} -> {code}: {}", r.into_string().unwrap_or_default()),
        Err(e) => panic!("GET {url}: {e}"),
    }
}

pub struct Session {
    url: String,
    /// The last screenshot taken, which the next must differ from.
    last_shot: std::cell::RefCell<Option<std::path::PathBuf>>,
}

#[derive(Clone)]
pub struct Element {
    url: String,
}

impl Session {
    /// The first element matching the CSS selector (waits up to 8 s).
    pub fn find(&self, css: &str) -> Element {
        let v = post(&format!("{}/element", self.url), json!({"using": "css selector", "value": css}));
        self.element(&v)
    }

    pub fn find_all(&self, css: &str) -> Vec<Element> {
        let v = post(&format!("{}/elements", self.url), json!({"using": "css selector", "value": css}));
        v.as_array().unwrap().iter().map(|e| self.element(e)).collect()
    }

    /// A button (or other element) by its visible text, via XPath.
    pub fn button(&self, label: &str) -> Element {
        let xpath = format!("//button[normalize-space(.)='{label}']");
        let v = post(&format!("{}/element", self.url), json!({"using": "xpath", "value": xpath}));
        self.element(&v)
    }

    fn element(&self, v: &Value) -> Element {
        let id = v[ELEMENT].as_str().unwrap_or_else(|| panic!("not an element: {v}"));
        Element { url: format!("{}/element/{id}", self.url) }
    }

    /// Poll `cond` until it holds or `secs` pass.
    pub fn wait_until(&self, what: &str, secs: u64, mut cond: impl FnMut(&Session) -> bool) {
        crate::until(what, Duration::from_secs(secs), || cond(self));
    }

    /// Run JavaScript in the page and return its result.
    pub fn script(&self, js: &str) -> Value {
        post(&format!("{}/execute/sync", self.url), json!({"script": js, "args": []}))
    }

    /// Run asynchronous JavaScript: the script calls `done(value)` (the last
    /// argument WebDriver passes) when it has a result.
    pub fn script_async(&self, js: &str) -> Value {
        let wrapped = format!("const done = arguments[arguments.length - 1]; {js}");
        post(&format!("{}/execute/async", self.url), json!({"script": wrapped, "args": []}))
    }

    /// Wait two animation frames, so a screenshot shows what the DOM holds.
    pub fn settle(&self) {
        self.script_async("requestAnimationFrame(() => requestAnimationFrame(done));");
    }

    /// The rendered text of the first element matching `css` ("" when none),
    /// read in one script: a wait that polls through a re-render never holds a
    /// reference the page has since replaced ("stale element reference").
    pub fn text_of(&self, css: &str) -> String {
        let js = format!("const e = document.querySelector({css:?}); return e ? e.innerText : '';");
        self.script(&js).as_str().unwrap_or_default().trim().to_owned()
    }

    /// An attribute of the first element matching `css`, read in one script
    /// (see [`Session::text_of`]).
    pub fn attr_of(&self, css: &str, name: &str) -> Option<String> {
        let js = format!("const e = document.querySelector({css:?}); return e ? e.getAttribute({name:?}) : null;");
        self.script(&js).as_str().map(str::to_owned)
    }

    pub fn count(&self, css: &str) -> usize {
        self.script(&format!("return document.querySelectorAll({css:?}).length;")).as_u64().unwrap() as usize
    }

    /// The window title, or None once the app (and so the session) is gone.
    pub fn title(&self) -> Option<String> {
        let r = agent().get(&format!("{}/title", self.url)).call().ok()?;
        r.into_json::<Value>().ok()?["value"].as_str().map(str::to_owned)
    }

    pub fn source(&self) -> String {
        get(&format!("{}/source", self.url)).as_str().unwrap().to_owned()
    }

    /// Save a PNG of the window.
    /// A PNG of the screen as the X server shows it, window frame and native
    /// dialogs included. (WebKit's own WebDriver screenshot waits for a paint,
    /// which an idle page drawn without GPU compositing never makes — as when
    /// the person sets `WEBKIT_DISABLE_COMPOSITING_MODE=1`.)
    /// A screenshot once the screen shows what the page holds. The window
    /// draws after the page changes, so a frame equal to this session's
    /// previous screenshot is taken again until the new one is up; one that
    /// never changes fails: it would show the moment before its subject.
    /// Take it after asserting that its subject is there.
    pub fn screenshot(&self, path: &Path) {
        self.settle();
        crate::screen_shot(path);
        let before = self.last_shot.replace(Some(path.to_owned()));
        let Some(before) = before.filter(|b| b != path) else { return };
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while crate::same_picture(&before, path) {
            assert!(
                std::time::Instant::now() < deadline,
                "{} shows the same frame as {}: its subject never appeared",
                path.display(),
                before.display()
            );
            std::thread::sleep(Duration::from_millis(100));
            crate::screen_shot(path);
        }
    }

    /// The screen as it is now (a failure's evidence), unchecked.
    pub fn screenshot_now(&self, path: &Path) {
        crate::screen_shot(path);
    }

    /// End the session: WebKitWebDriver closes the app.
    pub fn quit(self) {
        let _ = agent().delete(&self.url).call();
    }
}

impl Element {
    pub fn click(&self) {
        post(&format!("{}/click", self.url), json!({}));
    }

    pub fn clear(&self) {
        post(&format!("{}/clear", self.url), json!({}));
    }

    pub fn type_text(&self, text: &str) {
        post(&format!("{}/value", self.url), json!({"text": text}));
    }

    pub fn text(&self) -> String {
        get(&format!("{}/text", self.url)).as_str().unwrap_or_default().to_owned()
    }

    pub fn attr(&self, name: &str) -> Option<String> {
        get(&format!("{}/attribute/{name}", self.url)).as_str().map(str::to_owned)
    }
}
