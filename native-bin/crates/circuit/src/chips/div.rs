//! DIV, DIVU, REM, REMU.
//!
//! The chip holds the quotient q and remainder r and proves `a = q·b + r` on
//! the operands extended to eight bytes (mod 2^64, so for values this small as
//! integers), with `|r| < |b|` (through absolute values) and, for signed
//! operations, r zero or of a's sign: that pins RISC-V's truncated division.
//! Division by zero gives q = all ones and r = a; the one signed overflow
//! (MIN / -1) gives q = MIN and r = 0, for which only the low word of the
//! equation holds.

use bento_stark::{
    Air, AirBuilder, Count, Field, InteractionBuilder, PrimeCharacteristicRing, RowMajorMatrix,
    WindowAccess, F,
};

use super::mul::{convolve, extend};
use super::{bytes, chip_rows, AluCall};
use crate::buses::{AluOp, ALU, BYTE_PAIR, RANGE16};
use crate::chips::{chip_air, selectors};
use crate::columns::{columns, Columns};
use crate::range::RangeCounts;

const OPS: [AluOp; 4] = [AluOp::Div, AluOp::Divu, AluOp::Rem, AluOp::Remu];

#[repr(C)]
pub struct DivCols<T> {
    pub ops: [T; 4],
    pub a: [T; 4],
    pub b: [T; 4],
    pub q: [T; 4],
    pub r: [T; 4],
    /// Sign bits and the rest of the top byte, for a, b, q, r.
    pub sign: [T; 4],
    pub rest: [T; 4],
    /// Extension bytes (255 for signed negative values) for a, b, q, r.
    pub ext: [T; 4],
    pub carry: [T; 8],
    pub b_zero: T,
    pub b_inv: T,
    pub r_zero: T,
    pub r_inv: T,
    pub overflow: T,
    /// Whether b and r are negated to take their absolute values.
    pub neg_b: T,
    pub neg_r: T,
    pub abs_b: [T; 4],
    pub abs_b_carry: [T; 4],
    pub abs_r: [T; 4],
    pub abs_r_carry: [T; 4],
    /// |b| - |r| - 1 and its borrows.
    pub gap: [T; 4],
    pub gap_borrow: [T; 4],
    pub result: [T; 4],
}

columns!(DivCols);

const A: usize = 0;
const B: usize = 1;
const Q: usize = 2;
const R: usize = 3;

#[derive(Clone, Debug)]
pub struct DivAir;

chip_air!(DivAir, DivCols);

