//! Conformance: every example guest, the program that runs every RV32IM
//! instruction, and the program at the edges of guest memory are lifted and
//! joined into a recursion proof that verifies and whose claim is the
//! composite receipt's. The memory-edge program goes on to a succinct
//! receipt: the shrink restates its inner claim but for the control root
//! (`succinct.rs` and `redteam.rs` hold it to that), so one program through
//! it is enough here, and CI pays a shrink once, not per program.

use crate::common;
use crate::guests;

use bento_circuit::receipt::Receipt;
use bento_recursion::claim::{chain_journal, RecursionClaim};
use bento_recursion::succinct::{aggregate, lift_and_join, SuccinctReceipt};
use bento_vm::hash::Digest;
use bento_vm::Program;

fn composite(elf: &[u8], input: &[u8]) -> Receipt {
    common::composite_of(&Program::load(elf).unwrap(), input.to_vec())
}

/// The claim proved for `composite` is its claim.
fn claim_conforms(name: &str, composite: &Receipt, claim: &RecursionClaim) {
    let segments = &composite.segments;
    let (first, last) = (&segments[0].claim, &segments[segments.len() - 1].claim);
    assert_eq!(claim.exit_code, Some(composite.exit_code), "{name}: exit");
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
    let chain = segments
        .iter()
        .fold(Digest::default(), |c, s| chain_journal(c, &s.claim.journal));
    assert_eq!(claim.journal, [Digest::default(), chain], "{name}: journal");
    println!(
        "{name}: {} segment(s), {cycles} cycles, exit {}: proved claim = composite claim",
        segments.len(),
        composite.exit_code
    );
}

fn recursion_conforms(name: &str, elf: &[u8], input: &[u8]) {
    let composite = composite(elf, input);
    let root = lift_and_join(&composite, |_| {}).unwrap();
    root.verify()
        .unwrap_or_else(|e| panic!("{name}: the recursion proof does not verify: {e}"));
    claim_conforms(name, &composite, &root.claim);
}

#[test]
fn every_example_gives_a_recursion_proof_with_the_composite_claim() {
    for (name, input) in guests::example_cases() {
        let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join(format!("../../../examples/{name}.elf"));
        recursion_conforms(name, &std::fs::read(path).unwrap(), &input);
    }
}

#[test]
fn every_instruction_gives_a_recursion_proof_with_the_composite_claim() {
    let (elf, input) = guests::instruction_program();
    recursion_conforms("instructions", &elf, &input);
}

#[test]
fn the_memory_edges_give_a_succinct_receipt_with_the_composite_claim() {
    let (elf, input, _) = guests::edge_program();
    let name = "memory edges";
    let composite = composite(&elf, &input);
    let succinct = aggregate(&composite, |_| {}).unwrap();
    let read = SuccinctReceipt::from_bytes(&succinct.to_bytes()).unwrap();
    read.verify(composite.image_id)
        .unwrap_or_else(|e| panic!("{name}: the succinct receipt does not verify: {e}"));
    claim_conforms(name, &composite, &succinct.claim);
    assert_eq!(succinct.image_id, composite.image_id, "{name}: image id");
    assert_eq!(succinct.exit_code, composite.exit_code, "{name}: exit code");
    assert_eq!(succinct.journal, composite.journal, "{name}: journal");
    let (c, s) = (composite.summary(0), succinct.summary(0));
    assert_eq!(
        (c.image_id, c.exit_code, c.journal_hex, c.segments, c.cycles),
        (s.image_id, s.exit_code, s.journal_hex, s.segments, s.cycles),
        "{name}: summaries"
    );
}
