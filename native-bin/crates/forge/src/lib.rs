//! Forging provers, for the fault-injection tests.
//!
//! A forger runs a guest with some of the executor's checks skipped
//! (`bento_vm::relax`), builds the trace of that run with the real trace
//! builder, and proves it with the prover forced (release builds prove
//! whatever they are given). What it hands the verifier is every receipt it
//! can make of that proof. Every one must be refused.
//!
//! This crate enables the `forge` features of `bento-vm` and
//! `bento-circuit`; it is not a default member of the workspace, so it is
//! built only by its own `cargo test -p bento-forge`, and no shipped binary
//! links a relaxed executor.

pub mod scenario;

use bento_circuit::receipt::{Receipt, SegmentReceipt};
use bento_circuit::segment::{self, ProvedSegment};
use bento_circuit::trace;
use bento_stark::Setup;
use bento_vm::exec::{execute, CapturedOutput, ExecError, ExecOptions};
use bento_vm::relax::{self, Check};
use bento_vm::segment::Segment;
use bento_vm::Program;

/// One segment of a forged run, proved.
pub struct Forged {
    pub segment: Segment,
    pub proved: ProvedSegment,
    /// The checks the run skipped (a replay of the segment skips them too).
    pub checks: Vec<Check>,
}

impl Forged {
    /// The receipts a forger can make of this run's segment: the proof of
    /// the trace as built (the pages outside the memory tree hashed too, with
    /// no path to climb), and, when there are such pages, a proof of the trace
    /// without them (their accesses then have no boundary).
    pub fn receipts(&self) -> Vec<(&'static str, SegmentReceipt)> {
        let plain = SegmentReceipt::new(&self.proved);
        if self.segment.outside.is_empty() {
            return vec![("the trace as built", plain)];
        }
        let trace = relax::skipping(&self.checks, || {
            trace::build_forged(&self.segment, |f| {
                let kept = f.in_tree;
                f.pages.truncate(kept);
                let words = kept * bento_vm::layout::PAGE_WORDS;
                f.boundary.truncate(words);
                f.final_ts.truncate(words);
                f.hashed.truncate(words);
            })
        })
        .expect("the forged trace builds");
        let without = segment::prove_trace(Setup::standard(), self.proved.claim.clone(), trace)
            .expect("the prover is forced");
        vec![
            ("the trace as built", plain),
            (
                "the trace without the pages outside the tree",
                SegmentReceipt::new(&without),
            ),
        ]
    }
}

/// A forged run: its segments, proved, and the receipt they make.
pub struct ForgedRun {
    pub segments: Vec<Forged>,
    pub receipt: Receipt,
}

/// Runs `program` skipping `checks` and proves every segment; `None` if the
/// relaxed run still faults (another check stopped it).
pub fn forge(
    checks: &[Check],
    program: &Program,
    input: &[u8],
    po2: u32,
) -> Result<ForgedRun, ExecError> {
    let setup = Setup::standard();
    relax::skipping(checks, || {
        let mut segments = Vec::new();
        let options = ExecOptions {
            po2,
            cycle_limit: None,
        };
        let execution = execute(
            program,
            input.to_vec(),
            options,
            &mut CapturedOutput::default(),
            |segment| {
                // Forced: the trace of a lie is built and proved, never refused here.
                let proved = segment::prove(setup, &segment).map_err(|e| e.to_string())?;
                segments.push(Forged {
                    segment,
                    proved,
                    checks: checks.to_vec(),
                });
                Ok(())
            },
        )?;
        let receipt = Receipt {
            image_id: execution.image_id,
            exit_code: execution.exit_code,
            journal: execution.journal,
            segments: segments
                .iter()
                .map(|f| SegmentReceipt::new(&f.proved))
                .collect(),
        };
        Ok(ForgedRun { segments, receipt })
    })
}
