//! Comparisons: EQ, NE, LT, GE, LTU, GEU (SLT/SLTU and branches).
//! `a - b` is computed byte-wise with borrows: the last borrow is `a < b`
//! unsigned; the difference is zero exactly when `a = b`; the signed order
//! follows from the sign bits.

use bento_stark::{
    Air, AirBuilder, Count, Field, InteractionBuilder, PrimeCharacteristicRing, RowMajorMatrix,
    WindowAccess, F,
};

use super::{bytes, chip_rows, AluCall};
use crate::buses::{AluOp, ALU, BYTE_PAIR};
use crate::chips::{chip_air, selectors};
use crate::columns::{columns, Columns};
use crate::range::RangeCounts;

const OPS: [AluOp; 6] = [
    AluOp::Eq,
    AluOp::Ne,
    AluOp::Lt,
    AluOp::Ge,
    AluOp::Ltu,
    AluOp::Geu,
];

#[repr(C)]
pub struct CompareCols<T> {
    pub ops: [T; 6],
    pub a: [T; 4],
    pub b: [T; 4],
    pub diff: [T; 4],
    pub borrow: [T; 4],
    pub sign_a: T,
    pub rest_a: T,
    pub sign_b: T,
    pub rest_b: T,
    pub eq: T,
    pub z_inv: T,
    pub lt: T,
    pub result: T,
}

columns!(CompareCols);

#[derive(Clone, Debug)]
pub struct CompareAir;

chip_air!(CompareAir, CompareCols);

impl<AB: AirBuilder<F = F> + InteractionBuilder> Air<AB> for CompareAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let c = CompareCols::view(main.current_slice());
        let e = |v: AB::Var| -> AB::Expr { v.into() };
        let k = |x: u32| AB::Expr::from_u32(x);
        let one = || AB::Expr::ONE;

        let (real, op_id) = selectors(builder, &c.ops, &OPS);

        let mut borrow_in = AB::Expr::ZERO;
        for i in 0..4 {
            builder.assert_bool(c.borrow[i]);
            builder.assert_zero(
                e(c.a[i]) - e(c.b[i]) - borrow_in - e(c.diff[i]) + e(c.borrow[i]) * k(256),
            );
            borrow_in = e(c.borrow[i]);
        }
        BYTE_PAIR.lookup_key(
            builder,
            [c.diff[0], c.diff[1]],
            Count::bounded(real.clone(), 1),
        );
        BYTE_PAIR.lookup_key(
            builder,
            [c.diff[2], c.diff[3]],
            Count::bounded(real.clone(), 1),
        );
        let ltu = e(c.borrow[3]);

        let z = e(c.diff[0]) + e(c.diff[1]) * k(256) + e(c.diff[2]) + e(c.diff[3]) * k(256);
        builder.assert_bool(c.eq);
        builder.assert_zero(e(c.eq) * z.clone());
        builder.assert_zero((one() - e(c.eq)) * (z * e(c.z_inv) - one()));

        builder.assert_bool(c.sign_a);
        builder.assert_bool(c.sign_b);
        builder.assert_eq(c.a[3], e(c.sign_a) * k(128) + e(c.rest_a));
        builder.assert_eq(c.b[3], e(c.sign_b) * k(128) + e(c.rest_b));
        BYTE_PAIR.lookup_key(
            builder,
            [e(c.rest_a) * k(2), e(c.rest_b) * k(2)],
            Count::bounded(real.clone(), 1),
        );
        // Signed: the unsigned order when the signs agree, else a < b iff a is negative.
        let (sa, sb) = (e(c.sign_a), e(c.sign_b));
        let same = one() - sa.clone() - sb.clone() + sa.clone() * sb.clone() * k(2);
        builder.assert_eq(c.lt, ltu.clone() * same + sa * (one() - sb));

        let [f_eq, f_ne, f_lt, f_ge, f_ltu, f_geu] = c.ops.map(&e);
        let result = f_eq * e(c.eq)
            + f_ne * (one() - e(c.eq))
            + f_lt * e(c.lt)
            + f_ge * (one() - e(c.lt))
            + f_ltu * ltu.clone()
            + f_geu * (one() - ltu);
        builder.assert_eq(c.result, result);

        let message = [
            op_id,
            e(c.a[0]),
            e(c.a[1]),
            e(c.a[2]),
            e(c.a[3]),
            e(c.b[0]),
            e(c.b[1]),
            e(c.b[2]),
            e(c.b[3]),
            e(c.result),
            AB::Expr::ZERO,
            AB::Expr::ZERO,
            AB::Expr::ZERO,
        ];
        ALU.table_entry(builder, message, real);
    }
}

pub fn trace(calls: &[AluCall], counts: &mut RangeCounts, min_height: usize) -> RowMajorMatrix<F> {
    let w = CompareCols::<F>::WIDTH;
    let (_, mut values) = chip_rows(calls.len(), w, min_height);
    for (row, call) in values.chunks_exact_mut(w).zip(calls) {
        let c = CompareCols::view_mut(row);
        let op = OPS
            .iter()
            .position(|&o| o == call.op)
            .expect("a comparison");
        c.ops[op] = F::ONE;
        c.a = bytes(call.a);
        c.b = bytes(call.b);
        let (a, b) = (call.a.to_le_bytes(), call.b.to_le_bytes());
        let mut borrow = 0i32;
        let mut diff = [0u32; 4];
        for i in 0..4 {
            let d = i32::from(a[i]) - i32::from(b[i]) - borrow;
            borrow = i32::from(d < 0);
            diff[i] = (d + 256 * borrow) as u32;
            c.diff[i] = F::from_u32(diff[i]);
            c.borrow[i] = F::from_bool(borrow == 1);
        }
        counts.pair(diff[0], diff[1]);
        counts.pair(diff[2], diff[3]);
        c.sign_a = F::from_u32(u32::from(a[3] >> 7));
        c.rest_a = F::from_u32(u32::from(a[3] & 127));
        c.sign_b = F::from_u32(u32::from(b[3] >> 7));
        c.rest_b = F::from_u32(u32::from(b[3] & 127));
        counts.pair(2 * u32::from(a[3] & 127), 2 * u32::from(b[3] & 127));
        let z = diff[0] + 256 * diff[1] + diff[2] + 256 * diff[3];
        c.eq = F::from_bool(z == 0);
        c.z_inv = if z == 0 {
            F::ZERO
        } else {
            F::from_u32(z).inverse()
        };
        c.lt = F::from_bool((call.a as i32) < (call.b as i32));
        c.result = F::from_u32(call.result());
    }
    // Padding rows: every operand zero, so a == b.
    for row in values.chunks_exact_mut(w).skip(calls.len()) {
        CompareCols::view_mut(row).eq = F::ONE;
    }
    RowMajorMatrix::new(values, w)
}
