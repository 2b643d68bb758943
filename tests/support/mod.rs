//! Helpers for the end-to-end tests: the built binaries, temp databases, and a
//! small WebDriver client ([`webdriver`]).

pub mod bench;
pub mod clients;
pub mod fake_smtp;
pub mod idp;
pub mod journey;
pub mod mail;
pub mod mail_env;
pub mod mailbox;
pub mod oauth_env;
pub mod relay;
pub mod session_bus;
pub mod smarthost;
pub mod tls;
pub mod webdriver;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// `target/debug` (or whichever profile built the tests).
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test exe path");
    exe.parent().and_then(Path::parent).expect("target/<profile>").to_path_buf()
}

/// A built binary of the workspace; `make test` builds them before testing.
pub fn binary(name: &str) -> PathBuf {
    let p = bin_dir().join(name);
    assert!(p.exists(), "{} is missing: run `cargo build --workspace` (make test does)", p.display());
    p
}

/// The X clipboard (Rust writes secrets there, never the page).
pub fn clipboard() -> String {
    let o =
        Command::new("xclip").args(["-o", "-selection", "clipboard"]).output().expect("xclip (make test installs it)");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// A PATH whose first entry (in `dir`) holds the fake browser as `xdg-open`,
/// for an app that opens the system browser.
pub fn path_with_fake_browser(dir: &Path) -> String {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(workspace_root().join("tests/support/fake-browser"), bin.join("xdg-open")).unwrap();
    format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default())
}

/// A temporary database directory, removed on drop.
pub struct TempDb {
    pub dir: tempfile::TempDir,
}

impl TempDb {
    pub fn new() -> Self {
        TempDb { dir: tempfile::tempdir().unwrap() }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("mailwarden.db")
    }

    /// The `mailwarden` CLI on this database, with the file key backend.
    pub fn cli(&self) -> Command {
        let mut c = Command::new(binary("mailwarden"));
        c.env("MAILWARDEN_DB", self.path()).env("MAILWARDEN_KEY_BACKEND", "file").env_remove("RUST_LOG");
        c
    }

    /// Run the CLI with `args` (a shell word list, quoted as needed) on a
    /// pseudo-terminal, as a person at a terminal does: `script` gives it a
    /// terminal as its standard output, which `script` then prints.
    pub fn run_in_terminal(&self, args: &str) -> Output {
        let cmd = format!("'{}' {args}", binary("mailwarden").display());
        Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .env("MAILWARDEN_DB", self.path())
            .env("MAILWARDEN_KEY_BACKEND", "file")
            .output()
            .expect("script (util-linux)")
    }

