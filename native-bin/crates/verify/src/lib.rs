//! Local Bento's receipt verifier: checks a receipt of either kind, composite
//! (every segment's proof) or succinct (one recursion proof), against an
//! image ID. `bento-zkvm verify` and the WebAssembly verifier are built on it.
//!
//! It builds without the executor and without trace generation or segment
//! proving. It does compile recursion circuits: a succinct receipt names the
//! lift circuits of its segments' shapes by their keys, and a verifier trusts
//! a key only where it is a constant (a catalogued shape) or it compiled the
//! circuit itself ([`lift_digests`] and [`remember_lift_digests`] let a host
//! keep what it computed).

mod receipt;

use bento_recursion::succinct::circuits;
use bento_vm::{ElfError, Program};

pub use bento_vm::Digest;
pub use receipt::AnyReceipt;

/// The image ID of the guest program in an ELF file.
pub fn image_id(elf: &[u8]) -> Result<Digest, ElfError> {
    Program::load(elf).map(|program| bento_vm::image_id(&program))
}

/// The lift key digests this process has computed, by segment shape.
pub fn lift_digests() -> Vec<(Vec<usize>, Digest)> {
    circuits().lift_digests()
}

/// Takes back what [`lift_digests`] gave, from a process of this same build
/// and kept where only the host can write (see
/// `bento_recursion::succinct::Circuits::remember_lift_digests`).
pub fn remember_lift_digests(known: impl IntoIterator<Item = (Vec<usize>, Digest)>) {
    circuits().remember_lift_digests(known);
}
