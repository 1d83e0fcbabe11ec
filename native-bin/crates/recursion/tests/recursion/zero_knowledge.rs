//! Succinct receipts are zero-knowledge: a guest that reads a secret, works
//! on it in memory and journals one public bit, then clears what it touched,
//! ends in the same state whatever the secret. Two secrets with the same bit
//! give receipts whose every field is the same but the seal, and the seals
//! differ (each proof draws its own masks and salts) yet both verify: nothing
//! in a succinct receipt depends on the input except through its claim.

use crate::common;

use bento_recursion::config::{succinct_setup, SUCCINCT_PARAMETERS};
use bento_recursion::succinct::{aggregate, SuccinctReceipt};
use bento_stark::{Proof, ZkConfig};
use bento_vm::asm::{self, Asm, A0, A1, A2};
use bento_vm::decode::Op;
use bento_vm::Program;

/// reads x; journals [x·x is odd]; zeroes the input buffer and every
/// register it used; exit(0).
fn secret_guest() -> Program {
    const BUF: u32 = 0x4_0000;
    let mut a = Asm::new();
    a.li(A0, 0).li(A1, BUF).li(A2, 4).ecall(63);
    a.li(5, BUF)
        .emit(asm::load(Op::Lw, 6, 5, 0))
        .emit(asm::alu(Op::Mul, 7, 6, 6))
        .emit(asm::alu_imm(Op::Andi, 7, 7, 1))
        .emit(asm::store(Op::Sb, 7, 5, 8));
    a.commit(BUF + 8, 1);
    a.emit(asm::store(Op::Sw, 0, 5, 0))
        .emit(asm::store(Op::Sw, 0, 5, 8));
    for reg in [A1, A2, 5, 6, 7] {
        a.li(reg, 0);
    }
    a.li(A0, 0).ecall(93);
    Program::load(&a.elf(0x1000)).expect("the guest loads")
}

#[test]
fn receipts_of_two_secrets_with_one_journal_differ_only_in_their_randomness() {
    assert!(succinct_setup().parameters.is_hiding());
    let program = secret_guest();
    let [first, second] = [3u32, 5].map(|secret| {
        let composite = common::composite_of(&program, secret.to_le_bytes().to_vec());
        let receipt = aggregate(&composite, |_| {}).unwrap();
        receipt.verify(composite.image_id).unwrap();
        receipt
    });
    assert_eq!(first.journal, vec![1], "the public bit");
    let public = |r: &SuccinctReceipt| SuccinctReceipt {
        seal: Vec::new(),
        ..r.clone()
    };
    assert_eq!(
        public(&first),
        public(&second),
        "every field but the seal is the same"
    );
    // The seals are hiding proofs: a randomization polynomial is committed,
    // and the masked traces' commitments differ between the two.
    let [a, b] = [&first, &second].map(|r| {
        Proof::<ZkConfig>::from_bytes_under(&r.seal, &SUCCINCT_PARAMETERS)
            .unwrap()
            .inner
            .commitments
    });
    assert!(a.random.is_some() && b.random.is_some());
    assert_ne!(a.main, b.main, "the traces' commitments");
    assert_ne!(a.quotient_chunks, b.quotient_chunks, "the quotients'");
}
