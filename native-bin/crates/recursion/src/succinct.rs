//! Succinct receipts: a whole execution in one recursion proof.
//!
//! Each segment proof is lifted, the lifts are joined pairwise up a balanced
//! tree, the root is shrunk (restated under the succinct configuration), and
//! that proof with its claim, the journal and what a verifier needs to
//! rebuild the control tree (the shapes of the segment proofs that were
//! lifted) is the receipt. Its size does not grow with the segments but
//! for the shape list, a few bytes per distinct shape.
//!
//! A verifier rebuilds the control tree from the join circuit's key and the
//! listed shapes' lift keys (constants for catalogued shapes, else compiled
//! by the verifier itself: a key it computes is a program it trusts), checks the claim's root against it, the
//! claim against the image ID, the exit code and the journal, and the proof
//! against the claim.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use bento_circuit::receipt::{
    decode, encode, hex_string, FileError, Receipt, ReceiptError, ReceiptSummary, RECEIPT_FORMAT,
};
use bento_circuit::segment::ProvedSegment;
use bento_stark::{Proof, ProofFormatError, Setup};
use bento_vm::hash::{state_digest, Digest};
use serde::{Deserialize, Serialize};

use crate::claim::{chain_journal, RecursionClaim};
use crate::config::{SUCCINCT_CONFIG, SUCCINCT_PARAMETERS};
use crate::control::{ControlError, ControlTree};
use crate::join::{JoinCircuit, JoinError, RecursionProof};
use crate::keys;
use crate::lift::{LiftCircuit, LiftError};
use crate::run::{shapes_of, KeyHints, RecursionRun};
use crate::shrink::ShrinkCircuit;
use crate::times::ms;

const SUCCINCT_MAGIC: &[u8; 8] = b"BENTOSCT";

