//! `shrink`: the succinct receipt's proof. One lift or join proof verified
//! (its key checked against the control root) and its claim restated, proved
//! under the succinct configuration: a smaller proof of the same statement,
//! and one circuit (its key fixed) for a verifier to know.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use bento_stark::{PrimeCharacteristicRing, Setup, ZkConfig, F};
use bento_vm::hash::DIGEST_ELEMS;

use crate::circuit::{Circuit, CircuitError, VerifyingKey, RECURSION_LOG_HEIGHTS};
use crate::claim::{ClaimCells, NUM_PUBLIC_VALUES};
use crate::config::succinct_setup;
use crate::control::ControlTree;
use crate::ir::{Builder, Run};
use crate::join::{
    assert_all_eq, recursion_verifier, shape_circuit, verify_input, Input, JoinError,
    RecursionProof,
};
use crate::keys::{shrink_key, SHRINK_LOG_HEIGHTS};
use crate::times::ms;
use crate::verifier::{BatchVerifier, Source};

/// The shrink program: the claim public, the inner proof verified against
/// it, every field but the control root the inner claim's (a lift's is
/// zero; a join's the same).
fn program(v: &BatchVerifier, own: &[F], input: &Input<'_>) -> Result<Run, String> {
    let mut b = Builder::new();
    let c = ClaimCells::new(&mut b, own, Builder::public);
    let inner = verify_input(&mut b, v, &c, input)?;
    let fields = |x: &ClaimCells| x.cells()[DIGEST_ELEMS..].to_vec();
    assert_all_eq(
        &mut b,
        &fields(&c),
        &fields(&inner),
        "the claim is the inner proof's",
    );
    Ok(b.finish())
}

pub struct ShrinkCircuit {
    verifier: Arc<BatchVerifier>,
    /// A circuit of the inputs' shape (for checking them natively).
    inputs: Circuit,
    circuit: Circuit<ZkConfig>,
}

impl ShrinkCircuit {
    pub fn new() -> Result<ShrinkCircuit, JoinError> {
        let verifier = recursion_verifier()?;
        let zeros = Input::shape(&verifier);
        let run = program(&verifier, &[F::ZERO; NUM_PUBLIC_VALUES], &zeros)
            .map_err(JoinError::Refused)?;
        Ok(ShrinkCircuit {
            verifier,
            inputs: shape_circuit(Setup::standard(), RECURSION_LOG_HEIGHTS)
                .ok_or(JoinError::Shape)?,
            circuit: Circuit::new(succinct_setup(), run.program),
        })
    }

    pub fn circuit(&self) -> &Circuit<ZkConfig> {
        &self.circuit
    }

    pub fn key(&self) -> VerifyingKey {
        self.circuit.key(succinct_setup())
    }

    /// Restates `inner` (made by the circuit of `key`, which must be in
    /// `control`) under the succinct configuration; the milliseconds it took.
    pub fn prove(
        &self,
        control: &ControlTree,
        inner: &RecursionProof,
        key: &VerifyingKey,
    ) -> Result<(RecursionProof<ZkConfig>, f64), JoinError> {
        self.inputs
            .verify_as(
                Setup::standard(),
                key,
                &inner.proof,
                &inner.claim.to_public_values(),
            )
            .map_err(|source| JoinError::Inner {
                side: "inner",
                source,
            })?;
        let mut claim = inner.claim.clone();
        claim.control_root = control.root();
        let start = Instant::now();
        let input = Input {
            claim: inner.claim.to_public_values(),
            key: key.clone(),
            path: Some(control.path(key.digest())?),
            source: Source::Proof(&inner.proof.inner),
        };
        let run = program(&self.verifier, &claim.to_public_values(), &input)
            .map_err(JoinError::Refused)?;
        if let Some(first) = run.failures.first() {
            return Err(JoinError::Refused(first.clone()));
        }
        let proof = self.circuit.prove(succinct_setup(), &run)?;
        Ok((RecursionProof { claim, proof }, ms(start)))
    }
}

/// Checks a shrink proof against the fixed shrink key ([`crate::keys`]),
/// without compiling the shrink circuit.
pub fn verify(shrunk: &RecursionProof<ZkConfig>) -> Result<(), CircuitError> {
    static SHAPE: OnceLock<Circuit<ZkConfig>> = OnceLock::new();
    let shape = SHAPE.get_or_init(|| {
        shape_circuit(succinct_setup(), SHRINK_LOG_HEIGHTS)
            .expect("public values fit the shrink shape")
    });
    shape.verify_as(
        succinct_setup(),
        &shrink_key(),
        &shrunk.proof,
        &shrunk.public_values()?,
    )
}
