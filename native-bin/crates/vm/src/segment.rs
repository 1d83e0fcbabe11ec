//! Segments: what the prover needs to rebuild one slice of an execution
//! without re-running the slices before it.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::hash::{hash_page, state_digest, Digest, PAGE_PERMUTATIONS};
use crate::layout::{MEMORY_TREE_DEPTH, PAGE_WORDS};
use crate::merkle::MultiProof;

/// Segments hold at most 2^po2 − RESERVED_ROWS cycles: the prover pads each
/// segment's CPU table to 2^po2 rows and needs a few rows of its own (the
/// closing row that carries the post state, and room for padding).
pub const RESERVED_ROWS: u32 = 4;
pub const MIN_PO2: u32 = 14;
pub const MAX_PO2: u32 = 24;
pub const DEFAULT_PO2: u32 = 20;

pub fn segment_capacity(po2: u32) -> u32 {
    (1u32 << po2) - RESERVED_ROWS
}

/// Segments touch at most this many pages (the register page included), so
/// that two tables fit the heights a verifier accepts (which bound every
/// table a proof may have, and so its security): the memory boundary, a word
/// per row, is never taller than the CPU table; and the paging table holds
/// every page's hashes and Merkle joins ([`PAGING_PERMS_PER_PAGE`]) and the
/// journal's, within [`paging_capacity`]. The executor ends a segment early
/// rather than pass the limit.
pub fn page_capacity(po2: u32) -> u32 {
    let boundary = (1u64 << po2) / PAGE_WORDS as u64;
    // A journal byte takes a cycle, a permutation absorbs eight: at most half
    // the capacity at every po2 the circuit proves (none above 22).
    let paging = paging_capacity(po2);
    let journal = ((1u64 << po2) / 8 + 1).min(paging / 2);
    let paging = (paging - journal) / PAGING_PERMS_PER_PAGE;
    boundary.min(paging) as u32
}

/// Poseidon2 permutations the paging table may hold for a segment of 2^po2
/// cycles: four rows each, in at most 2^(po2 + 2) rows and never more than
/// 2^22 (the tallest table the circuit proves).
pub fn paging_capacity(po2: u32) -> u64 {
    1 << po2.min(20)
}

/// The most permutations one page costs the paging table: its hash in each
/// tree and, in each tree, at most one join per level on its path.
pub const PAGING_PERMS_PER_PAGE: u64 = 2 * (PAGE_PERMUTATIONS + MEMORY_TREE_DEPTH + 1) as u64;

/// The most pages one step can touch for the first time: its fetch, and a
/// load or store or the bytes of one `read` or journal `write` (up to
/// `IO_CHUNK_BYTES`, which span at most five pages).
pub const MAX_STEP_PAGES: u32 = 1 + crate::abi::IO_CHUNK_BYTES / crate::layout::PAGE_BYTES + 1;

const MAGIC: &[u8; 8] = b"BENTOSEG";
pub const SEGMENT_FORMAT: u32 = 2;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    pub index: u32,
    #[serde(with = "page_words")]
    pub words: Box<[u32; PAGE_WORDS]>,
}

/// A page's words as a sequence that must hold exactly PAGE_WORDS entries.
pub mod page_words {
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::layout::PAGE_WORDS;

    pub fn serialize<S: Serializer>(words: &[u32; PAGE_WORDS], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(words.iter())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Box<[u32; PAGE_WORDS]>, D::Error> {
        let words = Vec::<u32>::deserialize(d)?;
        let len = words.len();
        words
            .into_boxed_slice()
            .try_into()
            .map_err(|_| D::Error::custom(format!("a page has {PAGE_WORDS} words, not {len}")))
    }
}

impl Page {
    pub fn hash(&self) -> Digest {
        hash_page(&self.words)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub index: u32,
    pub po2: u32,
    pub pre_pc: u32,
    pub pre_root: Digest,
    /// Every page the segment touches (the register page included), ascending,
    /// with its contents at the start of the segment.
    pub pages: Vec<Page>,
    /// Sibling hashes that tie `pages` to `pre_root`.
    pub page_proof: MultiProof,
    /// The private input bytes the segment's reads consume, in order.
    pub input: Vec<u8>,
    /// Whether the input had ended (a `read` returned less than it asked)
    /// before the segment, and after it.
    pub pre_input_ended: bool,
    pub post_input_ended: bool,
    /// Rows of the CPU table the segment uses (its cycles).
    pub cycles: u32,
    pub post_pc: u32,
    pub post_root: Digest,
    /// Set when the program exited in this segment.
    pub exit_code: Option<u32>,
    /// Bytes the segment appended to the journal.
    pub journal: Vec<u8>,
    /// Pages a forging run touched that the memory tree has no leaf for
    /// (outside guest memory), with their contents at the start.
    #[cfg(feature = "forge")]
    #[serde(skip)]
    pub outside: Vec<Page>,
}

#[derive(Debug, thiserror::Error)]
pub enum SegmentFileError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("not a segment file (bad magic)")]
    BadMagic,
    #[error("segment format {0} is not supported (this build reads format {SEGMENT_FORMAT})")]
    Version(u32),
    #[error("corrupt segment file: {0}")]
    Corrupt(String),
}

impl Segment {
    pub fn pre_digest(&self) -> Digest {
        state_digest(self.pre_pc, self.pre_root)
    }

    pub fn post_digest(&self) -> Digest {
        state_digest(self.post_pc, self.post_root)
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&SEGMENT_FORMAT.to_le_bytes());
        postcard::to_extend(self, out).expect("segments serialize")
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Segment, SegmentFileError> {
        let rest = bytes
            .strip_prefix(MAGIC.as_slice())
            .ok_or(SegmentFileError::BadMagic)?;
        let (version, body) = rest.split_at_checked(4).ok_or(SegmentFileError::BadMagic)?;
        let version = u32::from_le_bytes(version.try_into().expect("4 bytes"));
        if version != SEGMENT_FORMAT {
            return Err(SegmentFileError::Version(version));
        }
        let (segment, trailing): (Segment, _) = postcard::take_from_bytes(body)
            .map_err(|e| SegmentFileError::Corrupt(e.to_string()))?;
        if !trailing.is_empty() {
            return Err(SegmentFileError::Corrupt(format!(
                "{} trailing bytes",
                trailing.len()
            )));
        }
        Ok(segment)
    }

    pub fn write_file(&self, path: &Path) -> Result<(), SegmentFileError> {
        crate::fsutil::write_atomic(path, &self.to_bytes()).map_err(|source| SegmentFileError::Io {
            path: path.display().to_string(),
            source,
        })
    }

    pub fn read_file(path: &Path) -> Result<Segment, SegmentFileError> {
        let bytes = std::fs::read(path).map_err(|source| SegmentFileError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Segment::from_bytes(&bytes)
    }
}
