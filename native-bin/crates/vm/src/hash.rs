//! Digests of memory and state: Poseidon2 over BabyBear (Plonky3's width-16
//! permutation), the same hash the proof system commits with, so that a later
//! circuit can check paging itself.
//!
//! - a page hash absorbs a domain tag and the page's 256 words, each as two
//!   16-bit halves (a word does not fit one field element);
//! - a Merkle node compresses its two children;
//! - a state digest absorbs a domain tag, the pc (as two halves) and the
//!   memory root. The image ID of a program is the digest of its initial state.

use std::fmt;
use std::sync::OnceLock;

use p3_baby_bear::{default_babybear_poseidon2_16, BabyBear, Poseidon2BabyBear};
use p3_field::{PrimeCharacteristicRing, PrimeField32};
use p3_symmetric::{
    CryptographicHasher, PaddingFreeSponge, PseudoCompressionFunction, TruncatedPermutation,
};
use serde::{Deserialize, Serialize};

use crate::layout::PAGE_WORDS;

pub type F = BabyBear;
pub type Perm = Poseidon2BabyBear<16>;
/// Elements absorbed per permutation.
pub const SPONGE_RATE: usize = 8;
pub type Sponge = PaddingFreeSponge<Perm, 16, SPONGE_RATE, 8>;
pub type Compress = TruncatedPermutation<Perm, 2, 8, 16>;

pub const DIGEST_ELEMS: usize = 8;
const DOMAIN_PAGE: u32 = 1;
const DOMAIN_STATE: u32 = 2;
pub const DOMAIN_JOURNAL: u32 = 3;
/// Verifying keys of recursion circuits.
pub const DOMAIN_VERIFYING_KEY: u32 = 4;
/// Journal bytes absorbed per permutation (one byte per rate element).
pub const JOURNAL_RATE: usize = SPONGE_RATE;
/// Permutations of one page hash: the domain tag and the page's 512 halves.
pub const PAGE_PERMUTATIONS: usize = (1 + 2 * PAGE_WORDS).div_ceil(SPONGE_RATE);

/// The shared permutation (its round constants are built once).
pub fn permutation() -> &'static Perm {
    static PERM: OnceLock<Perm> = OnceLock::new();
    PERM.get_or_init(default_babybear_poseidon2_16)
}

fn sponge() -> Sponge {
    Sponge::new(permutation().clone())
}

fn compressor() -> &'static Compress {
    static C: OnceLock<Compress> = OnceLock::new();
    C.get_or_init(|| Compress::new(permutation().clone()))
}

/// Eight BabyBear elements (canonical), written as 32 bytes of little-endian words.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
pub struct Digest(pub [u32; DIGEST_ELEMS]);

impl Digest {
    pub fn to_field(self) -> [F; DIGEST_ELEMS] {
        self.0.map(F::from_u32)
    }

    pub fn from_field(f: [F; DIGEST_ELEMS]) -> Digest {
        Digest(f.map(|x| x.as_canonical_u32()))
    }

    /// Whether every word is a canonical field element (as every digest computed here is).
    pub fn is_canonical(&self) -> bool {
        self.0.iter().all(|&w| w < F::ORDER_U32)
    }

    pub fn to_bytes(self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (chunk, w) in out.chunks_exact_mut(4).zip(self.0) {
            chunk.copy_from_slice(&w.to_le_bytes());
        }
        out
    }

    pub fn to_hex(self) -> String {
        hex::encode(self.to_bytes())
    }

