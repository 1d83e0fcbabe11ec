//! Every condition under which the executor refuses must be unprovable.
//!
//! For each check the executor makes (`bento_vm::relax::Check`: every fault
//! kind, and the segment limits), a random guest meets it; the honest
//! executor refuses, a forger that skips the check runs it to `exit(1)`,
//! builds and proves the trace with the prover forced, and every receipt it
//! can make of that proof is refused. The test also says which layer refuses:
//! the circuit itself, or the checks the verifier makes on the claim and the
//! paging data (for which the proof alone, trusted with the prover's own
//! memory boundary, would pass — that is why those checks exist).
//!
//! `BENTO_FAULT_CASES` (default 2) sets the random forgeries per check.

use bento_circuit::receipt::{PagingError, ReceiptError, SegmentReceipt};
use bento_circuit::segment::{ClaimError, VerifyError};
use bento_forge::scenario::{scenario, Scenario};
use bento_forge::{forge, page_indices, verify_trusting_the_boundary, Forged};
use bento_stark::Setup;
use bento_vm::exec::{execute, CapturedOutput, ExecError, ExecOptions};
use bento_vm::layout::{is_valid_page, GUEST_END, REGISTER_PAGE};
use bento_vm::relax::Check;
use bento_vm::segment::{page_capacity, segment_capacity};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

const PO2: u32 = 14;

