//! The batch verifier as a program, on real segment proofs: it accepts what
//! Plonky3's verifier accepts, its transcript draws the same challenges, and
//! it refuses an edited proof or claim. A recursion proof of it is made too.

use crate::common;

use std::time::Instant;

use bento_circuit::air::airs;
use bento_circuit::segment::{self, ProvedSegment};
use bento_recursion::verifier::{pcs, verify_until_opening, BatchVerifier, ProofCells, Source};
use bento_recursion::{Builder, Circuit, Felt};
use bento_stark::batch::prover_data_with;
use bento_stark::config::Config;
use bento_stark::PARAMETERS;
use bento_stark::{PrimeCharacteristicRing, Setup, EF, F};
use p3_batch_stark::BatchProof;

/// An edit of a proof or of its public values.
type Edit = Box<dyn FnOnce(&mut BatchProof<Config>, &mut Vec<Vec<F>>)>;

/// Builds the verifying program for `proved` (after `edit`) and returns its run's failures.
fn run_verifier(proved: &ProvedSegment, edit: Edit) -> (Builder, Vec<String>) {
    let setup = Setup::standard();
    let mut proof = bento_stark::Proof::from_bytes(&proved.proof.to_bytes())
        .unwrap()
        .inner;
    let mut public_values = proved.claim.public_values();
    edit(&mut proof, &mut public_values);
    let verifier = BatchVerifier::new(setup, &airs(), &proof.degree_bits).unwrap();
    let mut b = Builder::new();
    let cells = ProofCells::witness(&mut b, &verifier, &proof).unwrap();
    let publics: Vec<Vec<Felt>> = public_values
        .iter()
        .map(|t| t.iter().map(|&v| b.witness_felt(v)).collect())
        .collect();
    // A proof whose openings cannot even be witnessed is refused too.
    let mut failures = b.failures().to_vec();
    if let Err(e) = bento_recursion::verifier::verify_batch(
        &mut b,
        &verifier,
        &cells,
        &publics,
        Source::Proof(&proof),
    ) {
        failures.push(e);
    }
    failures.extend(b.failures().iter().cloned());
    (b, failures)
}

#[test]
fn the_verifier_program_accepts_a_segment_proof_and_refuses_edits() {
    let proved = common::proved_segment();
    segment::verify(Setup::standard(), &proved.claim, &proved.proof).unwrap();

    let start = Instant::now();
    let (b, failures) = run_verifier(&proved, Box::new(|_, _| {}));
    let built = start.elapsed();
    assert!(failures.is_empty(), "an honest proof fails: {failures:?}");

    let edits: [(&str, Edit); 12] = [
        (
            "an opened value",
            Box::new(|p, _| {
                p.opened_values.instances[0].base_opened_values.trace_local[3] += EF::ONE
            }),
        ),
        (
            // The edges of what the opening argument sums: the last column
            // of the widest table, and a value at the second opening point.
            "the widest table's last value at ζ",
            Box::new(|p, _| {
                let values = &mut p.opened_values.instances[3].base_opened_values.trace_local;
                *values.last_mut().unwrap() += EF::ONE
            }),
        ),
        (
            "a last value at the next row",
            Box::new(|p, _| {
                let next = p.opened_values.instances[0]
                    .base_opened_values
                    .trace_next
                    .as_mut();
                *next.unwrap().last_mut().unwrap() += EF::ONE
            }),
        ),
        (
            "a quotient chunk",
            Box::new(|p, _| {
                p.opened_values.instances[2]
                    .base_opened_values
                    .quotient_chunks[0][1] += EF::ONE
            }),
        ),
        (
            "a LogUp column",
            Box::new(|p, _| p.opened_values.instances[1].permutation_next[0] += EF::ONE),
        ),
        ("a public value", Box::new(|_, pv| pv[0][2] += F::ONE)),
        (
            "a lookup terminal",
            Box::new(|p, _| p.lookup_terminals[0].as_mut().unwrap().0 += EF::ONE),
        ),
        (
            "an opened row of the main trace",
            Box::new(|p, _| p.opening_proof.input_openings[0].opened_values[5][0][2] += F::ONE),
        ),
        (
            "a folding round's sibling",
            Box::new(|p, _| {
                p.opening_proof.commit_phase_openings[1].sibling_values[7][0] += EF::ONE
            }),
        ),
        (
            "the final polynomial",
            Box::new(|p, _| p.opening_proof.final_poly[2] += EF::ONE),
        ),
        (
            "the query grinding witness",
            Box::new(|p, _| p.opening_proof.query_pow_witness += F::ONE),
        ),
        (
            "the batching grinding witness",
            Box::new(|p, _| p.opening_proof.batch_pow_witness += F::ONE),
        ),
    ];
    for (what, edit) in edits {
        let (_, failures) = run_verifier(&proved, edit);
        assert!(
            !failures.is_empty(),
            "{what} edited, and the program accepts"
        );
    }

    // The recursion proof of the honest run.
    let setup = Setup::standard();
    let run = b.finish();
    let ops = run.program.ops.len();
    let start = Instant::now();
    let circuit = Circuit::new(setup, run.program.clone());
    let compiled = start.elapsed();
    let start = Instant::now();
    let proof = circuit.prove(setup, &run).unwrap();
    let proved_in = start.elapsed();
    circuit.verify(setup, &proof, &run.public_values).unwrap();
    println!(
        "verifier program: {ops} operations, tables 2^{:?}; built in {built:?}, compiled in {compiled:?}, proved in {proved_in:?}, proof {} bytes",
        circuit.log_heights(),
        proof.to_bytes().len()
    );
}

