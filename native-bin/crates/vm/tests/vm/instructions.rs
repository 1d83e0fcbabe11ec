//! Per-instruction tests: each RV32IM instruction and its edge cases, run as
//! tiny programs whose results are committed to the journal.

use bento_vm::asm::{self, Asm, A0, A1, A2, CODE_BASE};
use bento_vm::decode::Op;
use bento_vm::exec::{execute, CapturedOutput, ExecError, ExecOptions, Execution, Fault};
use bento_vm::Program;

const DATA: u32 = CODE_BASE + 0x8000;
const BASE: u8 = 31; // holds DATA in every test program

fn run_with(
    program: &Asm,
    input: &[u8],
    cycle_limit: Option<u64>,
) -> Result<(Execution, CapturedOutput), ExecError> {
    let elf = program.elf(0x1_0000);
    let program = Program::load(&elf).expect("test programs load");
    let mut out = CapturedOutput::default();
    let exec = execute(
        &program,
        input.to_vec(),
        ExecOptions {
            po2: 14,
            cycle_limit,
        },
        &mut out,
        |_| Ok(()),
    )?;
    Ok((exec, out))
}

fn run(program: &Asm) -> Execution {
    run_with(program, &[], None).expect("program runs").0
}

fn fault(program: &Asm) -> Fault {
    match run_with(program, &[], None) {
        Err(ExecError::Fault(f)) => f,
        other => panic!("expected a fault, got {other:?}"),
    }
}

/// A program that sets up registers, runs `body`, stores `regs` to DATA and commits them.
fn program(setup: &[(u8, u32)], body: &[u32], regs: &[u8]) -> Asm {
    let mut a = Asm::new();
    a.li(BASE, DATA);
    for &(r, v) in setup {
        a.li(r, v);
    }
    a.emit_all(body.iter().copied());
    for (i, &r) in regs.iter().enumerate() {
        a.emit(asm::store(Op::Sw, r, BASE, 4 * i as i32));
    }
    a.commit(DATA, 4 * regs.len() as u32).li(A0, 0).ecall(93);
    a
}

