//! Receipts: what a prover hands out and anyone can check.
//!
//! - [`SegmentReceipt`]: one segment's claim and its STARK seal (paging and
//!   the journal's digest are proved inside it: a receipt carries no memory).
//! - [`SegmentRun`]: consecutive segment receipts (what `prove-segment` and
//!   `join` produce while a proof is assembled).
//! - [`Receipt`]: the whole execution: every segment in order, the journal,
//!   the exit code and the image ID.
//!
//! Verifying a receipt needs only the receipt and the expected image ID.

mod file;

pub use file::{decode, encode, FileError, RECEIPT_FORMAT};

use bento_stark::{Proof, ProofFormatError, Setup};
use bento_vm::hash::Digest;
use serde::{Deserialize, Serialize};

#[cfg(feature = "prove")]
use crate::segment::ProveError;
use crate::segment::{self, ProvedSegment, SegmentClaim, VerifyError};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentReceipt {
    pub claim: SegmentClaim,
    /// The STARK proof, in `bento_stark`'s format (with its own header).
    pub seal: Vec<u8>,
}

/// Consecutive segment receipts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentRun {
    pub segments: Vec<SegmentReceipt>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub image_id: Digest,
    pub exit_code: u32,
    pub journal: Vec<u8>,
    pub segments: Vec<SegmentReceipt>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReceiptError {
    #[error("segment {index}: the seal is unreadable: {source}")]
    Seal {
        index: u32,
        source: ProofFormatError,
    },
    #[error(transparent)]
    Proof(#[from] VerifyError),
    #[error("the receipt holds no segments")]
    Empty,
    #[error("segment at position {position} claims index {index}: segments are missing, repeated or out of order")]
    Order { position: usize, index: u32 },
    #[error("segment {index} does not start where segment {} ended", index - 1)]
    Discontinuity { index: u32 },
    #[error("segment {index} exits, but segments follow it")]
    ExitBeforeEnd { index: u32 },
    #[error("the last segment ({index}) does not exit")]
    NoExit { index: u32 },
    #[error("the receipt is for image {found}, not the expected {expected}")]
    ImageId { expected: Digest, found: Digest },
    #[error("the first segment does not start at image {0}")]
    Start(Digest),
    #[error("the receipt claims exit code {claimed}; the proof shows {proved}")]
    ExitCode { claimed: u32, proved: u32 },
    #[error("the receipt's journal ({claimed} bytes) is not the journal the segments proved ({proved} bytes)")]
    Journal { claimed: usize, proved: usize },
}

impl SegmentReceipt {
    /// Proves one segment, padded as `shaping` says.
    #[cfg(feature = "prove")]
    pub fn prove(
        setup: &Setup,
        segment: &bento_vm::segment::Segment,
        shaping: crate::shapes::Shaping,
    ) -> Result<SegmentReceipt, ProveError> {
        Ok(SegmentReceipt::new(&segment::prove_shaped(
            setup, segment, shaping,
        )?))
    }

    pub fn new(proved: &ProvedSegment) -> SegmentReceipt {
        SegmentReceipt {
            claim: proved.claim.clone(),
            seal: proved.proof.to_bytes(),
        }
    }

    /// The claim with its seal read back into a proof (the inverse of [`SegmentReceipt::new`]).
    pub fn proved(&self) -> Result<ProvedSegment, ReceiptError> {
        let proof = Proof::from_bytes(&self.seal).map_err(|source| ReceiptError::Seal {
            index: self.claim.index,
            source,
        })?;
        Ok(ProvedSegment {
            claim: self.claim.clone(),
            proof,
        })
    }

    /// Checks the claim, then the seal against it.
    pub fn verify(&self, setup: &Setup) -> Result<(), ReceiptError> {
        let index = self.claim.index;
        self.claim
            .check()
            .map_err(|source| VerifyError::Claim { index, source })?;
        let proved = self.proved()?;
        segment::verify(setup, &proved.claim, &proved.proof)?;
        Ok(())
    }
}

/// Checks that claims follow each other: consecutive indices from
/// `segments[0]`'s, each starting in the state the previous one ended in, and
/// only the last may exit.
fn check_chain(segments: &[SegmentReceipt]) -> Result<(), ReceiptError> {
    let first = segments.first().ok_or(ReceiptError::Empty)?.claim.index;
    for (position, pair) in segments.windows(2).enumerate() {
        let (a, b) = (&pair[0].claim, &pair[1].claim);
        if a.index.checked_add(1) != Some(b.index) || a.index != first + position as u32 {
            return Err(ReceiptError::Order {
                position: position + 1,
                index: b.index,
            });
        }
        if a.exit_code.is_some() {
            return Err(ReceiptError::ExitBeforeEnd { index: a.index });
        }
        if (a.post_pc, a.post_root, a.post_input_ended) != (b.pre_pc, b.pre_root, b.pre_input_ended)
        {
            return Err(ReceiptError::Discontinuity { index: b.index });
        }
    }
    Ok(())
}

impl SegmentRun {
    pub fn single(receipt: SegmentReceipt) -> SegmentRun {
        SegmentRun {
            segments: vec![receipt],
        }
    }

    /// Joins two runs where `right` continues `left`. Only continuity is
    /// checked here; `finalize` verifies every seal once.
    pub fn join(mut left: SegmentRun, right: SegmentRun) -> Result<SegmentRun, ReceiptError> {
        left.segments.extend(right.segments);
        check_chain(&left.segments)?;
        Ok(left)
    }

    /// The full receipt, if the run is the whole execution of `image_id` and it verifies.
    pub fn finalize(
        self,
        setup: &Setup,
        image_id: Digest,
        journal: Vec<u8>,
    ) -> Result<Receipt, ReceiptError> {
        let last = self.segments.last().ok_or(ReceiptError::Empty)?;
        let exit_code = last.claim.exit_code.ok_or(ReceiptError::NoExit {
            index: last.claim.index,
        })?;
        let receipt = Receipt {
            image_id,
            exit_code,
            journal,
            segments: self.segments,
        };
        receipt.verify(setup, image_id)?;
        Ok(receipt)
    }
}

impl Receipt {
    /// Verifies the receipt as a statement about `image_id`.
    pub fn verify(&self, setup: &Setup, image_id: Digest) -> Result<(), ReceiptError> {
        if self.image_id != image_id {
            return Err(ReceiptError::ImageId {
                expected: image_id,
                found: self.image_id,
            });
        }
        let first = self.segments.first().ok_or(ReceiptError::Empty)?;
        if first.claim.index != 0 {
            return Err(ReceiptError::Order {
                position: 0,
                index: first.claim.index,
            });
        }
        check_chain(&self.segments)?;
        // A run starts at the image, with its input unread.
        if first.claim.pre_digest() != image_id || first.claim.pre_input_ended {
            return Err(ReceiptError::Start(image_id));
        }
        let last = &self.segments[self.segments.len() - 1].claim;
        let proved = last
            .exit_code
            .ok_or(ReceiptError::NoExit { index: last.index })?;
        if proved != self.exit_code {
            return Err(ReceiptError::ExitCode {
                claimed: self.exit_code,
                proved,
            });
        }
        let journal: Vec<u8> = self
            .segments
            .iter()
            .flat_map(|s| s.claim.journal.iter().copied())
            .collect();
        if journal != self.journal {
            return Err(ReceiptError::Journal {
                claimed: self.journal.len(),
                proved: journal.len(),
            });
        }
        for segment in &self.segments {
            segment.verify(setup)?;
        }
        Ok(())
    }

    /// The summary of a receipt whose encoding (`to_bytes`) is `encoded_len` bytes long.
    pub fn summary(&self, encoded_len: usize) -> ReceiptSummary {
        let seal_bytes = self.segments.iter().map(|s| s.seal.len()).sum();
        ReceiptSummary {
            format: RECEIPT_FORMAT,
            kind: "composite".to_string(),
            config: bento_stark::CONFIG_ID.to_string(),
            image_id: self.image_id.to_hex(),
            exit_code: self.exit_code,
            journal_hex: hex_string(&self.journal),
            journal_text: std::str::from_utf8(&self.journal).ok().map(str::to_string),
            segments: self.segments.len(),
            cycles: self
                .segments
                .iter()
                .map(|s| u64::from(s.claim.cycles))
                .sum(),
            po2: self.segments[0].claim.po2,
            seal_bytes,
            bytes: encoded_len,
        }
    }
}

/// The facts of a receipt that tools and the UI show (the JSON beside a receipt file).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReceiptSummary {
    pub format: u16,
    /// "composite" (every segment's proof) or "succinct" (one recursion proof).
    pub kind: String,
    pub config: String,
    pub image_id: String,
    pub exit_code: u32,
    pub journal_hex: String,
    pub journal_text: Option<String>,
    pub segments: usize,
    pub cycles: u64,
    pub po2: u32,
    pub seal_bytes: usize,
    pub bytes: usize,
}

pub fn hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
