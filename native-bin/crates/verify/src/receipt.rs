//! A receipt of either kind, read by its magic: what `bento-zkvm` and the
//! host SDK read, verify and write without caring which kind a job made.

use bento_circuit::receipt::{FileError, Receipt, ReceiptSummary};
use bento_stark::Setup;
use bento_vm::hash::Digest;

use bento_recursion::succinct::SuccinctReceipt;

pub enum AnyReceipt {
    Composite(Receipt),
    Succinct(Box<SuccinctReceipt>),
}

impl AnyReceipt {
    /// Reads either kind (by its magic).
    pub fn from_bytes(bytes: &[u8]) -> Result<AnyReceipt, String> {
        match Receipt::from_bytes(bytes) {
            Err(FileError::BadMagic(_)) => SuccinctReceipt::from_bytes(bytes)
                .map(|r| AnyReceipt::Succinct(Box::new(r)))
                .map_err(|e| match e {
                    FileError::BadMagic(_) => "not a receipt (bad magic)".to_string(),
                    e => e.to_string(),
                }),
            other => other.map(AnyReceipt::Composite).map_err(|e| e.to_string()),
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            AnyReceipt::Composite(r) => r.to_bytes(),
            AnyReceipt::Succinct(r) => r.to_bytes(),
        }
    }

    /// Checks the receipt's proof of a run of `image_id` with its journal and exit code.
    pub fn verify(&self, image_id: Digest) -> Result<(), String> {
        match self {
            AnyReceipt::Composite(r) => r
                .verify(Setup::standard(), image_id)
                .map_err(|e| e.to_string()),
            AnyReceipt::Succinct(r) => r.verify(image_id).map_err(|e| e.to_string()),
        }
    }

    pub fn summary(&self, encoded_len: usize) -> ReceiptSummary {
        match self {
            AnyReceipt::Composite(r) => r.summary(encoded_len),
            AnyReceipt::Succinct(r) => r.summary(encoded_len),
        }
    }

    /// "composite" or "succinct".
    pub fn kind(&self) -> &'static str {
        match self {
            AnyReceipt::Composite(_) => "composite",
            AnyReceipt::Succinct(_) => "succinct",
        }
    }

    pub fn image_id(&self) -> Digest {
        match self {
            AnyReceipt::Composite(r) => r.image_id,
            AnyReceipt::Succinct(r) => r.image_id,
        }
    }

    pub fn journal(&self) -> &[u8] {
        match self {
            AnyReceipt::Composite(r) => &r.journal,
            AnyReceipt::Succinct(r) => &r.journal,
        }
    }

    pub fn exit_code(&self) -> u32 {
        match self {
            AnyReceipt::Composite(r) => r.exit_code,
            AnyReceipt::Succinct(r) => r.exit_code,
        }
    }
}
