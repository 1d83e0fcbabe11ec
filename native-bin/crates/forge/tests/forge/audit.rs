//! The receipts an outside audit forged against receipt format 1: a guest
//! reads a pointer `p`, loads `*p` and exits with `p < 1024`. An honest run
//! faults for any `p` on the null page, so exit code 1 is unreachable; a
//! prover that skipped the executor's bounds check got a receipt with exit
//! code 1 that verified, its paging data listing page 0. The twin loads from
//! page 2^18 + 1, just above guest memory.
//!
//! Receipts carry no paging data since format 3: the page hashes and the
//! Merkle paths are inside the proof, which constrains every hashed page to
//! guest memory, so the same forgery now fails as a proof. The forgeries of
//! formats 2 to 4 (`*.format2.receipt` …, refused by version) and this
//! format's are kept in `fixtures/`
//! (`BENTO_WRITE_FIXTURES=1` writes the latter anew, as the forging code makes
//! them) for `bento-zkvm verify`'s tests.

use std::path::PathBuf;

use bento_circuit::air::airs;
use bento_circuit::receipt::{FileError, Receipt, ReceiptError};
use bento_circuit::segment::VerifyError;
use bento_circuit::{debug, trace};
use bento_forge::forge;
use bento_stark::Setup;
use bento_vm::asm::{self, Asm, A0, A1, A2};
use bento_vm::decode::Op;
use bento_vm::exec::{execute, CapturedOutput, ExecError, ExecOptions, Fault};
use bento_vm::layout::{GUEST_END, PAGE_BYTES};
use bento_vm::relax::{self, Check};
use bento_vm::{image_id, Program};

/// reads p; loads *p; exit(p < 1024)
fn null_guest() -> Program {
    const P: u32 = 0x4_0000;
    let mut a = Asm::new();
    a.li(A0, 0).li(A1, P).li(A2, 4).ecall(63);
    a.li(5, P)
        .emit(asm::load(Op::Lw, 5, 5, 0))
        .emit(asm::load(Op::Lw, 6, 5, 0));
    a.emit(asm::alu_imm(Op::Sltiu, A0, 5, 1024)).ecall(93);
    Program::load(&a.elf(0x1000)).expect("the guest loads")
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

#[test]
fn the_audit_forgeries_are_refused_by_the_proof() {
    let program = null_guest();
    let id = image_id(&program);
    for (name, p) in [
        ("null-page", 0u32),
        ("above-guest-memory", GUEST_END + PAGE_BYTES),
    ] {
        let input = p.to_le_bytes();
        let honest = execute(
            &program,
            input.to_vec(),
            ExecOptions {
                po2: 14,
                cycle_limit: None,
            },
            &mut CapturedOutput::default(),
            |_| Ok(()),
        );
        assert!(
            matches!(honest, Err(ExecError::Fault(Fault::LoadOutOfBounds { addr, .. })) if addr == p),
            "{name}: {honest:?}"
        );

        let run = forge(&[Check::LoadBounds], &program, &input, 14).expect("the relaxed run exits");
        // What refuses it: the paging table (a page hash of a page outside guest memory).
        let lie = &run.segments[0];
        let trace = relax::skipping(&lie.checks, || trace::build(&lie.segment))
            .expect("the forged trace builds");
        let problems = debug::check(&airs(), &trace.traces, &trace.public_values)
            .expect_err("the forged trace breaks a constraint");
        assert!(problems.contains("table paging"), "{name}: {problems}");
        let forged = run.receipt;
        assert_eq!(forged.exit_code, u32::from(p < 1024));
        assert_eq!(forged.image_id, id);
        let refused_by_the_proof = |r: &Receipt| {
            matches!(
                r.verify(Setup::standard(), id),
                Err(ReceiptError::Proof(VerifyError::Stark { .. }))
            )
        };
        assert!(
            refused_by_the_proof(&forged),
            "{name}: {:?}",
            forged.verify(Setup::standard(), id)
        );

        let path = fixture(&format!("{name}.receipt"));
        if std::env::var("BENTO_WRITE_FIXTURES").as_deref() == Ok("1") {
            std::fs::write(&path, forged.to_bytes()).unwrap();
            std::fs::write(fixture(&format!("{name}.image-id")), id.to_hex()).unwrap();
        }
        let kept = Receipt::from_bytes(&std::fs::read(&path).unwrap())
            .expect("the fixture is a receipt of this format");
        assert_eq!(
            (kept.image_id, kept.exit_code),
            (id, forged.exit_code),
            "{name}: the fixture is this forgery"
        );
        assert!(
            refused_by_the_proof(&kept),
            "{name}: the fixture is refused"
        );
        for format in [2, 3, 4] {
            let before = std::fs::read(fixture(&format!("{name}.format{format}.receipt"))).unwrap();
            assert!(
                matches!(
                    Receipt::from_bytes(&before),
                    Err(FileError::Version { found, .. }) if found == format
                ),
                "{name}: a format-{format} receipt is refused by version"
            );
        }
    }
}
