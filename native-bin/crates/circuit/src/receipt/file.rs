//! The receipt file formats: an 8-byte magic naming the kind, a format
//! version, then the receipt in postcard.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{Receipt, SegmentRun};

/// 2: paging data limited to guest pages, claims checked field by field, the
/// boundary bound into the transcript (format 1 receipts could be forged).
/// 3: paging proved inside the seal. 4: seals name their configuration's
/// random codewords, and a succinct receipt's proof is zero-knowledge.
/// 5: the paging table takes four rows a permutation (a format-4 seal does
/// not satisfy its constraints).
pub const RECEIPT_FORMAT: u16 = 5;

const RECEIPT_MAGIC: &[u8; 8] = b"BENTORCT";
const RUN_MAGIC: &[u8; 8] = b"BENTOSRN";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FileError {
    #[error("not a {0} (bad magic)")]
    BadMagic(&'static str),
    #[error("{kind} format {found} is not supported (this build reads format {RECEIPT_FORMAT})")]
    Version { kind: &'static str, found: u16 },
    #[error("corrupt {kind}: {reason}")]
    Corrupt { kind: &'static str, reason: String },
}

/// A receipt file: `magic`, the format version, `value` (other receipt kinds use it too).
pub fn encode<T: Serialize>(magic: &[u8; 8], value: &T) -> Vec<u8> {
    let out = postcard::to_extend(&RECEIPT_FORMAT, magic.to_vec()).expect("versions serialize");
    postcard::to_extend(value, out).expect("receipts serialize")
}

/// Reads a file [`encode`] wrote: bad magic, another format or trailing bytes are errors.
pub fn decode<T: DeserializeOwned>(
    magic: &[u8; 8],
    kind: &'static str,
    bytes: &[u8],
) -> Result<T, FileError> {
    let rest = bytes
        .strip_prefix(&magic[..])
        .ok_or(FileError::BadMagic(kind))?;
    let corrupt = |_: postcard::Error| FileError::Corrupt {
        kind,
        reason: bento_stark::proof::UNDECODABLE.into(),
    };
    let (found, rest) = postcard::take_from_bytes::<u16>(rest).map_err(corrupt)?;
    if found != RECEIPT_FORMAT {
        return Err(FileError::Version { kind, found });
    }
    let (value, rest) = postcard::take_from_bytes::<T>(rest).map_err(corrupt)?;
    if !rest.is_empty() {
        return Err(FileError::Corrupt {
            kind,
            reason: format!("{} bytes of trailing data", rest.len()),
        });
    }
    Ok(value)
}

impl Receipt {
    pub fn to_bytes(&self) -> Vec<u8> {
        encode(RECEIPT_MAGIC, self)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Receipt, FileError> {
        decode(RECEIPT_MAGIC, "receipt", bytes)
    }
}

impl SegmentRun {
    pub fn to_bytes(&self) -> Vec<u8> {
        encode(RUN_MAGIC, self)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<SegmentRun, FileError> {
        decode(RUN_MAGIC, "segment receipt", bytes)
    }
}
