//! Tables whose contents the verifier supplies itself.
//!
//! A statement often includes data the verifier knows (a public output, the
//! memory a segment starts from) that must meet the private trace on a bus.
//! [`PublicColumns`] holds such data as periodic columns spanning the whole
//! table: the verifier evaluates them itself at the out-of-domain point, and
//! the table's committed columns are constrained equal to them row by row, so
//! they can enter buses like any other column.
//!
//! Periodic columns are not absorbed into the Fiat–Shamir transcript, so the
//! owning table must also bind the data through its public values (which are):
//! with [`PublicColumns::digest`], or with values the data is a function of.

use std::borrow::Cow;

use p3_air::AirBuilder;
use p3_baby_bear::default_babybear_poseidon2_16;
use p3_field::PrimeCharacteristicRing;
use p3_symmetric::CryptographicHasher;

use crate::config::{Hash, F};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicColumns {
    columns: Vec<Vec<F>>,
}

impl PublicColumns {
    /// Columns of equal length, padded with zeros to a power of two of at least `min_height` rows.
    pub fn new(mut columns: Vec<Vec<F>>, min_height: usize) -> PublicColumns {
        let len = columns.iter().map(Vec::len).max().unwrap_or(0);
        assert!(
            columns.iter().all(|c| c.len() == len),
            "public columns must have equal lengths"
        );
        let height = len.max(min_height).max(2).next_power_of_two();
        for c in &mut columns {
            c.resize(height, F::ZERO);
        }
        PublicColumns { columns }
    }

    pub fn height(&self) -> usize {
        self.columns.first().map_or(0, Vec::len)
    }

    pub fn width(&self) -> usize {
        self.columns.len()
    }

    /// For the owning AIR's `BaseAir::periodic_columns`.
    pub fn periodic_columns(&self) -> Cow<'_, [Vec<F>]> {
        Cow::Borrowed(&self.columns)
    }

    /// Constrains main columns `first..first + width` to equal the public columns.
    pub fn eval<AB: AirBuilder<F = F>>(&self, builder: &mut AB, first: usize) {
        let main = builder.main();
        let periodic: Vec<AB::Expr> = builder
            .periodic_values()
            .iter()
            .map(|&p| p.into())
            .collect();
        for (i, p) in periodic.into_iter().enumerate().take(self.width()) {
            let column: AB::Expr = p3_air::WindowAccess::current(&main, first + i)
                .expect("column in range")
                .into();
            builder.assert_eq(column, p);
        }
    }

    /// Writes the public columns into a row-major trace of `trace_width` columns, starting at `first`.
    pub fn fill(&self, trace: &mut [F], trace_width: usize, first: usize) {
        for (row, chunk) in trace.chunks_exact_mut(trace_width).enumerate() {
            for (i, c) in self.columns.iter().enumerate() {
                chunk[first + i] = c[row];
            }
        }
    }

    /// A Poseidon2 digest of the columns, their count and height, for public values.
    pub fn digest(&self) -> [F; 8] {
        let header = [F::from_usize(self.width()), F::from_usize(self.height())];
        let values = header
            .into_iter()
            .chain(self.columns.iter().flatten().copied());
        Hash::new(default_babybear_poseidon2_16()).hash_iter(values)
    }
}
