// Shared by the desktop's and the command line's build scripts (include!d).
//
// Link the binaries with packed relative relocations (DT_RELR) where this
// machine's linker and C library support them: the loader then reads a few
// kilobytes of relocations instead of hundreds (the CLI's 379 KB became 9 KB;
// the desktop's 614 KB likewise), which is start-up time for every
// `mailwarden token` and size for the desktop binary. Cargo has no switch for
// it, so a probe links and runs a tiny C program that needs one relocation;
// where that fails (an older binutils or glibc) the binaries link as before.

fn link_packed_relocations() {
    println!("cargo:rerun-if-env-changed=CC");
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    let target = var("TARGET");
    if target != var("HOST") || !target.contains("linux-gnu") {
        return;
    }
    let out = std::path::PathBuf::from(var("OUT_DIR"));
    let src = out.join("relr_probe.c");
    let exe = out.join("relr_probe");
    let program = "static int x = 7; int *p = &x; int main(void) { return *p == 7 ? 0 : 1; }\n";
    if std::fs::write(&src, program).is_err() {
        return;
    }
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let linked = std::process::Command::new(cc)
        .arg("-fPIE")
        .arg("-pie")
        .arg(&src)
        .arg("-o")
        .arg(&exe)
        .arg("-Wl,-z,pack-relative-relocs")
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let runs = linked && std::process::Command::new(&exe).status().is_ok_and(|s| s.success());
    if runs {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}
