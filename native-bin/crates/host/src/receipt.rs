//! A verified run of a guest: its journal (typed), exit code and proof.

use bento_circuit::receipt::Receipt as Proof;
use bento_stark::Setup;
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

/// A receipt: the journal and exit code, and the proof that binds them to an image ID.
pub struct Receipt {
    pub journal: Journal,
    pub exit_code: u32,
    proof: Proof,
}

impl Receipt {
    pub(crate) fn new(proof: Proof) -> Receipt {
        Receipt {
            journal: Journal {
                bytes: proof.journal.clone(),
            },
            exit_code: proof.exit_code,
            proof,
        }
    }

    /// A receipt file (`bento receipts export`, `bento-zkvm prove --out`).
    pub fn from_bytes(bytes: &[u8]) -> Result<Receipt, Error> {
        Proof::from_bytes(bytes)
            .map(Receipt::new)
            .map_err(|e| Error::InvalidReceipt(e.to_string()))
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        self.proof.to_bytes()
    }

    /// The image ID the receipt claims (check it with [`Receipt::verify`]).
    pub fn image_id(&self) -> Digest {
        self.proof.image_id
    }

    /// Checks that this receipt proves a run of the program with `image_id`
    /// that ended with its exit code and journal.
    pub fn verify(&self, image_id: Digest) -> Result<(), Error> {
        self.proof
            .verify(Setup::standard(), image_id)
            .map_err(|e| Error::InvalidReceipt(e.to_string()))?;
        if self.proof.journal != self.journal.bytes || self.proof.exit_code != self.exit_code {
            return Err(Error::InvalidReceipt(
                "the journal or exit code was changed after proving".into(),
            ));
        }
        Ok(())
    }
}
