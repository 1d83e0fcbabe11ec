//! The prover in this process (what `bento-zkvm prove` runs).

use bento_circuit::prover::prove_program;
use bento_circuit::shapes::Shaping;
use bento_stark::Setup;
use bento_vm::{ExecOptions, GuestOutput};

use super::{load, ProveInfo, Prover};
use crate::output::Forward;
use crate::{Error, ExecutorEnv, Journal, Receipt};

/// Facts about a guest's run.
#[derive(Clone, Debug)]
pub struct SessionInfo {
    pub cycles: u64,
    pub segments: u32,
    pub exit_code: u32,
    pub journal: Journal,
}

pub struct LocalProver;

/// The proving run's guest output: the same as the execution's, already shown.
struct Quiet;

impl GuestOutput for Quiet {
    fn write(&mut self, _fd: u32, _bytes: &[u8]) {}
}

fn options(env: &ExecutorEnv) -> ExecOptions {
    ExecOptions {
        po2: env.po2,
        cycle_limit: env.cycle_limit,
    }
}

/// Runs the guest without proving (its stdout and stderr go to this process's).
pub fn execute(env: ExecutorEnv, elf: &[u8]) -> Result<SessionInfo, Error> {
    let program = load(elf)?;
    let mut out = Forward::default();
    let options = options(&env);
    let run = bento_vm::execute(&program, env.input, options, &mut out, |_| Ok(()))
        .map_err(|e| Error::Execution(e.to_string()))?;
    if let Some(panic) = out.panic(run.exit_code) {
        return Err(panic);
    }
    Ok(SessionInfo {
        cycles: run.total_cycles,
        segments: run.segments,
        exit_code: run.exit_code,
        journal: Journal { bytes: run.journal },
    })
}

impl Prover for LocalProver {
    fn prove(&self, env: ExecutorEnv, elf: &[u8]) -> Result<ProveInfo, Error> {
        // Executing first is cheap next to proving, and a panic is an error, not a proof.
        execute(env.clone(), elf)?;
        let program = load(elf)?;
        let options = options(&env);
        let (run, proof) = prove_program(
            Setup::standard(),
            &program,
            env.input,
            options,
            // A composite receipt's verifier gains nothing from catalogued shapes.
            Shaping::Own,
            &mut Quiet,
            |_, _| {},
        )
        .map_err(|e| Error::Prove(e.to_string()))?;
        let receipt = Receipt::composite(proof);
        receipt.verify(run.image_id)?;
        let stats = SessionInfo {
            cycles: run.total_cycles,
            segments: run.segments,
            exit_code: run.exit_code,
            journal: receipt.journal.clone(),
        };
        Ok(ProveInfo { receipt, stats })
    }

    fn name(&self) -> String {
        "in process".into()
    }
}
