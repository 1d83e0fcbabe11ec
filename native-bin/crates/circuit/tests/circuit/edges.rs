//! Honest programs at the edges of guest memory prove and verify: the
//! verifier's refusal of pages outside guest memory must not refuse them.

use crate::common;
use crate::guests;

#[test]
fn the_first_and_last_guest_pages_and_a_stack_at_the_top_prove() {
    let (elf, input, first_word) = guests::edge_program();
    let (exec, receipt) = common::prove(&elf, &input, 14);
    let mut journal = first_word.to_le_bytes();
    journal[2..].copy_from_slice(&input);
    assert_eq!(receipt.journal, journal);
    assert_eq!(exec.exit_code, (first_word >> 24) as i8 as i32 as u32);
    assert_eq!(receipt.exit_code, exec.exit_code);
}
