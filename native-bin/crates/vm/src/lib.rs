//! The Local Bento virtual machine: RV32IM guests, their memory, the executor
//! that cuts runs into segments, and the digests that name machine states.
//!
//! The executor ([`exec`], with [`relax`] and [`trace`]) is the default
//! feature `executor`; a verifier builds without it.

pub mod abi;
pub mod asm;
pub mod decode;
pub mod elf;
#[cfg(feature = "executor")]
pub mod exec;
pub mod fsutil;
pub mod hash;
pub mod image;
pub mod layout;
pub mod memory;
pub mod merkle;
#[cfg(feature = "executor")]
pub mod relax;
pub mod segment;
#[cfg(feature = "executor")]
pub mod trace;

pub use elf::{ElfError, Program};
#[cfg(feature = "executor")]
pub use exec::{
    execute, replay, CapturedOutput, ExecError, ExecOptions, Execution, Fault, GuestOutput,
};
pub use hash::Digest;
pub use image::image_id;
pub use segment::Segment;
