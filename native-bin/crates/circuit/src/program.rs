//! The program table: one row per distinct `(pc, instruction word)` a segment
//! executes, with the word decoded. The CPU looks up every fetch here, so the
//! decoding constraints run once per distinct instruction, not once per cycle.
//!
//! A row's word is split into 32 bits; exactly one operation flag is set, and
//! that flag pins every bit its encoding fixes. The accepted words are exactly
//! those `bento_vm::decode` accepts, minus EBREAK and JAL with a misaligned
//! offset, which always fault: a word the executor cannot run has no row.

use bento_stark::{
    Air, AirBuilder, BaseAir, Field, InteractionBuilder, PrimeCharacteristicRing, RowMajorMatrix,
    WindowAccess, F,
};
use bento_vm::decode::{decode, Op};

use crate::buses::{AluOp, BYTE_PAIR, PROGRAM};
use crate::columns::{columns, Columns};

/// The operations a program row may decode to, in flag order.
pub const OPS: [Op; 47] = {
    // Every operation but EBREAK and Illegal, which no program row decodes to.
    let mut ops = [Op::Lui; 47];
    let mut i = 0;
    while i < ops.len() {
        ops[i] = Op::ALL[i];
        i += 1;
    }
    ops
};

/// The CPU's view of an instruction: bit i of the packed flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Flag {
    Add,
    Sub,
    Chip,
    Lui,
    Auipc,
    Jal,
    Jalr,
    Branch,
    LoadB,
    LoadH,
    LoadW,
    StoreB,
    StoreH,
    StoreW,
    Fence,
    Ecall,
    ImmOperand,
    LoadSigned,
    RdZero,
    ImmMisaligned,
}

pub const NUM_FLAGS: usize = 20;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    R,
    I,
    Shamt,
    S,
    B,
    U,
    J,
    None,
}

struct OpInfo {
    opcode: u32,
    funct3: Option<u32>,
    funct7: Option<u32>,
    format: Format,
    rd: bool,
    rs1: bool,
    rs2: bool,
    flags: &'static [Flag],
    alu: Option<AluOp>,
}

/// Opcode, funct3, funct7, format, flags and ALU operation of an instruction.
type Encoding = (
    u32,
    Option<u32>,
    Option<u32>,
    Format,
    &'static [Flag],
    Option<AluOp>,
);

