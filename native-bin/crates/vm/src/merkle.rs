//! The memory Merkle tree over pages, and multi-page proofs against its root.
//!
//! The tree has 2^MEMORY_TREE_DEPTH leaves (page hashes); untouched subtrees are
//! all-zero and never stored. A [`MultiProof`] for a set of pages holds the
//! sibling hashes their paths need, in one canonical order (level by level,
//! ascending index), so that a verifier can compute the root from the pages'
//! contents and, with new contents, the root after a segment.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::hash::{compress, zero_hashes, Digest};
use crate::layout::MEMORY_TREE_DEPTH;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MerkleError {
    #[error("page indices must be distinct, ascending and below 2^{MEMORY_TREE_DEPTH}")]
    BadLeaves,
    #[error("the Merkle proof has too few sibling hashes")]
    ProofTooShort,
    #[error("the Merkle proof has {0} sibling hashes too many")]
    ProofTooLong(usize),
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MultiProof {
    pub siblings: Vec<Digest>,
}

impl MultiProof {
    /// The root of a tree holding `leaves` (page index, page hash; ascending) and these siblings.
    pub fn root(&self, leaves: &[(u32, Digest)]) -> Result<Digest, MerkleError> {
        let mut siblings = self.siblings.iter();
        let root = fold(
            leaves.to_vec(),
            |_, _| siblings.next().copied().ok_or(MerkleError::ProofTooShort),
            |_, _, left, right| compress(left, right),
        )?;
        match siblings.len() {
            0 => Ok(root),
            extra => Err(MerkleError::ProofTooLong(extra)),
        }
    }
}

/// One compression on the paths of a multi-proof: the node at `level`
/// (leaves are level 0), `index`, from its two children, each either on a
/// path (computed from the leaves) or a sibling the proof supplies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Join {
    pub level: usize,
    pub index: u32,
    pub left: Digest,
    pub right: Digest,
    pub left_on_path: bool,
    pub right_on_path: bool,
}

impl MultiProof {
    /// Every compression from `leaves` (ascending) to the root, level by level.
    pub fn joins(&self, leaves: &[(u32, Digest)]) -> Result<Vec<Join>, MerkleError> {
        let mut siblings = self.siblings.iter();
        let mut joins = Vec::new();
        fold(
            leaves.iter().map(|&(i, d)| (i, (d, true))).collect(),
            |_, _| {
                let d = siblings.next().copied().ok_or(MerkleError::ProofTooShort)?;
                Ok::<_, MerkleError>((d, false))
            },
            |level, index, (left, left_on_path), (right, right_on_path)| {
                joins.push(Join {
                    level: level + 1,
                    index,
                    left,
                    right,
                    left_on_path,
                    right_on_path,
                });
                (compress(left, right), true)
            },
        )?;
        match siblings.len() {
            0 => Ok(joins),
            extra => Err(MerkleError::ProofTooLong(extra)),
        }
    }
}

/// Walks the paths of `leaves` up to the root, asking `sibling(level, index)`
/// for each node off the paths (in canonical order) and joining children at
/// `level` into their parent `index` with `combine`.
fn fold<T, E>(
    mut level_nodes: Vec<(u32, T)>,
    mut sibling: impl FnMut(usize, u32) -> Result<T, E>,
    mut combine: impl FnMut(usize, u32, T, T) -> T,
) -> Result<T, E>
where
    E: From<MerkleError>,
{
    let ascending = level_nodes.windows(2).all(|w| w[0].0 < w[1].0);
    let in_range = level_nodes
        .last()
        .is_none_or(|(i, _)| u64::from(*i) < 1u64 << MEMORY_TREE_DEPTH);
    if level_nodes.is_empty() || !ascending || !in_range {
        return Err(MerkleError::BadLeaves.into());
    }
    for level in 0..MEMORY_TREE_DEPTH {
        let mut next = Vec::with_capacity(level_nodes.len().div_ceil(2));
        let mut nodes = level_nodes.into_iter().peekable();
        while let Some((index, node)) = nodes.next() {
            let parent = if index % 2 == 0 {
                match nodes.next_if(|(j, _)| *j == index + 1) {
                    Some((_, right)) => combine(level, index / 2, node, right),
                    None => combine(level, index / 2, node, sibling(level, index + 1)?),
                }
            } else {
                combine(level, index / 2, sibling(level, index - 1)?, node)
            };
            next.push((index / 2, parent));
        }
        level_nodes = next;
    }
    Ok(level_nodes.pop().expect("one root").1)
}

