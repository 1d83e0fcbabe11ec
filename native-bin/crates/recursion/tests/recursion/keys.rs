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

/// Every catalogued shape's lift key would take minutes to compile, so each
/// run compiles two chosen at random (and says which); `BENTO_WRITE_KEYS=1`
/// compiles them all and rewrites src/lift_keys.rs.
#[test]
fn the_catalogued_lift_keys_are_the_compiled_circuits_keys() {
    use bento_circuit::shapes::CATALOGUE;
    use bento_recursion::lift::LiftCircuit;
    use bento_recursion::lift_keys::{self, LIFT_KEY_DIGESTS};
    use bento_stark::Setup;
    use rand::seq::index::sample;

    let digest = |i: usize| {
        let shape: Vec<usize> = CATALOGUE[i].iter().map(|&h| h.into()).collect();
        let key = LiftCircuit::for_shape(Setup::standard(), &shape)
            .unwrap_or_else(|e| panic!("catalogued shape {shape:?}: {e}"))
            .key();
        (shape, key.digest())
    };
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lift_keys.rs");
    if std::env::var_os("BENTO_WRITE_KEYS").is_some() {
        let digests: Vec<_> = (0..CATALOGUE.len()).map(|i| digest(i).1).collect();
        let current = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, lift_keys::render(&current, &digests)).unwrap();
        return;
    }
    for i in sample(&mut rand::rng(), CATALOGUE.len(), 2.min(CATALOGUE.len())) {
        let (shape, computed) = digest(i);
        println!("catalogued lift key {i}: shape {shape:?}");
        assert_eq!(
            computed.0, LIFT_KEY_DIGESTS[i],
            "src/lift_keys.rs is stale for shape {shape:?}: rerun with BENTO_WRITE_KEYS=1"
        );
        assert_eq!(lift_keys::catalogued(&shape), Some(computed));
    }
}