impl<AB: AirBuilder<F = F> + InteractionBuilder> Air<AB> for DivAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let c = DivCols::view(main.current_slice());
        let e = |v: AB::Var| -> AB::Expr { v.into() };
        let k = |x: u32| AB::Expr::from_u32(x);
        let one = || AB::Expr::ONE;
        let (real, op_id) = selectors(builder, &c.ops, &OPS);
        let [div, divu, rem, remu] = c.ops.map(&e);
        let signed = div.clone() + rem.clone();
        let count = || Count::bounded(real.clone(), 1);

        let values = [&c.a, &c.b, &c.q, &c.r];
        for (x, v) in values.iter().enumerate() {
            builder.assert_bool(c.sign[x]);
            builder.assert_eq(v[3], e(c.sign[x]) * k(128) + e(c.rest[x]));
            builder.assert_eq(c.ext[x], e(c.sign[x]) * signed.clone() * k(255));
        }
        BYTE_PAIR.lookup_key(builder, [e(c.rest[A]) * k(2), e(c.rest[B]) * k(2)], count());
        BYTE_PAIR.lookup_key(builder, [e(c.rest[Q]) * k(2), e(c.rest[R]) * k(2)], count());
        for v in [&c.q, &c.r] {
            BYTE_PAIR.lookup_key(builder, [v[0], v[1]], count());
            BYTE_PAIR.lookup_key(builder, [v[2], v[3]], count());
        }

        // a = q·b + r on eight bytes; the high half is skipped on overflow.
        let x8 = |x: usize, i: usize| if i < 4 { e(values[x][i]) } else { e(c.ext[x]) };
        builder.assert_bool(c.overflow);
        let mut carry_in = AB::Expr::ZERO;
        for j in 0..8 {
            let z = (0..=j).fold(AB::Expr::ZERO, |acc, i| acc + x8(Q, i) * x8(B, j - i));
            let eq = z + x8(R, j) + carry_in - x8(A, j) - e(c.carry[j]) * k(256);
            if j < 4 {
                builder.assert_zero(eq);
            } else {
                builder.assert_zero((one() - e(c.overflow)) * eq);
            }
            carry_in = e(c.carry[j]);
            RANGE16.lookup_key(builder, [c.carry[j]], count());
        }
        // The overflow case is exactly MIN / -1, signed.
        let ov = e(c.overflow);
        builder.assert_zero(ov.clone() * (one() - signed.clone()));
        for i in 0..4 {
            let min_byte = if i == 3 { 128 } else { 0 };
            builder.assert_zero(ov.clone() * (e(c.a[i]) - k(min_byte)));
            builder.assert_zero(ov.clone() * (e(c.b[i]) - k(255)));
            builder.assert_zero(ov.clone() * (e(c.q[i]) - e(c.a[i])));
            builder.assert_zero(ov.clone() * e(c.r[i]));
        }

        // Division by zero: q is all ones (the equation already gives r = a).
        let b_sum = (0..4).fold(AB::Expr::ZERO, |acc, i| acc + e(c.b[i]));
        builder.assert_bool(c.b_zero);
        builder.assert_zero(e(c.b_zero) * b_sum.clone());
        builder.assert_zero((one() - e(c.b_zero)) * (b_sum * e(c.b_inv) - one()));
        for i in 0..4 {
            builder.assert_zero(real.clone() * e(c.b_zero) * (e(c.q[i]) - k(255)));
        }
        // A nonzero remainder has the dividend's sign.
        let r_sum = (0..4).fold(AB::Expr::ZERO, |acc, i| acc + e(c.r[i]));
        builder.assert_bool(c.r_zero);
        builder.assert_zero(e(c.r_zero) * r_sum.clone());
        builder.assert_zero((one() - e(c.r_zero)) * (r_sum * e(c.r_inv) - one()));
        builder.assert_zero((one() - e(c.r_zero)) * signed.clone() * (e(c.sign[R]) - e(c.sign[A])));

        // |b| and |r|: negated (complement and add one) when signed and negative.
        builder.assert_eq(c.neg_b, e(c.sign[B]) * signed.clone());
        builder.assert_eq(c.neg_r, e(c.sign[R]) * signed);
        for (v, neg, abs, carry) in [
            (&c.b, c.neg_b, &c.abs_b, &c.abs_b_carry),
            (&c.r, c.neg_r, &c.abs_r, &c.abs_r_carry),
        ] {
            let mut carry_in = e(neg);
            for i in 0..4 {
                let byte = e(neg) * (k(255) - e(v[i])) + (one() - e(neg)) * e(v[i]);
                builder.assert_bool(carry[i]);
                builder.assert_zero(byte + carry_in - e(abs[i]) - e(carry[i]) * k(256));
                carry_in = e(carry[i]);
            }
            BYTE_PAIR.lookup_key(builder, [abs[0], abs[1]], count());
            BYTE_PAIR.lookup_key(builder, [abs[2], abs[3]], count());
        }
        // |r| < |b| unless b = 0: |b| - |r| - 1 does not borrow.
        let mut borrow_in = one();
        for i in 0..4 {
            builder.assert_bool(c.gap_borrow[i]);
            builder.assert_zero(
                e(c.abs_b[i]) - e(c.abs_r[i]) - borrow_in - e(c.gap[i])
                    + e(c.gap_borrow[i]) * k(256),
            );
            borrow_in = e(c.gap_borrow[i]);
        }
        BYTE_PAIR.lookup_key(builder, [c.gap[0], c.gap[1]], count());
        BYTE_PAIR.lookup_key(builder, [c.gap[2], c.gap[3]], count());
        builder.assert_zero(real.clone() * (one() - e(c.b_zero)) * e(c.gap_borrow[3]));

        for i in 0..4 {
            builder.assert_eq(
                c.result[i],
                (div.clone() + divu.clone()) * e(c.q[i]) + (rem.clone() + remu.clone()) * e(c.r[i]),
            );
        }
        let message = std::iter::once(op_id)
            .chain(c.a.map(e))
            .chain(c.b.map(e))
            .chain(c.result.map(e));
        ALU.table_entry(builder, message, real);
    }
}

/// x as |x| with the carries of its conditional negation.
fn absolute(x: u32, negate: bool) -> ([u32; 4], [u32; 4]) {
    let (mut abs, mut carries) = ([0u32; 4], [0u32; 4]);
    let mut carry = u32::from(negate);
    for i in 0..4 {
        let byte = (x >> (8 * i)) & 255;
        let v = if negate { 255 - byte } else { byte } + carry;
        abs[i] = v & 255;
        carry = v >> 8;
        carries[i] = carry;
    }
    (abs, carries)
}

