//! Which recursion circuits a join accepts: the digests of their verifying
//! keys as the leaves of a Merkle tree, the control tree, whose root every
//! recursion proof carries in its claim. A join checks each inner proof's
//! key against that root and that the inner proof carries the same root, so
//! the root a final verifier checks vouches for every proof below it.

use bento_stark::{PrimeCharacteristicRing, F};
use bento_vm::hash::{compress, Digest, DIGEST_ELEMS};

use crate::circuit::VerifyingKey;
use crate::ir::{Builder, Felt};
use crate::verifier::mmcs::{self, hash_rows};

/// The tree holds up to 2^CONTROL_DEPTH keys.
pub const CONTROL_DEPTH: usize = 8;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ControlError {
    #[error("a control tree holds at most {max} verifying keys, not {found}", max = 1 << CONTROL_DEPTH)]
    TooMany { found: usize },
    #[error("verifying key {0} is not in the control tree")]
    Unknown(Digest),
}

/// The allowed keys' digests, in order; unused leaves are zero (no key's digest).
#[derive(Clone, Debug)]
pub struct ControlTree {
    levels: Vec<Vec<Digest>>,
}

impl ControlTree {
    pub fn new(keys: &[Digest]) -> Result<ControlTree, ControlError> {
        if keys.len() > 1 << CONTROL_DEPTH {
            return Err(ControlError::TooMany { found: keys.len() });
        }
        let mut leaves = keys.to_vec();
        leaves.resize(1 << CONTROL_DEPTH, Digest::default());
        let mut levels = vec![leaves];
        while levels.last().expect("a level").len() > 1 {
            let next = levels
                .last()
                .expect("a level")
                .chunks(2)
                .map(|p| compress(p[0], p[1]))
                .collect();
            levels.push(next);
        }
        Ok(ControlTree { levels })
    }

    pub fn root(&self) -> Digest {
        self.levels.last().expect("a root")[0]
    }

    /// Where `key` is, and the siblings from its leaf up.
    pub fn path(&self, key: Digest) -> Result<(usize, Vec<Digest>), ControlError> {
        let index = self.levels[0]
            .iter()
            .position(|&leaf| leaf == key && key != Digest::default())
            .ok_or(ControlError::Unknown(key))?;
        let siblings = self.levels[..CONTROL_DEPTH]
            .iter()
            .enumerate()
            .map(|(level, nodes)| nodes[(index >> level) ^ 1])
            .collect();
        Ok((index, siblings))
    }
}

/// A verifying key's digest in the program, from its commitment's cells (the
/// heights are the shape's, constants).
pub fn key_digest(
    b: &mut Builder,
    log_heights: &[usize],
    preprocessed: &[Felt],
) -> [Felt; DIGEST_ELEMS] {
    let prefix: Vec<Felt> = std::iter::once(bento_vm::hash::DOMAIN_VERIFYING_KEY as usize)
        .chain(log_heights.iter().copied())
        .map(|x| b.constant_felt(F::from_usize(x)))
        .collect();
    hash_rows(b, &[&prefix, preprocessed])
}

/// The cells of a key's commitment, witnessed.
pub fn key_cells(b: &mut Builder, key: &VerifyingKey) -> Vec<Felt> {
    key.preprocessed
        .iter()
        .flatten()
        .map(|&x| b.witness_felt(x))
        .collect()
}

/// Asserts, in the program, that `leaf` is in the control tree of `root`;
/// the prover names its position and siblings (`None`: zeros, for the
/// program alone).
pub fn assert_member(
    b: &mut Builder,
    leaf: [Felt; DIGEST_ELEMS],
    root: [Felt; DIGEST_ELEMS],
    path: Option<&(usize, Vec<Digest>)>,
) {
    let index = path.map_or(0, |p| p.0);
    let bits: Vec<Felt> = (0..CONTROL_DEPTH)
        .map(|i| {
            let bit = b.witness_felt(F::from_bool(index >> i & 1 == 1));
            b.assert_bool(bit, "a control-tree index bit");
            bit
        })
        .collect();
    let siblings: Vec<[Felt; DIGEST_ELEMS]> = (0..CONTROL_DEPTH)
        .map(|level| {
            let sibling = path.map_or([F::default(); DIGEST_ELEMS], |p| p.1[level].to_field());
            sibling.map(|x| b.witness_felt(x))
        })
        .collect();
    let top = mmcs::climb(b, leaf, &bits, &siblings);
    for k in 0..DIGEST_ELEMS {
        b.assert_eq(top[k], root[k], "a verifying key is in the control tree");
    }
}
