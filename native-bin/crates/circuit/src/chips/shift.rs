//! Shifts: SLL, SRL, SRA by the low five bits of `b`.
//!
//! The shift is a multiplication by a power of two, 2^k = 2^u · 256^t, with
//! u and t one-hot: `y = a · 2^u` (five bytes, with carries), then moved up t
//! bytes gives `P = a · 2^k` as eight bytes. A left shift by s takes k = s and
//! the low word of P; a right shift by s > 0 takes k = 32 - s and the high word
//! (SRA adds the sign's fill, 2^32 - 2^k, which shares no bit with it); a right
//! shift by 0 returns `a`.

use bento_stark::{
    Air, AirBuilder, Count, Field, InteractionBuilder, PrimeCharacteristicRing, RowMajorMatrix,
    WindowAccess, F,
};

use super::{bytes, chip_rows, AluCall};
use crate::buses::{AluOp, ALU, BYTE_PAIR};
use crate::chips::{chip_air, selectors};
use crate::columns::{columns, Columns};
use crate::range::RangeCounts;

const OPS: [AluOp; 3] = [AluOp::Sll, AluOp::Srl, AluOp::Sra];

#[repr(C)]
pub struct ShiftCols<T> {
    pub ops: [T; 3],
    pub a: [T; 4],
    pub b: [T; 4],
    /// b0 = s + 32·hi, s < 32.
    pub hi: T,
    /// s = 0 (right shifts return a).
    pub zero: T,
    pub s_inv: T,
    /// k = u + 8t with u and t one-hot.
    pub u: [T; 8],
    pub t: [T; 4],
    /// y = a · 2^u: y[0..4] and the carries (y4 = carry3).
    pub y: [T; 4],
    pub carry: [T; 4],
    /// The high word of P = a · 2^k.
    pub high: [T; 4],
    /// SRA's fill: sign · (2^32 - 2^k), by byte.
    pub fill: [T; 4],
    pub sign: T,
    pub rest: T,
    pub result: [T; 4],
}

columns!(ShiftCols);

#[derive(Clone, Debug)]
pub struct ShiftAir;

chip_air!(ShiftAir, ShiftCols);

impl<AB: AirBuilder<F = F> + InteractionBuilder> Air<AB> for ShiftAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let c = ShiftCols::view(main.current_slice());
        let e = |v: AB::Var| -> AB::Expr { v.into() };
        let k = |x: u32| AB::Expr::from_u32(x);
        let one = || AB::Expr::ONE;

        let (real, op_id) = selectors(builder, &c.ops, &OPS);
        let [sll, srl, sra] = c.ops.map(&e);
        let count = || Count::bounded(real.clone(), 1);

        // The amount: s = b0 - 32·hi with hi < 8 and s < 32.
        let s = e(c.b[0]) - e(c.hi) * k(32);
        BYTE_PAIR.lookup_key(builder, [e(c.hi), e(c.hi) * k(32)], count());
        builder.assert_bool(c.zero);
        builder.assert_zero(e(c.zero) * s.clone());
        builder.assert_zero((one() - e(c.zero)) * (s.clone() * e(c.s_inv) - one()));

        let (mut m, mut kk, mut u_sum, mut t_sum) = (
            AB::Expr::ZERO,
            AB::Expr::ZERO,
            AB::Expr::ZERO,
            AB::Expr::ZERO,
        );
        for (j, &u) in c.u.iter().enumerate() {
            builder.assert_bool(u);
            u_sum += e(u);
            m += e(u) * k(1 << j);
            kk += e(u) * k(j as u32);
        }
        for (j, &t) in c.t.iter().enumerate() {
            builder.assert_bool(t);
            t_sum += e(t);
            kk += e(t) * k(8 * j as u32);
        }
        builder.assert_eq(u_sum, real.clone());
        builder.assert_eq(t_sum, real.clone());
        builder.assert_zero(sll.clone() * (kk.clone() - s.clone()));
        builder.assert_zero(
            (srl.clone() + sra.clone()) * (one() - e(c.zero)) * (kk + s.clone() - k(32)),
        );

        // y = a · 2^u.
        let mut carry_in = AB::Expr::ZERO;
        for i in 0..4 {
            builder
                .assert_zero(e(c.a[i]) * m.clone() + carry_in - e(c.y[i]) - e(c.carry[i]) * k(256));
            carry_in = e(c.carry[i]);
        }
        BYTE_PAIR.lookup_key(builder, [c.y[0], c.y[1]], count());
        BYTE_PAIR.lookup_key(builder, [c.y[2], c.y[3]], count());
        BYTE_PAIR.lookup_key(builder, [c.carry[0], c.carry[1]], count());
        BYTE_PAIR.lookup_key(builder, [c.carry[2], c.carry[3]], count());
        BYTE_PAIR.lookup_key(builder, [s * k(8), e(c.rest) * k(2)], count());
        let y = |i: i64| -> AB::Expr {
            match i {
                0..=3 => e(c.y[i as usize]),
                4 => e(c.carry[3]),
                _ => AB::Expr::ZERO,
            }
        };
        // P_j = Σ_t t_t · y_{j-t}.
        let p = |j: i64| -> AB::Expr {
            (0..4).fold(AB::Expr::ZERO, |acc, t| acc + e(c.t[t]) * y(j - t as i64))
        };

        builder.assert_bool(c.sign);
        builder.assert_eq(c.a[3], e(c.sign) * k(128) + e(c.rest));
        let u_weight = (0..8).fold(AB::Expr::ZERO, |acc, j| acc + e(c.u[j]) * k(1 << j));
        for j in 0..4 {
            builder.assert_eq(c.high[j], p(j as i64 + 4));
            // 2^32 - 2^k: 255 above byte t, 256 - 2^u at byte t, 0 below.
            let above = (0..j).fold(AB::Expr::ZERO, |acc, t| acc + e(c.t[t]));
            let mask = above * k(255) + e(c.t[j]) * (k(256) - u_weight.clone());
            builder.assert_eq(c.fill[j], e(c.sign) * mask);
            let zero = e(c.zero);
            builder.assert_zero(sll.clone() * (e(c.result[j]) - p(j as i64)));
            builder.assert_zero(
                srl.clone()
                    * (e(c.result[j])
                        - (one() - zero.clone()) * e(c.high[j])
                        - zero.clone() * e(c.a[j])),
            );
            builder.assert_zero(
                sra.clone()
                    * (e(c.result[j])
                        - (one() - zero.clone()) * (e(c.high[j]) + e(c.fill[j]))
                        - zero * e(c.a[j])),
            );
        }
        let message = std::iter::once(op_id)
            .chain(c.a.map(e))
            .chain(c.b.map(e))
            .chain(c.result.map(e));
        ALU.table_entry(builder, message, real);
    }
}

