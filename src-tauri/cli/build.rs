//! Build script: link the `mailwarden` binary with packed relocations where
//! the toolchain allows (see ../build_relr.rs).

include!("../build_relr.rs");

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=../build_relr.rs");
    link_packed_relocations();
}
