//! Proving a guest: on the local daemon when one runs, else in this process.

mod daemon;
mod local;

use bento_vm::{Digest, Program};

pub use daemon::DaemonProver;
pub use local::{execute, LocalProver, SessionInfo};

use crate::{Error, ExecutorEnv, Receipt};

/// What a prove call returns: the receipt (verified) and facts about the run.
pub struct ProveInfo {
    pub receipt: Receipt,
    pub stats: SessionInfo,
}

/// Proves a guest ELF on an input: `default_prover().prove(env, &elf)`.
pub trait Prover {
    /// Runs and proves the guest; the receipt returned has been verified
    /// against the ELF's image ID. A guest panic is [`Error::GuestPanicked`].
    fn prove(&self, env: ExecutorEnv, elf: &[u8]) -> Result<ProveInfo, Error>;
    /// Where the proof is made, for people ("local daemon on port N", "in process").
    fn name(&self) -> String;
}

/// The daemon of the data directory (`$BENTO_HOME` or `~/.local-bento`) when
/// one is running and answers, else the in-process prover.
pub fn default_prover() -> Box<dyn Prover> {
    match DaemonProver::discover() {
        Some(daemon) => Box::new(daemon),
        None => Box::new(LocalProver),
    }
}

/// The image ID of a guest ELF: the digest of its initial state.
pub fn image_id(elf: &[u8]) -> Result<Digest, Error> {
    Ok(bento_vm::image_id(&load(elf)?))
}

pub(crate) fn load(elf: &[u8]) -> Result<Program, Error> {
    Program::load(elf).map_err(|e| Error::Elf(e.to_string()))
}