fn cases() -> u64 {
    std::env::var("BENTO_FAULT_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2)
}

/// Where a forgery of a check is caught.
#[derive(Debug, PartialEq, Eq)]
enum Layer {
    /// The circuit's constraints and buses.
    Circuit,
    /// The verifier's checks of the claim's fields.
    Claim,
    /// The verifier's checks of the paging data (which pages may exist).
    Paging,
}

fn layer(check: Check, s: &Scenario) -> Layer {
    match check {
        // The program table holds pcs below 2^26 words: the circuit refuses fetches past guest memory itself.
        Check::FetchBounds if s.outside.is_some_and(|a| a >= GUEST_END) => Layer::Circuit,
        Check::FetchBounds
        | Check::LoadBounds
        | Check::StoreBounds
        | Check::Buffer
        | Check::Pages => Layer::Paging,
        Check::Cycles => Layer::Claim,
        Check::JumpAlignment
        | Check::LoadAlignment
        | Check::StoreAlignment
        | Check::IllegalInstruction
        | Check::Ebreak
        | Check::Syscall
        | Check::FileDescriptor => Layer::Circuit,
    }
}

/// The honest executor refuses the scenario (or, for the segment limits, keeps within them).
fn honest_refusal(check: Check, s: &Scenario) {
    let mut segments = Vec::new();
    let options = ExecOptions {
        po2: PO2,
        cycle_limit: None,
    };
    let result = execute(
        &s.program,
        s.input.clone(),
        options,
        &mut CapturedOutput::default(),
        |segment| {
            segments.push(segment);
            Ok(())
        },
    );
    match check {
        Check::Cycles | Check::Pages => {
            result.unwrap_or_else(|e| panic!("{}: the honest run fails: {e}", s.what));
            assert!(
                segments.len() >= 2,
                "{}: the honest run needs more than one segment",
                s.what
            );
            for seg in &segments {
                assert!(
                    seg.cycles <= segment_capacity(seg.po2),
                    "{}: honest segment {} is too long",
                    s.what,
                    seg.index
                );
                assert!(
                    seg.pages.len() as u32 <= page_capacity(seg.po2),
                    "{}: honest segment {} touches too many pages",
                    s.what,
                    seg.index
                );
            }
        }
        _ => match result {
            Err(ExecError::Fault(fault)) => assert_eq!(
                Check::of(&fault),
                check,
                "{}: refused for another reason: {fault}",
                s.what
            ),
            other => panic!("{}: the honest executor does not refuse: {other:?}", s.what),
        },
    }
}

/// The lie is caught where `layer` says, in every receipt made of the proof.
fn refused(check: Check, s: &Scenario, lie: &Forged) {
    let setup = Setup::standard();
    let receipts = lie.receipts();
    let verdicts: Vec<_> = receipts
        .iter()
        .map(|(_, receipt)| receipt.verify(setup))
        .collect();
    for ((how, _), verdict) in receipts.iter().zip(&verdicts) {
        assert!(
            verdict.is_err(),
            "{check:?}, {}, {how}: a forged segment verifies",
            s.what
        );
    }
    let trusting = verify_trusting_the_boundary(lie);
    match layer(check, s) {
        Layer::Circuit => {
            assert!(
                matches!(trusting, Err(VerifyError::Stark { .. })),
                "{check:?}, {}: the circuit accepts the trace: {trusting:?}",
                s.what
            );
        }
        Layer::Claim => {
            let verdict = &verdicts[0];
            assert!(
                matches!(
                    verdict,
                    Err(ReceiptError::Proof(VerifyError::Claim {
                        source: ClaimError::Cycles { .. },
                        ..
                    }))
                ),
                "{check:?}, {}: refused for another reason: {verdict:?}",
                s.what
            );
        }
        Layer::Paging => {
            // The proof itself is sound work on a boundary no verifier may accept…
            trusting.unwrap_or_else(|e| {
                panic!(
                    "{check:?}, {}: expected the proof to pass on its own boundary: {e}",
                    s.what
                )
            });
            // …and the paging checks name why.
            let named = verdicts.iter().any(|verdict| match *verdict {
                Err(ReceiptError::Paging {
                    source: PagingError::InvalidPage { page },
                    ..
                }) => !is_valid_page(page),
                Err(ReceiptError::Paging {
                    source: PagingError::TooManyPages { .. },
                    ..
                }) => check == Check::Pages,
                // Memory at the register page's addresses: that page index names the registers.
                Err(ReceiptError::Paging {
                    source: PagingError::PageOrder { page },
                    ..
                }) => page == REGISTER_PAGE,
                _ => false,
            });
            assert!(
                named,
                "{check:?}, {}: no receipt was refused for its pages ({:?})",
                s.what,
                page_indices(&receipts[0].1.paging)
            );
        }
    }
}

fn class(check: Check) {
    let setup = Setup::standard();
    let mut reached = 0;
    for seed in 0..cases() {
        let mut rng = ChaCha8Rng::seed_from_u64(seed * 1000 + check as u64);
        let s = scenario(check, &mut rng);
        honest_refusal(check, &s);
        let run = forge(&[check], &s.program, &s.input, PO2)
            .unwrap_or_else(|e| panic!("{check:?}, {}: the relaxed run fails: {e}", s.what));
        assert_eq!(
            run.receipt.exit_code, 1,
            "{}: the relaxed run reaches exit(1)",
            s.what
        );
        assert!(
            run.receipt.verify(setup, run.receipt.image_id).is_err(),
            "{check:?}, {}: the forged receipt verifies",
            s.what
        );
        // The segments that lie: those whose plain receipt is refused. There must be one.
        let lies: Vec<&Forged> = run
            .segments
            .iter()
            .filter(|f| {
                SegmentReceipt::new(&f.segment, &f.proved)
                    .verify(setup)
                    .is_err()
            })
            .collect();
        assert!(
            !lies.is_empty(),
            "{check:?}, {}: no segment is refused",
            s.what
        );
        for lie in lies {
            refused(check, &s, lie);
        }
        reached += 1;
        println!("{check:?} #{seed}: {}: refused", s.what);
    }
    // Only forgeries that were proved and reached the verifier count.
    assert_eq!(reached, cases());
    println!("{check:?}: {reached} forgeries proved and refused");
}

macro_rules! classes {
    ($($name:ident => $check:expr),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                class($check);
            }
        )*

        /// Every check has its test above.
        #[test]
        fn every_check_is_tested() {
            let tested = [$($check),*];
            for check in Check::ALL {
                assert!(tested.contains(&check), "{check:?} has no fault class");
            }
        }
    };
}

classes! {
    fetch_outside_guest_memory => Check::FetchBounds,
    misaligned_jump => Check::JumpAlignment,
    load_outside_guest_memory => Check::LoadBounds,
    store_outside_guest_memory => Check::StoreBounds,
    misaligned_load => Check::LoadAlignment,
    misaligned_store => Check::StoreAlignment,
    illegal_instruction => Check::IllegalInstruction,
    ebreak => Check::Ebreak,
    unsupported_syscall => Check::Syscall,
    bad_file_descriptor => Check::FileDescriptor,
    syscall_buffer_outside_guest_memory => Check::Buffer,
    segment_over_its_cycles => Check::Cycles,
    segment_over_its_pages => Check::Pages,
}
