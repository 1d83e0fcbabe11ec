//! A node of the join tree as a value the orchestrator can store between
//! processes: one recursion proof of a run of consecutive segments, with what
//! the next step needs to use it (which circuit made it, the journal's
//! pieces, the shapes of the job's control tree).
//!
//! `lift` makes one from a segment proof, `join` one from two adjacent
//! runs, and `finish` turns the root into a succinct receipt. Lifts need
//! nothing from other segments but the journal chain before theirs; joins
//! need the job's whole shape list (the control tree is built from it), so
//! they start once every segment is lifted.
//!
//! A join process needs the verifying keys of the job's lift circuits, which
//! it would compile (about a second each): a lift run carries its circuit's
//! commitment, and the job's lifts report their keys' digests, as hints. A
//! hint only spares work: a wrong one makes a join whose control tree no
//! verifier builds (a verifier computes every key itself or holds it as a
//! constant, and `finish`
//! checks its receipt as one), never a receipt that verifies.

use bento_circuit::receipt::{decode, encode, FileError};
use bento_circuit::segment::ProvedSegment;
use bento_stark::{Proof, Setup};
use bento_vm::hash::Digest;
use serde::{Deserialize, Serialize};

use crate::circuit::{VerifyingKey, RECURSION_LOG_HEIGHTS};
use crate::claim::RecursionClaim;
use crate::join::{recursion_verifier, JoinError, RecursionProof};
use crate::succinct::{check_shapes, circuits, SuccinctError, SuccinctReceipt};

const RUN_MAGIC: &[u8; 8] = b"BENTORRN";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecursionRun {
    /// The index of the first and the last segment the run covers.
    pub first: u32,
    pub last: u32,
    /// The lengths of the journal pieces its segments wrote (none empty).
    pub journal_pieces: Vec<u32>,
    /// A lift's: its segment's shape; a join's: the control tree's shapes.
    pub shapes: Vec<Vec<u8>>,
    pub claim: RecursionClaim,
    /// A lift's: the commitment to its circuit's preprocessed columns (a
    /// hint for the join that takes it); a join's: empty.
    pub lift_key: Vec<Digest>,
    /// The recursion proof, in `bento_stark`'s format.
    pub seal: Vec<u8>,
}

/// A lift circuit's key digest by segment shape, as the job's lifts
/// reported them: hints (see the module's comment).
pub type KeyHints = [(Vec<usize>, Digest)];

fn shape_bytes(shape: &[usize]) -> Vec<u8> {
    shape.iter().map(|&h| h as u8).collect()
}

/// Shapes as a receipt or run stores them, read back.
pub(crate) fn shapes_of(stored: &[Vec<u8>]) -> Vec<Vec<usize>> {
    stored
        .iter()
        .map(|s| s.iter().map(|&h| usize::from(h)).collect())
        .collect()
}

