//! `lift`: a recursion proof that a segment proof verifies. Its public values
//! are the segment's own (pcs, cycles, exit, input state, memory roots,
//! journal digest and length): the same statement, in a proof whose size and
//! verification no longer depend on the segment's tables.
//!
//! The verifying program depends on the segment proof's shape (its tables'
//! heights), so there is one lift circuit per shape, built from the shape
//! alone; its verifying key names it.

use std::time::Instant;

use bento_circuit::air::{airs, CPU, NUM_TABLES, PAGING};
use bento_circuit::paging;
use bento_circuit::segment::{self, ProvedSegment, SegmentClaim};
use bento_stark::{PrimeCharacteristicRing, Setup, F};
use bento_vm::hash::{Digest, DIGEST_ELEMS};
use bento_vm::segment::segment_capacity;

use crate::circuit::{Circuit, CircuitError, VerifyingKey, RECURSION_LOG_HEIGHTS};
use crate::claim::{
    chain_journal, chain_journal_cells, ClaimCells, MachineState, RecursionClaim, NUM_PUBLIC_VALUES,
};
use crate::ir::{Builder, Felt, Run};
use crate::join::{assert_all_eq, RecursionProof};
use crate::times::{ms, ProveTimes};
use crate::verifier::{verify_batch, BatchVerifier, ProofCells, Source};

#[derive(Debug, thiserror::Error)]
pub enum LiftError {
    #[error("a segment proof of tables 2^{degree_bits:?} has no lift circuit: {reason}")]
    Shape {
        degree_bits: Vec<usize>,
        reason: String,
    },
    #[error("segment {index}: {source}")]
    Segment {
        index: u32,
        source: segment::VerifyError,
    },
    #[error("the lift program refuses the segment proof: {0}")]
    Refused(String),
    #[error(transparent)]
    Circuit(#[from] CircuitError),
}

/// The lift circuit of one segment shape.
pub struct LiftCircuit {
    degree_bits: Vec<usize>,
    verifier: BatchVerifier,
    circuit: Circuit,
}

/// The claim a lift of `segment` makes, given the journal chain before it.
/// A lift checks no verifying key: its control root is zero.
pub fn segment_claim(segment: &SegmentClaim, journal_before: Digest) -> RecursionClaim {
    let state = |pc, root, input_ended| MachineState {
        pc,
        root,
        input_ended,
    };
    RecursionClaim {
        control_root: Digest::default(),
        pre: state(segment.pre_pc, segment.pre_root, segment.pre_input_ended),
        post: state(segment.post_pc, segment.post_root, segment.post_input_ended),
        exit_code: segment.exit_code,
        journal: [
            journal_before,
            chain_journal(journal_before, &segment.journal),
        ],
        cycles: u64::from(segment.cycles),
        segments: 1,
    }
}

/// The lift program: the recursion claim as the proof's public values, the
/// segment's public values built from it (and from the journal piece's
/// digest and length, witnessed), every value range-checked, and the
/// segment proof verified against them.
fn program(
    verifier: &BatchVerifier,
    po2: u32,
    claim: &[F],
    segment_values: &[Vec<F>],
    source: Source<'_>,
) -> Result<Run, String> {
    let mut b = Builder::new();
    let cells = match source {
        Source::Proof(p) => ProofCells::witness(&mut b, verifier, p)?,
        Source::Shape => ProofCells::zeros(&mut b, verifier),
    };
    let c = ClaimCells::new(&mut b, claim, Builder::public);
    c.check_ranges(&mut b);
    for &x in &c.control_root {
        b.assert_zero(x, "a lift checks no verifying key");
    }

    let paging = &segment_values[PAGING];
    let journal_digest: [Felt; DIGEST_ELEMS] =
        std::array::from_fn(|k| b.witness_felt(paging[paging::PV_JOURNAL_DIGEST + k]));
    let journal_len = b.witness_felt(paging[paging::PV_JOURNAL_LEN]);
    let mut publics: Vec<Vec<Felt>> = vec![Vec::new(); NUM_TABLES];
    publics[CPU] = [c.pre.pc4, c.post.pc4, c.cycles[0], c.exited]
        .into_iter()
        .chain(c.exit_code)
        .chain([c.pre.input_ended, c.post.input_ended])
        .collect();
    publics[PAGING] = c
        .pre
        .root
        .into_iter()
        .chain(c.post.root)
        .chain(journal_digest)
        .chain([journal_len])
        .collect();

    // What the segment verifier checks of a claim beside the proof: 1 ≤
    // cycles ≤ the segment's capacity, fewer journal bytes than cycles.
    let capacity = F::from_u32(segment_capacity(po2));
    b.assert_zero(c.cycles[1], "a segment's cycles fit one limb");
    let one = b.constant_felt(F::ONE);
    b.assert_eq(c.segments, one, "a lift is of one segment");
    let above_one = b.faffine(F::ONE, c.cycles[0], -F::ONE);
    b.assert_range(above_one, 23, "a segment runs at least one cycle");
    let room = b.faffine(-F::ONE, c.cycles[0], capacity);
    b.assert_range(room, 23, "a segment runs at most its capacity");
    b.assert_range(journal_len, 23, "a journal's length");
    let spare = b.fsub(above_one, journal_len);
    b.assert_range(spare, 23, "a journal byte per cycle at most");

    let chained = chain_journal_cells(&mut b, c.journal[0], journal_digest, journal_len);
    assert_all_eq(
        &mut b,
        &chained,
        &c.journal[1],
        "the journal chain after the segment",
    );
    verify_batch(&mut b, verifier, &cells, &publics, source)?;
    Ok(b.finish())
}

impl LiftCircuit {
    /// The lift circuit for segment proofs (of `setup`) whose tables have
    /// 2^degree_bits rows; the lift proofs are made under the recursion configuration.
    pub fn for_shape(setup: &Setup, degree_bits: &[usize]) -> Result<LiftCircuit, LiftError> {
        let shape_error = |reason: String| LiftError::Shape {
            degree_bits: degree_bits.to_vec(),
            reason,
        };
        if degree_bits.len() != NUM_TABLES {
            return Err(shape_error(format!("a segment has {NUM_TABLES} tables")));
        }
        let po2 = degree_bits[CPU] as u32;
        if !(bento_vm::segment::MIN_PO2..=bento_circuit::segment::MAX_PROVE_PO2).contains(&po2) {
            return Err(shape_error(format!("po2 {po2} is not provable")));
        }
        let allowed = segment::log_heights(po2);
        if let Some(t) = (0..NUM_TABLES).find(|&t| !allowed[t].contains(&degree_bits[t])) {
            return Err(shape_error(format!(
                "table {t} must have 2^{:?} rows",
                allowed[t]
            )));
        }
        let airs = airs();
        let verifier = BatchVerifier::new(setup, &airs, degree_bits).map_err(shape_error)?;
        let public_counts: Vec<usize> = airs
            .iter()
            .map(bento_stark::BaseAir::<F>::num_public_values)
            .collect();
        let segment_zeros: Vec<Vec<F>> = public_counts.iter().map(|&n| vec![F::ZERO; n]).collect();
        let claim_zeros = vec![F::ZERO; NUM_PUBLIC_VALUES];
        let run = program(&verifier, po2, &claim_zeros, &segment_zeros, Source::Shape)
            .map_err(shape_error)?;
        let circuit =
            Circuit::with_log_heights(Setup::standard(), run.program, RECURSION_LOG_HEIGHTS)
                .ok_or_else(|| {
                    shape_error("the lift program outgrows the recursion shape".into())
                })?;
        Ok(LiftCircuit {
            degree_bits: degree_bits.to_vec(),
            verifier,
            circuit,
        })
    }

