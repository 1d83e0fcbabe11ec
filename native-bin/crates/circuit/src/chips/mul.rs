//! MUL, MULH, MULHSU, MULHU: the 64-bit product of the operands extended to
//! eight bytes (sign-extended where the operation reads them as signed),
//! computed as a byte convolution with carries. MUL takes the low word, the
//! others the high one.

use bento_stark::{
    Air, AirBuilder, Count, InteractionBuilder, PrimeCharacteristicRing, RowMajorMatrix,
    WindowAccess, F,
};

use super::{bytes, chip_rows, AluCall};
use crate::buses::{AluOp, ALU, BYTE_PAIR, RANGE16};
use crate::chips::{chip_air, selectors};
use crate::columns::{columns, Columns};
use crate::range::RangeCounts;

const OPS: [AluOp; 4] = [AluOp::Mul, AluOp::Mulh, AluOp::Mulhsu, AluOp::Mulhu];

#[repr(C)]
pub struct MulCols<T> {
    pub ops: [T; 4],
    pub a: [T; 4],
    pub b: [T; 4],
    pub sign_a: T,
    pub rest_a: T,
    pub sign_b: T,
    pub rest_b: T,
    /// The extension bytes: 255 when the operand is read as signed and negative.
    pub ext_a: T,
    pub ext_b: T,
    pub product: [T; 8],
    pub carry: [T; 8],
    pub result: [T; 4],
}

columns!(MulCols);

#[derive(Clone, Debug)]
pub struct MulAir;

chip_air!(MulAir, MulCols);

impl<AB: AirBuilder<F = F> + InteractionBuilder> Air<AB> for MulAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let c = MulCols::view(main.current_slice());
        let e = |v: AB::Var| -> AB::Expr { v.into() };
        let k = |x: u32| AB::Expr::from_u32(x);
        let (real, op_id) = selectors(builder, &c.ops, &OPS);
        let [mul, mulh, mulhsu, mulhu] = c.ops.map(&e);
        let count = || Count::bounded(real.clone(), 1);

        builder.assert_bool(c.sign_a);
        builder.assert_bool(c.sign_b);
        builder.assert_eq(c.a[3], e(c.sign_a) * k(128) + e(c.rest_a));
        builder.assert_eq(c.b[3], e(c.sign_b) * k(128) + e(c.rest_b));
        BYTE_PAIR.lookup_key(builder, [e(c.rest_a) * k(2), e(c.rest_b) * k(2)], count());
        builder.assert_eq(
            c.ext_a,
            e(c.sign_a) * (mulh.clone() + mulhsu.clone()) * k(255),
        );
        builder.assert_eq(c.ext_b, e(c.sign_b) * mulh.clone() * k(255));

        let ax = |i: usize| if i < 4 { e(c.a[i]) } else { e(c.ext_a) };
        let bx = |i: usize| if i < 4 { e(c.b[i]) } else { e(c.ext_b) };
        let mut carry_in = AB::Expr::ZERO;
        for j in 0..8 {
            let z = (0..=j).fold(AB::Expr::ZERO, |acc, i| acc + ax(i) * bx(j - i));
            builder.assert_zero(z + carry_in - e(c.product[j]) - e(c.carry[j]) * k(256));
            carry_in = e(c.carry[j]);
            RANGE16.lookup_key(builder, [c.carry[j]], count());
        }
        for j in 0..4 {
            BYTE_PAIR.lookup_key(builder, [c.product[2 * j], c.product[2 * j + 1]], count());
            let high = mulh.clone() + mulhsu.clone() + mulhu.clone();
            builder.assert_eq(
                c.result[j],
                mul.clone() * e(c.product[j]) + high * e(c.product[j + 4]),
            );
        }
        let message = std::iter::once(op_id)
            .chain(c.a.map(e))
            .chain(c.b.map(e))
            .chain(c.result.map(e));
        ALU.table_entry(builder, message, real);
    }
}

/// The eight-byte operands, the product's bytes and the convolution's carries.
pub(crate) fn convolve(a: [u64; 8], b: [u64; 8], add: [u64; 8]) -> ([u64; 8], [u64; 8]) {
    let (mut product, mut carries) = ([0u64; 8], [0u64; 8]);
    let mut carry = 0u64;
    for j in 0..8 {
        let z: u64 = (0..=j).map(|i| a[i] * b[j - i]).sum::<u64>() + add[j] + carry;
        product[j] = z & 255;
        carry = z >> 8;
        carries[j] = carry;
    }
    (product, carries)
}

pub(crate) fn extend(x: u32, signed: bool) -> [u64; 8] {
    let ext = if signed && x >> 31 == 1 { 255 } else { 0 };
    std::array::from_fn(|i| {
        if i < 4 {
            u64::from((x >> (8 * i)) & 255)
        } else {
            ext
        }
    })
}

pub fn trace(calls: &[AluCall], counts: &mut RangeCounts, min_height: usize) -> RowMajorMatrix<F> {
    let w = MulCols::<F>::WIDTH;
    let (_, mut values) = chip_rows(calls.len(), w, min_height);
    for (row, call) in values.chunks_exact_mut(w).zip(calls) {
        let c = MulCols::view_mut(row);
        c.ops[OPS
            .iter()
            .position(|&o| o == call.op)
            .expect("a multiplication")] = F::ONE;
        c.a = bytes(call.a);
        c.b = bytes(call.b);
        let signed_a = matches!(call.op, AluOp::Mulh | AluOp::Mulhsu);
        let signed_b = call.op == AluOp::Mulh;
        let (a3, b3) = (call.a >> 24, call.b >> 24);
        c.sign_a = F::from_u32(a3 >> 7);
        c.rest_a = F::from_u32(a3 & 127);
        c.sign_b = F::from_u32(b3 >> 7);
        c.rest_b = F::from_u32(b3 & 127);
        counts.pair(2 * (a3 & 127), 2 * (b3 & 127));
        let (ea, eb) = (extend(call.a, signed_a), extend(call.b, signed_b));
        c.ext_a = F::from_u64(ea[4]);
        c.ext_b = F::from_u64(eb[4]);
        let (product, carries) = convolve(ea, eb, [0; 8]);
        for j in 0..8 {
            c.product[j] = F::from_u64(product[j]);
            c.carry[j] = F::from_u64(carries[j]);
            counts.range16(carries[j] as u32);
        }
        for j in 0..4 {
            counts.pair(product[2 * j] as u32, product[2 * j + 1] as u32);
        }
        c.result = bytes(call.result());
    }
    RowMajorMatrix::new(values, w)
}
