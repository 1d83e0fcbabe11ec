//! The Local Bento virtual machine: RV32IM guests, their memory, the executor
//! that cuts runs into segments, and the digests that name machine states.

pub mod asm;
pub mod decode;
pub mod elf;
pub mod exec;
pub mod fsutil;
pub mod hash;
pub mod layout;
pub mod memory;
pub mod merkle;
pub mod relax;
pub mod segment;
pub mod trace;

pub use elf::{ElfError, Program};
pub use exec::{
    execute, image_id, replay, CapturedOutput, ExecError, ExecOptions, Execution, Fault,
    GuestOutput,
};
pub use hash::Digest;
pub use segment::Segment;
