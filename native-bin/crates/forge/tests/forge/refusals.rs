//! Every condition under which the executor refuses must be unprovable.
//!
//! For each check the executor makes (`bento_vm::relax::Check`: every fault
//! kind, and the segment limits), a random guest meets it; the honest
//! executor refuses, a forger that skips the check runs it to `exit(1)`,
//! builds and proves the trace with the prover forced, and every receipt it
//! can make of that proof is refused. The test also says which layer refuses:
//! the proof itself (its constraints, buses and table heights: paging is
//! inside it), or the verifier's checks of the claim.
//!
//! `BENTO_FAULT_CASES` (default 2) sets the random forgeries per check;
//! `BENTO_FAULT_FIRST` (default 0) the first case's seed, so that long runs in
//! several sittings add up instead of repeating the first cases.

use crate::guests;

use bento_circuit::receipt::{ReceiptError, SegmentReceipt};
use bento_circuit::segment::{ClaimError, VerifyError};
use bento_forge::scenario::{scenario, Scenario};
use bento_forge::{forge, Forged};
use bento_stark::Setup;
use bento_vm::exec::{execute, CapturedOutput, ExecError, ExecOptions};
use bento_vm::relax::Check;
use bento_vm::segment::{page_capacity, segment_capacity};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

const PO2: u32 = 14;

/// Where a forgery of a check is caught.
#[derive(Debug, PartialEq, Eq)]
enum Layer {
    /// The proof: the circuit's constraints and buses (paging included), and the bounds on table heights.
    Proof,
    /// The verifier's checks of the claim's fields.
    Claim,
}

fn layer(check: Check) -> Layer {
    match check {
        Check::Cycles => Layer::Claim,
        Check::FetchBounds
        | Check::LoadBounds
        | Check::StoreBounds
        | Check::Buffer
        | Check::Pages
        | Check::JumpAlignment
        | Check::LoadAlignment
        | Check::StoreAlignment
        | Check::IllegalInstruction
        | Check::Ebreak
        | Check::Syscall
        | Check::FileDescriptor => Layer::Proof,
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
    for (how, receipt) in lie.receipts() {
        let verdict = receipt.verify(setup);
        let caught = match layer(check) {
            Layer::Proof => matches!(verdict, Err(ReceiptError::Proof(VerifyError::Stark { .. }))),
            Layer::Claim => matches!(
                verdict,
                Err(ReceiptError::Proof(VerifyError::Claim {
                    source: ClaimError::Cycles { .. },
                    ..
                }))
            ),
        };
        assert!(
            caught,
            "{check:?}, {}, {how}: expected a refusal by the {:?} layer, got {verdict:?}",
            s.what,
            layer(check)
        );
    }
}

fn class(check: Check) {
    let setup = Setup::standard();
    let mut reached = 0;
    for seed in guests::seeds() {
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
            .filter(|f| SegmentReceipt::new(&f.proved).verify(setup).is_err())
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
    assert_eq!(reached, guests::seeds().count());
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
