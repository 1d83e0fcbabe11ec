//! Soundness of the proof-system layer, property-based over random positions
//! and seeds: a false statement, a tampered proof or a proof for something
//! else never verifies. Proofs of broken traces are built anyway (release
//! builds of the prover do not check constraints).
//!
//! `cargo test` runs a bounded number of cases; BENTO_SOUNDNESS_CASES raises
//! the per-batch case count, BENTO_FLIP_ALL=1 flips every byte of a proof.

use crate::common;

use bento_stark::{
    prove, verify, Instance, PrimeCharacteristicRing, Proof, Setup, VerifyError, F, PARAMETERS,
};
use common::{all_batches, cases, mangle, Batch, Toy};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn clone_instances(batch: &Batch) -> Vec<Instance<Toy>> {
    batch
        .instances
        .iter()
        .map(|i| Instance {
            air: i.air.clone(),
            trace: i.trace.clone(),
            public_values: i.public_values.clone(),
        })
        .collect()
}

fn verifies(batch: &Batch, instances: &[Instance<Toy>]) -> bool {
    let setup = Setup::standard();
    let proof = prove(setup, instances).expect("the prover proves whatever it is given");
    verify(
        setup,
        &batch.airs(),
        &proof,
        &batch.public_values(),
        &batch.heights(),
    )
    .is_ok()
}

#[test]
fn a_trace_that_breaks_any_constraint_never_verifies() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    for batch in all_batches() {
        for case in 0..cases(16) {
            let mut instances = clone_instances(&batch);
            let t = rng.random_range(0..instances.len());
            let trace = &mut instances[t].trace;
            let at = rng.random_range(0..trace.values.len());
            let delta = F::from_u32(rng.random_range(1..0x7800_0000));
            trace.values[at] += delta;
            assert!(
                !verifies(&batch, &instances),
                "{} case {case}: cell {at} of table {t} changed, yet it verified",
                batch.name
            );
        }
    }
}

#[test]
fn bus_messages_must_balance_exactly() {
    // A tuple sent but never received (it satisfies the sender's own constraint).
    let batch = common::tuple_batch();
    let mut instances = clone_instances(&batch);
    let row = &mut instances[0].trace.values[3 * 5..3 * 6];
    row.copy_from_slice(&[F::from_u32(1000), F::from_u32(3), F::from_u32(3000)]);
    assert!(!verifies(&batch, &instances));
    // Received with the wrong multiplicity, either way.
    for delta in [F::ONE, -F::ONE] {
        let mut instances = clone_instances(&batch);
        instances[1].trace.values[4 * 2 + 3] += delta;
        assert!(!verifies(&batch, &instances));
    }
    // A value outside the range table.
    let batch = common::range_batch();
    let mut instances = clone_instances(&batch);
    let old = instances[0].trace.values[10];
    instances[0].trace.values[10] = F::from_u32(300);
    let value = bento_stark::PrimeField32::as_canonical_u32(&old) as usize;
    instances[1].trace.values[2 * value + 1] -= F::ONE;
    assert!(!verifies(&batch, &instances));
    // The honest batch still verifies.
    assert!(verifies(&batch, &clone_instances(&batch)));
}

#[test]
fn changing_any_public_value_never_verifies() {
    let setup = Setup::standard();
    for batch in [common::fib_batch(), common::public_batch(b"abc")] {
        let proof = prove(setup, &batch.instances).unwrap();
        let public = batch.public_values();
        for t in 0..public.len() {
            for i in 0..public[t].len() {
                let mut changed = public.clone();
                changed[t][i] += F::ONE;
                assert!(
                    verify(setup, &batch.airs(), &proof, &changed, &batch.heights()).is_err(),
                    "{} table {t} value {i}",
                    batch.name
                );
            }
        }
    }
}

#[test]
fn flipping_any_byte_of_a_proof_never_verifies() {
    let setup = Setup::standard();
    let batch = common::tuple_batch();
    let bytes = prove(setup, &batch.instances).unwrap().to_bytes();
    let every = std::env::var("BENTO_FLIP_ALL").is_ok();
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let positions: Vec<usize> = if every {
        (0..bytes.len()).collect()
    } else {
        (0..64)
            .chain((0..cases(600)).map(|_| rng.random_range(0..bytes.len())))
            .collect()
    };
    for at in positions {
        let mut tampered = bytes.clone();
        tampered[at] ^= rng.random_range(1..=255u8);
        let outcome = Proof::from_bytes(&tampered)
            .map_err(|e| e.to_string())
            .and_then(|p| {
                verify(
                    setup,
                    &batch.airs(),
                    &p,
                    &batch.public_values(),
                    &batch.heights(),
                )
                .map_err(|e| e.to_string())
            });
        assert!(
            outcome.is_err(),
            "flipping byte {at} of {} left a verifying proof",
            bytes.len()
        );
    }
}

