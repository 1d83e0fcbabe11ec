//! Guest programs and reference runs shared by the executor's, the
//! circuit's, the recursion's and the forgery tests: qemu-riscv32 as the
//! reference, the example guests' test inputs, random programs, a program
//! that runs every RV32IM instruction on edge-case operands, one at the edges
//! of guest memory, and the seeds of the random cases.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use bento_vm::asm::{self, Asm, A0, A1, A2, CODE_BASE, SP};
use bento_vm::decode::Op;
use bento_vm::exec::{execute, CapturedOutput, ExecOptions};
use bento_vm::layout::{GUEST_END, GUEST_START};
use bento_vm::Program;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[derive(Debug, PartialEq, Eq)]
pub struct Outcome {
    pub exit_code: u32,
    pub stdout: Vec<u8>,
    pub journal: Vec<u8>,
}

/// The seeds of this run's random cases of each class (fault injection,
/// forgeries): `BENTO_FAULT_CASES` of them (2) from `BENTO_FAULT_FIRST` (0),
/// so that long runs in several sittings add up.
pub fn seeds() -> std::ops::Range<u64> {
    let env = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let first = env("BENTO_FAULT_FIRST", 0);
    first..first + env("BENTO_FAULT_CASES", 2)
}

/// Whether qemu-riscv32 runs here. Under CI (`CI=true`), which installs it,
/// its absence fails the test instead of skipping it.
pub fn qemu_available() -> bool {
    let found = Command::new("qemu-riscv32")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "qemu-riscv32 is missing, and CI installs it (apt-get install qemu-user)"
        );
        eprintln!("skipping: qemu-riscv32 is not installed (apt-get install qemu-user)");
    }
    found
}

