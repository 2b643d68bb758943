//! The packages `make package-debug` builds (Tauri's bundler, the same
//! configuration as `make package`): the .deb passes lintian with no error
//! or warning, holds every item (binaries, desktop entry, icons, AppStream
//! metainfo, a man page per command, bash/zsh/fish completions, systemd user
//! units, licences), and once installed — for real and purged afterwards when
//! run as root on a machine without Mailwarden, else unpacked into a
//! throwaway root — `mailwarden --version`, `man -l`, a completion sourced by
//! bash, `systemd-analyze verify` of the units and the desktop app's window
//! (About: version and commit; start at login pointing at the installed
//! binary) all work. The .rpm holds the same files (`rpm -qlp`).

use mailwarden_tests::webdriver::Driver;
use mailwarden_tests::{text, workspace_root};
use std::path::{Path, PathBuf};
use std::process::Command;

fn bundle(kind: &str, ext: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| workspace_root().join("target"), PathBuf::from);
    let dir = target.join("debug/bundle").join(kind);
    std::fs::read_dir(&dir)
        .ok()
        .and_then(|d| d.flatten().map(|e| e.path()).find(|p| p.extension().is_some_and(|e| e == ext)))
        .unwrap_or_else(|| panic!("no .{ext} in {}: run `make package-debug` (make test does)", dir.display()))
}

fn run(cmd: &mut Command) -> std::process::Output {
    let o = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(o.status.success(), "{cmd:?} failed:\n{}{}", text(&o.stdout), text(&o.stderr));
    o
}

/// Every command the CLI lists, as man page names (`mailwarden-relay-run`).
fn commands(cli: &Path, prefix: &[&str], out: &mut Vec<String>) {
    let o = run(Command::new(cli).args(prefix).arg("--help"));
    let help = text(&o.stdout).to_owned();
    let Some(list) = help.split("Commands:\n").nth(1) else { return };
    for line in list.lines().take_while(|l| l.starts_with("  ")) {
        let name = line.split_whitespace().next().unwrap_or_default();
        if name == "help" {
            continue;
        }
        let mut path: Vec<&str> = prefix.to_vec();
        path.push(name);
        out.push(format!("mailwarden-{}", path.join("-")));
        commands(cli, &path, out);
    }
}

const UNITS: [&str; 5] = [
    "mailwarden-keepalive.service",
    "mailwarden-keepalive.timer",
    "mailwarden-check.service",
    "mailwarden-check.timer",
    "mailwarden-relay.service",
];