#[test]
fn the_verifier_programs_transcript_is_plonky3s_step_for_step() {
    let proved = common::proved_segment();
    let (config, steps) = common::recording_config(&PARAMETERS);
    let bytes = postcard::to_allocvec(&proved.proof.inner).unwrap();
    let proof: BatchProof<common::RecordingConfig> = postcard::from_bytes(&bytes).unwrap();
    let airs = airs();
    let data = prover_data_with(&config, PARAMETERS.log_blowup, &airs, &proof.degree_bits).unwrap();
    p3_batch_stark::verify_batch(
        &config,
        &airs,
        &proof,
        &proved.claim.public_values(),
        &data.common,
    )
    .unwrap();
    let native = steps.lock().unwrap().clone();

    let setup = Setup::standard();
    let verifier = BatchVerifier::new(setup, &airs, &proved.proof.inner.degree_bits).unwrap();
    let mut b = Builder::new();
    let cells = ProofCells::witness(&mut b, &verifier, &proved.proof.inner).unwrap();
    let publics: Vec<Vec<Felt>> = proved
        .claim
        .public_values()
        .iter()
        .map(|t| t.iter().map(|&v| b.witness_felt(v)).collect())
        .collect();
    let mut challenges = verify_until_opening(&mut b, &verifier, &cells, &publics);
    pcs::verify(
        &mut b,
        &verifier,
        &cells,
        Source::Proof(&proved.proof.inner),
        &mut challenges,
    )
    .unwrap();
    let ours = &challenges.challenger.steps;
    let offset = common::offset_in(&native, ours).unwrap();
    assert_eq!(
        offset + ours.len(),
        native.len(),
        "the program's transcript stops early"
    );
    assert!(b.failures().is_empty(), "{:?}", b.failures());
    println!(
        "Plonky3's transcript: {} steps; the program's so far: {}",
        native.len(),
        ours.len()
    );
}

#[test]
fn the_verifier_program_depends_only_on_the_proofs_shape() {
    let proved = common::proved_segment();
    let setup = Setup::standard();
    let verifier = BatchVerifier::new(setup, &airs(), &proved.proof.inner.degree_bits).unwrap();
    let build = |source: Source<'_>| {
        let mut b = Builder::new();
        let (cells, values) = match source {
            Source::Proof(p) => (
                ProofCells::witness(&mut b, &verifier, p).unwrap(),
                proved.claim.public_values(),
            ),
            Source::Shape => {
                let zeros = proved
                    .claim
                    .public_values()
                    .iter()
                    .map(|t| vec![F::ZERO; t.len()])
                    .collect();
                (ProofCells::zeros(&mut b, &verifier), zeros)
            }
        };
        let publics: Vec<Vec<Felt>> = values
            .iter()
            .map(|t| t.iter().map(|&v| b.witness_felt(v)).collect())
            .collect();
        bento_recursion::verifier::verify_batch(&mut b, &verifier, &cells, &publics, source)
            .unwrap();
        b.finish()
    };
    let from_proof = build(Source::Proof(&proved.proof.inner));
    let from_shape = build(Source::Shape);
    assert!(from_proof.failures.is_empty());
    assert!(!from_shape.failures.is_empty(), "zeros are no proof");
    assert!(
        from_proof.program == from_shape.program,
        "the program read something of the proof beyond its shape"
    );
}