/// The whole memory tree, stored sparsely (absent nodes are zero subtrees).
#[derive(Clone, Debug)]
pub struct MemoryTree {
    levels: Vec<HashMap<u32, Digest>>,
}

impl Default for MemoryTree {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryTree {
    pub fn new() -> MemoryTree {
        MemoryTree {
            levels: vec![HashMap::new(); MEMORY_TREE_DEPTH + 1],
        }
    }

    pub fn node(&self, level: usize, index: u32) -> Digest {
        self.levels[level]
            .get(&index)
            .copied()
            .unwrap_or(zero_hashes()[level])
    }

    pub fn root(&self) -> Digest {
        self.node(MEMORY_TREE_DEPTH, 0)
    }

    /// Sets page hashes and recomputes the nodes above them.
    pub fn set_pages(&mut self, pages: impl IntoIterator<Item = (u32, Digest)>) {
        let mut changed: Vec<u32> = Vec::new();
        for (page, hash) in pages {
            self.levels[0].insert(page, hash);
            changed.push(page);
        }
        for level in 0..MEMORY_TREE_DEPTH {
            changed = changed.into_iter().map(|i| i / 2).collect();
            changed.sort_unstable();
            changed.dedup();
            for &parent in &changed {
                let hash = compress(
                    self.node(level, 2 * parent),
                    self.node(level, 2 * parent + 1),
                );
                self.levels[level + 1].insert(parent, hash);
            }
        }
    }

    /// A proof for the given pages (ascending, distinct) against the current root.
    pub fn prove(&self, pages: &[u32]) -> Result<MultiProof, MerkleError> {
        let mut siblings = Vec::new();
        fold(
            pages.iter().map(|&p| (p, ())).collect(),
            |level, index| {
                siblings.push(self.node(level, index));
                Ok::<(), MerkleError>(())
            },
            |_, _, _, _| (),
        )?;
        Ok(MultiProof { siblings })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::hash_page;
    use crate::layout::PAGE_WORDS;

    fn page(fill: u32) -> Digest {
        hash_page(&[fill; PAGE_WORDS])
    }

    #[test]
    fn empty_tree_root_is_the_zero_subtree() {
        assert_eq!(MemoryTree::new().root(), zero_hashes()[MEMORY_TREE_DEPTH]);
    }

    #[test]
    fn proofs_give_the_root_before_and_after_an_update() {
        let mut tree = MemoryTree::new();
        tree.set_pages([
            (1, page(1)),
            (2, page(2)),
            (3, page(3)),
            (1000, page(4)),
            (262_144, page(5)),
        ]);
        let touched = [2u32, 3, 77, 262_144];
        let proof = tree.prove(&touched).unwrap();
        let before: Vec<_> = touched.iter().map(|&p| (p, tree.node(0, p))).collect();
        assert_eq!(proof.root(&before), Ok(tree.root()));
        let joins = proof.joins(&before).unwrap();
        let top = joins.last().unwrap();
        assert_eq!((top.level, top.index), (MEMORY_TREE_DEPTH, 0));
        assert_eq!(compress(top.left, top.right), tree.root());
        // Each join's on-path children are joins (or leaves) below it.
        assert!(joins.iter().all(|j| j.left_on_path || j.right_on_path));

        let after: Vec<_> = touched.iter().map(|&p| (p, page(100 + p))).collect();
        let predicted = proof.root(&after).unwrap();
        tree.set_pages(after.iter().copied());
        assert_eq!(predicted, tree.root());
    }

    #[test]
    fn wrong_contents_or_proofs_give_other_roots_or_errors() {
        let mut tree = MemoryTree::new();
        tree.set_pages([(5, page(5)), (6, page(6))]);
        let proof = tree.prove(&[5]).unwrap();
        assert_ne!(proof.root(&[(5, page(6))]).unwrap(), tree.root());
        assert_ne!(proof.root(&[(4, page(5))]).unwrap(), tree.root());
        let mut short = proof.clone();
        short.siblings.pop();
        assert_eq!(short.root(&[(5, page(5))]), Err(MerkleError::ProofTooShort));
        let mut long = proof.clone();
        long.siblings.push(page(0));
        assert_eq!(
            long.root(&[(5, page(5))]),
            Err(MerkleError::ProofTooLong(1))
        );
        assert_eq!(
            proof.root(&[(6, page(6)), (5, page(5))]),
            Err(MerkleError::BadLeaves)
        );
        assert_eq!(proof.root(&[]), Err(MerkleError::BadLeaves));
        assert_eq!(
            proof.root(&[(1 << 19, page(5))]),
            Err(MerkleError::BadLeaves)
        );
    }
}
