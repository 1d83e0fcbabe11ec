//! A verifier's build leaves out the executor and the segment prover: the
//! features cargo resolves for `bento-verify`, and for the WebAssembly
//! verifier built on it, name neither (a dependency that asks for them,
//! directly or through another crate, fails this test).

use std::process::Command;

/// `cargo tree`'s packages and features of `package`'s normal dependencies.
fn resolved(package: &str) -> String {
    let out = Command::new(env!("CARGO"))
        .args(["tree", "--locked", "--offline", "-p", package])
        .args(["-e", "normal,features", "--prefix", "none"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo tree -p {package}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("cargo tree prints text")
}

#[test]
fn verifiers_build_without_the_executor_or_the_prover() {
    for package in ["bento-verify", "bento-verify-wasm"] {
        let tree = resolved(package);
        for present in ["bento-vm v", "bento-circuit v", "bento-recursion v"] {
            assert!(
                tree.contains(present),
                "{package} depends on {present}…:\n{tree}"
            );
        }
        for absent in [
            r#"bento-vm feature "executor""#,
            r#"bento-vm feature "forge""#,
            r#"bento-vm feature "default""#,
            r#"bento-circuit feature "prove""#,
            r#"bento-circuit feature "default""#,
        ] {
            assert!(
                !tree.contains(absent),
                "{package} builds with {absent}:\n{tree}"
            );
        }
    }
}
