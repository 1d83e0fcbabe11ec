//! What a recursion proof (lift or join) claims, as its public values: the
//! machine went from one state to another in `cycles` cycles, exited or not,
//! and extended the journal chain from one digest to another; and the control
//! root it checked every inner recursion proof's verifying key against (zero
//! for a lift, which verifies a segment proof and no recursion proof).
//!
//! The same layout serves lift and join, so a join reads either as its input
//! and its own claim is one more of them.

use bento_stark::{PrimeCharacteristicRing, PrimeField32, F};
use bento_vm::hash::{digest_elements, journal_digest, Digest, DIGEST_ELEMS};
use serde::{Deserialize, Serialize};

use crate::ir::{Builder, Felt};
use crate::verifier::mmcs::hash_rows;

/// Digests of journal pieces, chained: one piece per segment that wrote any.
pub const DOMAIN_JOURNAL_CHAIN: u32 = 5;

/// Cycles are counted in two limbs of this many bits (2^48 cycles at most).
pub const CYCLE_LIMB_BITS: usize = 24;

/// Where execution is: the pc, the memory root, whether the input had ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineState {
    pub pc: u32,
    pub root: Digest,
    pub input_ended: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecursionClaim {
    pub control_root: Digest,
    pub pre: MachineState,
    pub post: MachineState,
    pub exit_code: Option<u32>,
    /// The journal chain before and after (see [`chain_journal`]).
    pub journal: [Digest; 2],
    pub cycles: u64,
    /// How many segments the run was cut into.
    pub segments: u32,
}

