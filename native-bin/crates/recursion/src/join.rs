//! `join`: a recursion proof that two recursion proofs (lifts or joins)
//! verify and describe consecutive runs: the first's post-state is the
//! second's pre-state, the first did not exit, the journal chain continues.
//! Its claim spans both: the first's pre-state, the second's post-state and
//! exit, the chain from the first's start to the second's end, the cycles
//! added.
//!
//! Every lift and join proof has one shape ([`RECURSION_LOG_HEIGHTS`]), so
//! one join program verifies any of them: the inner proof's verifying key is
//! a witness, checked against the control root of the join's own claim,
//! which each inner claim must carry too.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use bento_stark::batch::BatchAir;
use bento_stark::config::Config;
use bento_stark::{PrimeCharacteristicRing, PrimeField32, Proof, ProofConfig, Setup, F};
use bento_vm::hash::Digest;

use crate::air::{RecursionAir, NUM_TABLES, PUBLIC};
use crate::circuit::{Circuit, CircuitError, VerifyingKey, RECURSION_LOG_HEIGHTS};
use crate::claim::{ClaimCells, RecursionClaim, CYCLE_LIMB_BITS, NUM_PUBLIC_VALUES};
use crate::control::{assert_member, key_cells, key_digest, ControlError, ControlTree};
use crate::ir::{Builder, Felt, Run};
use crate::times::{ms, ProveTimes};
use crate::verifier::{verify_batch, BatchVerifier, ProofCells, Source};

/// A lift, join or shrink proof with the claim it proves (a shrink proof's
/// is under the hiding configuration).
pub struct RecursionProof<SC: ProofConfig = Config> {
    pub claim: RecursionClaim,
    pub proof: Proof<SC>,
}