    /// Parses 64 hex digits; every word must be a canonical field element.
    pub fn from_hex(s: &str) -> Result<Digest, String> {
        let bytes = hex::decode(s.trim()).map_err(|e| format!("invalid digest {s:?}: {e}"))?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| format!("invalid digest {s:?}: expected 64 hex digits"))?;
        let mut words = [0u32; DIGEST_ELEMS];
        for (w, chunk) in words.iter_mut().zip(bytes.chunks_exact(4)) {
            *w = u32::from_le_bytes(chunk.try_into().expect("4 bytes"));
            if *w >= F::ORDER_U32 {
                return Err(format!(
                    "invalid digest {s:?}: word {w:#x} is not a field element"
                ));
            }
        }
        Ok(Digest(words))
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({})", self.to_hex())
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// A word as its two 16-bit halves, low first.
#[inline]
pub fn word_halves(w: u32) -> [F; 2] {
    [F::from_u32(w & 0xffff), F::from_u32(w >> 16)]
}

pub fn hash_page(words: &[u32; PAGE_WORDS]) -> Digest {
    let input =
        std::iter::once(F::from_u32(DOMAIN_PAGE)).chain(words.iter().flat_map(|&w| word_halves(w)));
    Digest::from_field(sponge().hash_iter(input))
}

pub fn compress(left: Digest, right: Digest) -> Digest {
    Digest::from_field(compressor().compress([left.to_field(), right.to_field()]))
}

/// The digest of a machine state: where execution is and what memory holds.
pub fn state_digest(pc: u32, memory_root: Digest) -> Digest {
    let input = [F::from_u32(DOMAIN_STATE)]
        .into_iter()
        .chain(word_halves(pc))
        .chain(memory_root.to_field());
    Digest::from_field(sponge().hash_iter(input))
}

/// The digest of field elements under a domain tag.
pub fn digest_elements(domain: u32, elements: &[F]) -> Digest {
    let input = std::iter::once(F::from_u32(domain)).chain(elements.iter().copied());
    Digest::from_field(sponge().hash_iter(input))
}

/// The digest of a segment's journal: a sponge that starts with the domain
/// and the length in its capacity and absorbs the bytes, one per element,
/// zero-padded to whole chunks (at least one), so that the circuit can hash
/// them as they are written and a length is never ambiguous.
pub fn journal_digest(journal: &[u8]) -> Digest {
    use p3_symmetric::Permutation;
    let mut state = [F::ZERO; 16];
    state[8] = F::from_u32(DOMAIN_JOURNAL);
    state[9] = F::from_usize(journal.len());
    for chunk in journal_chunks(journal) {
        state[..JOURNAL_RATE].copy_from_slice(&chunk);
        permutation().permute_mut(&mut state);
    }
    Digest::from_field(state[..DIGEST_ELEMS].try_into().expect("8 elements"))
}

/// The journal as the chunks its digest absorbs.
pub fn journal_chunks(journal: &[u8]) -> Vec<[F; JOURNAL_RATE]> {
    let chunks = journal.len().div_ceil(JOURNAL_RATE).max(1);
    (0..chunks)
        .map(|c| {
            std::array::from_fn(|i| {
                F::from_u8(journal.get(c * JOURNAL_RATE + i).copied().unwrap_or(0))
            })
        })
        .collect()
}

/// Hashes of all-zero subtrees: `zero_hashes()[l]` is the root of 2^l zero pages.
pub fn zero_hashes() -> &'static [Digest] {
    static Z: OnceLock<Vec<Digest>> = OnceLock::new();
    Z.get_or_init(|| {
        let mut z = vec![hash_page(&[0; PAGE_WORDS])];
        for l in 0..crate::layout::MEMORY_TREE_DEPTH {
            z.push(compress(z[l], z[l]));
        }
        z
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_deterministic_and_distinct() {
        let mut page = [0u32; PAGE_WORDS];
        let zero = hash_page(&page);
        page[255] = 1;
        let one = hash_page(&page);
        assert_ne!(zero, one);
        assert_eq!(one, hash_page(&page));
        assert_ne!(state_digest(0x1000, zero), state_digest(0x1004, zero));
        assert_ne!(compress(zero, one), compress(one, zero));
    }

    #[test]
    fn journal_digests_bind_length_and_bytes() {
        let d = journal_digest(b"abc");
        assert_eq!(d, journal_digest(b"abc"));
        assert_ne!(d, journal_digest(b"abc\0"));
        assert_ne!(d, journal_digest(b"abd"));
        assert_ne!(journal_digest(b""), journal_digest(&[0]));
        assert_ne!(journal_digest(&[7; 8]), journal_digest(&[7; 9]));
    }

    #[test]
    fn hex_round_trip_and_rejects_non_canonical() {
        let d = state_digest(4, zero_hashes()[3]);
        assert_eq!(Digest::from_hex(&d.to_hex()), Ok(d));
        assert!(Digest::from_hex("zz").is_err());
        assert!(Digest::from_hex(&"ff".repeat(32))
            .unwrap_err()
            .contains("not a field element"));
        assert!(Digest::from_hex(&"00".repeat(31)).is_err());
    }
}
