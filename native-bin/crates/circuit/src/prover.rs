//! Proving a whole program in one process: execute, prove each segment as it
//! is cut, and assemble the receipt (the reference for the orchestrated path,
//! which runs the same steps as separate commands).

use bento_stark::Setup;
use bento_vm::exec::{execute, ExecOptions, GuestOutput};
use bento_vm::{ExecError, Execution, Program};

use crate::receipt::{Receipt, ReceiptError, SegmentReceipt, SegmentRun};
use crate::segment::{ProveError, SegmentClaim};
use crate::shapes::Shaping;

#[derive(Debug, thiserror::Error)]
pub enum ProgramProveError {
    #[error(transparent)]
    Execute(#[from] ExecError),
    #[error("the proof does not verify: {0}")]
    Receipt(#[from] ReceiptError),
}

/// Executes and proves `program` (its segments padded as `shaping` says);
/// `on_segment` hears of each segment proved.
pub fn prove_program(
    setup: &Setup,
    program: &Program,
    input: Vec<u8>,
    options: ExecOptions,
    shaping: Shaping,
    out: &mut dyn GuestOutput,
    mut on_segment: impl FnMut(&SegmentClaim, &SegmentReceipt),
) -> Result<(Execution, Receipt), ProgramProveError> {
    let mut segments = Vec::new();
    let execution = execute(program, input, options, out, |segment| {
        let receipt = SegmentReceipt::prove(setup, &segment, shaping)
            .map_err(|e: ProveError| e.to_string())?;
        on_segment(&receipt.claim, &receipt);
        segments.push(receipt);
        Ok(())
    })?;
    let run = SegmentRun { segments };
    let receipt = run.finalize(setup, execution.image_id, execution.journal.clone())?;
    Ok((execution, receipt))
}
