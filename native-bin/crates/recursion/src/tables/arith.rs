//! Arithmetic over the quartic extension, one gate a row (see [`Gate`]):
//! `out = q_m·a·b + q_l·a + q_r·b + q_c`, or `out·b = a` (division), or the
//! gate's value asserted zero. Base-field arithmetic is the same gate on cells
//! whose upper coefficients are zero (the constants then keep them zero).

use std::sync::Arc;

use bento_circuit::columns::Columns;
use bento_stark::{
    Air, AirBuilder, BaseAir, InteractionBuilder, PrimeCharacteristicRing, RowMajorMatrix,
    WindowAccess, EF, F,
};
use p3_field::BasedVectorSpace;

use super::{read, write};
use crate::ir::{Gate, GateKind};

#[repr(C)]
pub struct ArithPre<T> {
    pub a: T,
    pub b: T,
    pub out: T,
    pub read_a: T,
    pub read_b: T,
    /// How often the program reads `out`.
    pub mult: T,
    pub q_m: T,
    pub q_l: T,
    pub q_r: [T; 4],
    pub q_c: [T; 4],
    pub divide: T,
    pub assert: T,
}

#[repr(C)]
pub struct ArithMain<T> {
    pub a: [T; 4],
    pub b: [T; 4],
    pub out: [T; 4],
}

bento_circuit::columns!(ArithPre, ArithMain);

/// The product in BabyBear's quartic extension, x^4 = 11.
pub fn ext_mul<E: PrimeCharacteristicRing + Clone>(a: &[E; 4], b: &[E; 4]) -> [E; 4] {
    let t = |i: usize, j: usize| a[i].clone() * b[j].clone();
    let w = E::from_u32(11);
    [
        t(0, 0) + (t(1, 3) + t(2, 2) + t(3, 1)) * w.clone(),
        t(0, 1) + t(1, 0) + (t(2, 3) + t(3, 2)) * w.clone(),
        t(0, 2) + t(1, 1) + t(2, 0) + t(3, 3) * w,
        t(0, 3) + t(1, 2) + t(2, 1) + t(3, 0),
    ]
}

fn coefficients(v: EF) -> [F; 4] {
    let c = v.as_basis_coefficients_slice();
    [c[0], c[1], c[2], c[3]]
}

#[derive(Clone, Debug)]
pub struct ArithAir {
    pub(crate) preprocessed: Arc<RowMajorMatrix<F>>,
}

impl ArithAir {
    /// The preprocessed row of a gate; `mult` is how often its output is read.
    pub(crate) fn preprocessed_row(g: &Gate, mult: u32, row: &mut [F]) {
        let p = ArithPre::view_mut(row);
        p.a = F::from_u32(g.a.unwrap_or(0));
        p.b = F::from_u32(g.b.unwrap_or(0));
        p.out = F::from_u32(g.out);
        p.read_a = F::from_bool(g.a.is_some());
        p.read_b = F::from_bool(g.b.is_some());
        p.mult = F::from_u32(mult);
        p.q_m = g.q_m;
        p.q_l = g.q_l;
        p.q_r = coefficients(g.q_r);
        p.q_c = coefficients(g.q_c);
        p.divide = F::from_bool(g.kind == GateKind::Divide);
        p.assert = F::from_bool(g.kind == GateKind::Assert);
    }

    pub(crate) fn main_row(g: &Gate, values: &[EF], row: &mut [F]) {
        let m = ArithMain::view_mut(row);
        let value = |c: Option<u32>| c.map_or(EF::ZERO, |c| values[c as usize]);
        m.a = coefficients(value(g.a));
        m.b = coefficients(value(g.b));
        m.out = coefficients(values[g.out as usize]);
    }
}

impl BaseAir<F> for ArithAir {
    fn width(&self) -> usize {
        ArithMain::<F>::WIDTH
    }

    fn preprocessed_trace(&self) -> Option<RowMajorMatrix<F>> {
        Some((*self.preprocessed).clone())
    }

    fn preprocessed_width(&self) -> usize {
        ArithPre::<F>::WIDTH
    }

    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }

    fn preprocessed_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB: AirBuilder<F = F> + InteractionBuilder> Air<AB> for ArithAir {
    fn eval(&self, builder: &mut AB) {
        let pre = builder.preprocessed().clone();
        let main = builder.main();
        let p = ArithPre::view(pre.current_slice());
        let m = ArithMain::view(main.current_slice());
        let e = |x: AB::Var| -> AB::Expr { x.into() };
        let a = m.a.map(e);
        let b = m.b.map(e);
        let out = m.out.map(e);
        let q_r = p.q_r.map(e);
        let ab = ext_mul(&a, &b);
        let rb = ext_mul(&q_r, &b);
        let ob = ext_mul(&out, &b);
        for j in 0..4 {
            let gate =
                e(p.q_m) * ab[j].clone() + e(p.q_l) * a[j].clone() + rb[j].clone() + e(p.q_c[j]);
            // Division rows have zero gate constants: there this reads out·b = a.
            builder.assert_zero(
                out[j].clone()
                    - gate
                    - e(p.divide) * (out[j].clone() + a[j].clone() - ob[j].clone()),
            );
            builder.assert_zero(e(p.assert) * out[j].clone());
        }
        read(builder, e(p.a), a, e(p.read_a));
        read(builder, e(p.b), b, e(p.read_b));
        write(builder, e(p.out), out, e(p.mult));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn ext_mul_is_the_fields_product() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for _ in 0..20 {
            let x = EF::from_basis_coefficients_fn(|_| F::from_u32(rng.random()));
            let y = EF::from_basis_coefficients_fn(|_| F::from_u32(rng.random()));
            assert_eq!(
                ext_mul(&coefficients(x), &coefficients(y)),
                coefficients(x * y)
            );
        }
    }
}
