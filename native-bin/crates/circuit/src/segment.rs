//! Segment statements: what a segment proof claims, and proving and
//! verifying it.

use std::ops::RangeInclusive;

use bento_stark::{PrimeCharacteristicRing, Proof, Setup, F};
use bento_vm::hash::Digest;
use bento_vm::segment::{segment_capacity, Segment};
use serde::{Deserialize, Serialize};

use crate::air::{self, airs, NUM_TABLES};
use crate::paging;
use crate::perm_rows;
use crate::range::{BYTES_LOG_HEIGHT, RANGE16_LOG_HEIGHT};
#[cfg(feature = "prove")]
use crate::trace::{self, SegmentTrace, TraceError};

/// The smallest height of any table (FRI folds at least once).
pub const MIN_HEIGHT: usize = 16;
/// The largest po2 the circuit proves: timestamps must stay below 2^24.
pub const MAX_PROVE_PO2: u32 = 22;

/// What a segment proof proves: the machine went from (pre_pc, pre_root) to
/// (post_pc, post_root) in `cycles` cycles, appending `journal`, and exited
/// with `exit_code` if it is set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentClaim {
    pub index: u32,
    pub po2: u32,
    pub pre_pc: u32,
    pub pre_root: Digest,
    pub post_pc: u32,
    pub post_root: Digest,
    pub cycles: u32,
    pub exit_code: Option<u32>,
    pub journal: Vec<u8>,
    /// Whether the input had ended (a `read` moved less than it asked) before
    /// the segment, and after it: part of the machine state that segments chain.
    pub pre_input_ended: bool,
    pub post_input_ended: bool,
}

impl SegmentClaim {
    pub fn of(segment: &Segment) -> SegmentClaim {
        SegmentClaim {
            index: segment.index,
            po2: segment.po2,
            pre_pc: segment.pre_pc,
            pre_root: segment.pre_root,
            post_pc: segment.post_pc,
            post_root: segment.post_root,
            cycles: segment.cycles,
            exit_code: segment.exit_code,
            journal: segment.journal.clone(),
            pre_input_ended: segment.pre_input_ended,
            post_input_ended: segment.post_input_ended,
        }
    }

    pub fn pre_digest(&self) -> Digest {
        bento_vm::hash::state_digest(self.pre_pc, self.pre_root)
    }

    pub fn post_digest(&self) -> Digest {
        bento_vm::hash::state_digest(self.post_pc, self.post_root)
    }

    /// Checks every field the proof does not pin by itself: the proof holds the
    /// pcs as word addresses and the cycle count as a field element, so their
    /// other representations must be refused here, and sizes are bounded
    /// before anything is built from them.
    pub fn check(&self) -> Result<(), ClaimError> {
        if !(bento_vm::segment::MIN_PO2..=MAX_PROVE_PO2).contains(&self.po2) {
            return Err(ClaimError::Po2 { po2: self.po2 });
        }
        for (which, pc) in [("pre", self.pre_pc), ("post", self.post_pc)] {
            if pc % 4 != 0 {
                return Err(ClaimError::MisalignedPc { which, pc });
            }
        }
        let max = segment_capacity(self.po2);
        if self.cycles == 0 || self.cycles > max {
            return Err(ClaimError::Cycles {
                cycles: self.cycles,
                po2: self.po2,
                max,
            });
        }
        // Every journal byte takes a cycle of its own.
        if self.journal.len() >= self.cycles as usize {
            return Err(ClaimError::Journal {
                bytes: self.journal.len(),
                cycles: self.cycles,
            });
        }
        for (which, root) in [("pre", self.pre_root), ("post", self.post_root)] {
            if !root.is_canonical() {
                return Err(ClaimError::NonCanonicalRoot { which });
            }
        }
        Ok(())
    }

    /// The public values of every table: a fixed, small set (the CPU's pcs,
    /// cycles, exit and input state; the paging table's roots and journal digest).
    pub fn public_values(&self) -> Vec<Vec<F>> {
        let mut pv = vec![Vec::new(); NUM_TABLES];
        let mut cpu = vec![
            F::from_u32(self.pre_pc / 4),
            F::from_u32(self.post_pc / 4),
            F::from_u32(self.cycles),
            F::from_bool(self.exit_code.is_some()),
        ];
        cpu.extend(self.exit_code.unwrap_or(0).to_le_bytes().map(F::from_u8));
        cpu.extend([
            F::from_bool(self.pre_input_ended),
            F::from_bool(self.post_input_ended),
        ]);
        pv[air::CPU] = cpu;
        pv[air::PAGING] = paging::public_values(self.pre_root, self.post_root, &self.journal);
        pv
    }

    /// The height of each table a verifier accepts, as log2 ranges: up to
    /// 2^po2 rows (the executor ends a segment before its boundary could
    /// outgrow that), the paging table up to four rows for each of
    /// `bento_vm::segment::paging_capacity` permutations, the CPU exactly
    /// 2^po2, the fixed tables their size.
    pub fn log_heights(&self) -> Vec<RangeInclusive<usize>> {
        log_heights(self.po2)
    }
}

