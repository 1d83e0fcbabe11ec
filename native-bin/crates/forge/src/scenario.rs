//! Guests that meet one of the executor's refusals, with random parameters.
//!
//! Each scenario is a small program that an honest executor refuses (or, for
//! the segment limits, cuts into more segments), and that a relaxed one runs
//! to `exit(1)` — an exit code an honest run never reaches.

use bento_vm::asm::{self, Asm, A0, A1, A2, CODE_BASE};
use bento_vm::decode::{decode, Op};
use bento_vm::elf::LoadSegment;
use bento_vm::layout::{GUEST_END, PAGE_BYTES};
use bento_vm::relax::Check;
use bento_vm::Program;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

const T0: u8 = 5;
const T1: u8 = 6;
/// Where scenarios keep data (inside guest memory, away from the code).
pub const DATA: u32 = 0x4_0000;

/// A program for one check, and its input.
pub struct Scenario {
    pub what: String,
    /// The address outside guest memory the guest uses, if it uses one.
    pub outside: Option<u32>,
    pub program: Program,
    pub input: Vec<u8>,
}

/// An address outside guest memory, `size`-aligned, with room for `len`
/// bytes before 2^32: on the null page, on the register page's addresses,
/// on pages the memory tree holds but the guest may not use, or above them.
pub fn outside_address(rng: &mut ChaCha8Rng, size: u32, len: u32) -> u32 {
    let regions: [(u64, u64); 4] = [
        (0, u64::from(PAGE_BYTES)),
        (u64::from(GUEST_END), u64::from(GUEST_END + PAGE_BYTES)),
        (u64::from(GUEST_END + PAGE_BYTES), 0x2000_0000),
        (0x2000_0000, (1 << 32) - u64::from(len.max(size))),
    ];
    let (lo, hi) = regions[rng.random_range(0..regions.len())];
    (rng.random_range(lo..hi) as u32) & !(size - 1)
}

fn exit_one(a: &mut Asm) {
    a.li(A0, 1).ecall(93);
}

fn program(a: &Asm, extra: Vec<LoadSegment>) -> Program {
    let code: Vec<u8> = a.words.iter().flat_map(|w| w.to_le_bytes()).collect();
    let mut segments = vec![LoadSegment {
        vaddr: CODE_BASE,
        mem_size: code.len() as u32,
        data: code,
        executable: true,
    }];
    segments.extend(extra);
    Program {
        entry: CODE_BASE,
        segments,
    }
}

/// Bytes placed at `vaddr` before the run (data, or code that is fetched through the slow path).
fn placed(vaddr: u32, data: Vec<u8>) -> LoadSegment {
    LoadSegment {
        vaddr,
        mem_size: data.len() as u32,
        data,
        executable: false,
    }
}

fn random_bytes(rng: &mut ChaCha8Rng, n: usize) -> Vec<u8> {
    (0..n).map(|_| rng.random()).collect()
}

fn words_bytes(words: &[u32]) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

