//! Fixed lookup tables: every 16-bit value, and every pair of bytes with its AND.
//! Their contents are forced by their own constraints; the multiplicity columns
//! say how often the other tables looked each entry up.

use bento_stark::{
    Air, AirBuilder, BaseAir, InteractionBuilder, PrimeCharacteristicRing, RowMajorMatrix,
    WindowAccess, F,
};

use crate::buses::{AND, BYTE_PAIR, RANGE16};
use crate::columns::{columns, Columns};

pub const RANGE16_LOG_HEIGHT: usize = 16;
pub const BYTES_LOG_HEIGHT: usize = 16;

#[repr(C)]
pub struct Range16Cols<T> {
    pub value: T,
    pub mult: T,
}

/// Bits of both bytes: the pair and its AND follow from them, so every row is a
/// valid entry whatever the prover writes.
#[repr(C)]
pub struct BytesCols<T> {
    pub x_bits: [T; 8],
    pub y_bits: [T; 8],
    pub and: T,
    pub mult_pair: T,
    pub mult_and: T,
}

columns!(Range16Cols, BytesCols);

#[derive(Clone, Debug)]
pub struct Range16Air;

#[derive(Clone, Debug)]
pub struct BytesAir;

impl BaseAir<F> for Range16Air {
    fn width(&self) -> usize {
        Range16Cols::<F>::WIDTH
    }
}

impl BaseAir<F> for BytesAir {
    fn width(&self) -> usize {
        BytesCols::<F>::WIDTH
    }

    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB: AirBuilder<F = F> + InteractionBuilder> Air<AB> for Range16Air {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let local = Range16Cols::view(main.current_slice());
        let next = Range16Cols::view(main.next_slice());
        builder.when_first_row().assert_zero(local.value);
        builder
            .when_transition()
            .assert_eq(next.value, local.value + AB::Expr::ONE);
        RANGE16.table_entry(builder, [local.value], local.mult);
    }
}

impl<AB: AirBuilder<F = F> + InteractionBuilder> Air<AB> for BytesAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let c = BytesCols::view(main.current_slice());
        let mut x = AB::Expr::ZERO;
        let mut y = AB::Expr::ZERO;
        let mut and = AB::Expr::ZERO;
        for i in 0..8 {
            builder.assert_bool(c.x_bits[i]);
            builder.assert_bool(c.y_bits[i]);
            let weight = AB::Expr::from_u32(1 << i);
            x += weight.clone() * c.x_bits[i];
            y += weight.clone() * c.y_bits[i];
            and += weight * c.x_bits[i] * c.y_bits[i];
        }
        builder.assert_eq(c.and, and);
        BYTE_PAIR.table_entry(builder, [x.clone(), y.clone()], c.mult_pair);
        AND.table_entry(builder, [x, y, c.and.into()], c.mult_and);
    }
}

/// How often each entry of the fixed tables was looked up.
pub struct RangeCounts {
    pub range16: Vec<u32>,
    pub pair: Vec<u32>,
    pub and: Vec<u32>,
}

impl Default for RangeCounts {
    fn default() -> Self {
        RangeCounts {
            range16: vec![0; 1 << 16],
            pair: vec![0; 1 << 16],
            and: vec![0; 1 << 16],
        }
    }
}

impl RangeCounts {
    #[inline]
    pub fn range16(&mut self, v: u32) {
        debug_assert!(v < 1 << 16, "range16 of {v}");
        self.range16[v as usize] += 1;
    }

    #[inline]
    pub fn pair(&mut self, x: u32, y: u32) {
        debug_assert!(x < 256 && y < 256, "byte pair ({x}, {y})");
        self.pair[(x << 8 | y) as usize] += 1;
    }

    #[inline]
    pub fn and(&mut self, x: u32, y: u32) {
        self.and[(x << 8 | y) as usize] += 1;
    }

    pub fn merge(&mut self, other: &RangeCounts) {
        for (a, b) in [
            (&mut self.range16, &other.range16),
            (&mut self.pair, &other.pair),
            (&mut self.and, &other.and),
        ] {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
    }

    pub fn range16_trace(&self) -> RowMajorMatrix<F> {
        let w = Range16Cols::<F>::WIDTH;
        let mut values = F::zero_vec(self.range16.len() * w);
        for (i, row) in values.chunks_exact_mut(w).enumerate() {
            let c = Range16Cols::view_mut(row);
            c.value = F::from_usize(i);
            c.mult = F::from_u32(self.range16[i]);
        }
        RowMajorMatrix::new(values, w)
    }

    pub fn bytes_trace(&self) -> RowMajorMatrix<F> {
        let w = BytesCols::<F>::WIDTH;
        let mut values = F::zero_vec((1 << 16) * w);
        for (i, row) in values.chunks_exact_mut(w).enumerate() {
            let (x, y) = ((i >> 8) as u32, (i & 255) as u32);
            let c = BytesCols::view_mut(row);
            for b in 0..8 {
                c.x_bits[b] = F::from_u32((x >> b) & 1);
                c.y_bits[b] = F::from_u32((y >> b) & 1);
            }
            c.and = F::from_u32(x & y);
            c.mult_pair = F::from_u32(self.pair[i]);
            c.mult_and = F::from_u32(self.and[i]);
        }
        RowMajorMatrix::new(values, w)
    }
}
