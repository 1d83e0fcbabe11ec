//! Conformance: every example guest, a program running every RV32IM
//! instruction on edge cases, and random programs execute, prove and verify,
//! with the receipt's journal and exit code equal to the executor's and to
//! qemu-riscv32's (where installed).

use crate::common;
use crate::guests;

use bento_vm::segment::DEFAULT_PO2;

/// Proves a guest and checks the receipt against the executor and qemu.
fn conforms(name: &str, elf: &[u8], input: &[u8], po2: u32) {
    let (execution, receipt) = common::prove(elf, input, po2);
    assert_eq!(receipt.journal, execution.journal, "{name}: journal");
    assert_eq!(receipt.exit_code, execution.exit_code, "{name}: exit code");
    assert_eq!(
        receipt.segments.len() as u32,
        execution.segments,
        "{name}: segments"
    );
    if guests::qemu_available() {
        let dir = guests::temp_dir(&format!("circuit-{name}"));
        let reference = guests::run_qemu_elf(elf, input, &dir, &format!("{name}.elf"));
        let _ = std::fs::remove_dir_all(dir);
        assert!(
            reference.journal == receipt.journal,
            "{name}: journal differs from qemu's"
        );
        assert_eq!(
            reference.exit_code,
            receipt.exit_code & 0xff,
            "{name}: exit code differs from qemu's"
        );
    }
}

#[test]
fn examples_prove_at_po2_14() {
    for (name, input) in guests::example_cases() {
        conforms(name, &common::example(name), &input, 14);
    }
}

#[test]
fn examples_prove_at_the_default_po2() {
    for (name, input) in guests::example_cases() {
        conforms(name, &common::example(name), &input, DEFAULT_PO2);
    }
}

/// A full segment at the default po2 (small programs are proved at the
/// smallest po2 that holds them, so the examples above do not fill one).
#[test]
fn a_full_segment_proves_at_the_default_po2() {
    let iterations = bento_vm::segment::segment_capacity(DEFAULT_PO2) / 19 + 100;
    let (execution, receipt) = common::prove(
        &common::example("loop"),
        &iterations.to_le_bytes(),
        DEFAULT_PO2,
    );
    assert_eq!(receipt.segments[0].claim.po2, DEFAULT_PO2);
    assert_eq!(receipt.segments.len(), 2);
    assert!(
        receipt.segments[1].claim.po2 < DEFAULT_PO2,
        "the short last segment is proved small"
    );
    assert_eq!(receipt.journal, execution.journal);
}

#[test]
fn every_instruction_proves_at_po2_14() {
    let (elf, input) = guests::instruction_program();
    conforms("instructions", &elf, &input, 14);
}

#[test]
fn every_instruction_proves_at_the_default_po2() {
    let (elf, input) = guests::instruction_program();
    conforms("instructions", &elf, &input, DEFAULT_PO2);
}

/// Random programs (BENTO_CIRCUIT_PROGRAMS, default 12) pass the row-by-row
/// constraint check and prove.
#[test]
fn random_programs_prove() {
    let count: u64 = std::env::var("BENTO_CIRCUIT_PROGRAMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    for seed in 0..count {
        let (elf, input) = guests::random_program(seed);
        let (_, segments) = common::segments(&elf, &input, 14);
        for s in &segments {
            common::check(s);
        }
        conforms(&format!("random-{seed}"), &elf, &input, 14);
    }
}
