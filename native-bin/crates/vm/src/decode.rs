//! RV32IM instruction decoding.
//!
//! Decoding is strict: every field the base ISA reserves must hold its one
//! legal value, so that the set of words the executor runs is exactly the set
//! the circuit accepts. Anything else decodes to [`Op::Illegal`].

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u8)]
pub enum Op {
    Lui,
    Auipc,
    Jal,
    Jalr,
    Beq,
    Bne,
    Blt,
    Bge,
    Bltu,
    Bgeu,
    Lb,
    Lh,
    Lw,
    Lbu,
    Lhu,
    Sb,
    Sh,
    Sw,
    Addi,
    Slti,
    Sltiu,
    Xori,
    Ori,
    Andi,
    Slli,
    Srli,
    Srai,
    Add,
    Sub,
    Sll,
    Slt,
    Sltu,
    Xor,
    Srl,
    Sra,
    Or,
    And,
    Mul,
    Mulh,
    Mulhsu,
    Mulhu,
    Div,
    Divu,
    Rem,
    Remu,
    Fence,
    Ecall,
    Ebreak,
    Illegal,
}

impl Op {
    pub const ALL: [Op; 49] = [
        Op::Lui,
        Op::Auipc,
        Op::Jal,
        Op::Jalr,
        Op::Beq,
        Op::Bne,
        Op::Blt,
        Op::Bge,
        Op::Bltu,
        Op::Bgeu,
        Op::Lb,
        Op::Lh,
        Op::Lw,
        Op::Lbu,
        Op::Lhu,
        Op::Sb,
        Op::Sh,
        Op::Sw,
        Op::Addi,
        Op::Slti,
        Op::Sltiu,
        Op::Xori,
        Op::Ori,
        Op::Andi,
        Op::Slli,
        Op::Srli,
        Op::Srai,
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
        Op::Fence,
        Op::Ecall,
        Op::Ebreak,
        Op::Illegal,
    ];

    pub fn mnemonic(self) -> &'static str {
        match self {
            Op::Lui => "lui",
            Op::Auipc => "auipc",
            Op::Jal => "jal",
            Op::Jalr => "jalr",
            Op::Beq => "beq",
            Op::Bne => "bne",
            Op::Blt => "blt",
            Op::Bge => "bge",
            Op::Bltu => "bltu",
            Op::Bgeu => "bgeu",
            Op::Lb => "lb",
            Op::Lh => "lh",
            Op::Lw => "lw",
            Op::Lbu => "lbu",
            Op::Lhu => "lhu",
            Op::Sb => "sb",
            Op::Sh => "sh",
            Op::Sw => "sw",
            Op::Addi => "addi",
            Op::Slti => "slti",
            Op::Sltiu => "sltiu",
            Op::Xori => "xori",
            Op::Ori => "ori",
            Op::Andi => "andi",
            Op::Slli => "slli",
            Op::Srli => "srli",
            Op::Srai => "srai",
            Op::Add => "add",
            Op::Sub => "sub",
            Op::Sll => "sll",
            Op::Slt => "slt",
            Op::Sltu => "sltu",
            Op::Xor => "xor",
            Op::Srl => "srl",
            Op::Sra => "sra",
            Op::Or => "or",
            Op::And => "and",
            Op::Mul => "mul",
            Op::Mulh => "mulh",
            Op::Mulhsu => "mulhsu",
            Op::Mulhu => "mulhu",
            Op::Div => "div",
            Op::Divu => "divu",
            Op::Rem => "rem",
            Op::Remu => "remu",
            Op::Fence => "fence",
            Op::Ecall => "ecall",
            Op::Ebreak => "ebreak",
            Op::Illegal => "illegal",
        }
    }
}

/// A decoded instruction. `imm` is already sign-extended and shifted as the
/// format defines (for shifts by an immediate it is the shift amount).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instr {
    pub op: Op,
    pub rd: u8,
    pub rs1: u8,
    pub rs2: u8,
    pub imm: u32,
}

impl Instr {
    pub const ILLEGAL: Instr = Instr {
        op: Op::Illegal,
        rd: 0,
        rs1: 0,
        rs2: 0,
        imm: 0,
    };
}