const fn info(op: Op) -> OpInfo {
    use Flag::*;
    use Format as Fm;
    let (opcode, funct3, funct7, format, flags, alu): Encoding = match op {
        Op::Lui => (0x37, None, None, Fm::U, &[Lui], None),
        Op::Auipc => (0x17, None, None, Fm::U, &[Auipc], None),
        Op::Jal => (0x6f, None, None, Fm::J, &[Jal], None),
        Op::Jalr => (0x67, Some(0), None, Fm::I, &[Jalr], None),
        Op::Beq => (0x63, Some(0), None, Fm::B, &[Branch], Some(AluOp::Eq)),
        Op::Bne => (0x63, Some(1), None, Fm::B, &[Branch], Some(AluOp::Ne)),
        Op::Blt => (0x63, Some(4), None, Fm::B, &[Branch], Some(AluOp::Lt)),
        Op::Bge => (0x63, Some(5), None, Fm::B, &[Branch], Some(AluOp::Ge)),
        Op::Bltu => (0x63, Some(6), None, Fm::B, &[Branch], Some(AluOp::Ltu)),
        Op::Bgeu => (0x63, Some(7), None, Fm::B, &[Branch], Some(AluOp::Geu)),
        Op::Lb => (0x03, Some(0), None, Fm::I, &[LoadB, LoadSigned], None),
        Op::Lh => (0x03, Some(1), None, Fm::I, &[LoadH, LoadSigned], None),
        Op::Lw => (0x03, Some(2), None, Fm::I, &[LoadW], None),
        Op::Lbu => (0x03, Some(4), None, Fm::I, &[LoadB], None),
        Op::Lhu => (0x03, Some(5), None, Fm::I, &[LoadH], None),
        Op::Sb => (0x23, Some(0), None, Fm::S, &[StoreB], None),
        Op::Sh => (0x23, Some(1), None, Fm::S, &[StoreH], None),
        Op::Sw => (0x23, Some(2), None, Fm::S, &[StoreW], None),
        Op::Addi => (0x13, Some(0), None, Fm::I, &[Add, ImmOperand], None),
        Op::Slti => (
            0x13,
            Some(2),
            None,
            Fm::I,
            &[Chip, ImmOperand],
            Some(AluOp::Lt),
        ),
        Op::Sltiu => (
            0x13,
            Some(3),
            None,
            Fm::I,
            &[Chip, ImmOperand],
            Some(AluOp::Ltu),
        ),
        Op::Xori => (
            0x13,
            Some(4),
            None,
            Fm::I,
            &[Chip, ImmOperand],
            Some(AluOp::Xor),
        ),
        Op::Ori => (
            0x13,
            Some(6),
            None,
            Fm::I,
            &[Chip, ImmOperand],
            Some(AluOp::Or),
        ),
        Op::Andi => (
            0x13,
            Some(7),
            None,
            Fm::I,
            &[Chip, ImmOperand],
            Some(AluOp::And),
        ),
        Op::Slli => (
            0x13,
            Some(1),
            Some(0),
            Fm::Shamt,
            &[Chip, ImmOperand],
            Some(AluOp::Sll),
        ),
        Op::Srli => (
            0x13,
            Some(5),
            Some(0),
            Fm::Shamt,
            &[Chip, ImmOperand],
            Some(AluOp::Srl),
        ),
        Op::Srai => (
            0x13,
            Some(5),
            Some(0x20),
            Fm::Shamt,
            &[Chip, ImmOperand],
            Some(AluOp::Sra),
        ),
        Op::Add => (0x33, Some(0), Some(0), Fm::R, &[Add], None),
        Op::Sub => (0x33, Some(0), Some(0x20), Fm::R, &[Sub], None),
        Op::Sll => (0x33, Some(1), Some(0), Fm::R, &[Chip], Some(AluOp::Sll)),
        Op::Slt => (0x33, Some(2), Some(0), Fm::R, &[Chip], Some(AluOp::Lt)),
        Op::Sltu => (0x33, Some(3), Some(0), Fm::R, &[Chip], Some(AluOp::Ltu)),
        Op::Xor => (0x33, Some(4), Some(0), Fm::R, &[Chip], Some(AluOp::Xor)),
        Op::Srl => (0x33, Some(5), Some(0), Fm::R, &[Chip], Some(AluOp::Srl)),
        Op::Sra => (0x33, Some(5), Some(0x20), Fm::R, &[Chip], Some(AluOp::Sra)),
        Op::Or => (0x33, Some(6), Some(0), Fm::R, &[Chip], Some(AluOp::Or)),
        Op::And => (0x33, Some(7), Some(0), Fm::R, &[Chip], Some(AluOp::And)),
        Op::Mul => (0x33, Some(0), Some(1), Fm::R, &[Chip], Some(AluOp::Mul)),
        Op::Mulh => (0x33, Some(1), Some(1), Fm::R, &[Chip], Some(AluOp::Mulh)),
        Op::Mulhsu => (0x33, Some(2), Some(1), Fm::R, &[Chip], Some(AluOp::Mulhsu)),
        Op::Mulhu => (0x33, Some(3), Some(1), Fm::R, &[Chip], Some(AluOp::Mulhu)),
        Op::Div => (0x33, Some(4), Some(1), Fm::R, &[Chip], Some(AluOp::Div)),
        Op::Divu => (0x33, Some(5), Some(1), Fm::R, &[Chip], Some(AluOp::Divu)),
        Op::Rem => (0x33, Some(6), Some(1), Fm::R, &[Chip], Some(AluOp::Rem)),
        Op::Remu => (0x33, Some(7), Some(1), Fm::R, &[Chip], Some(AluOp::Remu)),
        Op::Fence => (0x0f, Some(0), None, Fm::None, &[Fence], None),
        Op::Ecall => (0x73, Some(0), None, Fm::None, &[Ecall], None),
        Op::Ebreak | Op::Illegal => (0, None, None, Fm::None, &[], None),
    };
    let rd = matches!(format, Fm::R | Fm::I | Fm::Shamt | Fm::U | Fm::J);
    let rs1 = matches!(format, Fm::R | Fm::I | Fm::Shamt | Fm::S | Fm::B);
    let rs2 = matches!(format, Fm::R | Fm::S | Fm::B);
    OpInfo {
        opcode,
        funct3,
        funct7,
        format,
        rd,
        rs1,
        rs2,
        flags,
        alu,
    }
}