pub fn trace(calls: &[AluCall], counts: &mut RangeCounts, min_height: usize) -> RowMajorMatrix<F> {
    let w = DivCols::<F>::WIDTH;
    let (_, mut values) = chip_rows(calls.len(), w, min_height);
    for (row, call) in values.chunks_exact_mut(w).zip(calls) {
        let c = DivCols::view_mut(row);
        c.ops[OPS.iter().position(|&o| o == call.op).expect("a division")] = F::ONE;
        let signed = matches!(call.op, AluOp::Div | AluOp::Rem);
        let (a, b) = (call.a, call.b);
        let overflow = signed && a == 0x8000_0000 && b == u32::MAX;
        let quotient_op = if signed { AluOp::Div } else { AluOp::Divu };
        let remainder_op = if signed { AluOp::Rem } else { AluOp::Remu };
        let q = AluCall {
            op: quotient_op,
            a,
            b,
        }
        .result();
        let r = AluCall {
            op: remainder_op,
            a,
            b,
        }
        .result();
        c.a = bytes(a);
        c.b = bytes(b);
        c.q = bytes(q);
        c.r = bytes(r);
        for (x, v) in [a, b, q, r].into_iter().enumerate() {
            let top = v >> 24;
            c.sign[x] = F::from_u32(top >> 7);
            c.rest[x] = F::from_u32(top & 127);
            c.ext[x] = F::from_u32(if signed && top >> 7 == 1 { 255 } else { 0 });
        }
        counts.pair(2 * ((a >> 24) & 127), 2 * ((b >> 24) & 127));
        counts.pair(2 * ((q >> 24) & 127), 2 * ((r >> 24) & 127));
        for v in [q, r] {
            counts.pair(v & 255, (v >> 8) & 255);
            counts.pair((v >> 16) & 255, v >> 24);
        }
        let (_, carries) = convolve(extend(q, signed), extend(b, signed), extend(r, signed));
        for (j, &carry) in carries.iter().enumerate() {
            // On overflow the high half of the equation is not checked: carries there are zero.
            let carry = if overflow && j >= 4 { 0 } else { carry };
            c.carry[j] = F::from_u64(carry);
            counts.range16(carry as u32);
        }
        c.overflow = F::from_bool(overflow);
        let b_sum: u32 = b.to_le_bytes().iter().map(|&x| u32::from(x)).sum();
        c.b_zero = F::from_bool(b_sum == 0);
        c.b_inv = if b_sum == 0 {
            F::ZERO
        } else {
            F::from_u32(b_sum).inverse()
        };
        let r_sum: u32 = r.to_le_bytes().iter().map(|&x| u32::from(x)).sum();
        c.r_zero = F::from_bool(r_sum == 0);
        c.r_inv = if r_sum == 0 {
            F::ZERO
        } else {
            F::from_u32(r_sum).inverse()
        };
        let (neg_b, neg_r) = (signed && b >> 31 == 1, signed && r >> 31 == 1);
        c.neg_b = F::from_bool(neg_b);
        c.neg_r = F::from_bool(neg_r);
        let (abs_b, abs_b_carry) = absolute(b, neg_b);
        let (abs_r, abs_r_carry) = absolute(r, neg_r);
        let (abs_b_value, abs_r_value) = (b.wrapping_neg_if(neg_b), r.wrapping_neg_if(neg_r));
        let gap = abs_b_value.wrapping_sub(abs_r_value).wrapping_sub(1);
        let mut borrow = 1i64;
        for i in 0..4 {
            c.abs_b[i] = F::from_u32(abs_b[i]);
            c.abs_b_carry[i] = F::from_u32(abs_b_carry[i]);
            c.abs_r[i] = F::from_u32(abs_r[i]);
            c.abs_r_carry[i] = F::from_u32(abs_r_carry[i]);
            let d = i64::from(abs_b[i]) - i64::from(abs_r[i]) - borrow;
            borrow = i64::from(d < 0);
            c.gap[i] = F::from_u32((gap >> (8 * i)) & 255);
            c.gap_borrow[i] = F::from_bool(borrow == 1);
        }
        counts.pair(abs_b[0], abs_b[1]);
        counts.pair(abs_b[2], abs_b[3]);
        counts.pair(abs_r[0], abs_r[1]);
        counts.pair(abs_r[2], abs_r[3]);
        counts.pair(gap & 255, (gap >> 8) & 255);
        counts.pair((gap >> 16) & 255, gap >> 24);
        c.result = bytes(call.result());
    }
    // Padding: zero operands and results, nothing looked up.
    for row in values.chunks_exact_mut(w).skip(calls.len()) {
        let c = DivCols::view_mut(row);
        c.b_zero = F::ONE;
        c.r_zero = F::ONE;
        // |0| - |0| - 1 borrows all the way.
        c.gap = [F::from_u32(255); 4];
        c.gap_borrow = [F::ONE; 4];
    }
    RowMajorMatrix::new(values, w)
}

trait NegIf {
    fn wrapping_neg_if(self, negate: bool) -> Self;
}

impl NegIf for u32 {
    fn wrapping_neg_if(self, negate: bool) -> u32 {
        if negate {
            self.wrapping_neg()
        } else {
            self
        }
    }
}
