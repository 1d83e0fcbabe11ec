//! Proves that a (private) leaf is in a SHA-256 Merkle tree with a public root.
//! Leaves hash as `SHA-256(0x00 || leaf)`, nodes as `SHA-256(0x01 || left || right)`
//! (the prefixes keep a leaf from passing for a node).
//! Input (postcard): `(leaf: Vec<u8>, index: u64, siblings: Vec<[u8; 32]>)`,
//! siblings from the leaf's level up.
//! Journal (postcard): `(root: [u8; 32], leaf_hash: [u8; 32])`.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use bento_guest::env;
use sha2::{Digest, Sha256};

bento_guest::entry!(main);

fn hash(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in parts {
        h.update(part);
    }
    h.finalize().into()
}

fn main() {
    let (leaf, index, siblings): (Vec<u8>, u64, Vec<[u8; 32]>) = env::read();
    assert!(
        siblings.len() < 64 && index >> siblings.len() == 0,
        "leaf index {index} is outside a tree of depth {}",
        siblings.len()
    );
    let leaf_hash = hash(&[&[0], &leaf]);
    let mut node = leaf_hash;
    for (level, sibling) in siblings.iter().enumerate() {
        node = if index >> level & 1 == 0 {
            hash(&[&[1], &node, sibling])
        } else {
            hash(&[&[1], sibling, &node])
        };
    }
    env::commit(&(node, leaf_hash));
}
