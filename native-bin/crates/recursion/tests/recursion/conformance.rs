//! Conformance: every example guest, the program that runs every RV32IM
//! instruction, and the program at the edges of guest memory are lifted and
//! joined into a recursion proof that verifies and whose claim is the
//! composite receipt's. The shrink to a succinct receipt restates that claim
//! but for the control root, whatever the program (`succinct.rs`,
//! `zero_knowledge.rs` and `redteam.rs` hold it to that), so CI pays no
//! shrink per program here. The examples are proved in segments of up to
//! 2^16 cycles, one segment each: joins are the instruction program's here
//! (two segments), and `succinct.rs`'s and `join.rs`'s.

use crate::common;
use crate::guests;

use bento_circuit::receipt::Receipt;
use bento_recursion::claim::{chain_journal, RecursionClaim};
use bento_recursion::succinct::lift_and_join;
use bento_vm::hash::Digest;
use bento_vm::Program;

/// Segments of the examples: each fits one.
const EXAMPLE_PO2: u32 = 16;

fn composite(elf: &[u8], input: &[u8], po2: u32) -> Receipt {
    common::composite_at(&Program::load(elf).unwrap(), input.to_vec(), po2)
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

fn recursion_conforms(name: &str, elf: &[u8], input: &[u8], po2: u32) {
    let composite = composite(elf, input, po2);
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
        recursion_conforms(name, &std::fs::read(path).unwrap(), &input, EXAMPLE_PO2);
    }
}

#[test]
fn every_instruction_gives_a_recursion_proof_with_the_composite_claim() {
    let (elf, input) = guests::instruction_program();
    recursion_conforms("instructions", &elf, &input, 14);
}

#[test]
fn the_memory_edges_give_a_recursion_proof_with_the_composite_claim() {
    let (elf, input, _) = guests::edge_program();
    recursion_conforms("memory edges", &elf, &input, 14);
}
