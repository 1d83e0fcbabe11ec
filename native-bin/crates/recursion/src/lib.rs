//! Local Bento's recursion circuit.
//!
//! Recursion proves that a STARK verifier accepted: the verifier is written
//! as a straight-line program ([`ir`]) over BabyBear and its quartic
//! extension, with Poseidon2 as a primitive; a program compiles to a batch of
//! tables ([`tables`], [`circuit`]) proved with the same proof system as the
//! segments. The program fixes the tables' preprocessed columns, so its
//! verifying key names exactly which computation a recursion proof attests.
//!
//! [`challenger`] is the Fiat–Shamir duplex sponge as a program, operation for
//! operation the one Plonky3's verifier runs natively.

pub mod air;
pub mod challenger;
pub mod circuit;
pub mod claim;
pub mod config;
pub mod control;
pub mod ir;
pub mod join;
pub mod keys;
pub mod lift;
pub mod lift_keys;
pub mod run;
pub mod shrink;
pub mod succinct;
pub mod symbolic;
pub mod tables;
pub mod times;
pub mod verifier;

pub use circuit::{Circuit, CircuitError, VerifyingKey};
pub use ir::{Builder, Ext, Felt, Program, Run};
