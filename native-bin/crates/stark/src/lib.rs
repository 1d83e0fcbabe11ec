//! Local Bento's proof-system layer, on Plonky3.
//!
//! Tables are Plonky3 AIRs that may send and receive tuples on named buses
//! (LogUp interactions, `p3-lookup`); a batch of tables is proved together with
//! `p3-batch-stark` under one named configuration ([`config`]). This crate adds
//! what the zkVM needs around that: the configuration and its security
//! ([`security`]), a versioned proof format whose verifier rejects foreign or
//! malformed bytes with an error ([`proof`]), prove/verify with bounds on each
//! table's height ([`batch`]), tables whose contents the verifier supplies
//! itself ([`public_table`]), and the split of proving time ([`phases`]).

pub mod batch;
pub mod config;
pub mod hash_bench;
pub mod phases;
pub mod proof;
pub mod public_table;
pub mod security;
pub mod synthetic;

pub use batch::{prove, verify, BatchAir, Instance, ProveError, VerifyError};
pub use config::{ProofConfig, Setup, ZkConfig, CONFIG_ID, EF, F, PARAMETERS};
pub use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
pub use p3_field::{Field, PrimeCharacteristicRing, PrimeField32};
pub use p3_lookup::{Count, InteractionBuilder, LookupBus, PermutationCheckBus};
pub use p3_matrix::dense::RowMajorMatrix;
pub use p3_matrix::Matrix;
pub use proof::{Proof, ProofFormatError};
