//! Honest programs at the edges of guest memory prove and verify: the
//! verifier's refusal of pages outside guest memory must not refuse them.

mod common;

use bento_vm::asm::{self, Asm, A0, A1, A2, SP};
use bento_vm::decode::Op;
use bento_vm::layout::{GUEST_END, GUEST_START};

#[test]
fn the_first_and_last_guest_pages_and_a_stack_at_the_top_prove() {
    let (t0, t1, t2) = (5, 6, 7);
    let mut a = Asm::new();
    // The code sits on the first guest page: it loads its own first word.
    a.li(t0, GUEST_START).emit(asm::load(Op::Lw, t1, t0, 0));
    // The last word of guest memory: written, read back, then filled by `read`.
    a.li(t2, GUEST_END - 4)
        .emit(asm::store(Op::Sw, t1, t2, 0))
        .emit(asm::load(Op::Lbu, t0, t2, 3));
    a.li(A0, 0).li(A1, GUEST_END - 2).li(A2, 2).ecall(63);
    a.li(A0, 3).li(A1, GUEST_END - 4).li(A2, 4).ecall(64);
    // A stack that starts at the top of memory.
    a.li(SP, GUEST_END)
        .emit(asm::alu_imm(Op::Addi, SP, SP, -16))
        .emit(asm::store(Op::Sw, t1, SP, 12))
        .emit(asm::load(Op::Lb, A0, SP, 15));
    a.ecall(93);
    let code: Vec<u8> = a.words.iter().flat_map(|w| w.to_le_bytes()).collect();
    let elf = asm::elf(GUEST_START, &code, code.len() as u32);

    let (exec, receipt) = common::prove(&elf, &[0xaa, 0xbb], 14);
    let first_word = a.words[0];
    let mut journal = first_word.to_le_bytes();
    journal[2..].copy_from_slice(&[0xaa, 0xbb]);
    assert_eq!(receipt.journal, journal);
    assert_eq!(exec.exit_code, (first_word >> 24) as i8 as i32 as u32);
    assert_eq!(receipt.exit_code, exec.exit_code);
}
