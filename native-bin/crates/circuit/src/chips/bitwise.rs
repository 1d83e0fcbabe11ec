//! AND, OR, XOR: each byte's AND comes from the byte table; OR and XOR follow
//! from it (x | y = x + y - (x & y), x ^ y = x + y - 2(x & y)).

use bento_stark::{
    Air, AirBuilder, Count, InteractionBuilder, PrimeCharacteristicRing, RowMajorMatrix,
    WindowAccess, F,
};

use super::{bytes, chip_rows, AluCall};
use crate::buses::{AluOp, ALU, AND};
use crate::chips::{chip_air, selectors};
use crate::columns::{columns, Columns};
use crate::range::RangeCounts;

const OPS: [AluOp; 3] = [AluOp::And, AluOp::Or, AluOp::Xor];

#[repr(C)]
pub struct BitwiseCols<T> {
    pub ops: [T; 3],
    pub a: [T; 4],
    pub b: [T; 4],
    pub and: [T; 4],
    pub result: [T; 4],
}

columns!(BitwiseCols);

#[derive(Clone, Debug)]
pub struct BitwiseAir;

chip_air!(BitwiseAir, BitwiseCols);

impl<AB: AirBuilder<F = F> + InteractionBuilder> Air<AB> for BitwiseAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let c = BitwiseCols::view(main.current_slice());
        let e = |v: AB::Var| -> AB::Expr { v.into() };
        let k = |x: u32| AB::Expr::from_u32(x);
        let (real, op_id) = selectors(builder, &c.ops, &OPS);
        let [f_and, f_or, f_xor] = c.ops.map(&e);
        for i in 0..4 {
            AND.lookup_key(
                builder,
                [c.a[i], c.b[i], c.and[i]],
                Count::bounded(real.clone(), 1),
            );
            let sum = e(c.a[i]) + e(c.b[i]);
            let t = e(c.and[i]);
            let expected = f_and.clone() * t.clone()
                + f_or.clone() * (sum.clone() - t.clone())
                + f_xor.clone() * (sum - t * k(2));
            builder.assert_eq(c.result[i], expected);
        }
        let message = std::iter::once(op_id)
            .chain(c.a.map(e))
            .chain(c.b.map(e))
            .chain(c.result.map(e));
        ALU.table_entry(builder, message, real);
    }
}

pub fn trace(calls: &[AluCall], counts: &mut RangeCounts, min_height: usize) -> RowMajorMatrix<F> {
    let w = BitwiseCols::<F>::WIDTH;
    let (_, mut values) = chip_rows(calls.len(), w, min_height);
    for (row, call) in values.chunks_exact_mut(w).zip(calls) {
        let c = BitwiseCols::view_mut(row);
        c.ops[OPS
            .iter()
            .position(|&o| o == call.op)
            .expect("a bitwise op")] = F::ONE;
        c.a = bytes(call.a);
        c.b = bytes(call.b);
        c.and = bytes(call.a & call.b);
        c.result = bytes(call.result());
        for (x, y) in call.a.to_le_bytes().into_iter().zip(call.b.to_le_bytes()) {
            counts.and(u32::from(x), u32::from(y));
        }
    }
    RowMajorMatrix::new(values, w)
}