/// Bits of the word every encoding of `op` fixes, as (position, value).
fn fixed_bits(op: Op) -> Vec<(usize, u32)> {
    let i = info(op);
    if op == Op::Ecall {
        return (0..32)
            .map(|b| (b, (bento_vm::decode::ECALL_WORD >> b) & 1))
            .collect();
    }
    let mut bits: Vec<(usize, u32)> = (0..7).map(|b| (b, (i.opcode >> b) & 1)).collect();
    if let Some(f3) = i.funct3 {
        bits.extend((0..3).map(|b| (12 + b, (f3 >> b) & 1)));
    }
    if let Some(f7) = i.funct7 {
        bits.extend((0..7).map(|b| (25 + b, (f7 >> b) & 1)));
    }
    if op == Op::Jal {
        // Offset bit 1: a JAL with a misaligned offset always faults.
        bits.push((21, 0));
    }
    bits
}

/// Where bit `n` of the (sign-extended) immediate comes from in the word.
fn imm_source(format: Format, n: usize) -> Option<usize> {
    match format {
        Format::I => Some(if n < 11 { 20 + n } else { 31 }),
        Format::Shamt => (n < 5).then_some(20 + n),
        Format::S => Some(match n {
            0..=4 => 7 + n,
            5..=10 => 20 + n,
            _ => 31,
        }),
        Format::B => match n {
            0 => None,
            1..=4 => Some(7 + n),
            5..=10 => Some(20 + n),
            11 => Some(7),
            _ => Some(31),
        },
        Format::U => (n >= 12).then_some(n),
        Format::J => match n {
            0 => None,
            1..=10 => Some(20 + n),
            11 => Some(20),
            12..=19 => Some(n),
            _ => Some(31),
        },
        Format::R | Format::None => None,
    }
}

#[repr(C)]
pub struct ProgramCols<T> {
    pub pc: T,
    /// Bytes of the byte address 4·pc: (4·pc_low, b1, b2, b3), pc_low < 64.
    pub pc_low: T,
    pub pc_bytes: [T; 3],
    pub bits: [T; 32],
    pub ops: [T; 47],
    pub rs1: T,
    pub rs2: T,
    pub rd: T,
    pub rd_zero: T,
    pub rd_inv: T,
    pub mult: T,
}

columns!(ProgramCols);

#[derive(Clone, Debug)]
pub struct ProgramAir;

impl BaseAir<F> for ProgramAir {
    fn width(&self) -> usize {
        ProgramCols::<F>::WIDTH
    }

    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

/// What the CPU receives for a fetch: (pc, word bytes, pc bytes, rs1, rs2, rd,
/// immediate bytes, immediate/4 as a signed field element, ALU op, packed flags).
pub const MESSAGE_WIDTH: usize = 19;

impl<AB: AirBuilder<F = F> + InteractionBuilder> Air<AB> for ProgramAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let c = ProgramCols::view(main.current_slice());
        let e = |v: AB::Var| -> AB::Expr { v.into() };
        let k = |x: u32| AB::Expr::from_u32(x);

        for &b in &c.bits {
            builder.assert_bool(b);
        }
        let mut one_hot = AB::Expr::ZERO;
        for &f in &c.ops {
            builder.assert_bool(f);
            one_hot += e(f);
        }
        builder.assert_one(one_hot);
        for (i, &op) in OPS.iter().enumerate() {
            for (pos, value) in fixed_bits(op) {
                builder.assert_zero(e(c.ops[i]) * (e(c.bits[pos]) - k(value)));
            }
        }

        // pc = pc_low + 64·b1 + 2^14·b2 + 2^22·b3, with every byte checked.
        builder.assert_eq(
            c.pc,
            e(c.pc_low)
                + e(c.pc_bytes[0]) * k(64)
                + e(c.pc_bytes[1]) * k(1 << 14)
                + e(c.pc_bytes[2]) * k(1 << 22),
        );
        BYTE_PAIR.lookup_key(builder, [c.pc_low, c.pc_bytes[0]], 1);
        BYTE_PAIR.lookup_key(builder, [c.pc_bytes[1], c.pc_bytes[2]], 1);
        BYTE_PAIR.lookup_key(builder, [e(c.pc_low) * k(4), e(c.pc_bytes[2]) * k(16)], 1);

        let field = |range: std::ops::Range<usize>| -> AB::Expr {
            range.enumerate().fold(AB::Expr::ZERO, |acc, (j, bit)| {
                acc + e(c.bits[bit]) * k(1 << j)
            })
        };
        let any = |pred: &dyn Fn(&OpInfo) -> bool| -> AB::Expr {
            OPS.iter()
                .enumerate()
                .filter(|(_, &op)| pred(&info(op)))
                .fold(AB::Expr::ZERO, |acc, (i, _)| acc + e(c.ops[i]))
        };
        let ecall = e(c.ops[46]);
        builder.assert_eq(c.rd, any(&|i| i.rd) * field(7..12) + ecall.clone() * k(10));
        builder.assert_eq(
            c.rs1,
            any(&|i| i.rs1) * field(15..20) + ecall.clone() * k(17),
        );
        builder.assert_eq(c.rs2, any(&|i| i.rs2) * field(20..25) + ecall * k(11));
        builder.assert_bool(c.rd_zero);
        builder.assert_zero(e(c.rd) * e(c.rd_zero));
        builder
            .assert_zero((AB::Expr::ONE - e(c.rd_zero)) * (e(c.rd) * e(c.rd_inv) - AB::Expr::ONE));

