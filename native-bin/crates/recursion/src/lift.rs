//! `lift`: a recursion proof that a segment proof verifies. Its public values
//! are the segment's own (pcs, cycles, exit, input state, memory roots,
//! journal digest and length): the same statement, in a proof whose size and
//! verification no longer depend on the segment's tables.
//!
//! The verifying program depends on the segment proof's shape (its tables'
//! heights), so there is one lift circuit per shape, built from the shape
//! alone; its verifying key names it.

use std::time::Instant;

use bento_circuit::air::{airs, CPU, NUM_TABLES};
use bento_circuit::segment::{self, ProvedSegment};
use bento_stark::{Proof, Setup, F};
use bento_vm::hash::Digest;

use crate::circuit::{Circuit, CircuitError};
use crate::ir::{Builder, Felt, Run};
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

/// A lift proof: the segment proof's shape, its public values, the recursion proof.
pub struct Lifted {
    pub degree_bits: Vec<usize>,
    pub public_values: Vec<F>,
    pub proof: Proof,
}

/// The lift circuit of one segment shape.
pub struct LiftCircuit {
    degree_bits: Vec<usize>,
    verifier: BatchVerifier,
    circuit: Circuit,
    /// Per table, how many of the public values are its.
    public_counts: Vec<usize>,
}

/// How long each part of a lift took.
#[derive(Clone, Copy, Debug, Default)]
pub struct LiftTimes {
    pub build_ms: f64,
    pub prove_ms: f64,
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

/// The lift program: the segment's public values as the proof's public
/// values, and the segment proof verified against them.
fn program(
    verifier: &BatchVerifier,
    public_counts: &[usize],
    public_values: &[F],
    source: Source<'_>,
) -> Result<Run, String> {
    let mut b = Builder::new();
    let cells = match source {
        Source::Proof(p) => ProofCells::witness(&mut b, verifier, p)?,
        Source::Shape => ProofCells::zeros(&mut b, verifier),
    };
    let mut values = public_values.iter();
    let publics: Vec<Vec<Felt>> = public_counts
        .iter()
        .map(|&n| {
            (0..n)
                .map(|_| b.public(*values.next().expect("one value per public value")))
                .collect()
        })
        .collect();
    verify_batch(&mut b, verifier, &cells, &publics, source)?;
    Ok(b.finish())
}

impl LiftCircuit {
    /// The lift circuit for segment proofs whose tables have 2^degree_bits rows.
    pub fn for_shape(setup: &Setup, degree_bits: &[usize]) -> Result<LiftCircuit, LiftError> {
        let shape_error = |reason: String| LiftError::Shape {
            degree_bits: degree_bits.to_vec(),
            reason,
        };
        if degree_bits.len() != NUM_TABLES {
            return Err(shape_error(format!("a segment has {NUM_TABLES} tables")));
        }
        let po2 = degree_bits[CPU] as u32;
        if !(bento_vm::segment::MIN_PO2..=bento_circuit::trace::MAX_PROVE_PO2).contains(&po2) {
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
        let zeros = vec![F::default(); public_counts.iter().sum()];
        let run = program(&verifier, &public_counts, &zeros, Source::Shape).map_err(shape_error)?;
        Ok(LiftCircuit {
            degree_bits: degree_bits.to_vec(),
            verifier,
            circuit: Circuit::new(setup, run.program),
            public_counts,
        })
    }

    pub fn circuit(&self) -> &Circuit {
        &self.circuit
    }

    pub fn verifying_key(&self, setup: &Setup) -> Digest {
        self.circuit.verifying_key(setup)
    }

    /// Lifts a segment proof (checked natively first: only valid proofs are lifted).
    pub fn prove(
        &self,
        setup: &Setup,
        proved: &ProvedSegment,
    ) -> Result<(Lifted, LiftTimes), LiftError> {
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
        let public_values: Vec<F> = proved.claim.public_values().concat();
        let start = Instant::now();
        let run = program(
            &self.verifier,
            &self.public_counts,
            &public_values,
            Source::Proof(inner),
        )
        .map_err(LiftError::Refused)?;
        if let Some(first) = run.failures.first() {
            return Err(LiftError::Refused(first.clone()));
        }
        let build_ms = ms(start);
        let start = Instant::now();
        let proof = self.circuit.prove(setup, &run)?;
        let prove_ms = ms(start);
        Ok((
            Lifted {
                degree_bits: self.degree_bits.clone(),
                public_values,
                proof,
            },
            LiftTimes { build_ms, prove_ms },
        ))
    }

    /// Checks a lift proof made by this circuit.
    pub fn verify(&self, setup: &Setup, lifted: &Lifted) -> Result<(), LiftError> {
        if lifted.degree_bits != self.degree_bits {
            return Err(LiftError::Shape {
                degree_bits: lifted.degree_bits.clone(),
                reason: format!("this circuit lifts 2^{:?}", self.degree_bits),
            });
        }
        Ok(self
            .circuit
            .verify(setup, &lifted.proof, &lifted.public_values)?)
    }
}