pub const OPCODE_LOAD: u32 = 0x03;
pub const OPCODE_MISC_MEM: u32 = 0x0f;
pub const OPCODE_OP_IMM: u32 = 0x13;
pub const OPCODE_AUIPC: u32 = 0x17;
pub const OPCODE_STORE: u32 = 0x23;
pub const OPCODE_OP: u32 = 0x33;
pub const OPCODE_LUI: u32 = 0x37;
pub const OPCODE_BRANCH: u32 = 0x63;
pub const OPCODE_JALR: u32 = 0x67;
pub const OPCODE_JAL: u32 = 0x6f;
pub const OPCODE_SYSTEM: u32 = 0x73;

pub const ECALL_WORD: u32 = 0x0000_0073;
pub const EBREAK_WORD: u32 = 0x0010_0073;

#[inline]
pub fn imm_i(word: u32) -> u32 {
    ((word as i32) >> 20) as u32
}

#[inline]
pub fn imm_s(word: u32) -> u32 {
    ((((word as i32) >> 25) << 5) as u32) | ((word >> 7) & 0x1f)
}

#[inline]
pub fn imm_b(word: u32) -> u32 {
    ((((word as i32) >> 31) << 12) as u32)
        | ((word << 4) & 0x800)
        | ((word >> 20) & 0x7e0)
        | ((word >> 7) & 0x1e)
}

#[inline]
pub fn imm_u(word: u32) -> u32 {
    word & 0xffff_f000
}

#[inline]
pub fn imm_j(word: u32) -> u32 {
    ((((word as i32) >> 31) << 20) as u32)
        | (word & 0xf_f000)
        | ((word >> 9) & 0x800)
        | ((word >> 20) & 0x7fe)
}