        // Immediate bits, by format.
        let formats = [
            Format::I,
            Format::Shamt,
            Format::S,
            Format::B,
            Format::U,
            Format::J,
        ];
        let fmt_flag: Vec<AB::Expr> = formats.iter().map(|&f| any(&|i| i.format == f)).collect();
        let imm_bit = |n: usize| -> AB::Expr {
            formats
                .iter()
                .zip(&fmt_flag)
                .fold(AB::Expr::ZERO, |acc, (&f, flag)| match imm_source(f, n) {
                    Some(src) => acc + flag.clone() * e(c.bits[src]),
                    None => acc,
                })
        };
        let imm: Vec<AB::Expr> = (0..4)
            .map(|j| {
                (0..8).fold(AB::Expr::ZERO, |acc, b| {
                    acc + imm_bit(8 * j + b) * k(1 << b)
                })
            })
            .collect();
        // Branch and jump offsets in words: floor(imm / 4), signed.
        let bj = fmt_flag[3].clone() + fmt_flag[5].clone();
        let mut imm_w = AB::Expr::ZERO;
        for n in 2..31 {
            imm_w += imm_bit(n) * k(1 << (n - 2));
        }
        imm_w -= imm_bit(31) * k(1 << 29);
        let imm_w = bj * imm_w;

        let alu = OPS
            .iter()
            .enumerate()
            .fold(AB::Expr::ZERO, |acc, (i, &op)| match info(op).alu {
                Some(a) => acc + e(c.ops[i]) * k(a.id()),
                None => acc,
            });
        let mut packed = AB::Expr::ZERO;
        for (i, &op) in OPS.iter().enumerate() {
            let bits: u32 = info(op).flags.iter().fold(0, |acc, &f| acc | 1 << f as u32);
            packed += e(c.ops[i]) * k(bits);
        }
        packed += e(c.rd_zero) * k(1 << Flag::RdZero as u32);
        packed += fmt_flag[3].clone() * e(c.bits[8]) * k(1 << Flag::ImmMisaligned as u32);

        let word: Vec<AB::Expr> = (0..4).map(|j| field(8 * j..8 * j + 8)).collect();
        let pc_bytes = [
            e(c.pc_low) * k(4),
            e(c.pc_bytes[0]),
            e(c.pc_bytes[1]),
            e(c.pc_bytes[2]),
        ];
        let message: Vec<AB::Expr> = std::iter::once(e(c.pc))
            .chain(word)
            .chain(pc_bytes)
            .chain([e(c.rs1), e(c.rs2), e(c.rd)])
            .chain(imm)
            .chain([imm_w, alu, packed])
            .collect();
        debug_assert_eq!(message.len(), MESSAGE_WIDTH);
        PROGRAM.table_entry(builder, message, c.mult);
    }
}

/// What the program table says about one fetched instruction (the trace side).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decoded {
    pub op_index: usize,
    pub rs1: u32,
    pub rs2: u32,
    pub rd: u32,
    pub imm: u32,
    pub imm_w: i64,
    pub alu: u32,
    pub flags: u32,
}

impl Decoded {
    pub fn has(&self, flag: Flag) -> bool {
        self.flags >> flag as u32 & 1 == 1
    }
}

/// Decodes as the table does; `None` for words no row can hold.
pub fn decode_row(word: u32) -> Option<Decoded> {
    let op = decode(word).op;
    if !OPS.contains(&op)
        || fixed_bits(op)
            .iter()
            .any(|&(pos, v)| (word >> pos) & 1 != v)
    {
        return None;
    }
    Some(decode_as(word, op))
}

/// The decoding of a word the executor ran. Honest runs run only words the
/// table decodes; a forging run (feature `forge`) also runs words the
/// executor refuses, and its prover claims them as the instruction they ran
/// as — no-ops as FENCE —, which the table's constraints then refuse.
pub(crate) fn decode_fetched(word: u32) -> Decoded {
    #[cfg(feature = "forge")]
    if decode_row(word).is_none() {
        let op = decode(word).op;
        return decode_as(word, if OPS.contains(&op) { op } else { Op::Fence });
    }
    decode_row(word).expect("executed words decode")
}