#[test]
fn a_proof_for_one_batch_does_not_verify_for_another() {
    let setup = Setup::standard();
    let batches = all_batches();
    let proofs: Vec<Proof> = batches
        .iter()
        .map(|b| prove(setup, &b.instances).unwrap())
        .collect();
    for (i, proof) in proofs.iter().enumerate() {
        for (j, other) in batches.iter().enumerate() {
            let result = verify(
                setup,
                &other.airs(),
                proof,
                &other.public_values(),
                &other.heights(),
            );
            assert_eq!(
                result.is_ok(),
                i == j,
                "proof of {} checked as {}",
                batches[i].name,
                other.name
            );
        }
    }
    // The same tables in another order.
    let batch = common::tuple_batch();
    let mut airs = batch.airs();
    airs.reverse();
    let mut public = batch.public_values();
    public.reverse();
    assert!(verify(setup, &airs, &proofs[2], &public, &batch.heights()).is_err());
}

#[test]
fn proofs_under_another_configuration_are_refused() {
    let batch = common::fib_batch();
    let other = Setup::with(bento_stark::config::Parameters {
        num_queries: PARAMETERS.num_queries - 10,
        ..PARAMETERS
    });
    let proof = prove(&other, &batch.instances).unwrap();
    // By its header...
    let err = Proof::from_bytes(&proof.to_bytes()).unwrap_err();
    assert!(
        matches!(err, bento_stark::ProofFormatError::ForeignConfiguration(_)),
        "{err}"
    );
    let err = verify(
        Setup::standard(),
        &batch.airs(),
        &proof,
        &batch.public_values(),
        &batch.heights(),
    )
    .unwrap_err();
    assert!(
        matches!(err, VerifyError::ForeignConfiguration { .. }),
        "{err}"
    );
    // ...and, with the header forged, by the mathematics.
    let forged = Proof::new(PARAMETERS, proof.inner);
    assert!(verify(
        Setup::standard(),
        &batch.airs(),
        &forged,
        &batch.public_values(),
        &batch.heights()
    )
    .is_err());
}

/// A proof made by the previous build (configuration `/3`: 42 queries, 18
/// bits of query grinding) is refused as foreign, by its own name.
#[test]
fn proofs_of_the_previous_configuration_are_refused_by_name() {
    use bento_stark::config::Parameters;
    use bento_stark::proof::PROOF_FORMAT;
    let previous = Parameters {
        num_queries: 42,
        query_pow_bits: 18,
        ..PARAMETERS
    };
    let proof = prove(&Setup::with(previous), &common::fib_batch().instances).unwrap();
    let bytes = proof.to_bytes();
    let header = |name: &str| {
        postcard::to_extend(&(PROOF_FORMAT, name, previous), b"BENTOPRF".to_vec()).unwrap()
    };
    let body = &bytes[header(&proof.config_name()).len()..];
    let name = "bento-babybear4-poseidon2-fri/3";
    let old = [header(name).as_slice(), body].concat();
    let err = Proof::from_bytes(&old).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "the proof names configuration {name:?}; this build proves and verifies under {:?}",
            bento_stark::CONFIG_ID
        )
    );
}

#[test]
fn fuzzed_proof_bytes_never_panic_the_verifier() {
    let setup = Setup::standard();
    let batch = common::range_batch();
    let bytes = prove(setup, &batch.instances).unwrap().to_bytes();
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    for case in 0..cases(400) {
        let b = mangle(&bytes, &mut rng, case);
        if let Ok(proof) = Proof::from_bytes(&b) {
            let result = verify(
                setup,
                &batch.airs(),
                &proof,
                &batch.public_values(),
                &batch.heights(),
            );
            assert!(
                result.is_err() || b == bytes,
                "case {case}: mangled bytes verified"
            );
        }
    }
}
