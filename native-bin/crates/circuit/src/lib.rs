//! The RV32IM circuit of Local Bento.
//!
//! A segment (see `bento_vm::segment`) is proved as one batch of tables on the
//! proof-system layer (`bento_stark`), joined by LogUp buses (`buses`):
//!
//! - `cpu`: one row per cycle: fetch, decode lookup, register and memory
//!   accesses, adders, control flow, syscalls and the bytes they move;
//! - `program`: each distinct instruction executed, decoded from its bits;
//! - `memory`: the boundary of offline memory checking (every word of every
//!   touched page, before and after);
//! - `paging`: Poseidon2 (`poseidon2`), one permutation every four rows
//!   (`perm_rows`): the touched pages hashed and climbed to the claimed
//!   memory roots, and the journal hashed to its claimed digest;
//! - `range`: all 16-bit values, and all byte pairs with their AND;
//! - `chips`: comparisons, bitwise operations, shifts, multiplication, division.
//!
//! `trace` builds the tables from a segment by replaying it with the executor
//! (one implementation of RV32IM for both); `segment` proves and verifies.
//! Building and proving tables (`trace`, `prover`, `debug`) is the default
//! feature `prove`; a verifier builds without it, and without the executor.

pub mod air;
pub mod buses;
pub mod chips;
pub mod columns;
pub mod cpu;
#[cfg(feature = "prove")]
pub mod debug;
pub mod memory;
pub mod paging;
pub mod perm_rows;
pub mod poseidon2;
pub mod program;
#[cfg(feature = "prove")]
pub mod prover;
pub mod range;
pub mod receipt;
pub mod segment;
pub mod shapes;
#[cfg(feature = "prove")]
pub mod trace;