const STALE: &str =
    "the fixed recursion keys (bento-recursion's src/keys.rs) are not this build's circuits'";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuccinctReceipt {
    pub image_id: Digest,
    pub exit_code: u32,
    pub journal: Vec<u8>,
    /// The journal's pieces' lengths: what each segment that wrote to it
    /// wrote, in order (the claim chains their digests).
    pub journal_pieces: Vec<u32>,
    /// The table heights (log2) of each distinct segment shape lifted.
    pub lift_shapes: Vec<Vec<u8>>,
    pub claim: RecursionClaim,
    /// The shrink proof, in `bento_stark`'s format.
    pub seal: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum SuccinctError {
    #[error(transparent)]
    Receipt(#[from] ReceiptError),
    #[error("the seal is unreadable: {0}")]
    OuterSeal(ProofFormatError),
    #[error(transparent)]
    Lift(#[from] LiftError),
    #[error(transparent)]
    Join(#[from] JoinError),
    #[error(transparent)]
    Control(#[from] ControlError),
    #[error("the receipt is for image {found}, not the expected {expected}")]
    ImageId { expected: Digest, found: Digest },
    #[error("the receipt's claim is not written as a proof's public values write it")]
    NonCanonicalClaim,
    #[error("the proved run does not start at image {0} with its input unread")]
    Start(Digest),
    #[error("the receipt claims exit code {claimed}; the proof shows {proved:?}")]
    ExitCode { claimed: u32, proved: Option<u32> },
    #[error("the run does not end in an exit (its last segment is not the execution's last)")]
    NoExit,
    #[error("segments {0}..={1} and {2}..={3} are not adjacent")]
    NotAdjacent(u32, u32, u32, u32),
    #[error("the receipt's journal is not the journal the proof chains")]
    Journal,
    #[error("the receipt's shape list is malformed: {0}")]
    Shapes(String),
    #[error("the control tree of the listed shapes is not the one the proof checked")]
    ControlRoot,
    /// The proof does not verify, or a circuit could not be compiled.
    #[error("{0}")]
    Proof(String),
}

/// The circuits a process has compiled, kept: compiling one takes a second
/// or two (a lift circuit per segment shape, and the join circuit).
pub struct Circuits {
    join: OnceLock<Result<JoinCircuit, String>>,
    shrink: OnceLock<Result<ShrinkCircuit, String>>,
    lifts: Mutex<HashMap<Vec<usize>, Arc<LiftCircuit>>>,
    lift_digests: Mutex<HashMap<Vec<usize>, Digest>>,
}

/// How many lift keys' digests a verifier keeps.
const KEPT_LIFT_DIGESTS: usize = 1024;

/// A succinct receipt lists at most this many segment shapes: a verifier
/// compiles a lift circuit for each shape not catalogued (about 1.3 s), so a receipt may not ask
/// for unbounded work; a run whose segments have more distinct shapes is
/// refused when it is aggregated.
pub const MAX_LIFT_SHAPES: usize = 32;
const _: () = assert!(MAX_LIFT_SHAPES < 1 << crate::control::CONTROL_DEPTH);

/// Checks a receipt's shape list before anything is compiled for it: one
/// shape at least, at most [`MAX_LIFT_SHAPES`] and no more than the run has
/// segments, none listed twice.
pub(crate) fn check_shapes(shapes: &[Vec<usize>], segments: u32) -> Result<(), SuccinctError> {
    if shapes.is_empty() || shapes.len() > MAX_LIFT_SHAPES || shapes.len() > segments as usize {
        return Err(SuccinctError::Shapes(format!(
            "{} shapes listed for {segments} segment(s) (at most {MAX_LIFT_SHAPES})",
            shapes.len()
        )));
    }
    if (1..shapes.len()).any(|i| shapes[..i].contains(&shapes[i])) {
        return Err(SuccinctError::Shapes("a shape is listed twice".into()));
    }
    Ok(())
}

/// The process's circuits (segment proofs of the standard configuration).
pub fn circuits() -> &'static Circuits {
    static CIRCUITS: OnceLock<Circuits> = OnceLock::new();
    CIRCUITS.get_or_init(|| Circuits {
        join: OnceLock::new(),
        shrink: OnceLock::new(),
        lifts: Mutex::new(HashMap::new()),
        lift_digests: Mutex::new(HashMap::new()),
    })
}

impl Circuits {
    /// The join circuit (compiled for proving; its key must be the fixed one).
    pub fn join(&self) -> Result<&JoinCircuit, SuccinctError> {
        self.join
            .get_or_init(|| {
                let join = JoinCircuit::new().map_err(|e| e.to_string())?;
                // Proving data first: the key is then read off it, not committed again.
                join.circuit()
                    .proving_data(Setup::standard())
                    .map_err(|e| e.to_string())?;
                if join.key().digest() != keys::join_key_digest() {
                    return Err(STALE.to_string());
                }
                Ok(join)
            })
            .as_ref()
            .map_err(|e| SuccinctError::Proof(format!("the join circuit: {e}")))
    }

    pub fn shrink(&self) -> Result<&ShrinkCircuit, SuccinctError> {
        self.shrink
            .get_or_init(|| {
                let shrink = ShrinkCircuit::new().map_err(|e| e.to_string())?;
                shrink
                    .circuit()
                    .proving_data(crate::config::succinct_setup())
                    .map_err(|e| e.to_string())?;
                if shrink.key() != keys::shrink_key() {
                    return Err(STALE.to_string());
                }
                Ok(shrink)
            })
            .as_ref()
            .map_err(|e| SuccinctError::Proof(format!("the shrink circuit: {e}")))
    }

    pub fn lift(&self, shape: &[usize]) -> Result<Arc<LiftCircuit>, SuccinctError> {
        let mut lifts = self.lifts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(circuit) = lifts.get(shape) {
            return Ok(circuit.clone());
        }
        let circuit = Arc::new(LiftCircuit::for_shape(Setup::standard(), shape)?);
        // A prover compiles what a verifier of a catalogued shape takes as a constant: they must agree.
        if crate::lift_keys::catalogued(shape).is_some_and(|d| d != circuit.key().digest()) {
            return Err(SuccinctError::Proof(format!(
                "the catalogued lift key of shape {shape:?} (bento-recursion's src/lift_keys.rs) is not this build's circuit's"
            )));
        }
        lifts.insert(shape.to_vec(), circuit.clone());
        Ok(circuit)
    }

    /// The control tree of a job whose segment proofs have these shapes:
    /// the join circuit's key, then each shape's lift key.
    pub fn control(&self, shapes: &[Vec<usize>]) -> Result<ControlTree, SuccinctError> {
        self.control_hinted(shapes, &[])
    }

    /// [`Circuits::control`] for a prover, taking the lift key digests that
    /// `hints` gives (see [`crate::run`]: never for a verifier).
    pub(crate) fn control_hinted(
        &self,
        shapes: &[Vec<usize>],
        hints: &KeyHints,
    ) -> Result<ControlTree, SuccinctError> {
        let mut keys = vec![keys::join_key_digest()];
        for shape in shapes {
            let hint = hints.iter().find(|(s, _)| s == shape).map(|&(_, d)| d);
            keys.push(match hint {
                Some(digest) => digest,
                None => self.lift_digest(shape)?,
            });
        }
        Ok(ControlTree::new(&keys)?)
    }

    /// A shape's lift key digest: a constant for a catalogued shape, from
    /// its circuit where this process compiled one to prove with, else from
    /// the digests a verifier keeps (a bounded number; the circuit compiled
    /// for it is not kept).
    fn lift_digest(&self, shape: &[usize]) -> Result<Digest, SuccinctError> {
        if let Some(digest) = crate::lift_keys::catalogued(shape) {
            return Ok(digest);
        }
        let lifts = self.lifts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(circuit) = lifts.get(shape) {
            return Ok(circuit.key().digest());
        }
        drop(lifts);
        let known = self
            .lift_digests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(shape)
            .copied();
        if let Some(digest) = known {
            return Ok(digest);
        }
        let digest = LiftCircuit::for_shape(Setup::standard(), shape)?
            .key()
            .digest();
        self.keep_lift_digest(shape.to_vec(), digest);
        Ok(digest)
    }

    fn keep_lift_digest(&self, shape: Vec<usize>, digest: Digest) {
        let mut digests = self.lift_digests.lock().unwrap_or_else(|e| e.into_inner());
        if digests.len() >= KEPT_LIFT_DIGESTS && !digests.contains_key(&shape) {
            // Full: one goes (no order is kept; a dropped digest is only computed again).
            if let Some(dropped) = digests.keys().next().cloned() {
                digests.remove(&dropped);
            }
        }
        digests.insert(shape, digest);
    }

    /// The lift key digests this process computed to verify receipts, for a
    /// host to keep (a verifier in a page compiles a lift circuit in tens of
    /// seconds) and hand back with [`Circuits::remember_lift_digests`].
    pub fn lift_digests(&self) -> Vec<(Vec<usize>, Digest)> {
        let digests = self.lift_digests.lock().unwrap_or_else(|e| e.into_inner());
        let mut known: Vec<_> = digests.iter().map(|(s, d)| (s.clone(), *d)).collect();
        known.sort();
        known
    }

    /// Takes back digests that [`Circuits::lift_digests`] gave, in a process
    /// of this same build, kept where only the host can write. They are
    /// trusted as if computed here: a digest from anywhere else (a receipt's
    /// sender, storage others can write) would let a receipt name a circuit
    /// of its own.
    pub fn remember_lift_digests(&self, known: impl IntoIterator<Item = (Vec<usize>, Digest)>) {
        let uncatalogued = known
            .into_iter()
            .filter(|(shape, _)| crate::lift_keys::catalogued(shape).is_none());
        for (shape, digest) in uncatalogued.take(KEPT_LIFT_DIGESTS) {
            self.keep_lift_digest(shape, digest);
        }
    }
}

/// What [`aggregate`] reports as it goes.
#[derive(Clone, Debug)]
pub enum Step {
    Lifted { index: u32, ms: f64 },
    Joined { first: u32, last: u32, ms: f64 },
    Shrunk { ms: f64 },
}

/// Aggregates a verified composite receipt into a succinct one: every
/// segment lifted, the lifts joined pairwise up a balanced tree, the root
/// shrunk.
pub fn aggregate(
    receipt: &Receipt,
    mut on_step: impl FnMut(Step),
) -> Result<SuccinctReceipt, SuccinctError> {
    let root = lift_and_join(receipt, &mut on_step)?;
    let start = Instant::now();
    let succinct = root.finish(receipt.image_id, receipt.journal.clone())?;
    on_step(Step::Shrunk { ms: ms(start) });
    Ok(succinct)
}

/// The root of a verified composite receipt's join tree: every segment
/// lifted, the lifts joined pairwise up a balanced tree (not yet shrunk).
pub fn lift_and_join(
    receipt: &Receipt,
    mut on_step: impl FnMut(Step),
) -> Result<RecursionRun, SuccinctError> {
    let setup = Setup::standard();
    receipt.verify(setup, receipt.image_id)?;
    let proved: Vec<ProvedSegment> = receipt
        .segments
        .iter()
        .map(|s| s.proved())
        .collect::<Result<_, ReceiptError>>()?;
    let mut shapes: Vec<Vec<usize>> = Vec::new();
    for p in &proved {
        if !shapes.contains(&p.proof.inner.degree_bits) {
            shapes.push(p.proof.inner.degree_bits.clone());
        }
    }
    check_shapes(&shapes, proved.len() as u32)?;
    let mut level: Vec<RecursionRun> = Vec::with_capacity(proved.len());
    let mut chain = Digest::default();
    for p in &proved {
        let start = Instant::now();
        let lifted = RecursionRun::lift(p, chain)?;
        chain = lifted.claim.journal[1];
        on_step(Step::Lifted {
            index: p.claim.index,
            ms: ms(start),
        });
        level.push(lifted);
    }
    while level.len() > 1 {
        let mut next = Vec::with_capacity(level.len().div_ceil(2));
        let mut runs = level.into_iter();
        while let Some(left) = runs.next() {
            let Some(right) = runs.next() else {
                next.push(left);
                break;
            };
            let start = Instant::now();
            let joined = RecursionRun::join(&shapes, &[], &left, &right)?;
            on_step(Step::Joined {
                first: joined.first,
                last: joined.last,
                ms: ms(start),
            });
            next.push(joined);
        }
        level = next;
    }
    Ok(level.pop().expect("a receipt has segments"))
}

impl SuccinctReceipt {
    /// The summary of a receipt whose encoding is `encoded_len` bytes long
    /// (every figure in it is proved: the claim's).
    pub fn summary(&self, encoded_len: usize) -> ReceiptSummary {
        ReceiptSummary {
            format: RECEIPT_FORMAT,
            kind: "succinct".to_string(),
            config: SUCCINCT_CONFIG.to_string(),
            image_id: self.image_id.to_hex(),
            exit_code: self.exit_code,
            journal_hex: hex_string(&self.journal),
            journal_text: std::str::from_utf8(&self.journal).ok().map(str::to_string),
            segments: self.claim.segments as usize,
            cycles: self.claim.cycles,
            po2: self
                .lift_shapes
                .iter()
                .map(|s| u32::from(s[bento_circuit::air::CPU]))
                .max()
                .unwrap_or(0),
            seal_bytes: self.seal.len(),
            bytes: encoded_len,
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        encode(SUCCINCT_MAGIC, self)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<SuccinctReceipt, FileError> {
        decode(SUCCINCT_MAGIC, "succinct receipt", bytes)
    }

    /// The journal chain the pieces give, if they split the journal.
    fn journal_chain(&self) -> Option<Digest> {
        let mut rest = self.journal.as_slice();
        let mut chain = Digest::default();
        for &n in &self.journal_pieces {
            if n == 0 || n as usize > rest.len() {
                return None;
            }
            let (piece, tail) = rest.split_at(n as usize);
            chain = chain_journal(chain, piece);
            rest = tail;
        }
        rest.is_empty().then_some(chain)
    }

    /// Verifies the receipt as a statement about `image_id`.
    pub fn verify(&self, image_id: Digest) -> Result<(), SuccinctError> {
        if self.image_id != image_id {
            return Err(SuccinctError::ImageId {
                expected: image_id,
                found: self.image_id,
            });
        }
        let claim = &self.claim;
        // The proof binds the claim's public values, which a claim may restate
        // in other words: a pc off a word boundary, a digest word plus the
        // modulus, a cycle count past 2^48 whose high limb wraps. Only the
        // claim the values read back as is the proof's.
        if RecursionClaim::from_public_values(&claim.to_public_values()).as_ref() != Ok(claim) {
            return Err(SuccinctError::NonCanonicalClaim);
        }
        if state_digest(claim.pre.pc, claim.pre.root) != image_id || claim.pre.input_ended {
            return Err(SuccinctError::Start(image_id));
        }
        if claim.exit_code != Some(self.exit_code) {
            return Err(SuccinctError::ExitCode {
                claimed: self.exit_code,
                proved: claim.exit_code,
            });
        }
        if claim.journal[0] != Digest::default() || self.journal_chain() != Some(claim.journal[1]) {
            return Err(SuccinctError::Journal);
        }
        let shapes = shapes_of(&self.lift_shapes);
        check_shapes(&shapes, claim.segments)?;
        // The proof first (it needs no shape): only a proved claim's shapes
        // are worth compiling lift circuits for.
        let proof = Proof::from_bytes_under(&self.seal, &SUCCINCT_PARAMETERS)
            .map_err(SuccinctError::OuterSeal)?;
        let shrunk = RecursionProof {
            claim: claim.clone(),
            proof,
        };
        crate::shrink::verify(&shrunk).map_err(|e| SuccinctError::Proof(e.to_string()))?;
        if circuits().control(&shapes)?.root() != claim.control_root {
            return Err(SuccinctError::ControlRoot);
        }
        Ok(())
    }
}