pub fn decode(word: u32) -> Instr {
    let opcode = word & 0x7f;
    let rd = ((word >> 7) & 31) as u8;
    let funct3 = (word >> 12) & 7;
    let rs1 = ((word >> 15) & 31) as u8;
    let rs2 = ((word >> 20) & 31) as u8;
    let funct7 = word >> 25;
    let r = |op| Instr {
        op,
        rd,
        rs1,
        rs2,
        imm: 0,
    };
    let i = |op| Instr {
        op,
        rd,
        rs1,
        rs2: 0,
        imm: imm_i(word),
    };
    let s = |op| Instr {
        op,
        rd: 0,
        rs1,
        rs2,
        imm: imm_s(word),
    };
    let b = |op| Instr {
        op,
        rd: 0,
        rs1,
        rs2,
        imm: imm_b(word),
    };
    match opcode {
        OPCODE_LUI => Instr {
            op: Op::Lui,
            rd,
            rs1: 0,
            rs2: 0,
            imm: imm_u(word),
        },
        OPCODE_AUIPC => Instr {
            op: Op::Auipc,
            rd,
            rs1: 0,
            rs2: 0,
            imm: imm_u(word),
        },
        OPCODE_JAL => Instr {
            op: Op::Jal,
            rd,
            rs1: 0,
            rs2: 0,
            imm: imm_j(word),
        },
        OPCODE_JALR if funct3 == 0 => i(Op::Jalr),
        OPCODE_BRANCH => match funct3 {
            0 => b(Op::Beq),
            1 => b(Op::Bne),
            4 => b(Op::Blt),
            5 => b(Op::Bge),
            6 => b(Op::Bltu),
            7 => b(Op::Bgeu),
            _ => Instr::ILLEGAL,
        },
        OPCODE_LOAD => match funct3 {
            0 => i(Op::Lb),
            1 => i(Op::Lh),
            2 => i(Op::Lw),
            4 => i(Op::Lbu),
            5 => i(Op::Lhu),
            _ => Instr::ILLEGAL,
        },
        OPCODE_STORE => match funct3 {
            0 => s(Op::Sb),
            1 => s(Op::Sh),
            2 => s(Op::Sw),
            _ => Instr::ILLEGAL,
        },
        OPCODE_OP_IMM => match funct3 {
            0 => i(Op::Addi),
            2 => i(Op::Slti),
            3 => i(Op::Sltiu),
            4 => i(Op::Xori),
            6 => i(Op::Ori),
            7 => i(Op::Andi),
            1 if funct7 == 0 => Instr {
                op: Op::Slli,
                rd,
                rs1,
                rs2: 0,
                imm: u32::from(rs2),
            },
            5 if funct7 == 0 => Instr {
                op: Op::Srli,
                rd,
                rs1,
                rs2: 0,
                imm: u32::from(rs2),
            },
            5 if funct7 == 0x20 => Instr {
                op: Op::Srai,
                rd,
                rs1,
                rs2: 0,
                imm: u32::from(rs2),
            },
            _ => Instr::ILLEGAL,
        },
        OPCODE_OP => match (funct7, funct3) {
            (0, 0) => r(Op::Add),
            (0x20, 0) => r(Op::Sub),
            (0, 1) => r(Op::Sll),
            (0, 2) => r(Op::Slt),
            (0, 3) => r(Op::Sltu),
            (0, 4) => r(Op::Xor),
            (0, 5) => r(Op::Srl),
            (0x20, 5) => r(Op::Sra),
            (0, 6) => r(Op::Or),
            (0, 7) => r(Op::And),
            (1, 0) => r(Op::Mul),
            (1, 1) => r(Op::Mulh),
            (1, 2) => r(Op::Mulhsu),
            (1, 3) => r(Op::Mulhu),
            (1, 4) => r(Op::Div),
            (1, 5) => r(Op::Divu),
            (1, 6) => r(Op::Rem),
            (1, 7) => r(Op::Remu),
            _ => Instr::ILLEGAL,
        },
        // FENCE orders memory, which a single-hart machine already is; its
        // other fields are hints, so any values are accepted.
        OPCODE_MISC_MEM if funct3 == 0 => Instr {
            op: Op::Fence,
            rd: 0,
            rs1: 0,
            rs2: 0,
            imm: 0,
        },
        OPCODE_SYSTEM if word == ECALL_WORD => Instr {
            op: Op::Ecall,
            rd: 0,
            rs1: 0,
            rs2: 0,
            imm: 0,
        },
        OPCODE_SYSTEM if word == EBREAK_WORD => Instr {
            op: Op::Ebreak,
            rd: 0,
            rs1: 0,
            rs2: 0,
            imm: 0,
        },
        _ => Instr::ILLEGAL,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn immediates() {
        // addi x1, x2, -1
        assert_eq!(
            decode(0xfff1_0093),
            Instr {
                op: Op::Addi,
                rd: 1,
                rs1: 2,
                rs2: 0,
                imm: u32::MAX
            }
        );
        // sw x5, -4(x2)
        assert_eq!(
            decode(0xfe51_2e23),
            Instr {
                op: Op::Sw,
                rd: 0,
                rs1: 2,
                rs2: 5,
                imm: (-4i32) as u32
            }
        );
        // beq x0, x0, -8
        assert_eq!(decode(0xfe00_0ce3).imm, (-8i32) as u32);
        // jal x1, 2048
        assert_eq!(
            decode(0x0010_00ef),
            Instr {
                op: Op::Jal,
                rd: 1,
                rs1: 0,
                rs2: 0,
                imm: 2048
            }
        );
        // jal x0, -2
        assert_eq!(decode(0xfffff06f).imm, (-2i32) as u32);
        // lui x3, 0xfffff
        assert_eq!(decode(0xffff_f1b7).imm, 0xffff_f000);
        // bltu with the largest positive offset 4094
        assert_eq!(decode(0x7e00_efe3).imm, 4094);
    }

    #[test]
    fn reserved_fields_are_illegal() {
        assert_eq!(decode(0x0200_1093).op, Op::Illegal); // slli with shamt[5] set
        assert_eq!(decode(0x4000_1093).op, Op::Illegal); // slli with funct7 0x20
        assert_eq!(decode(0x8000_0033).op, Op::Illegal); // add with funct7 0x40
        assert_eq!(decode(0x0000_3003).op, Op::Illegal); // ld (RV64)
        assert_eq!(decode(0x0000_1067).op, Op::Illegal); // jalr funct3 1
        assert_eq!(decode(0x0000_0001).op, Op::Illegal); // compressed
        assert_eq!(decode(0x3400_2573).op, Op::Illegal); // csrr
        assert_eq!(decode(0x0000_100f).op, Op::Illegal); // fence.i (Zifencei is not RV32IM)
        assert_eq!(decode(0).op, Op::Illegal);
        assert_eq!(decode(u32::MAX).op, Op::Illegal);
        assert_eq!(decode(ECALL_WORD).op, Op::Ecall);
        assert_eq!(decode(EBREAK_WORD).op, Op::Ebreak);
        assert_eq!(decode(0x0ff0_000f).op, Op::Fence);
    }
}