impl RecursionRun {
    pub fn to_bytes(&self) -> Vec<u8> {
        encode(RUN_MAGIC, self)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<RecursionRun, FileError> {
        decode(RUN_MAGIC, "recursion run", bytes)
    }

    /// A lift proves one segment; a join, two runs or more.
    fn is_lift(&self) -> bool {
        self.claim.segments == 1
    }

    fn proof(&self) -> Result<RecursionProof, SuccinctError> {
        Ok(RecursionProof {
            claim: self.claim.clone(),
            proof: Proof::from_bytes(&self.seal).map_err(SuccinctError::OuterSeal)?,
        })
    }

    /// A lift's segment shape.
    fn lifted_shape(&self) -> Result<Vec<usize>, SuccinctError> {
        let [shape] = shapes_of(&self.shapes)
            .try_into()
            .map_err(|_| SuccinctError::Shapes("a lifted segment has exactly one shape".into()))?;
        Ok(shape)
    }

    /// The key of the circuit that made this run's proof: a lift's as its
    /// run gives it (a hint), else compiled.
    fn key(&self) -> Result<VerifyingKey, SuccinctError> {
        let c = circuits();
        if !self.is_lift() {
            return Ok(c.join()?.key());
        }
        let Some(key) = self.hinted_key() else {
            return Ok(c.lift(&self.lifted_shape()?)?.key());
        };
        // Every recursion circuit has one shape, so every key's commitment has one length.
        if key.preprocessed.len() != recursion_verifier()?.preprocessed_cap_len() {
            return Err(SuccinctError::Shapes(format!(
                "segment {}'s lift names a key of {} digests",
                self.first,
                key.preprocessed.len()
            )));
        }
        Ok(key)
    }

    /// A lift's key as its run names it; `None` for a join, or a lift that names none.
    fn hinted_key(&self) -> Option<VerifyingKey> {
        (self.is_lift() && !self.lift_key.is_empty()).then(|| VerifyingKey {
            log_heights: RECURSION_LOG_HEIGHTS,
            preprocessed: self.lift_key.iter().map(|d| d.to_field()).collect(),
        })
    }

    /// A lift's key digest (what a job's lift reports for its shape's hint).
    pub fn lift_key_digest(&self) -> Option<Digest> {
        self.hinted_key().map(|key| key.digest())
    }

    /// Checks this run's proof against the circuit that made it (the lift
    /// circuit of its segment's shape, or the join circuit).
    pub fn verify(&self) -> Result<(), SuccinctError> {
        let c = circuits();
        let proof = self.proof()?;
        if self.is_lift() {
            c.lift(&self.lifted_shape()?)?.verify(&proof)?;
        } else {
            c.join()?.verify(&proof).map_err(JoinError::Circuit)?;
        }
        Ok(())
    }

    /// Lifts a segment proof (verified first), continuing the journal chain
    /// from `journal_before` (the chain of the segments before it).
    pub fn lift(proved: &ProvedSegment, journal_before: Digest) -> Result<Self, SuccinctError> {
        let shape = &proved.proof.inner.degree_bits;
        let circuit = circuits().lift(shape)?;
        let (proof, _) = circuit.prove(Setup::standard(), proved, journal_before)?;
        let piece = proved.claim.journal.len() as u32;
        Ok(RecursionRun {
            first: proved.claim.index,
            last: proved.claim.index,
            journal_pieces: if piece > 0 { vec![piece] } else { vec![] },
            shapes: vec![shape_bytes(shape)],
            claim: proof.claim,
            lift_key: circuit
                .key()
                .preprocessed
                .into_iter()
                .map(Digest::from_field)
                .collect(),
            seal: proof.proof.to_bytes(),
        })
    }

    /// Joins `left` then `right` under the control tree of `shapes` (every
    /// segment shape of the job; `hints`: some of their lift keys' digests).
    /// Both proofs are verified first; the join program checks that `right`
    /// continues `left`.
    pub fn join(
        shapes: &[Vec<usize>],
        hints: &KeyHints,
        left: &RecursionRun,
        right: &RecursionRun,
    ) -> Result<Self, SuccinctError> {
        if left.last.checked_add(1) != Some(right.first) {
            return Err(SuccinctError::NotAdjacent(
                left.first,
                left.last,
                right.first,
                right.last,
            ));
        }
        // The job's shapes, not this join's: its segments may have fewer.
        check_shapes(shapes, u32::MAX)?;
        for run in [left, right] {
            let listed = shapes_of(&run.shapes);
            let under = if run.is_lift() {
                listed.iter().all(|s| shapes.contains(s))
            } else {
                listed == shapes
            };
            if !under {
                return Err(SuccinctError::Shapes(format!(
                    "segments {}..={} were not proved under this job's shapes",
                    run.first, run.last
                )));
            }
        }
        let c = circuits();
        // The keys first: where a run names none, they compile (and keep) its
        // lift circuit, whose digest the control tree then reads instead of compiling it again.
        let keys = (left.key()?, right.key()?);
        let control = c.control_hinted(shapes, hints)?;
        let (l, r) = (left.proof()?, right.proof()?);
        let (proof, _) = c.join()?.prove(&control, (&l, &keys.0), (&r, &keys.1))?;
        Ok(RecursionRun {
            first: left.first,
            last: right.last,
            journal_pieces: [&left.journal_pieces[..], &right.journal_pieces[..]].concat(),
            shapes: shapes.iter().map(|s| shape_bytes(s)).collect(),
            claim: proof.claim,
            lift_key: Vec::new(),
            seal: proof.proof.to_bytes(),
        })
    }

    /// The succinct receipt of a whole run (the root of the join tree, or
    /// the lift of a lone segment): its proof shrunk, checked as a verifier
    /// would check it.
    pub fn finish(
        &self,
        image_id: Digest,
        journal: Vec<u8>,
    ) -> Result<SuccinctReceipt, SuccinctError> {
        let c = circuits();
        let shapes = shapes_of(&self.shapes);
        check_shapes(&shapes, self.claim.segments)?;
        let exit_code = self.claim.exit_code.ok_or(SuccinctError::NoExit)?;
        // The key before the control tree, as in `join`.
        let key = self.key()?;
        let control = c.control(&shapes)?;
        let (shrunk, _) = c.shrink()?.prove(&control, &self.proof()?, &key)?;
        let receipt = SuccinctReceipt {
            image_id,
            exit_code,
            journal,
            journal_pieces: self.journal_pieces.clone(),
            lift_shapes: self.shapes.clone(),
            claim: shrunk.claim,
            seal: shrunk.proof.to_bytes(),
        };
        receipt.verify(image_id)?;
        Ok(receipt)
    }
}