/// The table heights a verifier accepts for segments of 2^po2 cycles (see
/// [`SegmentClaim::log_heights`]).
pub fn log_heights(po2: u32) -> Vec<RangeInclusive<usize>> {
    let po2 = po2 as usize;
    let min = MIN_HEIGHT.trailing_zeros() as usize;
    let mut heights = vec![min..=po2; NUM_TABLES];
    heights[air::CPU] = po2..=po2;
    let paging = bento_vm::segment::paging_capacity(po2 as u32) as usize * perm_rows::ROWS;
    heights[air::PAGING] = min..=paging.trailing_zeros() as usize;
    heights[air::RANGE16] = RANGE16_LOG_HEIGHT..=RANGE16_LOG_HEIGHT;
    heights[air::BYTES] = BYTES_LOG_HEIGHT..=BYTES_LOG_HEIGHT;
    heights
}

#[cfg(feature = "prove")]
#[derive(Debug, thiserror::Error)]
pub enum ProveError {
    #[error(transparent)]
    Trace(#[from] TraceError),
    #[error("segment {index}: {source}")]
    Stark {
        index: u32,
        source: bento_stark::ProveError,
    },
}

/// A claim no honest segment can have.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ClaimError {
    #[error("po2 {po2} is not provable (segments are proved at po2 {min}..={max})", min = bento_vm::segment::MIN_PO2, max = MAX_PROVE_PO2)]
    Po2 { po2: u32 },
    #[error("the {which}-state pc {pc:#010x} is not 4-byte aligned")]
    MisalignedPc { which: &'static str, pc: u32 },
    #[error("{cycles} cycles: a segment of 2^{po2} rows holds 1..={max}")]
    Cycles { cycles: u32, po2: u32, max: u32 },
    #[error("a journal of {bytes} bytes cannot be written in {cycles} cycles")]
    Journal { bytes: usize, cycles: u32 },
    #[error(
        "the {which}-state memory root is not a digest (a word is not a canonical field element)"
    )]
    NonCanonicalRoot { which: &'static str },
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    #[error("segment {index}: {source}")]
    Claim { index: u32, source: ClaimError },
    #[error("segment {index}: {source}")]
    Stark {
        index: u32,
        source: bento_stark::VerifyError,
    },
}

/// A proved segment: its claim and the proof.
pub struct ProvedSegment {
    pub claim: SegmentClaim,
    pub proof: Proof,
}

/// Proves a segment, its tables padded to a catalogued shape where that is
/// cheap (see [`crate::shapes`]).
#[cfg(feature = "prove")]
pub fn prove(setup: &Setup, segment: &Segment) -> Result<ProvedSegment, ProveError> {
    prove_shaped(setup, segment, crate::shapes::Shaping::Catalogue)
}

/// [`prove`], padded as `shaping` says.
#[cfg(feature = "prove")]
pub fn prove_shaped(
    setup: &Setup,
    segment: &Segment,
    shaping: crate::shapes::Shaping,
) -> Result<ProvedSegment, ProveError> {
    prove_trace(
        setup,
        SegmentClaim::of(segment),
        trace::build_shaped(segment, shaping)?,
    )
}

/// Proves that built tables satisfy `claim` (the public values follow the claim).
#[cfg(feature = "prove")]
pub fn prove_trace(
    setup: &Setup,
    claim: SegmentClaim,
    t: SegmentTrace,
) -> Result<ProvedSegment, ProveError> {
    let public_values = claim.public_values();
    let instances: Vec<bento_stark::Instance<air::RiscvAir>> = airs()
        .into_iter()
        .zip(t.traces)
        .zip(public_values)
        .map(|((air, trace), public_values)| bento_stark::Instance {
            air,
            trace,
            public_values,
        })
        .collect();
    let proof = bento_stark::prove(setup, &instances).map_err(|source| ProveError::Stark {
        index: claim.index,
        source,
    })?;
    Ok(ProvedSegment { claim, proof })
}

/// Checks a segment proof against its claim.
pub fn verify(setup: &Setup, claim: &SegmentClaim, proof: &Proof) -> Result<(), VerifyError> {
    claim.check().map_err(|source| VerifyError::Claim {
        index: claim.index,
        source,
    })?;
    let heights = claim.log_heights();
    let public_values = claim.public_values();
    bento_stark::verify(setup, &airs(), proof, &public_values, &heights).map_err(|source| {
        VerifyError::Stark {
            index: claim.index,
            source,
        }
    })
}

/// Table heights of a proof (for reports).
pub fn table_heights(proof: &Proof) -> Vec<usize> {
    proof
        .inner
        .degree_bits
        .iter()
        .map(|&b| 1usize << b)
        .collect()
}