/// What both packages must hold (paths as installed).
fn expected(cli: &Path) -> Vec<String> {
    let mut want: Vec<String> = [
        "/usr/bin/mailwarden",
        "/usr/bin/mailwarden-cli",
        "/usr/bin/mailwarden-desktop",
        "/usr/share/applications/Mailwarden.desktop",
        "/usr/share/metainfo/org.mailwarden.desktop.metainfo.xml",
        "/usr/share/bash-completion/completions/mailwarden",
        "/usr/share/fish/vendor_completions.d/mailwarden.fish",
        "/usr/share/man/man1/mailwarden.1.gz",
        "/usr/share/man/man1/mailwarden-desktop.1.gz",
        "/usr/share/man/man1/mailwarden-cli.1.gz",
        "/usr/share/licenses/mailwarden/LICENSE-MIT",
        "/usr/share/licenses/mailwarden/LICENSE-APACHE",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for size in [16, 24, 32, 48, 64, 128, 256, 512] {
        want.push(format!("/usr/share/icons/hicolor/{size}x{size}/apps/mailwarden-desktop.png"));
    }
    want.extend(UNITS.iter().map(|u| format!("/usr/lib/systemd/user/{u}")));
    let mut pages = Vec::new();
    commands(cli, &[], &mut pages);
    assert!(pages.len() > 40, "sanity: the commands were read: {pages:?}");
    want.extend(pages.iter().map(|p| format!("/usr/share/man/man1/{p}.1.gz")));
    want
}

/// Installed for real (root, no Mailwarden installed before): purged on drop.
struct Installed {
    root: PathBuf,
    real: bool,
    _dir: Option<tempfile::TempDir>,
}

impl Installed {
    fn new(deb: &Path) -> Installed {
        let root_user = uid() == 0;
        let preinstalled =
            Command::new("dpkg-query").args(["-W", "mailwarden"]).output().is_ok_and(|o| o.status.success());
        if root_user && !preinstalled {
            run(Command::new("dpkg").arg("-i").arg(deb));
            return Installed { root: PathBuf::from("/"), real: true, _dir: None };
        }
        let dir = tempfile::tempdir().unwrap();
        run(Command::new("dpkg").arg("-x").arg(deb).arg(dir.path()));
        Installed { root: dir.path().to_path_buf(), real: false, _dir: Some(dir) }
    }

    fn path(&self, p: &str) -> PathBuf {
        self.root.join(p.trim_start_matches('/'))
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        if self.real {
            let _ = Command::new("dpkg").args(["--purge", "mailwarden"]).output();
        }
    }
}

fn uid() -> u32 {
    let o = Command::new("id").arg("-u").output().unwrap();
    text(&o.stdout).trim().parse().unwrap()
}

#[test]
fn the_deb_and_rpm_hold_everything_and_the_installed_app_works() {
    mailwarden_tests::no_stray_apps();
    assert!(std::env::var_os("DISPLAY").is_some(), "run under a display: `xvfb-run -a cargo test` (make test does)");
    let (deb, rpm) = (bundle("deb", "deb"), bundle("rpm", "rpm"));

    // lintian: no error, no warning.
    let o = Command::new("lintian").args(["--fail-on", "error,warning"]).arg(&deb).output().expect("lintian");
    let report = format!("{}{}", text(&o.stdout), text(&o.stderr));
    assert!(o.status.success() && !report.lines().any(|l| l.starts_with("E:") || l.starts_with("W:")), "{report}");

    let unpacked = tempfile::tempdir().unwrap();
    run(Command::new("dpkg").arg("-x").arg(&deb).arg(unpacked.path()));
    let want = expected(&unpacked.path().join("usr/bin/mailwarden-cli"));
    let listing = text(&run(Command::new("dpkg-deb").arg("-c").arg(&deb)).stdout).to_owned();
    let in_deb: Vec<String> = listing
        .lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .map(|p| format!("/{}", p.trim_start_matches(['.', '/'])))
        .collect();
    // Debian keeps the licences in its copyright file; rpm in /usr/share/licenses.
    for p in want.iter().filter(|p| !p.starts_with("/usr/share/licenses/")) {
        assert!(in_deb.contains(p), "the .deb lacks {p}");
    }
    for p in ["/usr/share/doc/mailwarden/copyright", "/usr/share/doc/mailwarden/changelog.gz"] {
        assert!(in_deb.iter().any(|f| f == p), "the .deb lacks {p}");
    }
    let in_rpm = text(&run(Command::new("rpm").arg("-qlp").arg(&rpm)).stdout).to_owned();
    for p in want.iter().map(|p| p.replace("/usr/share/zsh/vendor-completions/", "/usr/share/zsh/site-functions/")) {
        assert!(in_rpm.lines().any(|l| l == p), "the .rpm lacks {p}");
    }
    assert!(in_rpm.lines().any(|l| l == "/usr/share/zsh/site-functions/_mailwarden"));
    assert!(in_deb.iter().any(|l| l == "/usr/share/zsh/vendor-completions/_mailwarden"));

    // The desktop entry and the AppStream metainfo.
    let entry = std::fs::read_to_string(unpacked.path().join("usr/share/applications/Mailwarden.desktop")).unwrap();
    assert!(entry.contains("Categories=Network;Email;") && entry.contains("Keywords=mailwarden;"), "{entry}");
    assert!(entry.contains("Exec=mailwarden-desktop") && entry.contains("Icon=mailwarden-desktop"), "{entry}");
    run(Command::new("appstreamcli")
        .args(["validate", "--no-net"])
        .arg(unpacked.path().join("usr/share/metainfo/org.mailwarden.desktop.metainfo.xml")));

    let inst = Installed::new(&deb);
    let mailwarden = inst.path("/usr/bin/mailwarden");
    let version = text(&run(Command::new(&mailwarden).arg("--version")).stdout).to_owned();
    let commit = version.trim().strip_prefix("mailwarden 0.1.0 (commit ").and_then(|r| r.strip_suffix(')'));
    assert!(commit.is_some_and(|c| c.len() == 12 && c.bytes().all(|b| b.is_ascii_hexdigit())), "{version}");
    let commit = commit.unwrap().to_owned();

    // A man page renders; the completion script completes a subcommand in bash.
    let page = run(Command::new("man")
        .arg("-l")
        .arg(inst.path("/usr/share/man/man1/mailwarden-relay-run.1.gz"))
        .env("MANWIDTH", "80"));
    // (Words compared, not spacing: man justifies a synopsis that wraps.)
    let words = text(&page.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("mailwarden relay run"), "{}", text(&page.stdout));
    let script = format!(
        "source {}; COMP_WORDS=(mailwarden rel); COMP_CWORD=1; _mailwarden mailwarden rel mailwarden; echo \"${{COMPREPLY[@]}}\"",
        inst.path("/usr/share/bash-completion/completions/mailwarden").display()
    );
    let done = run(Command::new("bash").args(["-c", &script]));
    assert!(text(&done.stdout).split_whitespace().any(|w| w == "relay"), "{}", text(&done.stdout));

    // The systemd user units verify (their ExecStart is the installed binary).
    let runtime = tempfile::tempdir().unwrap();
    let units = tempfile::tempdir().unwrap();
    for u in UNITS {
        let body = std::fs::read_to_string(inst.path(&format!("/usr/lib/systemd/user/{u}"))).unwrap();
        // Unpacked (not root): point the unit at the unpacked binary.
        let body = body.replace("/usr/bin/mailwarden", &mailwarden.display().to_string());
        std::fs::write(units.path().join(u), body).unwrap();
    }
    let mut verify = Command::new("systemd-analyze");
    verify.args(["--user", "verify"]).env("XDG_RUNTIME_DIR", runtime.path());
    if !inst.real {
        verify.arg("--man=no");
    }
    for u in UNITS {
        verify.arg(units.path().join(u));
    }
    let o = verify.output().expect("systemd-analyze");
    assert!(o.status.success() && o.stderr.is_empty(), "{}{}", text(&o.stdout), text(&o.stderr));

    // The installed desktop app opens its window; About names the version and the
    // commit; start at login points at the installed binary.
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("mailwarden.db");
    let driver = Driver::start(&[("MAILWARDEN_DB", &db), ("HOME", home.path())]);
    let s = driver.launch(&inst.path("/usr/bin/mailwarden-desktop"));
    s.find("[data-testid=empty-state]");
    s.wait_until("the tools drawn", 10, |s| s.count("button[aria-label=\"About Mailwarden\"]") == 1);
    s.find("button[aria-label=\"About Mailwarden\"]").click();
    s.wait_until("About", 10, |s| s.count("[data-testid=about-commit]") == 1);
    assert_eq!(s.find("[data-testid=about-version]").text(), "0.1.0");
    assert_eq!(s.find("[data-testid=about-commit]").text(), commit, "the same build as the CLI");
    s.script("document.getElementById('about-close').click();");
    s.find("button[aria-label=Settings]").click();
    s.find("[data-testid=settings]");
    s.script("[...document.querySelectorAll('[data-testid=settings] label.check')].find(l => l.textContent.includes('when I log in')).querySelector('input').click();");
    s.find("[data-testid=settings] button.primary").click();
    let autostart = home.path().join(".config/autostart");
    s.wait_until("the autostart entry", 10, |_| std::fs::read_dir(&autostart).is_ok_and(|mut d| d.next().is_some()));
    let entry = std::fs::read_dir(&autostart).unwrap().flatten().next().unwrap().path();
    let entry = std::fs::read_to_string(entry).unwrap();
    let exec = format!("Exec={}", inst.path("/usr/bin/mailwarden-desktop").display());
    assert!(entry.lines().any(|l| l.starts_with(&exec)), "start at login runs the installed binary:\n{entry}");
    s.quit();
}