    /// Run the CLI with `args`, feeding `stdin` (closed when None).
    pub fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut c = self.cli();
        c.args(args);
        run_with_stdin(c, stdin)
    }

    /// `profile add` of an app-only Graph profile named `name` holding
    /// `secret`; flags in `extra` replace the same default flags.
    pub fn add_app_only(&self, name: &str, secret: &str, extra: &[&str]) {
        let defaults = [
            "--auth",
            "client-credentials",
            "--send",
            "graph",
            "--mailbox",
            "ops@contoso.com",
            "--tenant",
            "contoso.onmicrosoft.com",
            "--client-id",
            "351d6cb2-1c69-4081-9cc2-a769d71567cb",
        ];
        let mut args = vec!["profile", "add", "--name", name, "--client-secret-stdin"];
        args.extend(defaults.chunks(2).filter(|p| !extra.contains(&p[0])).flatten());
        args.extend_from_slice(extra);
        let o = self.run(&args, Some(&format!("{secret}\n")));
        assert!(o.status.success(), "profile add {name}: {}", text(&o.stderr));
    }

    /// Every byte of the files in the database directory (DB, WAL, SHM, key file).
    pub fn all_bytes(&self) -> Vec<(PathBuf, Vec<u8>)> {
        std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .map(|p| {
                let b = std::fs::read(&p).unwrap();
                (p, b)
            })
            .collect()
    }

    /// A fingerprint of the database's logical content, to prove "unchanged".
    pub fn dump(&self) -> String {
        let out = self.run(&["profile", "list", "--json"], None);
        assert!(out.status.success(), "list failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }
}

impl Default for TempDb {
    fn default() -> Self {
        Self::new()
    }
}

/// Send WM_DELETE_WINDOW to the X window titled `title` (what a title bar's
/// close button does).
pub fn wm_close(title: &str) {
    let script = workspace_root().join("tests/support/wm_close.py");
    let out = Command::new("/usr/bin/python3")
        .arg(script)
        .arg(title)
        .output()
        .expect("Debian's /usr/bin/python3 with python3-xlib");
    assert!(out.status.success(), "wm_close: {}", String::from_utf8_lossy(&out.stderr));
}

/// Whether the X window named `title` is mapped (shown), per `xwininfo`.
/// Whether a window titled `title` exists and is shown (false if none yet).
pub fn window_shown(title: &str) -> bool {
    map_state(title).unwrap_or(false)
}

/// As [`window_shown`], but the window must exist.
pub fn window_mapped(title: &str) -> bool {
    map_state(title).unwrap_or_else(|e| panic!("no window named {title}: {e}"))
}

/// Whether the window named `title` is viewable, per `xwininfo`.
fn map_state(title: &str) -> Result<bool, String> {
    let out = Command::new("xwininfo").args(["-name", title]).output().expect("xwininfo (package x11-utils)");
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(String::from_utf8_lossy(&out.stdout).contains("Map State: IsViewable"))
}

/// Wait until `probe` answers Some — polling every 50 ms, then less often up
/// to every 500 ms — and return its answer; past `within`, fail naming
/// `what`. The one wait of the tests: they wait on readiness, never for a
/// fixed time.
pub fn eventually<T>(what: &str, within: std::time::Duration, probe: impl FnMut() -> Option<T>) -> T {
    eventually_explained(what, within, probe, String::new)
}

/// As [`eventually`], adding `explain()` (a log, say) to the failure.
pub fn eventually_explained<T>(
    what: &str,
    within: std::time::Duration,
    mut probe: impl FnMut() -> Option<T>,
    explain: impl FnOnce() -> String,
) -> T {
    let deadline = std::time::Instant::now() + within;
    let mut pause = std::time::Duration::from_millis(50);
    loop {
        if let Some(v) = probe() {
            return v;
        }
        if std::time::Instant::now() >= deadline {
            panic!("waited {within:?} for {what}\n{}", explain());
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(std::time::Duration::from_millis(500));
    }
}

/// As [`eventually`] for a condition.
pub fn until(what: &str, within: std::time::Duration, mut cond: impl FnMut() -> bool) {
    eventually(what, within, || cond().then_some(()))
}

/// Stop every app a previous test may have left running (a failed test's
/// app would otherwise answer to the next test's window lookups by name).
pub fn no_stray_apps() {
    // The process name is cut to 15 characters by the kernel.
    let _ = Command::new("pkill").args(["-KILL", "-x", "mailwarden-desk"]).status();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while Command::new("pgrep").args(["-x", "mailwarden-desk"]).status().is_ok_and(|s| s.success()) {
        assert!(std::time::Instant::now() < deadline, "a stray mailwarden-desktop would not stop");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Whether two screenshots show the same pixels (ImageMagick's `compare`
/// counts the pixels that differ; its exit status is 0 when none do).
pub fn same_picture(a: &Path, b: &Path) -> bool {
    Command::new("compare")
        .args(["-metric", "AE"])
        .arg(a)
        .arg(b)
        .arg("null:")
        .stderr(std::process::Stdio::null())
        .status()
        .expect("ImageMagick compare")
        .success()
}

/// A PNG of the whole X screen (native dialogs included), via ImageMagick.
pub fn screen_shot(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let ok = Command::new("import").args(["-window", "root"]).arg(path).status().expect("ImageMagick import");
    assert!(ok.success());
}

/// Run `c` to completion, feeding `stdin` (closed when None), capturing output.
pub fn run_with_stdin(mut c: Command, stdin: Option<&str>) -> Output {
    c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn");
    let mut pipe = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        pipe.write_all(s.as_bytes()).unwrap();
    }
    drop(pipe);
    child.wait_with_output().unwrap()
}

pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The DER inside one PEM block (a certificate exported for the portal).
/// A certificate's thumbprint as Entra shows it (SHA-1, upper-case hex).
pub fn thumbprint_of(der: &[u8]) -> String {
    use sha1::Digest;
    sha1::Sha1::digest(der).iter().map(|b| format!("{b:02X}")).collect()
}

pub fn der_of_pem(pem: &str) -> Vec<u8> {
    use base64::Engine;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD.decode(body).expect("PEM")
}

/// Fill the database at `db` with `n` Microsoft 365 profiles through the
/// core, as the window benchmarks read them ("Profile 0000", …).
pub fn seed_profiles(db: &Path, n: usize) {
    use mailwarden_engine::{AuthMethod, ProfileDraft, Provider, SendMethod};
    std::env::set_var("MAILWARDEN_KEY_BACKEND", "file");
    let app = mailwarden_engine::Mailwarden::open(db, mailwarden_engine::system_clock()).unwrap();
    for i in 0..n {
        let mut d = ProfileDraft::new(Provider::Microsoft365, AuthMethod::AuthCode, SendMethod::Smtp);
        d.name = format!("Profile {i:04}");
        d.mailbox = format!("user{i}@contoso.com");
        d.tenant = "contoso.onmicrosoft.com".into();
        d.client_id = format!("351d6cb2-1c69-4081-9cc2-{i:012x}");
        app.profiles().save(None, &d).unwrap();
    }
}

/// Every process whose ancestry leads to `root` (not `root` itself).
pub fn descendants(root: u32) -> Vec<u32> {
    let mut parent_of = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        // The command name may hold spaces and parentheses: fields follow the last ')'.
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else { continue };
        if let Some(ppid) = rest.split_whitespace().nth(1).and_then(|p| p.parse::<u32>().ok()) {
            parent_of.push((pid, ppid));
        }
    }
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let p = found[i];
        found.extend(parent_of.iter().filter(|(_, pp)| *pp == p).map(|(pid, _)| *pid));
        i += 1;
    }
    found.remove(0);
    found
}