fn words(journal: &[u8]) -> Vec<u32> {
    journal
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

fn eval(word: u32, a: u32, b: u32) -> u32 {
    words(&run(&program(&[(5, a), (6, b)], &[word], &[7])).journal)[0]
}

const EDGES: [u32; 12] = [
    0,
    1,
    2,
    31,
    32,
    33,
    0x7fff_ffff,
    0x8000_0000,
    0x8000_0001,
    0xffff_ffff,
    0xffff_fffe,
    0x1234_5678,
];

/// The specification of each register ALU operation, written from the ISA manual.
fn reference(op: Op, a: u32, b: u32) -> u32 {
    let (sa, sb) = (a as i32 as i64, b as i32 as i64);
    match op {
        Op::Add => (a as u64 + b as u64) as u32,
        Op::Sub => (a as u64).wrapping_sub(b as u64) as u32,
        Op::Sll => ((a as u64) << (b % 32)) as u32,
        Op::Slt => (sa < sb) as u32,
        Op::Sltu => (a < b) as u32,
        Op::Xor => a ^ b,
        Op::Srl => ((a as u64) >> (b % 32)) as u32,
        Op::Sra => (sa >> (b % 32)) as u32,
        Op::Or => a | b,
        Op::And => a & b,
        Op::Mul => (sa * sb) as u32,
        Op::Mulh => ((sa * sb) >> 32) as u32,
        Op::Mulhsu => ((sa * b as i64) >> 32) as u32,
        Op::Mulhu => ((a as u64 * b as u64) >> 32) as u32,
        // Division by zero gives all ones (quotient) or the dividend (remainder);
        // the one signed overflow, MIN / -1, gives MIN and remainder 0.
        Op::Div if b == 0 => u32::MAX,
        Op::Div if sa == i32::MIN as i64 && sb == -1 => 0x8000_0000,
        Op::Div => (sa / sb) as u32,
        Op::Divu if b == 0 => u32::MAX,
        Op::Divu => a / b,
        Op::Rem if b == 0 => a,
        Op::Rem if sa == i32::MIN as i64 && sb == -1 => 0,
        Op::Rem => (sa % sb) as u32,
        Op::Remu if b == 0 => a,
        Op::Remu => a % b,
        _ => unreachable!(),
    }
}

#[test]
fn register_alu_operations_on_edge_values() {
    let ops = [
        Op::Add,
        Op::Sub,
        Op::Sll,
        Op::Slt,
        Op::Sltu,
        Op::Xor,
        Op::Srl,
        Op::Sra,
        Op::Or,
        Op::And,
        Op::Mul,
        Op::Mulh,
        Op::Mulhsu,
        Op::Mulhu,
        Op::Div,
        Op::Divu,
        Op::Rem,
        Op::Remu,
    ];
    for op in ops {
        // All pairs in one program: faster than a program per pair.
        let mut setup_body = Vec::new();
        let mut expected = Vec::new();
        for &a in &EDGES {
            for &b in &EDGES {
                setup_body.extend(asm::li(5, a));
                setup_body.extend(asm::li(6, b));
                setup_body.push(asm::alu(op, 7, 5, 6));
                setup_body.push(asm::store(Op::Sw, 7, BASE, 4 * expected.len() as i32));
                expected.push(reference(op, a, b));
            }
        }
        let mut p = Asm::new();
        p.li(BASE, DATA)
            .emit_all(setup_body)
            .commit(DATA, 4 * expected.len() as u32)
            .li(A0, 0)
            .ecall(93);
        assert_eq!(words(&run(&p).journal), expected, "{op:?}");
    }
}

#[test]
fn division_special_cases() {
    assert_eq!(
        eval(asm::alu(Op::Div, 7, 5, 6), 0x8000_0000, u32::MAX),
        0x8000_0000
    );
    assert_eq!(eval(asm::alu(Op::Rem, 7, 5, 6), 0x8000_0000, u32::MAX), 0);
    assert_eq!(eval(asm::alu(Op::Div, 7, 5, 6), 42, 0), u32::MAX);
    assert_eq!(eval(asm::alu(Op::Divu, 7, 5, 6), 42, 0), u32::MAX);
    assert_eq!(
        eval(asm::alu(Op::Rem, 7, 5, 6), (-42i32) as u32, 0),
        (-42i32) as u32
    );
    assert_eq!(eval(asm::alu(Op::Remu, 7, 5, 6), 42, 0), 42);
    assert_eq!(
        eval(asm::alu(Op::Div, 7, 5, 6), (-7i32) as u32, 2),
        (-3i32) as u32
    );
    assert_eq!(
        eval(asm::alu(Op::Rem, 7, 5, 6), (-7i32) as u32, 2),
        (-1i32) as u32
    );
}

#[test]
fn immediate_alu_operations() {
    let cases: [(Op, u32, i32, u32); 16] = [
        (Op::Addi, 5, -6, u32::MAX),
        (Op::Addi, u32::MAX, 1, 0),
        (Op::Slti, (-5i32) as u32, -4, 1),
        (Op::Slti, 5, -4, 0),
        (Op::Sltiu, 5, -1, 1), // -1 sign-extends to 0xffffffff, compared unsigned
        (Op::Sltiu, 0, 1, 1),
        (Op::Xori, 0xf0f0, -1, !0xf0f0),
        (Op::Ori, 0x100, 0x7ff, 0x7ff),
        (Op::Andi, 0xffff_ffff, -2048, 0xffff_f800),
        (Op::Slli, 1, 31, 0x8000_0000),
        (Op::Slli, 3, 0, 3),
        (Op::Srli, 0x8000_0000, 31, 1),
        (Op::Srai, 0x8000_0000, 31, u32::MAX),
        (Op::Srai, 0x4000_0000, 30, 1),
        (Op::Srli, 0xffff_ffff, 1, 0x7fff_ffff),
        (Op::Addi, 0x7fff_ffff, 1, 0x8000_0000),
    ];
    for (op, a, imm, want) in cases {
        assert_eq!(
            eval(asm::alu_imm(op, 7, 5, imm), a, 0),
            want,
            "{op:?} {a:#x} {imm}"
        );
    }
}

#[test]
fn register_shifts_use_the_low_five_bits() {
    assert_eq!(eval(asm::alu(Op::Sll, 7, 5, 6), 1, 33), 2);
    assert_eq!(
        eval(asm::alu(Op::Srl, 7, 5, 6), 0x8000_0000, 0xffff_ffe0),
        0x8000_0000
    );
    assert_eq!(eval(asm::alu(Op::Sra, 7, 5, 6), 0x8000_0000, 63), u32::MAX);
}

#[test]
fn x0_is_hard_wired_to_zero() {
    let p = program(
        &[(5, 77)],
        &[
            asm::alu_imm(Op::Addi, 0, 5, 1),
            asm::alu(Op::Add, 0, 5, 5),
            asm::lui(0, 5),
        ],
        &[0],
    );
    assert_eq!(words(&run(&p).journal), vec![0]);
}

#[test]
fn lui_and_auipc() {
    let mut a = Asm::new();
    a.li(BASE, DATA);
    let pc = a.pc();
    a.emit(asm::auipc(7, 0x12345)).emit(asm::lui(8, 0xfffff));
    a.emit(asm::store(Op::Sw, 7, BASE, 0))
        .emit(asm::store(Op::Sw, 8, BASE, 4));
    a.commit(DATA, 8).li(A0, 0).ecall(93);
    assert_eq!(
        words(&run(&a).journal),
        vec![pc.wrapping_add(0x12345 << 12), 0xffff_f000]
    );
}

#[test]
fn loads_extend_signs_and_zeros() {
    let body = [
        asm::store(Op::Sw, 5, BASE, 64),
        asm::load(Op::Lb, 7, BASE, 67),  // 0x80 -> sign-extended
        asm::load(Op::Lbu, 8, BASE, 67), // 0x80 -> zero-extended
        asm::load(Op::Lh, 9, BASE, 66),  // 0x80ff
        asm::load(Op::Lhu, 12, BASE, 66),
        asm::load(Op::Lw, 13, BASE, 64),
        asm::load(Op::Lb, 14, BASE, 64), // 0x7f
        asm::load(Op::Lh, 15, BASE, 64), // 0x127f
    ];
    let p = program(&[(5, 0x80ff_127f)], &body, &[7, 8, 9, 12, 13, 14, 15]);
    assert_eq!(
        words(&run(&p).journal),
        vec![
            0xffff_ff80,
            0x80,
            0xffff_80ff,
            0x80ff,
            0x80ff_127f,
            0x7f,
            0x127f
        ]
    );
}

#[test]
fn stores_write_only_their_bytes() {
    let body = [
        asm::store(Op::Sw, 5, BASE, 64),
        asm::store(Op::Sb, 6, BASE, 65),
        asm::store(Op::Sh, 6, BASE, 66),
        asm::load(Op::Lw, 7, BASE, 64),
    ];
    let p = program(&[(5, 0x1122_3344), (6, 0xaabb_ccdd)], &body, &[7]);
    assert_eq!(words(&run(&p).journal), vec![0xccdd_dd44]);
}

#[test]
fn branches_compare_signed_and_unsigned() {
    let cases: [(Op, u32, u32, bool); 14] = [
        (Op::Beq, 5, 5, true),
        (Op::Beq, 5, 6, false),
        (Op::Bne, 5, 6, true),
        (Op::Bne, 0, 0, false),
        (Op::Blt, u32::MAX, 0, true),
        (Op::Blt, 0, u32::MAX, false),
        (Op::Blt, 0x8000_0000, 0x7fff_ffff, true),
        (Op::Bge, 0, u32::MAX, true),
        (Op::Bge, 5, 5, true),
        (Op::Bge, 0x8000_0000, 0, false),
        (Op::Bltu, 0, u32::MAX, true),
        (Op::Bltu, u32::MAX, 0, false),
        (Op::Bgeu, u32::MAX, 0, true),
        (Op::Bgeu, 4, 5, false),
    ];
    for (op, a, b, taken) in cases {
        // x7 = 1; branch over "x7 = 2" when taken.
        let body = [
            asm::alu_imm(Op::Addi, 7, 0, 1),
            asm::branch(op, 5, 6, 8),
            asm::alu_imm(Op::Addi, 7, 0, 2),
        ];
        let got = words(&run(&program(&[(5, a), (6, b)], &body, &[7])).journal)[0];
        assert_eq!(got == 1, taken, "{op:?} {a:#x} {b:#x}");
    }
}

#[test]
fn jumps_link_and_jalr_clears_bit_zero() {
    let mut a = Asm::new();
    a.li(BASE, DATA);
    let jal_pc = a.pc();
    a.emit(asm::jal(7, 8)).emit(asm::EBREAK); // skipped
    let target = a.pc() + 16;
    a.li(5, target + 1); // odd target: bit 0 is cleared
    a.emit(asm::jalr(8, 5, 0)).emit(asm::EBREAK);
    let jalr_pc = a.pc() - 8;
    a.emit(asm::store(Op::Sw, 7, BASE, 0))
        .emit(asm::store(Op::Sw, 8, BASE, 4));
    a.commit(DATA, 8).li(A0, 0).ecall(93);
    assert_eq!(words(&run(&a).journal), vec![jal_pc + 4, jalr_pc + 4]);
}

#[test]
fn fence_is_a_no_op() {
    let p = program(
        &[(5, 9)],
        &[asm::FENCE, asm::alu_imm(Op::Addi, 7, 5, 1)],
        &[7],
    );
    assert_eq!(words(&run(&p).journal), vec![10]);
}

#[test]
fn faults_name_the_pc_and_the_cause() {
    let mut p = Asm::new();
    p.emit(0xffff_ffff);
    assert_eq!(
        fault(&p),
        Fault::IllegalInstruction {
            pc: CODE_BASE,
            word: 0xffff_ffff
        }
    );
    assert!(fault(&p)
        .to_string()
        .contains("illegal instruction 0xffffffff at pc 0x00010000"));

    let mut p = Asm::new();
    p.emit(asm::alu_imm(Op::Addi, 5, 0, 1)).emit(asm::EBREAK);
    assert_eq!(fault(&p), Fault::Ebreak { pc: CODE_BASE + 4 });

    let mut p = Asm::new();
    p.emit(asm::load(Op::Lw, 5, 0, 0));
    assert_eq!(
        fault(&p),
        Fault::LoadOutOfBounds {
            pc: CODE_BASE,
            addr: 0
        }
    );

    let mut p = Asm::new();
    p.li(5, 0x1000_0000).emit(asm::store(Op::Sw, 5, 5, 0));
    assert_eq!(
        fault(&p),
        Fault::StoreOutOfBounds {
            pc: CODE_BASE + 8,
            addr: 0x1000_0000
        }
    );

    let mut p = Asm::new();
    p.li(5, DATA + 2).emit(asm::load(Op::Lw, 6, 5, 0));
    assert_eq!(
        fault(&p),
        Fault::MisalignedLoad {
            pc: CODE_BASE + 8,
            addr: DATA + 2,
            size: 4
        }
    );

    let mut p = Asm::new();
    p.li(5, DATA + 1).emit(asm::store(Op::Sh, 6, 5, 0));
    assert_eq!(
        fault(&p),
        Fault::MisalignedStore {
            pc: CODE_BASE + 8,
            addr: DATA + 1,
            size: 2
        }
    );

    let mut p = Asm::new();
    p.li(5, DATA + 2).emit(asm::jalr(0, 5, 0));
    assert_eq!(
        fault(&p),
        Fault::MisalignedJump {
            pc: CODE_BASE + 8,
            target: DATA + 2
        }
    );

    let mut p = Asm::new();
    p.emit(asm::jal(0, 2));
    assert_eq!(
        fault(&p),
        Fault::MisalignedJump {
            pc: CODE_BASE,
            target: CODE_BASE + 2
        }
    );

    let mut p = Asm::new();
    p.li(5, 0x0fff_fffc).emit(asm::jalr(0, 5, 0));
    // Zero memory decodes as an illegal instruction; past the end is out of bounds.
    assert_eq!(
        fault(&p),
        Fault::IllegalInstruction {
            pc: 0x0fff_fffc,
            word: 0
        }
    );
    let mut p = Asm::new();
    p.li(5, 0x1000_0000).emit(asm::jalr(0, 5, 0));
    assert_eq!(fault(&p), Fault::FetchOutOfBounds { pc: 0x1000_0000 });

    let mut p = Asm::new();
    p.ecall(999);
    assert_eq!(
        fault(&p),
        Fault::UnsupportedSyscall {
            pc: CODE_BASE + 8,
            number: 999
        }
    );

    let mut p = Asm::new();
    p.li(A0, 7).ecall(64);
    assert_eq!(
        fault(&p),
        Fault::BadFileDescriptor {
            pc: CODE_BASE + 16,
            syscall: "write",
            fd: 7
        }
    );

    let mut p = Asm::new();
    p.li(A0, 1).li(A2, 4).ecall(63);
    assert!(matches!(
        fault(&p),
        Fault::BadFileDescriptor {
            syscall: "read",
            fd: 1,
            ..
        }
    ));

    let mut p = Asm::new();
    p.li(A0, 3).li(A1, 0).li(A2, 4).ecall(64);
    assert!(matches!(
        fault(&p),
        Fault::BadBuffer {
            syscall: "write",
            addr: 0,
            len: 4,
            ..
        }
    ));
}

#[test]
fn a_cycle_limit_stops_a_runaway_guest() {
    let mut p = Asm::new();
    p.emit(asm::jal(0, 0)); // loops forever
    match run_with(&p, &[], Some(50_000)) {
        Err(ExecError::Fault(Fault::CycleLimit { limit: 50_000, pc })) => assert_eq!(pc, CODE_BASE),
        other => panic!("{other:?}"),
    }
    // A program that fits exactly in the limit is fine.
    let mut p = Asm::new();
    p.li(A0, 0).ecall(93);
    assert!(run_with(&p, &[], Some(5)).is_ok());
    assert!(matches!(
        run_with(&p, &[], Some(4)),
        Err(ExecError::Fault(Fault::CycleLimit { .. }))
    ));
}

#[test]
fn read_transfers_input_in_chunks_and_returns_zero_at_the_end() {
    let input: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
    let buf = DATA + 0x100;
    let mut p = Asm::new();
    p.li(BASE, DATA);
    // Three reads of up to 8000 bytes into one buffer: 4096, then 904, then 0.
    for i in 0..3 {
        p.li(A0, 0).li(A1, buf).li(A2, 8000).ecall(63);
        p.emit(asm::store(Op::Sw, A0, BASE, 4 * i));
    }
    p.commit(DATA, 12).commit(buf + 900, 8).li(A0, 0).ecall(93);
    let (exec, _) = run_with(&p, &input, None).unwrap();
    assert_eq!(words(&exec.journal[..12]), vec![4096, 904, 0]);
    // The second read overwrote the first 904 bytes of the buffer.
    let mut expected = input[4996..5000].to_vec();
    expected.extend_from_slice(&input[904..908]);
    assert_eq!(&exec.journal[12..], &expected[..]);
    // One row per byte transferred (reads and journal writes), one per instruction.
    assert!(exec.total_cycles > 5000 + 12 + 8);
}

#[test]
fn journal_writes_are_capped_and_stdout_is_captured() {
    let mut p = Asm::new();
    p.li(A0, 3).li(A1, CODE_BASE).li(A2, 5000).ecall(64);
    p.emit(alu_store_a0());
    p.li(A0, 1).li(A1, CODE_BASE).li(A2, 8).ecall(64);
    p.li(A0, 0).ecall(93);
    let (exec, out) = run_with(&p, &[], None).unwrap();
    assert_eq!(exec.journal.len(), 4096);
    assert_eq!(out.stdout.len(), 8);
    assert_eq!(&out.stdout[..4], &exec.journal[..4]);
}

fn alu_store_a0() -> u32 {
    asm::alu_imm(Op::Addi, 20, A0, 0)
}

#[test]
fn exit_code_is_the_full_a0() {
    let mut p = Asm::new();
    p.li(A0, 0x1234).ecall(93);
    assert_eq!(run(&p).exit_code, 0x1234);
    let mut p = Asm::new();
    p.li(A0, 3).ecall(94);
    assert_eq!(run(&p).exit_code, 3);
}

#[test]
fn self_modifying_code_runs_the_new_instruction() {
    // Overwrite the instruction at `patch` with "addi x7, x0, 42" before reaching it.
    let mut p = Asm::new();
    p.li(BASE, DATA);
    let patch_at = p.pc() + 4 * 5;
    p.li(5, asm::alu_imm(Op::Addi, 7, 0, 42))
        .li(6, patch_at)
        .emit(asm::store(Op::Sw, 5, 6, 0));
    assert_eq!(p.pc(), patch_at);
    p.emit(asm::alu_imm(Op::Addi, 7, 0, 1));
    p.emit(asm::store(Op::Sw, 7, BASE, 0))
        .commit(DATA, 4)
        .li(A0, 0)
        .ecall(93);
    assert_eq!(words(&run(&p).journal), vec![42]);
}

#[test]
fn a_zero_length_read_or_write_touches_nothing() {
    let mut p = Asm::new();
    p.li(A0, 0)
        .li(A1, 0)
        .li(A2, 0)
        .ecall(63)
        .emit(alu_store_a0());
    p.li(A0, 3).li(A1, 0).li(A2, 0).ecall(64);
    p.emit(asm::alu(Op::Add, A0, A0, 20)).ecall(93);
    assert_eq!(run(&p).exit_code, 0);
}

#[test]
fn zero_length_transfers_may_name_any_address() {
    // Found by the long fuzz run: a zero-length write to stdout at an address
    // far outside memory must return 0, not crash.
    for fd in [1u32, 3] {
        let mut p = Asm::new();
        p.li(A0, fd)
            .li(A1, 0xffff_fff0)
            .li(A2, 0)
            .ecall(64)
            .emit(alu_store_a0());
        p.li(A0, 0).li(A1, 0xffff_fff0).li(A2, 0).ecall(63);
        p.emit(asm::alu(Op::Add, A0, A0, 20)).ecall(93);
        assert_eq!(run(&p).exit_code, 0);
    }
}

#[test]
fn stdout_from_a_buffer_outside_memory_writes_nothing_and_returns_the_count() {
    let mut p = Asm::new();
    p.li(A0, 1)
        .li(A1, 0xffff_0000)
        .li(A2, 77)
        .ecall(64)
        .ecall(93);
    let (exec, out) = run_with(&p, &[], None).unwrap();
    assert_eq!(exec.exit_code, 77);
    assert!(out.stdout.is_empty());
}
