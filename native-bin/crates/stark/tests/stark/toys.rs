//! Every feature the zkVM relies on, on toy tables: boundary constraints and
//! public values, a range check through a lookup, a tuple bus between tables
//! of different heights, and public data entering buses.

use crate::common;

use bento_stark::{prove, security, synthetic, verify, Proof, Setup, F};
use bento_stark::{Matrix, PrimeCharacteristicRing};
use common::all_batches;

#[test]
fn every_toy_batch_proves_and_verifies_through_bytes() {
    let setup = Setup::standard();
    for batch in all_batches() {
        let proof =
            prove(setup, &batch.instances).unwrap_or_else(|e| panic!("{}: {e}", batch.name));
        let bytes = proof.to_bytes();
        let back = Proof::from_bytes(&bytes).unwrap_or_else(|e| panic!("{}: {e}", batch.name));
        assert_eq!(
            back.to_bytes(),
            bytes,
            "{}: serialization round trip",
            batch.name
        );
        verify(
            setup,
            &batch.airs(),
            &back,
            &batch.public_values(),
            &batch.heights(),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", batch.name));
    }
}

#[test]
fn the_verifier_uses_its_own_public_data() {
    // The prover wrote "hello, journal"; a verifier expecting other bytes rejects.
    let setup = Setup::standard();
    let batch = common::public_batch(b"hello, journal");
    let proof = prove(setup, &batch.instances).unwrap();
    let other = common::public_batch(b"hello, jOurnal");
    assert!(verify(
        setup,
        &other.airs(),
        &proof,
        &other.public_values(),
        &other.heights()
    )
    .is_err());
    let shorter = common::public_batch(b"hello, journa");
    assert!(verify(
        setup,
        &shorter.airs(),
        &proof,
        &shorter.public_values(),
        &shorter.heights()
    )
    .is_err());
}

#[test]
fn heights_outside_the_verifiers_bounds_are_refused() {
    let setup = Setup::standard();
    let batch = common::range_batch();
    let proof = prove(setup, &batch.instances).unwrap();
    let err = verify(
        setup,
        &batch.airs(),
        &proof,
        &batch.public_values(),
        &[6..=6, 9..=12],
    )
    .unwrap_err();
    assert_eq!(
        err,
        bento_stark::VerifyError::TableHeight {
            table: 1,
            log_height: 8,
            min: 9,
            max: 12
        }
    );
    let err = verify(
        setup,
        &batch.airs()[..1],
        &proof,
        &batch.public_values()[..1],
        &[6..=6],
    )
    .unwrap_err();
    assert!(matches!(err, bento_stark::VerifyError::TableCount { .. }));
}

#[test]
fn the_prover_refuses_traces_of_the_wrong_shape() {
    let setup = Setup::standard();
    let mut batch = common::fib_batch();
    batch.instances[0].trace = bento_stark::RowMajorMatrix::new(vec![F::ONE; 2 * 24], 2);
    assert!(prove(setup, &batch.instances)
        .unwrap_err()
        .to_string()
        .contains("power of two"));
    batch.instances[0].trace = bento_stark::RowMajorMatrix::new(vec![F::ONE; 3 * 32], 3);
    assert!(prove(setup, &batch.instances)
        .unwrap_err()
        .to_string()
        .contains("3 columns"));
}

#[test]
fn the_configuration_reaches_100_bits_of_conjectured_security() {
    let setup = Setup::standard();
    // The benchmark's shape at 2^20 rows, and every toy batch.
    let synthetic: Vec<_> = synthetic::instances(4, 100, 1)
        .into_iter()
        .map(|i| i.air)
        .collect();
    let report = security::conjectured(setup, &security::shapes(setup, &synthetic, &[20, 16]));
    assert!(report.bits >= 100.0, "{report:?}");
    for batch in all_batches() {
        let heights: Vec<usize> = batch
            .instances
            .iter()
            .map(|i| i.trace.height().trailing_zeros() as usize)
            .collect();
        let report =
            security::conjectured(setup, &security::shapes(setup, &batch.airs(), &heights));
        assert!(report.bits >= 100.0, "{}: {report:?}", batch.name);
    }
}
