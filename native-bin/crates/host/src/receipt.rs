//! A verified run of a guest: its journal (typed), exit code and proof.

use bento_circuit::receipt::Receipt as CompositeReceipt;
use bento_verify::AnyReceipt;
use bento_vm::Digest;
use serde::de::DeserializeOwned;

use crate::{codec, Error};

/// The public output the guest committed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Journal {
    pub bytes: Vec<u8>,
}

impl Journal {
    /// The journal as one `T` (postcard): what the guest `env::commit`ted,
    /// several commits as a tuple.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, Error> {
        codec::decode(&self.bytes)
    }
}

/// A receipt: the journal and exit code, and the proof that binds them to an
/// image ID. Either kind: a daemon makes succinct receipts unless its settings
/// say otherwise; the in-process prover makes composite ones.
pub struct Receipt {
    pub journal: Journal,
    pub exit_code: u32,
    proof: AnyReceipt,
}

impl Receipt {
    pub(crate) fn composite(proof: CompositeReceipt) -> Receipt {
        Receipt::new(AnyReceipt::Composite(proof))
    }

    fn new(proof: AnyReceipt) -> Receipt {
        Receipt {
            journal: Journal {
                bytes: proof.journal().to_vec(),
            },
            exit_code: proof.exit_code(),
            proof,
        }
    }

    /// A receipt file of either kind (`bento receipts export`, `bento-zkvm prove --out`).
    pub fn from_bytes(bytes: &[u8]) -> Result<Receipt, Error> {
        AnyReceipt::from_bytes(bytes)
            .map(Receipt::new)
            .map_err(Error::InvalidReceipt)
    }

    /// "composite" (every segment's proof) or "succinct" (one recursion proof).
    pub fn kind(&self) -> &'static str {
        self.proof.kind()
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        self.proof.to_bytes()
    }

    /// The image ID the receipt claims (check it with [`Receipt::verify`]).
    pub fn image_id(&self) -> Digest {
        self.proof.image_id()
    }

    /// Checks that this receipt proves a run of the program with `image_id`
    /// that ended with its exit code and journal.
    pub fn verify(&self, image_id: Digest) -> Result<(), Error> {
        self.proof.verify(image_id).map_err(Error::InvalidReceipt)?;
        if self.proof.journal() != self.journal.bytes || self.proof.exit_code() != self.exit_code {
            return Err(Error::InvalidReceipt(
                "the journal or exit code was changed after proving".into(),
            ));
        }
        Ok(())
    }
}
