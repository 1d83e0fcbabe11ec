//! Conformance: every example guest, the program that runs every RV32IM
//! instruction, and the program at the edges of guest memory give a succinct
//! receipt that verifies and whose claim is the composite receipt's.

mod common;
#[path = "../../vm/tests/support/mod.rs"]
mod guests;

use bento_recursion::succinct::aggregate;
use bento_vm::Program;

fn succinct_conforms(name: &str, elf: &[u8], input: &[u8]) {
    let program = Program::load(elf).unwrap();
    let composite = common::composite_of(&program, input.to_vec());
    let succinct = aggregate(&composite, |_| {}).unwrap();
    let read =
        bento_recursion::succinct::SuccinctReceipt::from_bytes(&succinct.to_bytes()).unwrap();
    read.verify(composite.image_id)
        .unwrap_or_else(|e| panic!("{name}: the succinct receipt does not verify: {e}"));

    let segments = &composite.segments;
    let (first, last) = (&segments[0].claim, &segments[segments.len() - 1].claim);
    let claim = &succinct.claim;
    assert_eq!(succinct.image_id, composite.image_id, "{name}: image id");
    assert_eq!(succinct.exit_code, composite.exit_code, "{name}: exit code");
    assert_eq!(claim.exit_code, Some(composite.exit_code), "{name}: exit");
    assert_eq!(succinct.journal, composite.journal, "{name}: journal");
    assert_eq!(claim.segments as usize, segments.len(), "{name}: segments");
    let cycles: u64 = segments.iter().map(|s| u64::from(s.claim.cycles)).sum();
    assert_eq!(claim.cycles, cycles, "{name}: cycles");
    assert_eq!(
        (claim.pre.pc, claim.pre.root, claim.pre.input_ended),
        (first.pre_pc, first.pre_root, first.pre_input_ended),
        "{name}: start state"
    );
    assert_eq!(
        (claim.post.pc, claim.post.root, claim.post.input_ended),
        (last.post_pc, last.post_root, last.post_input_ended),
        "{name}: final state"
    );
    let (c, s) = (composite.summary(0), succinct.summary(0));
    assert_eq!(
        (c.image_id, c.exit_code, c.journal_hex, c.segments, c.cycles),
        (s.image_id, s.exit_code, s.journal_hex, s.segments, s.cycles),
        "{name}: summaries"
    );
    println!(
        "{name}: {} segment(s), {cycles} cycles, exit {}: succinct claim = composite claim",
        segments.len(),
        composite.exit_code
    );
}

#[test]
fn every_example_gives_a_succinct_receipt_with_the_composite_claim() {
    for (name, input) in guests::example_cases() {
        let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join(format!("../../../examples/{name}.elf"));
        succinct_conforms(name, &std::fs::read(path).unwrap(), &input);
    }
}

#[test]
fn every_instruction_and_the_memory_edges_give_succinct_receipts_with_the_composite_claim() {
    let (elf, input) = guests::instruction_program();
    succinct_conforms("instructions", &elf, &input);
    let (elf, input, _) = guests::edge_program();
    succinct_conforms("memory edges", &elf, &input);
}
