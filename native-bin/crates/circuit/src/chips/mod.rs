//! ALU chips: tables that answer the CPU's `(op, a, b, result)` lookups on the
//! ALU bus, one row per operation the segment performed. Operands arrive as
//! bytes the CPU has already validated; each chip proves its result from them.

pub mod bitwise;
pub mod compare;
pub mod div;
pub mod mul;
pub mod shift;

use bento_stark::{AirBuilder, PrimeCharacteristicRing, F};

use crate::buses::AluOp;

/// One operation the CPU asked a chip for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AluCall {
    pub op: AluOp,
    pub a: u32,
    pub b: u32,
}

impl AluCall {
    /// The answer, as RISC-V defines it (the executor computes the same).
    pub fn result(&self) -> u32 {
        let (a, b) = (self.a, self.b);
        match self.op {
            AluOp::Eq => u32::from(a == b),
            AluOp::Ne => u32::from(a != b),
            AluOp::Lt => u32::from((a as i32) < (b as i32)),
            AluOp::Ge => u32::from((a as i32) >= (b as i32)),
            AluOp::Ltu => u32::from(a < b),
            AluOp::Geu => u32::from(a >= b),
            AluOp::And => a & b,
            AluOp::Or => a | b,
            AluOp::Xor => a ^ b,
            AluOp::Sll => a << (b & 31),
            AluOp::Srl => a >> (b & 31),
            AluOp::Sra => ((a as i32) >> (b & 31)) as u32,
            AluOp::Mul => a.wrapping_mul(b),
            AluOp::Mulh => ((i64::from(a as i32) * i64::from(b as i32)) >> 32) as u32,
            AluOp::Mulhsu => ((i64::from(a as i32) * i64::from(b)) >> 32) as u32,
            AluOp::Mulhu => ((u64::from(a) * u64::from(b)) >> 32) as u32,
            AluOp::Div => match (a as i32, b as i32) {
                (_, 0) => u32::MAX,
                (i32::MIN, -1) => a,
                (x, y) => (x / y) as u32,
            },
            AluOp::Divu => a.checked_div(b).unwrap_or(u32::MAX),
            AluOp::Rem => match (a as i32, b as i32) {
                (_, 0) => a,
                (i32::MIN, -1) => 0,
                (x, y) => (x % y) as u32,
            },
            AluOp::Remu => a.checked_rem(b).unwrap_or(a),
        }
    }
}

pub(crate) fn bytes(x: u32) -> [F; 4] {
    x.to_le_bytes().map(F::from_u8)
}

/// Rows for `calls` padded with zeros to a power of two (at least `min_height`).
pub(crate) fn chip_rows(calls: usize, width: usize, min_height: usize) -> (usize, Vec<F>) {
    let height = calls.max(min_height).next_power_of_two();
    (height, F::zero_vec(height * width))
}

/// A chip row's operation selectors: each boolean, at most one set. Returns
/// whether the row holds an operation, and that operation's ALU id.
pub(crate) fn selectors<AB: AirBuilder<F = F>>(
    builder: &mut AB,
    ops: &[AB::Var],
    ids: &[AluOp],
) -> (AB::Expr, AB::Expr) {
    let mut real = AB::Expr::ZERO;
    let mut op_id = AB::Expr::ZERO;
    for (&f, op) in ops.iter().zip(ids) {
        builder.assert_bool(f);
        real += f.into();
        op_id += f.into() * AB::Expr::from_u32(op.id());
    }
    builder.assert_bool(real.clone());
    (real, op_id)
}

/// A chip's `BaseAir`: its columns' width, and no reads of the next row.
macro_rules! chip_air {
    ($air:ident, $cols:ident) => {
        impl bento_stark::BaseAir<F> for $air {
            fn width(&self) -> usize {
                $cols::<F>::WIDTH
            }

            fn main_next_row_columns(&self) -> Vec<usize> {
                vec![]
            }
        }
    };
}
pub(crate) use chip_air;
