//! Paging data: the contents of every page a segment touches, before and
//! after, with the Merkle siblings that tie them to the claim's roots.
//!
//! The verifier checks the pages outside the circuit: the initial pages with
//! the siblings must give the pre root, and the final pages with the same
//! siblings (the untouched rest of memory does not change) the post root.
//! Only then do the pages become the boundary table the proof is checked
//! against. This reveals the touched pages (see SECURITY.md).

use bento_vm::hash::{hash_page, Digest};
use bento_vm::layout::{is_valid_page, PAGE_WORDS, REGISTER_PAGE};
use bento_vm::merkle::{MerkleError, MultiProof};
use bento_vm::segment::{page_capacity, page_words, Segment};
use serde::{Deserialize, Serialize};

use crate::memory::{boundary_words, page_bus_base, BoundaryWord};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageData {
    pub index: u32,
    #[serde(with = "page_words")]
    pub init: Box<[u32; PAGE_WORDS]>,
    /// The page after the segment, when it changed.
    #[serde(with = "changed_words")]
    pub fin: Option<Box<[u32; PAGE_WORDS]>>,
}

impl PageData {
    pub fn fin(&self) -> &[u32; PAGE_WORDS] {
        self.fin.as_deref().unwrap_or(&self.init)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paging {
    pub pages: Vec<PageData>,
    pub siblings: MultiProof,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PagingError {
    #[error("paging data: {0}")]
    Merkle(#[from] MerkleError),
    #[error("the initial pages do not match the claimed pre-state memory root")]
    PreRoot,
    #[error("the final pages do not match the claimed post-state memory root")]
    PostRoot,
    #[error("a page marked as changed holds the same words as before")]
    NotChanged,
    #[error("page {page} is outside guest memory (page 0 is unmapped; guest pages are 1..{REGISTER_PAGE}, and {REGISTER_PAGE} holds the registers)")]
    InvalidPage { page: u32 },
    #[error(
        "the paging data holds {pages} pages; a segment of 2^{po2} cycles may touch at most {max}"
    )]
    TooManyPages { pages: usize, po2: u32, max: u32 },
    #[error("the paging data has no register page")]
    NoRegisterPage,
    #[error("page {page} is listed twice or out of order (pages are listed once, ascending)")]
    PageOrder { page: u32 },
}

impl Paging {
    /// The paging data of a segment from the boundary the prover computed
    /// (its words, page by page, in the segment's page order).
    pub fn new(segment: &Segment, boundary: &[BoundaryWord]) -> Paging {
        let pages = segment
            .pages
            .iter()
            .zip(boundary.chunks_exact(PAGE_WORDS))
            .map(|(page, words)| {
                let init: Box<[u32; PAGE_WORDS]> = Box::new(std::array::from_fn(|j| words[j].init));
                let fin: Box<[u32; PAGE_WORDS]> = Box::new(std::array::from_fn(|j| words[j].fin));
                let changed = fin != init;
                PageData {
                    index: page.index,
                    init,
                    fin: changed.then_some(fin),
                }
            })
            .collect();
        Paging {
            pages,
            siblings: segment.page_proof.clone(),
        }
    }

    /// Checks the pages against both roots and returns the boundary they
    /// define. Only guest pages and the register page may appear, at most as
    /// many as a segment of 2^po2 cycles may touch: a page outside guest memory
    /// would give accesses the executor refuses a boundary row to balance them.
    pub fn authenticate(
        &self,
        po2: u32,
        pre_root: Digest,
        post_root: Digest,
    ) -> Result<Vec<BoundaryWord>, PagingError> {
        let max = page_capacity(po2);
        if self.pages.len() > max as usize {
            return Err(PagingError::TooManyPages {
                pages: self.pages.len(),
                po2,
                max,
            });
        }
        if let Some(p) = self.pages.iter().find(|p| !is_valid_page(p.index)) {
            return Err(PagingError::InvalidPage { page: p.index });
        }
        if let Some(pair) = self.pages.windows(2).find(|w| w[0].index >= w[1].index) {
            return Err(PagingError::PageOrder {
                page: pair[1].index,
            });
        }
        if !self.pages.iter().any(|p| p.index == REGISTER_PAGE) {
            return Err(PagingError::NoRegisterPage);
        }
        if self
            .pages
            .iter()
            .any(|p| p.fin.as_ref().is_some_and(|f| *f == p.init))
        {
            return Err(PagingError::NotChanged);
        }
        let init: Vec<(u32, Digest)> = self
            .pages
            .iter()
            .map(|p| (p.index, hash_page(&p.init)))
            .collect();
        if self.siblings.root(&init)? != pre_root {
            return Err(PagingError::PreRoot);
        }
        let fin: Vec<(u32, Digest)> = self
            .pages
            .iter()
            .map(|p| (p.index, hash_page(p.fin())))
            .collect();
        if self.siblings.root(&fin)? != post_root {
            return Err(PagingError::PostRoot);
        }
        Ok(boundary_words(self.pages.iter().map(|p| {
            (page_bus_base(p.index), &p.init[..], &p.fin()[..])
        })))
    }
}

/// An optional page, serialized like `page_words`.
mod changed_words {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use bento_vm::layout::PAGE_WORDS;
    use bento_vm::segment::page_words;

    #[derive(Serialize, Deserialize)]
    struct Words(#[serde(with = "page_words")] Box<[u32; PAGE_WORDS]>);

    pub fn serialize<S: Serializer>(
        words: &Option<Box<[u32; PAGE_WORDS]>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        words.as_ref().map(|w| Words(w.clone())).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Box<[u32; PAGE_WORDS]>>, D::Error> {
        Ok(Option::<Words>::deserialize(d)?.map(|w| w.0))
    }
}