/// The fields of `word` read as an `op` instruction, whatever its fixed bits hold.
fn decode_as(word: u32, op: Op) -> Decoded {
    let op_index = OPS
        .iter()
        .position(|&o| o == op)
        .expect("an operation of the table");
    let i = info(op);
    let field = |lo: u32, hi: u32| (word >> lo) & ((1 << (hi - lo)) - 1);
    let rd = if i.rd {
        field(7, 12)
    } else if op == Op::Ecall {
        10
    } else {
        0
    };
    let rs1 = if i.rs1 {
        field(15, 20)
    } else if op == Op::Ecall {
        17
    } else {
        0
    };
    let rs2 = if i.rs2 {
        field(20, 25)
    } else if op == Op::Ecall {
        11
    } else {
        0
    };
    let imm = (0..32).fold(0u32, |acc, n| match imm_source(i.format, n) {
        Some(src) => acc | ((word >> src) & 1) << n,
        None => acc,
    });
    let imm_w = if matches!(i.format, Format::B | Format::J) {
        (imm as i32 as i64) >> 2
    } else {
        0
    };
    let mut flags = i.flags.iter().fold(0u32, |acc, &f| acc | 1 << f as u32);
    if rd == 0 {
        flags |= 1 << Flag::RdZero as u32;
    }
    if i.format == Format::B && (word >> 8) & 1 == 1 {
        flags |= 1 << Flag::ImmMisaligned as u32;
    }
    Decoded {
        op_index,
        rs1,
        rs2,
        rd,
        imm,
        imm_w,
        alu: i.alu.map_or(0, AluOp::id),
        flags,
    }
}

/// The program table's trace: one row per distinct `(pc, word)` with its fetch count.
pub fn trace(rows: &[((u32, u32), u32)], min_height: usize) -> RowMajorMatrix<F> {
    let w = ProgramCols::<F>::WIDTH;
    let height = rows.len().max(min_height).next_power_of_two();
    let mut values = F::zero_vec(height * w);
    for (r, row) in values.chunks_exact_mut(w).enumerate() {
        // Padding repeats the first row with no lookups.
        let &((pc, word), mult) = rows.get(r).unwrap_or(&rows[0]);
        let mult = if r < rows.len() { mult } else { 0 };
        let d = decode_fetched(word);
        let c = ProgramCols::view_mut(row);
        c.pc = F::from_u32(pc);
        c.pc_low = F::from_u32(pc & 63);
        for j in 0..3 {
            c.pc_bytes[j] = F::from_u32(((4 * pc) >> (8 * (j + 1))) & 255);
        }
        for b in 0..32 {
            c.bits[b] = F::from_u32((word >> b) & 1);
        }
        c.ops[d.op_index] = F::ONE;
        c.rs1 = F::from_u32(d.rs1);
        c.rs2 = F::from_u32(d.rs2);
        c.rd = F::from_u32(d.rd);
        c.rd_zero = F::from_bool(d.rd == 0);
        c.rd_inv = if d.rd == 0 {
            F::ZERO
        } else {
            F::from_u32(d.rd).inverse()
        };
        c.mult = F::from_u32(mult);
    }
    RowMajorMatrix::new(values, w)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table must accept only words the executor runs, as the operation
    /// the executor runs them as: otherwise a prover could prove an illegal
    /// instruction, or one instruction as another.
    #[test]
    fn each_row_decodes_as_the_executor_does() {
        // No word can carry the fixed bits of two operations.
        for (i, &a) in OPS.iter().enumerate() {
            for &b in &OPS[i + 1..] {
                let (fa, fb) = (fixed_bits(a), fixed_bits(b));
                let clash = fa
                    .iter()
                    .any(|&(pos, v)| fb.iter().any(|&(q, w)| q == pos && w != v));
                assert!(clash, "{a:?} and {b:?} can share a word");
            }
        }
        // Any word with an operation's fixed bits is that operation to the executor.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for (i, &op) in OPS.iter().enumerate() {
            for _ in 0..20_000 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let mut word = state as u32;
                for (pos, v) in fixed_bits(op) {
                    word = (word & !(1 << pos)) | v << pos;
                }
                assert_eq!(decode(word).op, op, "{word:#010x}");
                assert_eq!(
                    decode_row(word).map(|d| d.op_index),
                    Some(i),
                    "{word:#010x}"
                );
            }
        }
    }
}
