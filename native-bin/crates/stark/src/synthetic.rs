//! A synthetic batch for benchmarks: a wide table of degree-2 constraints whose
//! first column is range-checked through a LogUp lookup into a 2^16-row table.

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use p3_lookup::{InteractionBuilder, LookupBus};
use p3_matrix::dense::RowMajorMatrix;
use p3_maybe_rayon::prelude::*;

use crate::batch::Instance;
use crate::config::F;

const RANGE_BITS: usize = 16;
const RANGE: LookupBus<'static> = LookupBus::new("synthetic-range");

/// Column 0 counts rows modulo 2^16 and is looked up in the range table;
/// columns 1 and 2 are free; every later column is `x[j-1] * x[j-2] + x[j-3]`.
#[derive(Clone, Debug)]
pub enum SyntheticAir {
    Wide { cols: usize },
    Range,
}

impl BaseAir<F> for SyntheticAir {
    fn width(&self) -> usize {
        match self {
            SyntheticAir::Wide { cols } => *cols,
            SyntheticAir::Range => 2,
        }
    }
}

impl<AB: AirBuilder<F = F> + InteractionBuilder> Air<AB> for SyntheticAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let x = |j: usize| -> AB::Expr { main.current(j).expect("column").into() };
        let next0: AB::Expr = main.next(0).expect("column").into();
        match self {
            SyntheticAir::Wide { cols } => {
                for j in 3..*cols {
                    builder.assert_eq(x(j), x(j - 1) * x(j - 2) + x(j - 3));
                }
                builder.when_first_row().assert_zero(x(0));
                // The counter steps by one, wrapping from 2^16 - 1 to 0.
                let step = next0 - x(0);
                let wrap = F::from_usize(1 << RANGE_BITS) - F::ONE;
                builder
                    .when_transition()
                    .assert_zero((step.clone() - F::ONE) * (step + wrap));
                RANGE.lookup_key(builder, [x(0)], 1);
            }
            SyntheticAir::Range => {
                builder.when_first_row().assert_zero(x(0));
                builder.when_transition().assert_eq(next0, x(0) + F::ONE);
                RANGE.table_entry(builder, [x(0)], x(1));
            }
        }
    }
}

/// The two tables with their traces: `2^log_rows` rows of `cols` columns, and the range table.
pub fn instances(log_rows: usize, cols: usize, seed: u64) -> Vec<Instance<SyntheticAir>> {
    assert!(cols >= 4, "the synthetic table needs at least 4 columns");
    let rows = 1usize << log_rows;
    let mut values = F::zero_vec(rows * cols);
    values
        .par_chunks_mut(cols)
        .enumerate()
        .for_each(|(row, r)| {
            // A cheap deterministic generator per row (splitmix64).
            let mut state = seed ^ (row as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            let mut next = || {
                state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
                let mut z = state;
                z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                F::from_u32((z ^ (z >> 31)) as u32 % 0x7800_0001)
            };
            r[0] = F::from_usize(row % (1 << RANGE_BITS));
            r[1] = next();
            r[2] = next();
            for j in 3..cols {
                r[j] = r[j - 1] * r[j - 2] + r[j - 3];
            }
        });
    let range_rows = 1usize << RANGE_BITS;
    let per_value = F::from_usize(rows.div_ceil(range_rows));
    let mut range = F::zero_vec(range_rows * 2);
    for (v, r) in range.chunks_mut(2).enumerate() {
        r[0] = F::from_usize(v);
        // Short tables look up each value at most once.
        r[1] = if rows >= range_rows || v < rows {
            per_value
        } else {
            F::ZERO
        };
    }
    vec![
        Instance {
            air: SyntheticAir::Wide { cols },
            trace: RowMajorMatrix::new(values, cols),
            public_values: vec![],
        },
        Instance {
            air: SyntheticAir::Range,
            trace: RowMajorMatrix::new(range, 2),
            public_values: vec![],
        },
    ]
}