/// A random scenario for `check`.
pub fn scenario(check: Check, rng: &mut ChaCha8Rng) -> Scenario {
    let mut a = Asm::new();
    let mut extra = Vec::new();
    let mut input = Vec::new();
    let mut outside = None;
    let what = match check {
        Check::FetchBounds => {
            let target = outside_address(rng, 4, 16);
            outside = Some(target);
            let mut exit = Asm::new();
            exit_one(&mut exit);
            extra.push(placed(target, words_bytes(&exit.words)));
            a.li(T0, target).emit(asm::jalr(0, T0, 0));
            format!("code fetched at {target:#010x}")
        }
        Check::LoadBounds | Check::StoreBounds => {
            let ops: &[Op] = if check == Check::LoadBounds {
                &[Op::Lb, Op::Lbu, Op::Lh, Op::Lhu, Op::Lw]
            } else {
                &[Op::Sb, Op::Sh, Op::Sw]
            };
            let op = ops[rng.random_range(0..ops.len())];
            let size = match op {
                Op::Lb | Op::Lbu | Op::Sb => 1,
                Op::Lh | Op::Lhu | Op::Sh => 2,
                _ => 4,
            };
            let addr = outside_address(rng, size, 4);
            outside = Some(addr);
            extra.push(placed(addr & !3, random_bytes(rng, 4)));
            a.li(T0, addr);
            if check == Check::LoadBounds {
                a.emit(asm::load(op, T1, T0, 0));
            } else {
                a.li(T1, rng.random()).emit(asm::store(op, T1, T0, 0));
            }
            format!("{} at {addr:#010x}", op.mnemonic())
        }
        Check::Buffer => {
            let n = rng.random_range(1..=8u32);
            // Wholly outside, or straddling the end of guest memory (which takes two bytes or more).
            let buf = if n >= 2 && rng.random_bool(0.25) {
                GUEST_END - rng.random_range(1..n)
            } else {
                outside_address(rng, 1, n)
            };
            outside = Some(buf);
            if rng.random_bool(0.5) {
                input = random_bytes(rng, n as usize);
                a.li(A0, 0).li(A1, buf).li(A2, n).ecall(63);
                format!("read of {n} bytes into {buf:#010x}")
            } else {
                a.li(A0, 3).li(A1, buf).li(A2, n).ecall(64);
                format!("journal write of {n} bytes from {buf:#010x}")
            }
        }
        Check::JumpAlignment => {
            // The target is 2 past a word; relaxed, the run lands on that word.
            let k = rng.random_range(1..6i32);
            let kind = rng.random_range(0..3);
            let jump_at = a.pc() + if kind == 1 { 8 } else { 0 };
            let target = jump_at.wrapping_add((4 * k) as u32);
            match kind {
                0 => a.emit(asm::jal(0, 4 * k + 2)),
                1 => a
                    .li(T0, target + 2 + rng.random_range(0..2))
                    .emit(asm::jalr(0, T0, 0)),
                _ => a.emit(asm::branch(Op::Beq, 0, 0, 4 * k + 2)),
            };
            while a.pc() < target {
                a.emit(asm::alu_imm(Op::Addi, 0, 0, 0));
            }
            ["jal", "jalr", "beq"][kind].to_string() + " to a target 2 bytes past a word"
        }
        Check::LoadAlignment | Check::StoreAlignment => {
            let ops: &[Op] = if check == Check::LoadAlignment {
                &[Op::Lh, Op::Lhu, Op::Lw]
            } else {
                &[Op::Sh, Op::Sw]
            };
            let op = ops[rng.random_range(0..ops.len())];
            let size = if matches!(op, Op::Lw | Op::Sw) { 4 } else { 2 };
            let offset = loop {
                let o = rng.random_range(1..4u32);
                if o % size != 0 {
                    break o;
                }
            };
            let addr = DATA + 4 * rng.random_range(0..256u32) + offset;
            extra.push(placed(addr & !3, random_bytes(rng, 8)));
            a.li(T0, addr);
            if check == Check::LoadAlignment {
                a.emit(asm::load(op, T1, T0, 0));
            } else {
                a.li(T1, rng.random()).emit(asm::store(op, T1, T0, 0));
            }
            format!("{} at {addr:#010x}", op.mnemonic())
        }
        Check::IllegalInstruction => {
            let word = loop {
                let w: u32 = rng.random();
                if decode(w).op == Op::Illegal {
                    break w;
                }
            };
            a.emit(word);
            format!("illegal word {word:#010x}")
        }
        Check::Ebreak => {
            a.emit(asm::EBREAK);
            "ebreak".to_string()
        }
        Check::Syscall => {
            let number = loop {
                let n = if rng.random_bool(0.5) {
                    rng.random_range(0..256)
                } else {
                    rng.random()
                };
                if ![63, 64, 93, 94].contains(&n) {
                    break n;
                }
            };
            a.li(A2, rng.random_range(0..16)).ecall(number);
            format!("syscall {number}")
        }
        Check::FileDescriptor => {
            let n = rng.random_range(1..=8u32);
            if rng.random_bool(0.5) {
                let fd = rng.random_range(1..=u32::MAX);
                input = random_bytes(rng, n as usize);
                a.li(A0, fd).li(A1, DATA).li(A2, n).ecall(63);
                format!("read from fd {fd}")
            } else {
                let fd = loop {
                    let fd = if rng.random_bool(0.5) {
                        rng.random_range(0..16)
                    } else {
                        rng.random()
                    };
                    if ![1, 2, 3].contains(&fd) {
                        break fd;
                    }
                };
                a.li(A0, fd).li(A1, DATA).li(A2, n).ecall(64);
                format!("write to fd {fd}")
            }
        }
        Check::Cycles => {
            // Two cycles an iteration: more than a po2-14 segment holds.
            let n = rng.random_range(8200..8400u32);
            a.li(T0, n);
            let top = a.pc();
            a.emit(asm::alu_imm(Op::Addi, T0, T0, -1));
            let at = a.pc();
            a.emit(asm::branch(Op::Bne, T0, 0, top as i32 - at as i32));
            format!("{n} iterations of a two-cycle loop")
        }
        Check::Pages => {
            // Stores to more pages than a po2-14 segment may touch.
            let n = rng.random_range(64..100u32);
            a.li(T0, DATA).li(T1, n);
            let top = a.pc();
            a.emit(asm::store(Op::Sw, T1, T0, 0))
                .emit(asm::alu_imm(Op::Addi, T0, T0, PAGE_BYTES as i32))
                .emit(asm::alu_imm(Op::Addi, T1, T1, -1));
            let at = a.pc();
            a.emit(asm::branch(Op::Bne, T1, 0, top as i32 - at as i32));
            format!("stores to {n} pages")
        }
    };
    exit_one(&mut a);
    Scenario {
        what,
        outside,
        program: program(&a, extra),
        input,
    }
}
