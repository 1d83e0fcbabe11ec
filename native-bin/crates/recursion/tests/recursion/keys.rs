//! The fixed keys (src/keys.rs) are the keys of the circuits as compiled now.

use bento_recursion::join::JoinCircuit;
use bento_recursion::keys;
use bento_recursion::shrink::ShrinkCircuit;

#[test]
fn the_fixed_keys_are_the_compiled_circuits_keys() {
    let join = JoinCircuit::new().unwrap().key().digest();
    let shrink = ShrinkCircuit::new().unwrap().key();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/keys.rs");
    let current = std::fs::read_to_string(&path).unwrap();
    let rendered = keys::render(&current, join, &shrink);
    if std::env::var_os("BENTO_WRITE_KEYS").is_some() {
        std::fs::write(&path, &rendered).unwrap();
        return;
    }
    assert!(
        rendered == current,
        "src/keys.rs is stale (the recursion circuits changed): rerun with BENTO_WRITE_KEYS=1"
    );
    assert_eq!(keys::join_key_digest(), join);
    assert_eq!(keys::shrink_key(), shrink);
}
