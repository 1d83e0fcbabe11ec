//! A tiny RV32IM assembler and ELF writer, for tests that need hand-made or
//! random guest programs (per-instruction tests, differential tests against
//! qemu, the prover's conformance tests).

use crate::decode::Op;

pub type Reg = u8;

pub const ZERO: Reg = 0;
pub const RA: Reg = 1;
pub const SP: Reg = 2;
pub const A0: Reg = 10;
pub const A1: Reg = 11;
pub const A2: Reg = 12;
pub const A7: Reg = 17;

/// Where [`elf`] places code; data may follow it in the same segment.
pub const CODE_BASE: u32 = 0x1_0000;

fn r_type(funct7: u32, rs2: Reg, rs1: Reg, funct3: u32, rd: Reg, opcode: u32) -> u32 {
    funct7 << 25
        | u32::from(rs2) << 20
        | u32::from(rs1) << 15
        | funct3 << 12
        | u32::from(rd) << 7
        | opcode
}

fn i_type(imm: i32, rs1: Reg, funct3: u32, rd: Reg, opcode: u32) -> u32 {
    ((imm as u32) & 0xfff) << 20 | u32::from(rs1) << 15 | funct3 << 12 | u32::from(rd) << 7 | opcode
}

fn s_type(imm: i32, rs2: Reg, rs1: Reg, funct3: u32, opcode: u32) -> u32 {
    let imm = imm as u32;
    ((imm >> 5) & 0x7f) << 25
        | u32::from(rs2) << 20
        | u32::from(rs1) << 15
        | funct3 << 12
        | (imm & 0x1f) << 7
        | opcode
}

fn b_type(imm: i32, rs2: Reg, rs1: Reg, funct3: u32) -> u32 {
    let imm = imm as u32;
    ((imm >> 12) & 1) << 31
        | ((imm >> 5) & 0x3f) << 25
        | u32::from(rs2) << 20
        | u32::from(rs1) << 15
        | funct3 << 12
        | ((imm >> 1) & 0xf) << 8
        | ((imm >> 11) & 1) << 7
        | 0x63
}

pub fn lui(rd: Reg, imm20: u32) -> u32 {
    (imm20 & 0xfffff) << 12 | u32::from(rd) << 7 | 0x37
}

pub fn auipc(rd: Reg, imm20: u32) -> u32 {
    (imm20 & 0xfffff) << 12 | u32::from(rd) << 7 | 0x17
}

pub fn jal(rd: Reg, offset: i32) -> u32 {
    let imm = offset as u32;
    ((imm >> 20) & 1) << 31
        | ((imm >> 1) & 0x3ff) << 21
        | ((imm >> 11) & 1) << 20
        | ((imm >> 12) & 0xff) << 12
        | u32::from(rd) << 7
        | 0x6f
}

pub fn jalr(rd: Reg, rs1: Reg, offset: i32) -> u32 {
    i_type(offset, rs1, 0, rd, 0x67)
}

/// A branch (Beq..Bgeu) by a byte offset.
pub fn branch(op: Op, rs1: Reg, rs2: Reg, offset: i32) -> u32 {
    let funct3 = match op {
        Op::Beq => 0,
        Op::Bne => 1,
        Op::Blt => 4,
        Op::Bge => 5,
        Op::Bltu => 6,
        Op::Bgeu => 7,
        _ => panic!("{op:?} is not a branch"),
    };
    b_type(offset, rs2, rs1, funct3)
}

/// A load (Lb..Lhu): rd = mem[rs1 + offset].
pub fn load(op: Op, rd: Reg, rs1: Reg, offset: i32) -> u32 {
    let funct3 = match op {
        Op::Lb => 0,
        Op::Lh => 1,
        Op::Lw => 2,
        Op::Lbu => 4,
        Op::Lhu => 5,
        _ => panic!("{op:?} is not a load"),
    };
    i_type(offset, rs1, funct3, rd, 0x03)
}

/// A store (Sb, Sh, Sw): mem[rs1 + offset] = rs2.
pub fn store(op: Op, rs2: Reg, rs1: Reg, offset: i32) -> u32 {
    let funct3 = match op {
        Op::Sb => 0,
        Op::Sh => 1,
        Op::Sw => 2,
        _ => panic!("{op:?} is not a store"),
    };
    s_type(offset, rs2, rs1, funct3, 0x23)
}

/// An immediate ALU operation (Addi..Srai); shifts take the amount as `imm`.
pub fn alu_imm(op: Op, rd: Reg, rs1: Reg, imm: i32) -> u32 {
    match op {
        Op::Addi => i_type(imm, rs1, 0, rd, 0x13),
        Op::Slti => i_type(imm, rs1, 2, rd, 0x13),
        Op::Sltiu => i_type(imm, rs1, 3, rd, 0x13),
        Op::Xori => i_type(imm, rs1, 4, rd, 0x13),
        Op::Ori => i_type(imm, rs1, 6, rd, 0x13),
        Op::Andi => i_type(imm, rs1, 7, rd, 0x13),
        Op::Slli => r_type(0, (imm & 31) as Reg, rs1, 1, rd, 0x13),
        Op::Srli => r_type(0, (imm & 31) as Reg, rs1, 5, rd, 0x13),
        Op::Srai => r_type(0x20, (imm & 31) as Reg, rs1, 5, rd, 0x13),
        _ => panic!("{op:?} is not an immediate ALU operation"),
    }
}