    pub fn circuit(&self) -> &Circuit {
        &self.circuit
    }

    pub fn key(&self) -> VerifyingKey {
        self.circuit.key(Setup::standard())
    }

    /// Lifts a segment proof (checked natively first: only valid proofs are
    /// lifted), continuing the journal chain from `journal_before`.
    pub fn prove(
        &self,
        setup: &Setup,
        proved: &ProvedSegment,
        journal_before: Digest,
    ) -> Result<(RecursionProof, ProveTimes), LiftError> {
        segment::verify(setup, &proved.claim, &proved.proof).map_err(|source| {
            LiftError::Segment {
                index: proved.claim.index,
                source,
            }
        })?;
        let inner = &proved.proof.inner;
        if inner.degree_bits != self.degree_bits {
            return Err(LiftError::Shape {
                degree_bits: inner.degree_bits.clone(),
                reason: format!("this circuit lifts 2^{:?}", self.degree_bits),
            });
        }
        let claim = segment_claim(&proved.claim, journal_before);
        let start = Instant::now();
        let run = program(
            &self.verifier,
            proved.claim.po2,
            &claim.to_public_values(),
            &proved.claim.public_values(),
            Source::Proof(inner),
        )
        .map_err(LiftError::Refused)?;
        if let Some(first) = run.failures.first() {
            return Err(LiftError::Refused(first.clone()));
        }
        let build_ms = ms(start);
        let start = Instant::now();
        let proof = self.circuit.prove(Setup::standard(), &run)?;
        let prove_ms = ms(start);
        Ok((
            RecursionProof { claim, proof },
            ProveTimes { build_ms, prove_ms },
        ))
    }

    /// Checks a lift proof made by this circuit.
    pub fn verify(&self, lifted: &RecursionProof) -> Result<(), LiftError> {
        Ok(self
            .circuit
            .verify(Setup::standard(), &lifted.proof, &lifted.public_values()?)?)
    }
}
