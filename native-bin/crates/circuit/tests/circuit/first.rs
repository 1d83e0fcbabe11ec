use crate::common;

use bento_vm::asm::{self, Asm, A0, CODE_BASE};
use bento_vm::decode::Op;

#[test]
fn a_tiny_program_checks_proves_and_verifies() {
    let data = CODE_BASE + 0x4000;
    let mut a = Asm::new();
    a.li(5, 7)
        .emit(asm::alu_imm(Op::Addi, 6, 5, 3))
        .li(31, data)
        .emit(asm::store(Op::Sw, 6, 31, 0));
    a.commit(data, 4).li(A0, 0).ecall(93);
    let (_, segments) = common::segments(&a.elf(0x8000), &[], 14);
    common::check(&segments[0]);
    common::prove_and_verify(&segments[0]);
    let (exec, receipt) = common::prove(&a.elf(0x8000), &[], 14);
    assert_eq!(receipt.journal, 10u32.to_le_bytes());
    assert_eq!(exec.journal, receipt.journal);
}
