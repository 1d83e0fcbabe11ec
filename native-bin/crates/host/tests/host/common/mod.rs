//! Builds the guest workspace (`guest/`: the SDK's examples and test guests)
//! once per test binary, with plain `cargo build --release --locked`, as a user would.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub const TARGET: &str = "riscv32im-unknown-none-elf";

fn guest_workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../guest")
}

/// rustc names the target's library folder whether or not it is installed.
fn target_installed() -> bool {
    let libdir = Command::new("rustc")
        .args(["--print", "target-libdir", "--target", TARGET])
        .output();
    matches!(libdir, Ok(out) if out.status.success() && Path::new(String::from_utf8_lossy(&out.stdout).trim()).is_dir())
}

fn build() -> Result<PathBuf, String> {
    if !target_installed() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("the Rust target {TARGET} is missing under CI (.ci/run installs it: rustup target add {TARGET})");
        }
        return Err(format!(
            "skipped: the Rust target {TARGET} is not installed (rustup target add {TARGET})"
        ));
    }
    let dir = guest_workspace();
    // The outer cargo's settings for native-bin must not leak into the guest build.
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--locked"])
        .current_dir(&dir)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    assert!(
        status.success(),
        "building the guests in {} failed",
        dir.display()
    );
    Ok(dir.join("target").join(TARGET).join("release"))
}

/// The built guest `name`, or None (with the reason printed) when the target is absent.
pub fn guest(name: &str) -> Option<Vec<u8>> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match BUILT.get_or_init(build) {
        Ok(dir) => Some(std::fs::read(dir.join(name)).expect("the guest was built")),
        Err(reason) => {
            eprintln!("{reason}");
            None
        }
    }
}
