//! Differential tests against qemu-riscv32 (Debian's qemu-user): the example
//! guests and thousands of random straight-line and looping programs must give
//! the same exit code, stdout and journal in both. Skipped, with a printed
//! reason, where qemu-riscv32 is not installed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use bento_vm::asm::{self, Asm, A0, A1, A2, CODE_BASE};
use bento_vm::decode::Op;
use bento_vm::exec::{execute, CapturedOutput, ExecOptions};
use bento_vm::Program;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    exit_code: u32,
    stdout: Vec<u8>,
    journal: Vec<u8>,
}

fn qemu_available() -> bool {
    let found = Command::new("qemu-riscv32").arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("skipping: qemu-riscv32 is not installed (apt-get install qemu-user)");
    }
    found
}

fn run_qemu(elf: &Path, input: &[u8], dir: &Path) -> Outcome {
    let journal = dir.join(format!("{}.journal", elf.file_name().unwrap().to_string_lossy()));
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
    Outcome { exit_code, stdout: out.stdout, journal: std::fs::read(&journal).unwrap() }
}

fn run_ours(elf: &[u8], input: &[u8]) -> Outcome {
    let program = Program::load(elf).unwrap();
    let mut out = CapturedOutput::default();
    let exec = execute(&program, input.to_vec(), ExecOptions { po2: 14, cycle_limit: Some(50_000_000) }, &mut out, |_| Ok(()))
        .unwrap_or_else(|e| panic!("our executor failed: {e}"));
    // A process exit status keeps the low 8 bits of the code.
    Outcome { exit_code: exec.exit_code & 0xff, stdout: out.stdout, journal: exec.journal }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bento-qemu-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn example_guests_match_qemu() {
    if !qemu_available() {
        return;
    }
    let dir = temp_dir("examples");
    let examples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../examples");
    let sort_input: Vec<u8> = (0..2000u32).flat_map(|i| i.wrapping_mul(2_654_435_761).to_le_bytes()).collect();
    let big: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 256) as u8).collect();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("fib", 30u32.to_le_bytes().to_vec()),
        ("fib", 1000u32.to_le_bytes().to_vec()),
        ("fib", vec![1, 2]), // too short: exits with code 101
        ("sha256", b"hello world\n".to_vec()),
        ("sha256", vec![]),
        ("sha256", big),
        ("loop", 5000u32.to_le_bytes().to_vec()),
        ("sort", sort_input),
        ("sort", vec![1, 2, 3]),
        ("exit_code", vec![]),
        ("exit_code", vec![200]),
    ];
    for (name, input) in cases {
        let path = examples.join(format!("{name}.elf"));
        let ours = run_ours(&std::fs::read(&path).unwrap(), &input);
        let theirs = run_qemu(&path, &input, &dir);
        assert_eq!(ours, theirs, "{name} with {} input bytes", input.len());
    }
    let _ = std::fs::remove_dir_all(dir);
}

const DATA: u32 = CODE_BASE + 0x1_0000;
const BASE: u8 = 31;
const COUNTER: u8 = 30;

const INTERESTING: [u32; 10] = [0, 1, 2, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0xffff_fffe, 31, 32, 0x8000_0001];

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
    Op::Add, Op::Sub, Op::Sll, Op::Slt, Op::Sltu, Op::Xor, Op::Srl, Op::Sra, Op::Or, Op::And, Op::Mul, Op::Mulh,
    Op::Mulhsu, Op::Mulhu, Op::Div, Op::Divu, Op::Rem, Op::Remu,
];
const I_OPS: [Op; 9] = [Op::Addi, Op::Slti, Op::Sltiu, Op::Xori, Op::Ori, Op::Andi, Op::Slli, Op::Srli, Op::Srai];
const BRANCHES: [Op; 6] = [Op::Beq, Op::Bne, Op::Blt, Op::Bge, Op::Bltu, Op::Bgeu];
const LOADS: [(Op, i32); 5] = [(Op::Lb, 1), (Op::Lbu, 1), (Op::Lh, 2), (Op::Lhu, 2), (Op::Lw, 4)];
const STORES: [(Op, i32); 3] = [(Op::Sb, 1), (Op::Sh, 2), (Op::Sw, 4)];

/// One random instruction that only writes x1..x29, only touches memory at
/// DATA..DATA+2048 and only jumps forward by one instruction.
fn random_instruction(rng: &mut ChaCha8Rng, a: &mut Asm) {
    match rng.random_range(0..100) {
        0..=39 => {
            a.emit(asm::alu(R_OPS[rng.random_range(0..R_OPS.len())], reg(rng), reg(rng), reg(rng)));
        }
        40..=59 => {
            let op = I_OPS[rng.random_range(0..I_OPS.len())];
            a.emit(asm::alu_imm(op, reg(rng), reg(rng), rng.random_range(-2048..2048)));
        }
        60..=64 => {
            a.emit(asm::lui(reg(rng), rng.random()));
        }
        65..=67 => {
            a.emit(asm::auipc(reg(rng), rng.random()));
        }
        68..=77 => {
            let (op, size) = LOADS[rng.random_range(0..LOADS.len())];
            a.emit(asm::load(op, reg(rng), BASE, rng.random_range(0..2048 / size) * size));
        }
        78..=87 => {
            let (op, size) = STORES[rng.random_range(0..STORES.len())];
            a.emit(asm::store(op, reg(rng), BASE, rng.random_range(0..2048 / size) * size));
        }
        88..=95 => {
            let op = BRANCHES[rng.random_range(0..BRANCHES.len())];
            a.emit(asm::branch(op, reg(rng), reg(rng), 8));
            a.emit(asm::alu_imm(Op::Addi, reg(rng), reg(rng), 1));
        }
        96..=98 => {
            a.emit(asm::jal(reg(rng), 8)).emit(asm::alu(Op::Xor, reg(rng), reg(rng), reg(rng)));
        }
        _ => {
            a.emit(asm::FENCE);
        }
    }
}

fn random_program(seed: u64) -> (Vec<u8>, Vec<u8>) {
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

#[test]
fn random_programs_match_qemu() {
    if !qemu_available() {
        return;
    }
    let count: u64 = std::env::var("BENTO_QEMU_PROGRAMS").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    let dir = temp_dir("random");
    let threads = 4;
    std::thread::scope(|scope| {
        for t in 0..threads {
            let dir = &dir;
            scope.spawn(move || {
                for seed in (t..count).step_by(threads as usize) {
                    let (elf, input) = random_program(seed);
                    let path = dir.join(format!("p{seed}.elf"));
                    std::fs::write(&path, &elf).unwrap();
                    // qemu-riscv32 refuses files that are not executable, as execve does.
                    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
                    let ours = run_ours(&elf, &input);
                    let theirs = run_qemu(&path, &input, dir);
                    // Compared piecewise: a full dump of two journals buries the difference.
                    assert_eq!(ours.exit_code, theirs.exit_code, "exit code, random program seed {seed}");
                    assert_eq!(ours.stdout, theirs.stdout, "stdout, random program seed {seed}");
                    assert!(ours.journal == theirs.journal, "journal differs, random program seed {seed}");
                    let _ = std::fs::remove_file(&path);
                }
            });
        }
    });
    let _ = std::fs::remove_dir_all(dir);
}

