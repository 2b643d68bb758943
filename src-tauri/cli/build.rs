//! Build script: link the `mailwarden` binary with packed relocations where
//! the toolchain allows (see ../build_relr.rs), and record the commit it is
//! built from (../build_commit.rs).

include!("../build_relr.rs");
include!("../build_commit.rs");

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=../build_relr.rs");
    println!("cargo:rerun-if-changed=../build_commit.rs");
    link_packed_relocations();
    record_commit(std::path::Path::new("../.."));
}
