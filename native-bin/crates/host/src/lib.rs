//! The host side of Local Bento guests written with `bento-guest`.
//!
//! ```no_run
//! use bento_host::{default_prover, ExecutorEnv};
//! # fn main() -> Result<(), bento_host::Error> {
//! let elf = std::fs::read("target/riscv32im-unknown-none-elf/release/my-guest")?;
//! let env = ExecutorEnv::builder().write(&30u32)?.build();
//! let info = default_prover().prove(env, &elf)?;
//! let answer: u64 = info.receipt.journal.decode()?;
//! info.receipt.verify(bento_host::image_id(&elf)?)?;
//! # Ok(()) }
//! ```
//!
//! Input and journal use postcard 1.x, as the guest's `env::read` and
//! `env::commit` do: [`encode`] a value for the guest's input, decode the
//! journal with [`Journal::decode`].

mod codec;
mod env;
mod error;
mod output;
mod prover;
mod receipt;

pub use bento_vm::Digest;
pub use codec::{decode, encode};
pub use env::{ExecutorEnv, ExecutorEnvBuilder};
pub use error::Error;
pub use prover::{
    default_prover, execute, image_id, DaemonProver, LocalProver, ProveInfo, Prover, SessionInfo,
};
pub use receipt::{Journal, Receipt};

/// The exit code `bento-guest` gives a guest that panicked (Rust's own).
pub const PANIC_EXIT_CODE: u32 = 101;
