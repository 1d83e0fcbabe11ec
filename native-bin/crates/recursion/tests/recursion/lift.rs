//! Lift: a recursion proof that a segment proof verifies, checked by a lift
//! circuit built from the segment's shape alone.

use crate::common;

use bento_circuit::air::CPU;
use bento_recursion::air::PUBLIC;
use bento_recursion::claim::chain_journal;
use bento_recursion::lift::{segment_claim, LiftCircuit, LiftError};
use bento_recursion::verifier::{pcs, verify_until_opening, BatchVerifier, ProofCells, Source};
use bento_recursion::{Builder, Felt};
use bento_stark::batch::prover_data_with;
use bento_stark::{PrimeCharacteristicRing, Setup, F, PARAMETERS};
use bento_vm::hash::Digest;

#[test]
fn a_lifted_segment_verifies_against_the_circuit_of_its_shape_and_its_claim_only() {
    let setup = Setup::standard();
    let proved = common::proved_segment();
    let shape = proved.proof.inner.degree_bits.clone();

    let prover_side = LiftCircuit::for_shape(setup, &shape).unwrap();
    let journal_before = Digest([9; 8]);
    let (lifted, times) = prover_side.prove(setup, &proved, journal_before).unwrap();
    assert_eq!(lifted.claim, segment_claim(&proved.claim, journal_before));
    assert_eq!(lifted.claim.cycles, u64::from(proved.claim.cycles));
    assert_eq!(lifted.claim.pre.pc, proved.claim.pre_pc);
    assert_eq!(
        lifted.claim.journal[1],
        chain_journal(journal_before, &proved.claim.journal)
    );

    // The verifier builds its own circuit from the shape: the same key, and it accepts.
    let verifier_side = LiftCircuit::for_shape(setup, &shape).unwrap();
    assert_eq!(verifier_side.key(), prover_side.key());
    verifier_side.verify(&lifted).unwrap();
    println!(
        "lift of a po2-{} segment: program built in {:.0} ms, proved in {:.0} ms; proof {} bytes; tables 2^{:?}",
        shape[CPU],
        times.build_ms,
        times.prove_ms,
        lifted.proof.to_bytes().len(),
        verifier_side.circuit().log_heights()
    );

    // Any other claim is refused: every public value, changed by one.
    let values = lifted.claim.to_public_values();
    for i in 0..values.len() {
        let mut other = values.clone();
        other[i] += F::ONE;
        assert!(
            verifier_side
                .circuit()
                .verify(Setup::standard(), &lifted.proof, &other)
                .is_err(),
            "public value {i} changed and the lift proof still verifies"
        );
    }

    // The lift proof verifies inside a program too (the ground of join), and
    // that program's transcript is Plonky3's own, step for step.
    let airs = verifier_side.circuit().airs();
    let degree_bits = lifted.proof.inner.degree_bits.clone();
    let inner = BatchVerifier::new(Setup::standard(), airs, &degree_bits).unwrap();
    let mut b = Builder::new();
    let cells = ProofCells::witness(&mut b, &inner, &lifted.proof.inner).unwrap();
    let publics: Vec<Vec<Felt>> = (0..airs.len())
        .map(|t| {
            if t == PUBLIC {
                values.iter().map(|&v| b.witness_felt(v)).collect()
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
    let (config, steps) = common::recording_config(&PARAMETERS);
    let bytes = postcard::to_allocvec(&lifted.proof.inner).unwrap();
    let recorded: p3_batch_stark::BatchProof<common::RecordingConfig> =
        postcard::from_bytes(&bytes).unwrap();
    let data = prover_data_with(&config, PARAMETERS.log_blowup, airs, &degree_bits).unwrap();
    let mut pvs = vec![Vec::new(); airs.len()];
    pvs[PUBLIC] = values.clone();
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
    assert_ne!(other.key(), verifier_side.key());
    assert!(other.verify(&lifted).is_err());
    assert!(matches!(
        other.prove(setup, &proved, journal_before),
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