pub fn run_qemu(elf: &Path, input: &[u8], dir: &Path) -> Outcome {
    let journal = dir.join(format!(
        "{}.journal",
        elf.file_name().unwrap().to_string_lossy()
    ));
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(r#"exec qemu-riscv32 "$0" 3>"$1""#)
        .arg(elf)
        .arg(&journal)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("qemu starts");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    let exit_code = out.status.code().expect("qemu exits with a code") as u32;
    Outcome {
        exit_code,
        stdout: out.stdout,
        journal: std::fs::read(&journal).unwrap(),
    }
}

/// Runs an ELF given as bytes under qemu (written to `dir` as `name`).
pub fn run_qemu_elf(elf: &[u8], input: &[u8], dir: &Path, name: &str) -> Outcome {
    let path = dir.join(name);
    std::fs::write(&path, elf).unwrap();
    // qemu-riscv32 refuses files that are not executable, as execve does.
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let outcome = run_qemu(&path, input, dir);
    let _ = std::fs::remove_file(&path);
    outcome
}

pub fn run_ours(elf: &[u8], input: &[u8]) -> Outcome {
    let program = Program::load(elf).unwrap();
    let mut out = CapturedOutput::default();
    let exec = execute(
        &program,
        input.to_vec(),
        ExecOptions {
            po2: 14,
            cycle_limit: Some(50_000_000),
        },
        &mut out,
        |_| Ok(()),
    )
    .unwrap_or_else(|e| panic!("our executor failed: {e}"));
    // A process exit status keeps the low 8 bits of the code.
    Outcome {
        exit_code: exec.exit_code & 0xff,
        stdout: out.stdout,
        journal: exec.journal,
    }
}

pub fn temp_dir(name: &str) -> PathBuf {
    // Unique per call: tests of one binary run in parallel threads, and two of
    // them may run the same guest (and remove their directory when done).
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("bento-qemu-{name}-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub const DATA: u32 = CODE_BASE + 0x1_0000;
const BASE: u8 = 31;
const COUNTER: u8 = 30;

pub const INTERESTING: [u32; 10] = [
    0,
    1,
    2,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    0xffff_fffe,
    31,
    32,
    0x8000_0001,
];

fn value(rng: &mut ChaCha8Rng) -> u32 {
    if rng.random_bool(0.4) {
        INTERESTING[rng.random_range(0..INTERESTING.len())]
    } else {
        rng.random()
    }
}

fn reg(rng: &mut ChaCha8Rng) -> u8 {
    rng.random_range(1..30)
}

const R_OPS: [Op; 18] = [
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
const I_OPS: [Op; 9] = [
    Op::Addi,
    Op::Slti,
    Op::Sltiu,
    Op::Xori,
    Op::Ori,
    Op::Andi,
    Op::Slli,
    Op::Srli,
    Op::Srai,
];
const BRANCHES: [Op; 6] = [Op::Beq, Op::Bne, Op::Blt, Op::Bge, Op::Bltu, Op::Bgeu];
const LOADS: [(Op, i32); 5] = [
    (Op::Lb, 1),
    (Op::Lbu, 1),
    (Op::Lh, 2),
    (Op::Lhu, 2),
    (Op::Lw, 4),
];
const STORES: [(Op, i32); 3] = [(Op::Sb, 1), (Op::Sh, 2), (Op::Sw, 4)];

/// One random instruction that only writes x1..x29, only touches memory at
/// DATA..DATA+2048 and only jumps forward by one instruction.
fn random_instruction(rng: &mut ChaCha8Rng, a: &mut Asm) {
    match rng.random_range(0..100) {
        0..=39 => {
            a.emit(asm::alu(
                R_OPS[rng.random_range(0..R_OPS.len())],
                reg(rng),
                reg(rng),
                reg(rng),
            ));
        }
        40..=59 => {
            let op = I_OPS[rng.random_range(0..I_OPS.len())];
            a.emit(asm::alu_imm(
                op,
                reg(rng),
                reg(rng),
                rng.random_range(-2048..2048),
            ));
        }
        60..=64 => {
            a.emit(asm::lui(reg(rng), rng.random()));
        }
        65..=67 => {
            a.emit(asm::auipc(reg(rng), rng.random()));
        }
        68..=77 => {
            let (op, size) = LOADS[rng.random_range(0..LOADS.len())];
            a.emit(asm::load(
                op,
                reg(rng),
                BASE,
                rng.random_range(0..2048 / size) * size,
            ));
        }
        78..=87 => {
            let (op, size) = STORES[rng.random_range(0..STORES.len())];
            a.emit(asm::store(
                op,
                reg(rng),
                BASE,
                rng.random_range(0..2048 / size) * size,
            ));
        }
        88..=95 => {
            let op = BRANCHES[rng.random_range(0..BRANCHES.len())];
            a.emit(asm::branch(op, reg(rng), reg(rng), 8));
            a.emit(asm::alu_imm(Op::Addi, reg(rng), reg(rng), 1));
        }
        96..=98 => {
            a.emit(asm::jal(reg(rng), 8))
                .emit(asm::alu(Op::Xor, reg(rng), reg(rng), reg(rng)));
        }
        _ => {
            a.emit(asm::FENCE);
        }
    }
}

pub fn random_program(seed: u64) -> (Vec<u8>, Vec<u8>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut a = Asm::new();
    a.li(BASE, DATA);
    for r in 1..30 {
        a.li(r, value(&mut rng));
    }
    // Some input to read, so reads are covered too.
    let input: Vec<u8> = (0..rng.random_range(0..64)).map(|_| rng.random()).collect();
    a.li(A0, 0).li(A1, DATA + 1024).li(A2, 64).ecall(63);
    let looping = rng.random_bool(0.5);
    let body = rng.random_range(5..60);
    if looping {
        a.li(COUNTER, rng.random_range(1..40));
        let top = a.pc();
        for _ in 0..body {
            random_instruction(&mut rng, &mut a);
        }
        a.emit(asm::alu_imm(Op::Addi, COUNTER, COUNTER, -1));
        let back = top as i32 - a.pc() as i32;
        a.emit(asm::branch(Op::Bne, COUNTER, 0, back));
    } else {
        for _ in 0..body {
            random_instruction(&mut rng, &mut a);
        }
    }
    // Registers to the journal, some memory to stdout, x5 as the exit code.
    for r in 1..30u8 {
        a.emit(asm::store(Op::Sw, r, BASE, 2048 + 4 * i32::from(r)));
    }
    a.emit(asm::alu_imm(Op::Addi, 20, 5, 0));
    a.commit(DATA, 2048 + 30 * 4);
    a.li(A0, 1).li(A1, DATA).li(A2, 64).ecall(64);
    a.exit_with(20);
    (a.elf(0x2_0000), input)
}

/// Appends `len` bytes at `addr` to the journal, in calls of at most 4096 bytes.
fn commit_all(a: &mut Asm, addr: u32, len: u32) {
    for offset in (0..len).step_by(4096) {
        a.commit(addr + offset, (len - offset).min(4096));
    }
}

/// Every RV32IM instruction on edge-case operands (and x0 as destination,
/// every load and store lane, branches both ways, jumps, syscalls), each
/// result stored and the lot committed to the journal.
pub fn instruction_program() -> (Vec<u8>, Vec<u8>) {
    const OUT: u8 = BASE;
    // The code takes about 100 KiB; results and scratch words follow it.
    const RESULTS: u32 = CODE_BASE + 0x4_0000;
    const SCRATCH: u32 = RESULTS + 0x8000;
    let mut a = Asm::new();
    let mut results = 0u32;
    a.li(OUT, RESULTS);
    let mut record = |a: &mut Asm, r: u8| {
        a.emit(asm::store(Op::Sw, r, OUT, 0))
            .emit(asm::alu_imm(Op::Addi, OUT, OUT, 4));
        results += 1;
    };
    for op in R_OPS {
        for x in INTERESTING {
            for y in INTERESTING {
                a.li(5, x).li(6, y).emit(asm::alu(op, 7, 5, 6));
                record(&mut a, 7);
            }
        }
        // x0 as the destination stays zero.
        a.li(5, 0x1234_5678).emit(asm::alu(op, 0, 5, 5));
        record(&mut a, 0);
    }
    for op in I_OPS {
        let shift = matches!(op, Op::Slli | Op::Srli | Op::Srai);
        let imms: &[i32] = if shift {
            &[0, 1, 7, 31]
        } else {
            &[0, 1, -1, 2047, -2048, 5]
        };
        for x in INTERESTING {
            for &imm in imms {
                a.li(5, x).emit(asm::alu_imm(op, 7, 5, imm));
                record(&mut a, 7);
            }
        }
    }
    // Loads of every width at every lane, from a word with both sign bits.
    a.li(5, SCRATCH)
        .li(6, 0x80ff_7f01)
        .emit(asm::store(Op::Sw, 6, 5, 0))
        .li(6, 0x0180_ff7f)
        .emit(asm::store(Op::Sw, 6, 5, 4));
    for (op, size) in LOADS {
        for offset in (0..8).step_by(size as usize) {
            a.emit(asm::load(op, 7, 5, offset));
            record(&mut a, 7);
        }
    }
    // Stores of every width at every lane into a patterned word.
    for (op, size) in STORES {
        for offset in (0..4).step_by(size as usize) {
            a.li(6, 0xaaaa_aaaa)
                .emit(asm::store(Op::Sw, 6, 5, 16))
                .li(6, 0x1234_5687);
            a.emit(asm::store(op, 6, 5, 16 + offset))
                .emit(asm::load(Op::Lw, 7, 5, 16));
            record(&mut a, 7);
        }
    }
    // Branches: x7 = 1 when the branch falls through.
    for op in BRANCHES {
        for x in INTERESTING {
            for y in [0, 1, 0x8000_0000, 0xffff_ffff, x] {
                a.li(5, x)
                    .li(6, y)
                    .li(7, 0)
                    .emit(asm::branch(op, 5, 6, 8))
                    .emit(asm::alu_imm(Op::Addi, 7, 0, 1));
                record(&mut a, 7);
            }
        }
    }
    // Jumps: links, a backward JAL, and JALR clearing bit 0.
    a.emit(asm::jal(7, 8))
        .emit(asm::alu_imm(Op::Addi, 7, 0, 99));
    record(&mut a, 7);
    a.emit(asm::jal(0, 12))
        .emit(asm::jal(7, 12))
        .emit(asm::jal(0, 12))
        .emit(asm::jal(0, -8));
    record(&mut a, 7);
    a.emit(asm::auipc(5, 0))
        .emit(asm::jalr(7, 5, 13))
        .emit(asm::alu_imm(Op::Addi, 7, 0, 99))
        .emit(asm::alu_imm(Op::Addi, 7, 0, 98));
    record(&mut a, 7);
    for imm in [0, 1, 0x80000, 0xfffff] {
        a.emit(asm::lui(7, imm));
        record(&mut a, 7);
        a.emit(asm::auipc(7, imm));
        record(&mut a, 7);
    }
    a.emit(asm::FENCE);
    // Syscalls: reads of 0 bytes, of 3 bytes to an odd address, of more than is left.
    for (addr, count) in [(SCRATCH + 32, 0), (SCRATCH + 33, 3), (SCRATCH + 40, 100)] {
        a.li(A0, 0).li(A1, addr).li(A2, count).ecall(63);
        record(&mut a, A0);
    }
    a.li(5, SCRATCH + 32);
    for offset in (0..24).step_by(4) {
        a.emit(asm::load(Op::Lw, 7, 5, offset));
        record(&mut a, 7);
    }
    a.li(A0, 1).li(A1, SCRATCH).li(A2, 8).ecall(64);
    record(&mut a, A0);
    a.li(A0, 3).li(A1, SCRATCH).li(A2, 0).ecall(64);
    record(&mut a, A0);
    assert!(
        a.pc() < RESULTS && 4 * results < 0x8000,
        "the program fits its layout"
    );
    commit_all(&mut a, RESULTS, 4 * results);
    a.li(5, 7).exit_with(5);
    (
        a.elf(SCRATCH + 64 - CODE_BASE),
        b"0123456789abcdef".to_vec(),
    )
}

/// The example guests (examples/NAME.elf) with the inputs the conformance
/// tests run them on.
pub fn example_cases() -> Vec<(&'static str, Vec<u8>)> {
    let sort_input: Vec<u8> = (0..300u32)
        .flat_map(|i| i.wrapping_mul(2_654_435_761).to_le_bytes())
        .collect();
    vec![
        ("fib", 30u32.to_le_bytes().to_vec()),
        ("fib", vec![1, 2]),
        ("sha256", b"hello world\n".to_vec()),
        ("loop", 3000u32.to_le_bytes().to_vec()),
        ("sort", sort_input),
        ("exit_code", vec![200]),
        ("pages", 100u32.to_le_bytes().to_vec()),
    ]
}

/// A program at the edges of guest memory: its code on the first guest
/// page (it loads its own first word), the last word of memory written,
/// read and filled by `read`, a stack from the top of memory. Its ELF, its
/// input, and its first code word (it commits that word's low half and the
/// input to the journal, and exits with the word's sign-extended top byte).
pub fn edge_program() -> (Vec<u8>, Vec<u8>, u32) {
    let (t0, t1, t2) = (5, 6, 7);
    let mut a = Asm::new();
    a.li(t0, GUEST_START).emit(asm::load(Op::Lw, t1, t0, 0));
    a.li(t2, GUEST_END - 4)
        .emit(asm::store(Op::Sw, t1, t2, 0))
        .emit(asm::load(Op::Lbu, t0, t2, 3));
    a.li(A0, 0).li(A1, GUEST_END - 2).li(A2, 2).ecall(63);
    a.li(A0, 3).li(A1, GUEST_END - 4).li(A2, 4).ecall(64);
    a.li(SP, GUEST_END)
        .emit(asm::alu_imm(Op::Addi, SP, SP, -16))
        .emit(asm::store(Op::Sw, t1, SP, 12))
        .emit(asm::load(Op::Lb, A0, SP, 15));
    a.ecall(93);
    let code: Vec<u8> = a.words.iter().flat_map(|w| w.to_le_bytes()).collect();
    let elf = asm::elf(GUEST_START, &code, code.len() as u32);
    (elf, vec![0xaa, 0xbb], a.words[0])
}
