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

use bento_circuit::receipt::{PageData, Paging, Receipt, SegmentReceipt};
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
    /// The receipts a forger can make of this proof: the paging data as the
    /// trace has it (pages outside the memory tree included: no Merkle proof
    /// can hold them, so their siblings are left as they are), and without the
    /// pages outside the tree.
    pub fn receipts(&self) -> Vec<(&'static str, SegmentReceipt)> {
        let plain = SegmentReceipt::new(&self.segment, &self.proved);
        let mut all = plain.clone();
        let outside = &self.segment.outside;
        if outside.is_empty() {
            return vec![("paging of the trace", plain)];
        }
        let words = self.proved.boundary.len() - outside.len() * bento_vm::layout::PAGE_WORDS;
        for (page, fin) in outside
            .iter()
            .zip(self.proved.boundary[words..].chunks_exact(bento_vm::layout::PAGE_WORDS))
        {
            let fin: Box<[u32; bento_vm::layout::PAGE_WORDS]> =
                Box::new(std::array::from_fn(|j| fin[j].fin));
            let changed = *fin != *page.words;
            all.paging.pages.push(PageData {
                index: page.index,
                init: page.words.clone(),
                fin: changed.then_some(fin),
            });
        }
        all.paging.pages.sort_by_key(|p| p.index);
        // A forger who leaves the pages outside the tree out of the boundary as well proves again.
        let kept = words;
        let trace = relax::skipping(&self.checks, || {
            trace::build_forged(&self.segment, |f| {
                f.boundary.truncate(kept);
                f.final_ts.truncate(kept);
            })
        })
        .expect("the forged trace builds");
        let without = segment::prove_trace(Setup::standard(), self.proved.claim.clone(), trace)
            .expect("the prover is forced");
        let without = SegmentReceipt {
            claim: without.claim,
            seal: without.proof.to_bytes(),
            paging: plain.paging.clone(),
        };
        vec![
            ("paging with the pages outside the tree", all),
            ("paging without the pages outside the tree", plain),
            (
                "paging and boundary without the pages outside the tree",
                without,
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
                .map(|f| SegmentReceipt::new(&f.segment, &f.proved))
                .collect(),
        };
        Ok(ForgedRun { segments, receipt })
    })
}

/// Verifies a forged segment against the boundary its own trace has, with no
/// paging data to authenticate it: what a verifier without the paging checks
/// would accept. It tells which layer refuses a forgery (the circuit, or the
/// checks on the claim and the paging data).
pub fn verify_trusting_the_boundary(f: &Forged) -> Result<(), segment::VerifyError> {
    segment::verify(
        Setup::standard(),
        &f.proved.claim,
        &f.proved.boundary,
        &f.proved.proof,
    )
}

/// The paging data's pages, for messages.
pub fn page_indices(paging: &Paging) -> Vec<u32> {
    paging.pages.iter().map(|p| p.index).collect()
}