/// How many public values a recursion proof has.
pub const NUM_PUBLIC_VALUES: usize = 8 + 2 * 10 + 5 + 2 * 8 + 2 + 1;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ClaimError {
    #[error("a recursion claim has {NUM_PUBLIC_VALUES} public values, not {0}")]
    Length(usize),
    #[error("the recursion claim's {0} is out of range")]
    Range(&'static str),
}

/// The journal chain extended by one segment's journal: unchanged by an
/// empty one, so the chain depends only on the pieces that were written.
pub fn chain_journal(chain: Digest, piece: &[u8]) -> Digest {
    if piece.is_empty() {
        return chain;
    }
    let input: Vec<F> = chain
        .to_field()
        .into_iter()
        .chain(journal_digest(piece).to_field())
        .collect();
    digest_elements(DOMAIN_JOURNAL_CHAIN, &input)
}

fn state_values(s: &MachineState) -> impl Iterator<Item = F> {
    std::iter::once(F::from_u32(s.pc / 4))
        .chain(s.root.to_field())
        .chain([F::from_bool(s.input_ended)])
}

impl RecursionClaim {
    pub fn to_public_values(&self) -> Vec<F> {
        let limb = 1u64 << CYCLE_LIMB_BITS;
        let values: Vec<F> = self
            .control_root
            .to_field()
            .into_iter()
            .chain(state_values(&self.pre))
            .chain(state_values(&self.post))
            .chain([F::from_bool(self.exit_code.is_some())])
            .chain(self.exit_code.unwrap_or(0).to_le_bytes().map(F::from_u8))
            .chain(self.journal[0].to_field())
            .chain(self.journal[1].to_field())
            .chain([
                F::from_u64(self.cycles % limb),
                F::from_u64(self.cycles / limb),
                F::from_u32(self.segments),
            ])
            .collect();
        debug_assert_eq!(values.len(), NUM_PUBLIC_VALUES);
        values
    }

    /// Reads public values back, refusing any that no claim writes (the
    /// circuits range-check them; this keeps the native side as strict).
    pub fn from_public_values(values: &[F]) -> Result<RecursionClaim, ClaimError> {
        if values.len() != NUM_PUBLIC_VALUES {
            return Err(ClaimError::Length(values.len()));
        }
        let mut it = values.iter().map(|v| v.as_canonical_u32());
        let mut take = |n: usize| -> Vec<u32> { it.by_ref().take(n).collect() };
        let digest = |v: Vec<u32>| Digest(v.try_into().expect("a digest's worth of public values"));
        let flag = |v: u32, what| match v {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(ClaimError::Range(what)),
        };
        let state = |take: &mut dyn FnMut(usize) -> Vec<u32>, what| {
            let pc4 = take(1)[0];
            if pc4 >= 1 << 30 {
                return Err(ClaimError::Range(what));
            }
            Ok(MachineState {
                pc: pc4 * 4,
                root: digest(take(DIGEST_ELEMS)),
                input_ended: flag(take(1)[0], what)?,
            })
        };
        let control_root = digest(take(DIGEST_ELEMS));
        let pre = state(&mut take, "pre-state")?;
        let post = state(&mut take, "post-state")?;
        let exited = flag(take(1)[0], "exit flag")?;
        let code = take(4);
        if code.iter().any(|&b| b > 0xff) || (!exited && code.iter().any(|&b| b != 0)) {
            return Err(ClaimError::Range("exit code"));
        }
        let exit_code = exited.then(|| {
            u32::from_le_bytes(
                code.iter()
                    .map(|&b| b as u8)
                    .collect::<Vec<_>>()
                    .try_into()
                    .expect("four bytes"),
            )
        });
        let journal = [digest(take(DIGEST_ELEMS)), digest(take(DIGEST_ELEMS))];
        let limbs = take(2);
        if limbs.iter().any(|&l| l >= 1 << CYCLE_LIMB_BITS) {
            return Err(ClaimError::Range("cycle count"));
        }
        let segments = take(1)[0];
        if segments >= 1 << CYCLE_LIMB_BITS {
            return Err(ClaimError::Range("segment count"));
        }
        Ok(RecursionClaim {
            control_root,
            pre,
            post,
            exit_code,
            journal,
            cycles: (u64::from(limbs[1]) << CYCLE_LIMB_BITS) + u64::from(limbs[0]),
            segments,
        })
    }
}

/// A machine state as cells: the pc as a word address.
#[derive(Clone, Copy, Debug)]
pub struct StateCells {
    pub pc4: Felt,
    pub root: [Felt; DIGEST_ELEMS],
    pub input_ended: Felt,
}

impl StateCells {
    pub fn cells(&self) -> Vec<Felt> {
        std::iter::once(self.pc4)
            .chain(self.root)
            .chain([self.input_ended])
            .collect()
    }
}

/// A recursion claim as cells, in public-value order.
#[derive(Clone, Copy, Debug)]
pub struct ClaimCells {
    pub control_root: [Felt; DIGEST_ELEMS],
    pub pre: StateCells,
    pub post: StateCells,
    pub exited: Felt,
    pub exit_code: [Felt; 4],
    pub journal: [[Felt; DIGEST_ELEMS]; 2],
    pub cycles: [Felt; 2],
    pub segments: Felt,
}

impl ClaimCells {
    /// Cells for `values`, each made by `cell` (public or witness).
    pub fn new(
        b: &mut Builder,
        values: &[F],
        mut cell: impl FnMut(&mut Builder, F) -> Felt,
    ) -> ClaimCells {
        assert_eq!(values.len(), NUM_PUBLIC_VALUES, "a claim's values");
        let cells: Vec<Felt> = values.iter().map(|&v| cell(b, v)).collect();
        ClaimCells::from_cells(&cells)
    }

    /// Every cell, in public-value order.
    pub fn cells(&self) -> Vec<Felt> {
        let cells: Vec<Felt> = self
            .control_root
            .into_iter()
            .chain(self.pre.cells())
            .chain(self.post.cells())
            .chain([self.exited])
            .chain(self.exit_code)
            .chain(self.journal.concat())
            .chain(self.cycles)
            .chain([self.segments])
            .collect();
        debug_assert_eq!(cells.len(), NUM_PUBLIC_VALUES);
        cells
    }

    fn from_cells(cells: &[Felt]) -> ClaimCells {
        let mut it = cells.iter().copied();
        let mut next = || it.next().expect("a claim's cell");
        let control_root = std::array::from_fn(|_| next());
        let mut state = || StateCells {
            pc4: next(),
            root: std::array::from_fn(|_| next()),
            input_ended: next(),
        };
        let pre = state();
        let post = state();
        ClaimCells {
            control_root,
            pre,
            post,
            exited: next(),
            exit_code: std::array::from_fn(|_| next()),
            journal: [
                std::array::from_fn(|_| next()),
                std::array::from_fn(|_| next()),
            ],
            cycles: [next(), next()],
            segments: next(),
        }
    }

    /// Constrains every cell to a value some claim has: flags boolean, pcs
    /// word addresses below 2^30, exit code bytes (zero without an exit),
    /// cycle limbs and the segment count below 2^24.
    pub fn check_ranges(&self, b: &mut Builder) {
        for s in [&self.pre, &self.post] {
            b.assert_range(s.pc4, 30, "a pc is a 32-bit word address");
            b.assert_bool(s.input_ended, "the input-ended flag is boolean");
        }
        b.assert_bool(self.exited, "the exit flag is boolean");
        for &byte in &self.exit_code {
            b.assert_range(byte, 8, "an exit code byte");
        }
        // Without an exit the code is zero: (1 - exited)·byte = 0.
        for &byte in &self.exit_code {
            let kept = b.fmul(self.exited, byte);
            b.assert_eq(kept, byte, "no exit code without an exit");
        }
        for &limb in &self.cycles {
            b.assert_range(limb, CYCLE_LIMB_BITS, "a cycle-count limb");
        }
        b.assert_range(self.segments, CYCLE_LIMB_BITS, "the segment count");
    }
}

/// The journal chain extended by a piece's digest unless the piece's length
/// is zero, in the program.
pub fn chain_journal_cells(
    b: &mut Builder,
    chain: [Felt; DIGEST_ELEMS],
    piece_digest: [Felt; DIGEST_ELEMS],
    piece_len: Felt,
) -> [Felt; DIGEST_ELEMS] {
    let domain = b.constant_felt(F::from_u32(DOMAIN_JOURNAL_CHAIN));
    let input: Vec<Felt> = std::iter::once(domain)
        .chain(chain)
        .chain(piece_digest)
        .collect();
    let extended = hash_rows(b, &[&input]);
    let empty = b.is_zero(piece_len);
    std::array::from_fn(|k| b.select(empty, chain[k], extended[k]))
}
