//! The proof format: a header (magic, format version, configuration name and
//! parameters) followed by the Plonky3 batch proof, all in postcard.

use p3_batch_stark::BatchProof;
use serde::{Deserialize, Serialize};

use crate::config::{Config, Parameters, ProofConfig, CONFIG_ID, PARAMETERS};

const MAGIC: &[u8; 8] = b"BENTOPRF";
/// 2: the parameters name a hiding configuration's random codewords.
pub const PROOF_FORMAT: u16 = 2;

pub struct Proof<SC: p3_uni_stark::StarkGenericConfig = Config> {
    pub parameters: Parameters,
    pub inner: BatchProof<SC>,
}

#[derive(Serialize, Deserialize)]
struct Header {
    format: u16,
    config: String,
    parameters: Parameters,
}

/// Why bytes did not decode, worded the same on every platform: postcard's
/// own errors depend on the width of `usize` (32 bits in WebAssembly), and a
/// verifier in a page must say what a native one says.
pub const UNDECODABLE: &str = "its bytes do not decode";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProofFormatError {
    #[error("not a Local Bento proof (bad magic)")]
    BadMagic,
    #[error("proof format {0} is not supported (this build reads format {PROOF_FORMAT})")]
    Version(u16),
    #[error(
        "the proof names configuration {0:?}; this build proves and verifies under {CONFIG_ID:?}"
    )]
    ForeignConfiguration(String),
    #[error("corrupt proof: {0}")]
    Corrupt(String),
}

impl<SC: ProofConfig> std::fmt::Debug for Proof<SC> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proof")
            .field("config", &self.config_name())
            .field("degree_bits", &self.inner.degree_bits)
            .finish_non_exhaustive()
    }
}

impl Proof {
    /// Reads a proof. Bytes from elsewhere (another format, another
    /// configuration, truncated or trailing data) are an error, never a panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<Proof, ProofFormatError> {
        Proof::from_bytes_under(bytes, &PARAMETERS)
    }
}

impl<SC: ProofConfig> Proof<SC> {
    pub fn new(parameters: Parameters, inner: BatchProof<SC>) -> Proof<SC> {
        Proof { parameters, inner }
    }

    /// The configuration's name: CONFIG_ID, or CONFIG_ID with the parameters when they differ.
    pub fn config_name(&self) -> String {
        config_name(&self.parameters)
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let header = Header {
            format: PROOF_FORMAT,
            config: self.config_name(),
            parameters: self.parameters,
        };
        let out = postcard::to_extend(&header, MAGIC.to_vec()).expect("headers serialize");
        SC::encode(&self.inner, out)
    }

    /// [`Proof::from_bytes`] for proofs made under `parameters` (another
    /// configuration of the same hash and field, as recursion proofs are).
    pub fn from_bytes_under(
        bytes: &[u8],
        parameters: &Parameters,
    ) -> Result<Proof<SC>, ProofFormatError> {
        let body = bytes
            .strip_prefix(MAGIC.as_slice())
            .ok_or(ProofFormatError::BadMagic)?;
        let (header, body): (Header, _) = postcard::take_from_bytes(body)
            .map_err(|_| ProofFormatError::Corrupt(format!("header: {UNDECODABLE}")))?;
        if header.format != PROOF_FORMAT {
            return Err(ProofFormatError::Version(header.format));
        }
        // Parameters first: a proof of an earlier configuration is foreign
        // (its name is that configuration's), not corrupt.
        if header.parameters != *parameters {
            return Err(ProofFormatError::ForeignConfiguration(header.config));
        }
        if header.config != config_name(&header.parameters) {
            return Err(ProofFormatError::Corrupt(
                "the configuration name does not match its parameters".into(),
            ));
        }
        let (inner, rest) =
            SC::decode(body).map_err(|_| ProofFormatError::Corrupt(UNDECODABLE.into()))?;
        if !rest.is_empty() {
            return Err(ProofFormatError::Corrupt(format!(
                "{} trailing bytes",
                rest.len()
            )));
        }
        Ok(Proof {
            parameters: header.parameters,
            inner,
        })
    }
}

pub(crate) fn config_name(parameters: &Parameters) -> String {
    if *parameters == PARAMETERS {
        CONFIG_ID.to_string()
    } else {
        format!("{CONFIG_ID}+{parameters:?}")
    }
}
