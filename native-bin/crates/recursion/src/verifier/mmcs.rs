//! Merkle openings as a program: Plonky3's `MerkleTreeMmcs` over Poseidon2
//! (binary compression, a cap of 2^cap_height digests, matrices of several
//! heights injected at their own levels), one full authentication path per
//! opening (Plonky3 restores them from its pruned multi-proofs).
//!
//! The cap is committed as a list; a path is checked up to the level of the
//! cap and then through the small tree over the cap, with the prover naming
//! the other cap-tree nodes: the tree's root binds the cap, so this checks the
//! same thing as comparing with the cap entry the index selects.

use bento_stark::{PrimeCharacteristicRing, F};
use bento_vm::hash::DIGEST_ELEMS;

use crate::ir::{Builder, Felt};

pub type Digest = [Felt; DIGEST_ELEMS];

const RATE: usize = 8;

/// `PaddingFreeSponge<Poseidon2, 16, 8, 8>` over the concatenated rows: each
/// block of eight overwrites the rate, a last partial block overwrites only
/// its own elements.
pub fn hash_rows(b: &mut Builder, rows: &[&[Felt]]) -> Digest {
    let zero = b.constant_felt(F::ZERO);
    let mut state = [zero; 16];
    let input: Vec<Felt> = rows.iter().flat_map(|r| r.iter().copied()).collect();
    for block in input.chunks(RATE) {
        state[..block.len()].copy_from_slice(block);
        state = b.permute(state);
    }
    state[..DIGEST_ELEMS].try_into().expect("eight elements")
}

/// `TruncatedPermutation<Poseidon2, 2, 8, 16>`.
pub fn compress(b: &mut Builder, left: Digest, right: Digest) -> Digest {
    let mut state = [left[0]; 16];
    state[..DIGEST_ELEMS].copy_from_slice(&left);
    state[DIGEST_ELEMS..].copy_from_slice(&right);
    let out = b.permute(state);
    out[..DIGEST_ELEMS].try_into().expect("eight elements")
}

/// `compress(x, y)` when `bit` is 0, `compress(y, x)` when it is 1 (the
/// permutation table swaps the halves: no arithmetic).
fn compress_ordered(b: &mut Builder, bit: Felt, x: Digest, y: Digest) -> Digest {
    let mut state = [x[0]; 16];
    state[..DIGEST_ELEMS].copy_from_slice(&x);
    state[DIGEST_ELEMS..].copy_from_slice(&y);
    let out = b.permute_swapped(bit, state);
    out[..DIGEST_ELEMS].try_into().expect("eight elements")
}

/// Climbs from `node` through `siblings`, level by level, turning at each
/// level by the index bit.
pub(crate) fn climb(
    b: &mut Builder,
    mut node: Digest,
    bits: &[Felt],
    siblings: &[Digest],
) -> Digest {
    for (&bit, &sibling) in bits.iter().zip(siblings) {
        node = compress_ordered(b, bit, node, sibling);
    }
    node
}

/// The root of the binary tree over a cap (entry k at leaf k).
pub fn cap_root(b: &mut Builder, cap: &[Digest]) -> Digest {
    assert!(
        cap.len().is_power_of_two(),
        "a cap has 2^cap_height digests"
    );
    let mut level = cap.to_vec();
    while level.len() > 1 {
        level = level.chunks(2).map(|p| compress(b, p[0], p[1])).collect();
    }
    level[0]
}

/// One opening of a commitment: each matrix's row at the index, the path's
/// siblings below the cap (leaf level first), and the cap-tree nodes above.
pub struct Opening {
    pub rows: Vec<Vec<Felt>>,
    pub siblings: Vec<Digest>,
    pub cap_siblings: Vec<Digest>,
}

/// Checks `opening` at the index whose bits (least significant first, as
/// many as the tallest matrix has levels) are `index_bits`, for matrices of
/// `log_heights` rows (each's row is at the index shifted down by the
/// difference of heights), against the cap tree whose root is `root`.
pub fn verify(
    b: &mut Builder,
    root: Digest,
    log_heights: &[usize],
    index_bits: &[Felt],
    opening: &Opening,
) {
    let log_max = *log_heights.iter().max().expect("a commitment has matrices");
    assert_eq!(index_bits.len(), log_max, "one index bit per level");
    let cap_height = opening.cap_siblings.len();
    assert_eq!(
        opening.siblings.len() + cap_height,
        log_max,
        "a path climbs to the cap"
    );
    // Tallest first; equal heights keep their order.
    let mut order_of: Vec<usize> = (0..log_heights.len()).collect();
    order_of.sort_by_key(|&i| std::cmp::Reverse(log_heights[i]));
    let rows_of = |h: usize| -> Vec<&[Felt]> {
        order_of
            .iter()
            .filter(|&&i| log_heights[i] == h)
            .map(|&i| opening.rows[i].as_slice())
            .collect()
    };
    let mut node = hash_rows(b, &rows_of(log_max));
    for (level, (&bit, &sibling)) in index_bits.iter().zip(&opening.siblings).enumerate() {
        node = compress_ordered(b, bit, node, sibling);
        let height = log_max - level - 1;
        let injected = rows_of(height);
        if !injected.is_empty() {
            let digest = hash_rows(b, &injected);
            node = compress(b, node, digest);
        }
    }
    let top = climb(
        b,
        node,
        &index_bits[opening.siblings.len()..],
        &opening.cap_siblings,
    );
    for k in 0..DIGEST_ELEMS {
        b.assert_eq(top[k], root[k], "a Merkle path reaches the committed cap");
    }
}

/// The cap-tree nodes a path needs above the cap, for the cap entry `index`
/// (computed natively: the cap is public to the verifier).
pub fn cap_siblings(cap: &[[F; DIGEST_ELEMS]], mut index: usize) -> Vec<[F; DIGEST_ELEMS]> {
    let mut level = cap.to_vec();
    let mut siblings = Vec::new();
    while level.len() > 1 {
        siblings.push(level[index ^ 1]);
        level = level
            .chunks(2)
            .map(|p| {
                use bento_vm::hash::{compress, Digest};
                compress(Digest::from_field(p[0]), Digest::from_field(p[1])).to_field()
            })
            .collect();
        index >>= 1;
    }
    siblings
}

/// A base-field row as cells (witnessed).
pub fn witness_row(b: &mut Builder, row: &[F]) -> Vec<Felt> {
    row.iter().map(|&v| b.witness_felt(v)).collect()
}