impl<SC: ProofConfig> RecursionProof<SC> {
    /// The public values the proof must have. A claim can restate them in
    /// other words (a pc off a word boundary, a digest word plus the modulus,
    /// a cycle count whose high limb wraps); only the claim they read back
    /// as is the proof's, so any other is refused here.
    pub fn public_values(&self) -> Result<Vec<F>, CircuitError> {
        let values = self.claim.to_public_values();
        match RecursionClaim::from_public_values(&values) {
            Ok(read) if read == self.claim => Ok(values),
            _ => Err(CircuitError::Verify(bento_stark::VerifyError::Malformed(
                "the claim is not written as its public values read".into(),
            ))),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum JoinError {
    #[error("the {side} proof does not verify against its verifying key: {source}")]
    Inner {
        side: &'static str,
        source: CircuitError,
    },
    #[error("the proofs are not of consecutive runs: {0}")]
    NotAdjacent(&'static str),
    #[error(transparent)]
    Control(#[from] ControlError),
    #[error("the join program refuses its inputs: {0}")]
    Refused(String),
    #[error("the join program outgrows the recursion shape")]
    Shape,
    #[error(transparent)]
    Circuit(#[from] CircuitError),
}

/// The claim of a join of `left` then `right`, after the checks the program
/// makes (so that a bad pair is refused with a reason before proving).
pub fn join_claims(
    control_root: Digest,
    left: &RecursionClaim,
    right: &RecursionClaim,
) -> Result<RecursionClaim, JoinError> {
    for inner in [left, right] {
        if inner.control_root != Digest::default() && inner.control_root != control_root {
            return Err(JoinError::NotAdjacent(
                "a proof checked its keys against another control root",
            ));
        }
    }
    if left.exit_code.is_some() {
        return Err(JoinError::NotAdjacent("the first exited"));
    }
    if left.post != right.pre {
        return Err(JoinError::NotAdjacent(
            "the first's post-state is not the second's pre-state",
        ));
    }
    if left.journal[1] != right.journal[0] {
        return Err(JoinError::NotAdjacent(
            "the second's journal chain does not continue the first's",
        ));
    }
    let cycles = left.cycles + right.cycles;
    let segments = left.segments + right.segments;
    if cycles >= 1 << (2 * CYCLE_LIMB_BITS) || segments >= 1 << CYCLE_LIMB_BITS {
        return Err(JoinError::NotAdjacent(
            "the cycle or segment count overflows",
        ));
    }
    Ok(RecursionClaim {
        control_root,
        pre: left.pre,
        post: right.post,
        exit_code: right.exit_code,
        journal: [left.journal[0], right.journal[1]],
        cycles,
        segments,
    })
}

/// One proof a join verifies, as the program reads it.
pub(crate) struct Input<'a> {
    pub(crate) claim: Vec<F>,
    pub(crate) key: VerifyingKey,
    pub(crate) path: Option<(usize, Vec<Digest>)>,
    pub(crate) source: Source<'a>,
}

impl Input<'_> {
    /// Zeros in the shape of an input (for the program alone).
    pub(crate) fn shape(v: &BatchVerifier) -> Input<'static> {
        Input {
            claim: vec![F::ZERO; NUM_PUBLIC_VALUES],
            key: VerifyingKey {
                log_heights: RECURSION_LOG_HEIGHTS,
                preprocessed: vec![[F::ZERO; 8]; v.preprocessed_cap_len()],
            },
            path: None,
            source: Source::Shape,
        }
    }
}

/// Verifies one input and returns its claim's cells.
pub(crate) fn verify_input(
    b: &mut Builder,
    v: &BatchVerifier,
    own: &ClaimCells,
    input: &Input<'_>,
) -> Result<ClaimCells, String> {
    let mut cells = match input.source {
        Source::Proof(p) => ProofCells::witness(b, v, p)?,
        Source::Shape => ProofCells::zeros(b, v),
    };
    let key = key_cells(b, &input.key);
    cells.preprocessed = Some(key.clone());
    let claim = ClaimCells::new(b, &input.claim, Builder::witness_felt);
    let mut publics: Vec<Vec<Felt>> = vec![Vec::new(); NUM_TABLES];
    publics[PUBLIC] = claim.cells();
    verify_batch(b, v, &cells, &publics, input.source)?;
    let digest = key_digest(b, &RECURSION_LOG_HEIGHTS, &key);
    assert_member(b, digest, own.control_root, input.path.as_ref());
    // A lift checks no key (its root is zero); a join checked its inner keys
    // against the same root (a join whose root is zero cannot be proved: no
    // path climbs to it). One bit says which, for the whole root.
    let lift = b.felt_value(claim.control_root[0]) == F::ZERO;
    let checked = b.witness_felt(F::from_bool(!lift));
    b.assert_bool(checked, "whether an inner proof checked keys");
    for (x, y) in claim.control_root.into_iter().zip(own.control_root) {
        let expected = b.fmul(checked, y);
        b.assert_eq(
            x,
            expected,
            "an inner proof checked the same control root, or none",
        );
    }
    Ok(claim)
}

pub(crate) fn assert_all_eq(b: &mut Builder, x: &[Felt], y: &[Felt], what: &str) {
    for (&x, &y) in x.iter().zip(y) {
        b.assert_eq(x, y, what);
    }
}

/// The join program: its claim public, both inputs verified, chained, and
/// combined into the claim.
fn program(v: &BatchVerifier, own: &[F], inputs: [&Input<'_>; 2]) -> Result<Run, String> {
    let mut b = Builder::new();
    let c = ClaimCells::new(&mut b, own, Builder::public);
    c.check_ranges(&mut b);
    let left = verify_input(&mut b, v, &c, inputs[0])?;
    let right = verify_input(&mut b, v, &c, inputs[1])?;

    // Consecutive: the state carries over, the first did not exit, the chain continues.
    assert_all_eq(
        &mut b,
        &left.post.cells(),
        &right.pre.cells(),
        "the runs meet",
    );
    b.assert_zero(left.exited, "the first run did not exit");
    assert_all_eq(
        &mut b,
        &left.journal[1],
        &right.journal[0],
        "the journal chain continues",
    );

    // Spanning both.
    assert_all_eq(
        &mut b,
        &c.pre.cells(),
        &left.pre.cells(),
        "the join starts where the first run does",
    );
    assert_all_eq(
        &mut b,
        &c.post.cells(),
        &right.post.cells(),
        "the join ends where the second run does",
    );
    b.assert_eq(
        c.exited,
        right.exited,
        "the join exits as the second run does",
    );
    assert_all_eq(
        &mut b,
        &c.exit_code,
        &right.exit_code,
        "the join's exit code is the second run's",
    );
    assert_all_eq(
        &mut b,
        &c.journal[0],
        &left.journal[0],
        "the join's chain starts with the first run's",
    );
    assert_all_eq(
        &mut b,
        &c.journal[1],
        &right.journal[1],
        "the join's chain ends with the second run's",
    );

    // Cycles added limb by limb: the low limbs' sum is below 2^25, its carry
    // the one bit the range checks on the claim's low limb leave possible.
    let low = b.fadd(left.cycles[0], right.cycles[0]);
    let carry_value = b.felt_value(low).as_canonical_u32() >> CYCLE_LIMB_BITS;
    let carry = b.witness_felt(F::from_u32(carry_value));
    b.assert_bool(carry, "a carry is a bit");
    let wrapped = b.fadd_scaled(low, -F::from_u32(1 << CYCLE_LIMB_BITS), carry);
    b.assert_eq(c.cycles[0], wrapped, "the low limbs add up");
    let high = b.fadd(left.cycles[1], right.cycles[1]);
    let high = b.fadd(high, carry);
    b.assert_eq(c.cycles[1], high, "the high limbs add up with the carry");
    let segments = b.fadd(left.segments, right.segments);
    b.assert_eq(c.segments, segments, "the segments add up");
    Ok(b.finish())
}

/// The program of no proof: public values only; its circuit has the airs
/// of every recursion program of its shape (and checks their proofs natively
/// against their keys, [`Circuit::verify_as`]).
pub fn shape_circuit<SC: ProofConfig>(
    setup: &Setup<SC>,
    log_heights: [usize; NUM_TABLES],
) -> Option<Circuit<SC>>
where
    RecursionAir: BatchAir<SC>,
{
    let mut b = Builder::new();
    for _ in 0..NUM_PUBLIC_VALUES {
        b.public(F::ZERO);
    }
    Circuit::with_log_heights(setup, b.finish().program, log_heights)
}

/// The verifier of every lift and join proof (their shape, the standard
/// configuration; the preprocessed commitment is each input's key), built once.
pub(crate) fn recursion_verifier() -> Result<Arc<BatchVerifier>, JoinError> {
    static VERIFIER: OnceLock<Result<Arc<BatchVerifier>, String>> = OnceLock::new();
    VERIFIER
        .get_or_init(|| {
            let setup = Setup::standard();
            let shape = shape_circuit(setup, RECURSION_LOG_HEIGHTS).ok_or("the recursion shape")?;
            BatchVerifier::keyed(setup, shape.airs(), &RECURSION_LOG_HEIGHTS).map(Arc::new)
        })
        .clone()
        .map_err(JoinError::Refused)
}

/// The join circuit (one for every pair of recursion proofs).
pub struct JoinCircuit {
    verifier: Arc<BatchVerifier>,
    circuit: Circuit,
}

impl JoinCircuit {
    /// The join circuit (its proofs and its inputs' under the standard configuration).
    pub fn new() -> Result<JoinCircuit, JoinError> {
        let setup = Setup::standard();
        let verifier = recursion_verifier()?;
        let zeros = Input::shape(&verifier);
        let run = program(
            &verifier,
            &vec![F::ZERO; NUM_PUBLIC_VALUES],
            [&zeros, &zeros],
        )
        .map_err(JoinError::Refused)?;
        let circuit = Circuit::with_log_heights(setup, run.program, RECURSION_LOG_HEIGHTS)
            .ok_or(JoinError::Shape)?;
        Ok(JoinCircuit { verifier, circuit })
    }

    pub fn circuit(&self) -> &Circuit {
        &self.circuit
    }

    pub fn key(&self) -> VerifyingKey {
        self.circuit.key(Setup::standard())
    }

    /// Checks a proof of any recursion program of the shape against its key.
    pub fn verify_as(
        &self,
        key: &VerifyingKey,
        inner: &RecursionProof,
    ) -> Result<(), CircuitError> {
        self.circuit.verify_as(
            Setup::standard(),
            key,
            &inner.proof,
            &inner.public_values()?,
        )
    }

    /// Checks a join proof.
    pub fn verify(&self, joined: &RecursionProof) -> Result<(), CircuitError> {
        self.circuit
            .verify(Setup::standard(), &joined.proof, &joined.public_values()?)
    }

    /// The join program run on `left`, `right` and `claim`, checking nothing
    /// natively first: its failures say which of the program's assertions
    /// the inputs break (a prover that ignored them would prove a false
    /// statement; the tests show the verifier refuses such proofs).
    pub fn run(
        &self,
        control: &ControlTree,
        left: (&RecursionProof, &VerifyingKey),
        right: (&RecursionProof, &VerifyingKey),
        claim: &RecursionClaim,
    ) -> Result<Run, JoinError> {
        let inputs = [left, right].map(|(inner, key)| Input {
            claim: inner.claim.to_public_values(),
            key: key.clone(),
            path: control.path(key.digest()).ok(),
            source: Source::Proof(&inner.proof.inner),
        });
        program(
            &self.verifier,
            &claim.to_public_values(),
            [&inputs[0], &inputs[1]],
        )
        .map_err(JoinError::Refused)
    }

    /// Joins `left` then `right` (each with its circuit's key, which must be
    /// in `control`), after checking both natively.
    pub fn prove(
        &self,
        control: &ControlTree,
        left: (&RecursionProof, &VerifyingKey),
        right: (&RecursionProof, &VerifyingKey),
    ) -> Result<(RecursionProof, ProveTimes), JoinError> {
        for (side, (inner, key)) in [("first", left), ("second", right)] {
            self.verify_as(key, inner)
                .map_err(|source| JoinError::Inner { side, source })?;
        }
        let claim = join_claims(control.root(), &left.0.claim, &right.0.claim)?;
        for (_, key) in [left, right] {
            control.path(key.digest())?;
        }
        let start = Instant::now();
        let run = self.run(control, left, right, &claim)?;
        if let Some(first) = run.failures.first() {
            return Err(JoinError::Refused(first.clone()));
        }
        let build_ms = ms(start);
        let start = Instant::now();
        let proof = self.circuit.prove(Setup::standard(), &run)?;
        Ok((
            RecursionProof { claim, proof },
            ProveTimes {
                build_ms,
                prove_ms: ms(start),
            },
        ))
    }
}
