//! Helpers shared by the circuit's tests.

#![allow(dead_code)]

use bento_circuit::air::airs;
use bento_circuit::prover::prove_program;
use bento_circuit::receipt::Receipt;
use bento_circuit::segment::{self, SegmentClaim};
use bento_circuit::shapes::Shaping;
use bento_circuit::{debug, trace};
use bento_stark::Setup;
use bento_vm::exec::{execute, CapturedOutput, ExecOptions};
use bento_vm::segment::Segment;
use bento_vm::{Execution, Program};

pub fn segments(elf: &[u8], input: &[u8], po2: u32) -> (Execution, Vec<Segment>) {
    let program = Program::load(elf).expect("program loads");
    let mut segments = Vec::new();
    let exec = execute(
        &program,
        input.to_vec(),
        ExecOptions {
            po2,
            cycle_limit: None,
        },
        &mut CapturedOutput::default(),
        |s| {
            segments.push(s);
            Ok(())
        },
    )
    .expect("program runs");
    (exec, segments)
}

pub fn example(name: &str) -> Vec<u8> {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../examples")
        .join(format!("{name}.elf"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Checks the segment's tables row by row and bus by bus (a clear message when wrong).
pub fn check(segment: &Segment) {
    let t = trace::build(segment).expect("trace builds");
    let claim = SegmentClaim::of(segment);
    assert_eq!(t.public_values, claim.public_values());
    if let Err(problems) = debug::check(&airs(), &t.traces, &t.public_values) {
        panic!(
            "segment {} has failing constraints:\n{problems}",
            segment.index
        );
    }
}

/// Proves and verifies a segment.
pub fn prove_and_verify(segment: &Segment) {
    let setup = Setup::standard();
    let proved = segment::prove(setup, segment).expect("proves");
    segment::verify(setup, &proved.claim, &proved.proof).expect("verifies");
}

/// Proves a whole program; the receipt is verified before it is returned.
pub fn prove(elf: &[u8], input: &[u8], po2: u32) -> (Execution, Receipt) {
    let program = Program::load(elf).expect("program loads");
    let options = ExecOptions {
        po2,
        cycle_limit: None,
    };
    prove_program(
        Setup::standard(),
        &program,
        input.to_vec(),
        options,
        Shaping::Catalogue,
        &mut CapturedOutput::default(),
        |_, _| {},
    )
    .unwrap_or_else(|e| panic!("{e}"))
}
