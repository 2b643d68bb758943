// Shared by the desktop's and the command line's build scripts (include!d).
//
// The commit a binary was built from, for `mailwarden --version` and the
// About dialog: `MAILWARDEN_COMMIT` if set (a package built from a tarball),
// else `git rev-parse --short=12 HEAD`, else "unknown". Rebuilt when HEAD
// moves (a commit or a checkout); uncommitted edits are not marked (the
// build script would have to run on every build to know).

fn record_commit(repo_root: &std::path::Path) {
    println!("cargo:rerun-if-env-changed=MAILWARDEN_COMMIT");
    for f in [".git/HEAD", ".git/logs/HEAD"] {
        let p = repo_root.join(f);
        if p.exists() {
            println!("cargo:rerun-if-changed={}", p.display());
        }
    }
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(repo_root)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let commit = std::env::var("MAILWARDEN_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(|| git(&["rev-parse", "--short=12", "HEAD"]))
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=MAILWARDEN_COMMIT={commit}");
}