pub fn trace(calls: &[AluCall], counts: &mut RangeCounts, min_height: usize) -> RowMajorMatrix<F> {
    let w = ShiftCols::<F>::WIDTH;
    let (_, mut values) = chip_rows(calls.len(), w, min_height);
    for (row, call) in values.chunks_exact_mut(w).zip(calls) {
        let c = ShiftCols::view_mut(row);
        c.ops[OPS.iter().position(|&o| o == call.op).expect("a shift")] = F::ONE;
        c.a = bytes(call.a);
        c.b = bytes(call.b);
        let b0 = call.b & 255;
        let s = b0 & 31;
        c.hi = F::from_u32(b0 >> 5);
        c.zero = F::from_bool(s == 0);
        c.s_inv = if s == 0 {
            F::ZERO
        } else {
            F::from_u32(s).inverse()
        };
        let kk = match call.op {
            AluOp::Sll => s,
            _ if s == 0 => 0,
            _ => 32 - s,
        };
        c.u[(kk % 8) as usize] = F::ONE;
        c.t[(kk / 8) as usize] = F::ONE;
        let y = u64::from(call.a) << (kk % 8);
        // carry_i = (a mod 2^(8i+8)) · 2^u >> (8i+8): what byte i passes up.
        let carries: Vec<u32> = (0..4)
            .map(|i| {
                ((u64::from(call.a) & ((1u64 << (8 * i + 8)) - 1)) << (kk % 8) >> (8 * i + 8))
                    as u32
            })
            .collect();
        let ys: Vec<u32> = (0..4).map(|i| ((y >> (8 * i)) & 255) as u32).collect();
        for i in 0..4 {
            c.y[i] = F::from_u32(ys[i]);
            c.carry[i] = F::from_u32(carries[i]);
        }
        counts.pair(b0 >> 5, (b0 >> 5) * 32);
        counts.pair(ys[0], ys[1]);
        counts.pair(ys[2], ys[3]);
        counts.pair(carries[0], carries[1]);
        counts.pair(carries[2], carries[3]);
        let a3 = call.a >> 24;
        counts.pair(8 * s, 2 * (a3 & 127));
        let product = u64::from(call.a) << kk;
        c.high = bytes((product >> 32) as u32);
        let sign = a3 >> 7;
        c.sign = F::from_u32(sign);
        c.rest = F::from_u32(a3 & 127);
        c.fill = bytes(if sign == 1 {
            ((1u64 << 32) - (1u64 << kk)) as u32
        } else {
            0
        });
        c.result = bytes(call.result());
    }
    // Padding: no operation, a shift of zero.
    for row in values.chunks_exact_mut(w).skip(calls.len()) {
        ShiftCols::view_mut(row).zero = F::ONE;
    }
    RowMajorMatrix::new(values, w)
}
