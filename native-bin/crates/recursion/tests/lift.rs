//! Lift: a recursion proof that a segment proof verifies, checked by a lift
//! circuit built from the segment's shape alone.

mod common;

use bento_circuit::air::CPU;
use bento_recursion::air::PUBLIC;
use bento_recursion::lift::{LiftCircuit, LiftError};
use bento_recursion::verifier::{pcs, verify_until_opening, BatchVerifier, ProofCells, Source};
use bento_recursion::{Builder, Felt};
use bento_stark::batch::prover_data_with;
use bento_stark::{PrimeCharacteristicRing, Setup, F, PARAMETERS};

#[test]
fn a_lifted_segment_verifies_against_the_circuit_of_its_shape_and_its_claim_only() {
    let setup = Setup::standard();
    let proved = common::proved_segment();
    let shape = proved.proof.inner.degree_bits.clone();

    let prover_side = LiftCircuit::for_shape(setup, &shape).unwrap();
    let (lifted, times) = prover_side.prove(setup, &proved).unwrap();
    assert_eq!(lifted.public_values, proved.claim.public_values().concat());

    // The verifier builds its own circuit from the shape: the same key, and it accepts.
    let verifier_side = LiftCircuit::for_shape(setup, &shape).unwrap();
    assert_eq!(
        verifier_side.verifying_key(setup),
        prover_side.verifying_key(setup)
    );
    verifier_side.verify(setup, &lifted).unwrap();
    println!(
        "lift of a po2-{} segment: program built in {:.0} ms, proved in {:.0} ms; proof {} bytes; tables 2^{:?}",
        shape[CPU],
        times.build_ms,
        times.prove_ms,
        lifted.proof.to_bytes().len(),
        verifier_side.circuit().log_heights()
    );

    // Any other claim is refused: the pcs, the cycles, the exit code, a memory
    // root, the journal's digest and its length (each verification rebuilds
    // the circuit's preprocessed commitment, so a sample, not all 34).
    let n = lifted.public_values.len();
    for i in [0, 2, 4, 9, 20, n - 1] {
        let mut other = bento_recursion::lift::Lifted {
            degree_bits: lifted.degree_bits.clone(),
            public_values: lifted.public_values.clone(),
            proof: bento_stark::Proof::from_bytes(&lifted.proof.to_bytes()).unwrap(),
        };
        other.public_values[i] += F::ONE;
        assert!(
            verifier_side.verify(setup, &other).is_err(),
            "public value {i} changed and the lift proof still verifies"
        );
    }

    // The lift proof verifies inside a program too (the ground of join), and
    // that program's transcript is Plonky3's own, step for step.
    let airs = verifier_side.circuit().airs();
    let degree_bits = lifted.proof.inner.degree_bits.clone();
    let inner = BatchVerifier::new(setup, airs, &degree_bits).unwrap();
    let mut b = Builder::new();
    let cells = ProofCells::witness(&mut b, &inner, &lifted.proof.inner).unwrap();
    let publics: Vec<Vec<Felt>> = (0..airs.len())
        .map(|t| {
            if t == PUBLIC {
                lifted
                    .public_values
                    .iter()
                    .map(|&v| b.witness_felt(v))
                    .collect()
            } else {
                Vec::new()
            }
        })
        .collect();
    let mut challenges = verify_until_opening(&mut b, &inner, &cells, &publics);
    pcs::verify(
        &mut b,
        &inner,
        &cells,
        Source::Proof(&lifted.proof.inner),
        &mut challenges,
    )
    .unwrap();
    assert!(b.failures().is_empty(), "{:?}", b.failures());
    let (config, steps) = common::recording_config();
    let bytes = postcard::to_allocvec(&lifted.proof.inner).unwrap();
    let recorded: p3_batch_stark::BatchProof<common::RecordingConfig> =
        postcard::from_bytes(&bytes).unwrap();
    let data = prover_data_with(&config, PARAMETERS.log_blowup, airs, &degree_bits).unwrap();
    let mut pvs = vec![Vec::new(); airs.len()];
    pvs[PUBLIC] = lifted.public_values.clone();
    p3_batch_stark::verify_batch(&config, airs, &recorded, &pvs, &data.common).unwrap();
    let native = steps.lock().unwrap().clone();
    let ours = &challenges.challenger.steps;
    let offset = common::offset_in(&native, ours).unwrap();
    assert_eq!(offset + ours.len(), native.len());
    println!(
        "a lift proof verified in a program of {} operations",
        b.finish().program.ops.len()
    );

    // A circuit of another shape neither accepts it nor lifts the segment.
    let mut other_shape = shape.clone();
    other_shape[1] += 1;
    let other = LiftCircuit::for_shape(setup, &other_shape).unwrap();
    assert_ne!(
        other.verifying_key(setup),
        verifier_side.verifying_key(setup)
    );
    assert!(matches!(
        other.verify(setup, &lifted),
        Err(LiftError::Shape { .. })
    ));
    assert!(matches!(
        other.prove(setup, &proved),
        Err(LiftError::Shape { .. })
    ));
}

#[test]
fn shapes_no_segment_proof_can_have_get_no_lift_circuit() {
    let setup = Setup::standard();
    let proved = common::proved_segment();
    let mut shape = proved.proof.inner.degree_bits.clone();
    shape[1] = shape[CPU] + 1;
    assert!(matches!(
        LiftCircuit::for_shape(setup, &shape),
        Err(LiftError::Shape { .. })
    ));
    assert!(matches!(
        LiftCircuit::for_shape(setup, &shape[..5]),
        Err(LiftError::Shape { .. })
    ));
}
