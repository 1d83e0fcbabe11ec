//! Puts the guest linker script on the link path, so a guest links with
//! `-C link-arg=-Tbento-guest.ld` (set in its `.cargo/config.toml`).

use std::path::PathBuf;

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("bento-guest.ld"), include_bytes!("bento-guest.ld"))
        .expect("OUT_DIR is writable");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=bento-guest.ld");
}