/// A register ALU operation (Add..Remu).
pub fn alu(op: Op, rd: Reg, rs1: Reg, rs2: Reg) -> u32 {
    let (funct7, funct3) = match op {
        Op::Add => (0, 0),
        Op::Sub => (0x20, 0),
        Op::Sll => (0, 1),
        Op::Slt => (0, 2),
        Op::Sltu => (0, 3),
        Op::Xor => (0, 4),
        Op::Srl => (0, 5),
        Op::Sra => (0x20, 5),
        Op::Or => (0, 6),
        Op::And => (0, 7),
        Op::Mul => (1, 0),
        Op::Mulh => (1, 1),
        Op::Mulhsu => (1, 2),
        Op::Mulhu => (1, 3),
        Op::Div => (1, 4),
        Op::Divu => (1, 5),
        Op::Rem => (1, 6),
        Op::Remu => (1, 7),
        _ => panic!("{op:?} is not a register ALU operation"),
    };
    r_type(funct7, rs2, rs1, funct3, rd, 0x33)
}

pub const ECALL: u32 = 0x0000_0073;
pub const EBREAK: u32 = 0x0010_0073;
pub const FENCE: u32 = 0x0ff0_000f;

/// Loads any 32-bit constant into `rd` (lui + addi).
pub fn li(rd: Reg, value: u32) -> [u32; 2] {
    let lo = ((value & 0xfff) as i32) << 20 >> 20;
    let hi = value.wrapping_sub(lo as u32) >> 12;
    [lui(rd, hi), alu_imm(Op::Addi, rd, rd, lo)]
}

/// A program being assembled: words placed from CODE_BASE.
#[derive(Clone, Debug, Default)]
pub struct Asm {
    pub words: Vec<u32>,
}

impl Asm {
    pub fn new() -> Asm {
        Asm::default()
    }

    pub fn pc(&self) -> u32 {
        CODE_BASE + 4 * self.words.len() as u32
    }

    pub fn emit(&mut self, word: u32) -> &mut Asm {
        self.words.push(word);
        self
    }

    pub fn emit_all(&mut self, words: impl IntoIterator<Item = u32>) -> &mut Asm {
        self.words.extend(words);
        self
    }

    pub fn li(&mut self, rd: Reg, value: u32) -> &mut Asm {
        self.emit_all(li(rd, value))
    }

    /// `syscall(a7 = number)` with a0..a2 already set.
    pub fn ecall(&mut self, number: u32) -> &mut Asm {
        self.li(A7, number).emit(ECALL)
    }

    /// exit(code in register `reg`).
    pub fn exit_with(&mut self, reg: Reg) -> &mut Asm {
        self.emit(alu_imm(Op::Addi, A0, reg, 0)).ecall(93)
    }

    /// Appends `len` bytes at `addr` to the journal (in one write; len ≤ 4096).
    pub fn commit(&mut self, addr: u32, len: u32) -> &mut Asm {
        self.li(A0, 3).li(A1, addr).li(A2, len).ecall(64)
    }

    /// The program as a statically linked ELF with one RWX segment of `mem_size` bytes at CODE_BASE.
    pub fn elf(&self, mem_size: u32) -> Vec<u8> {
        let code: Vec<u8> = self.words.iter().flat_map(|w| w.to_le_bytes()).collect();
        elf(CODE_BASE, &code, mem_size.max(code.len() as u32))
    }
}

/// A minimal ELF32 RISC-V executable: one PT_LOAD (RWX) segment holding `code`
/// at `vaddr` (entry), zero-filled up to `mem_size` bytes.
pub fn elf(vaddr: u32, code: &[u8], mem_size: u32) -> Vec<u8> {
    const EHDR: usize = 52;
    const PHDR: usize = 32;
    const OFFSET: u32 = 0x1000;
    let mut out = vec![0u8; OFFSET as usize];
    out[..4].copy_from_slice(b"\x7fELF");
    out[4] = 1; // ELFCLASS32
    out[5] = 1; // little-endian
    out[6] = 1; // version
    let put16 =
        |out: &mut Vec<u8>, at: usize, v: u16| out[at..at + 2].copy_from_slice(&v.to_le_bytes());
    let put32 =
        |out: &mut Vec<u8>, at: usize, v: u32| out[at..at + 4].copy_from_slice(&v.to_le_bytes());
    put16(&mut out, 16, 2); // ET_EXEC
    put16(&mut out, 18, 243); // EM_RISCV
    put32(&mut out, 20, 1);
    put32(&mut out, 24, vaddr); // entry
    put32(&mut out, 28, EHDR as u32); // phoff
    put32(&mut out, 32, 0); // shoff
    put32(&mut out, 36, 0); // flags
    put16(&mut out, 40, EHDR as u16);
    put16(&mut out, 42, PHDR as u16);
    put16(&mut out, 44, 1); // phnum
    put16(&mut out, 46, 40); // shentsize
    let ph = EHDR;
    put32(&mut out, ph, 1); // PT_LOAD
    put32(&mut out, ph + 4, OFFSET);
    put32(&mut out, ph + 8, vaddr);
    put32(&mut out, ph + 12, vaddr);
    put32(&mut out, ph + 16, code.len() as u32);
    put32(&mut out, ph + 20, mem_size);
    put32(&mut out, ph + 24, 7); // RWX
    put32(&mut out, ph + 28, 0x1000);
    out.extend_from_slice(code);
    out
}
