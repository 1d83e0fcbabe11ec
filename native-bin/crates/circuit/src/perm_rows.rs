//! The Poseidon2 permutation over four rows of a narrow table.
//!
//! Every column of a segment's tables is opened at every FRI query, so a
//! table's width weighs on every seal: one permutation a row takes 298
//! columns ([`poseidon2::WIDTH`]), four rows a permutation take [`WIDTH`].
//! The columns are Plonky3's (`p3-poseidon2-air`: one S-box register per
//! full-round element, the state after each full round, each partial round's
//! S-box output), filled by its trace generator and laid out as
//! - row 0: the input, full rounds 0 and 1;
//! - row 1: full rounds 2 and 3, then the 13 partial rounds;
//! - row 2: full rounds 4 and 5;
//! - row 3: full rounds 6 and 7, whose state is the output.
//!
//! A row's rounds continue from the state its predecessor ends with, so the
//! rounds of each row but the first are constrained on the row before it
//! (as "next"), under that row's position selector: the constraints are the
//! AIR's, one degree higher.

use bento_stark::{AirBuilder, PrimeCharacteristicRing, F};
use p3_poseidon2::GenericPoseidon2LinearLayers;

use crate::poseidon2::{self, constants, Layers, HALF_FULL, PARTIAL, STATE};

/// Rows of one permutation.
pub const ROWS: usize = 4;
/// Columns of one permutation's rows.
pub const WIDTH: usize = 2 * ROUND + PARTIAL * 2;
/// A full round's columns: its S-box registers, then the state after it.
const ROUND: usize = 2 * STATE;
/// Where row 1's partial rounds start.
const PARTIALS: usize = 2 * ROUND;

/// The permutation's input, in its row 0.
pub fn input<T: Copy>(row0: &[T]) -> [T; STATE] {
    std::array::from_fn(|i| row0[i])
}

/// The permutation's output, in its row 3.
pub fn output<T: Copy>(row3: &[T]) -> [T; STATE] {
    std::array::from_fn(|i| row3[ROUND + STATE + i])
}

/// Writes the permutation of `input` into the first [`WIDTH`] columns of
/// `rows`, [`ROWS`] rows of `width` columns.
pub fn fill(rows: &mut [F], width: usize, input: [F; STATE]) {
    let mut one_row = [F::ZERO; poseidon2::WIDTH];
    poseidon2::fill(&mut one_row, input);
    // p3-poseidon2-air's order: input, 4 full rounds, 13 partial rounds, 4 full rounds.
    let full = |k: usize| STATE + k * ROUND;
    let partial = full(HALF_FULL);
    let ending = partial + 2 * PARTIAL;
    let pieces: [(usize, usize, std::ops::Range<usize>); 5] = [
        (0, 0, 0..full(2)),
        (1, 0, full(2)..partial),
        (1, PARTIALS, partial..ending),
        (2, 0, ending..ending + 2 * ROUND),
        (3, 0, ending + 2 * ROUND..poseidon2::WIDTH),
    ];
    for (row, at, range) in pieces {
        let start = row * width + at;
        rows[start..start + range.len()].copy_from_slice(&one_row[range]);
    }
}

/// Constrains the permutation rows: `at[p]` is 1 on row `p` of a
/// permutation (`p` < 3) and 0 elsewhere, `local` and `next` that row and
/// the one after it.
pub fn eval<AB: AirBuilder<F = F>>(
    builder: &mut AB,
    at: [AB::Expr; 3],
    local: &[AB::Var],
    next: &[AB::Var],
) {
    let c = constants();
    let [at0, at1, at2] = at;
    let state_of =
        |cols: &[AB::Var]| -> [AB::Expr; STATE] { std::array::from_fn(|i| cols[i].into()) };

    // Row 0 and row 1's full rounds.
    let mut state = state_of(local);
    Layers::external_linear_layer(&mut state);
    let rounds = [
        &local[STATE..STATE + ROUND],
        &local[STATE + ROUND..STATE + 2 * ROUND],
        &next[..ROUND],
        &next[ROUND..2 * ROUND],
    ];
    for (cols, rc) in rounds.into_iter().zip(c.beginning_full_round_constants()) {
        full_round(builder, &at0, &mut state, cols, rc);
    }

    // Row 1's partial rounds, from the state its full rounds end with, and row 2.
    let mut state = state_of(&local[ROUND + STATE..]);
    for (k, &rc) in c.partial_round_constants().iter().enumerate() {
        let cols = &local[PARTIALS + 2 * k..PARTIALS + 2 * k + 2];
        partial_round(builder, &at1, &mut state, cols, rc);
    }
    let ending = c.ending_full_round_constants();
    for (k, rc) in ending[..2].iter().enumerate() {
        full_round(
            builder,
            &at1,
            &mut state,
            &next[k * ROUND..(k + 1) * ROUND],
            rc,
        );
    }

    // Row 3, from row 2's last state.
    let mut state = state_of(&local[ROUND + STATE..]);
    for (k, rc) in ending[2..].iter().enumerate() {
        full_round(
            builder,
            &at2,
            &mut state,
            &next[k * ROUND..(k + 1) * ROUND],
            rc,
        );
    }
}

/// A full round: the S-box of every element (x^7 as a committed x^3, squared,
/// times x), the external layer, the state after it.
fn full_round<AB: AirBuilder<F = F>>(
    builder: &mut AB,
    gate: &AB::Expr,
    state: &mut [AB::Expr; STATE],
    cols: &[AB::Var],
    rc: &[F; STATE],
) {
    let (registers, post) = cols.split_at(STATE);
    for ((s, &rc), &x3) in state.iter_mut().zip(rc).zip(registers) {
        let x = s.clone() + AB::Expr::from(rc);
        builder.assert_zero(gate.clone() * (x3.into() - x.cube()));
        *s = x3.into().square() * x;
    }
    Layers::external_linear_layer(state);
    for (s, &p) in state.iter_mut().zip(post) {
        builder.assert_zero(gate.clone() * (s.clone() - p.into()));
        *s = p.into();
    }
}

/// A partial round: the S-box of the first element (register, output), the internal layer.
fn partial_round<AB: AirBuilder<F = F>>(
    builder: &mut AB,
    gate: &AB::Expr,
    state: &mut [AB::Expr; STATE],
    cols: &[AB::Var],
    rc: F,
) {
    let (x3, out) = (cols[0], cols[1]);
    let x = state[0].clone() + AB::Expr::from(rc);
    builder.assert_zero(gate.clone() * (x3.into() - x.cube()));
    builder.assert_zero(gate.clone() * (x3.into().square() * x - out.into()));
    state[0] = out.into();
    Layers::internal_linear_layer(state);
}

#[cfg(test)]
mod tests {
    use super::*;
    use bento_stark::{Air, BaseAir, Matrix, RowMajorMatrix, WindowAccess};
    use p3_symmetric::Permutation;

    /// Permutation rows and a one-hot position.
    struct Perms;

    const W: usize = WIDTH + ROWS;

    impl BaseAir<F> for Perms {
        fn width(&self) -> usize {
            W
        }
    }

    impl<AB: AirBuilder<F = F>> Air<AB> for Perms {
        fn eval(&self, builder: &mut AB) {
            let main = builder.main();
            let (local, next) = (main.current_slice().to_vec(), main.next_slice().to_vec());
            let at = std::array::from_fn(|p| local[WIDTH + p].into());
            eval(builder, at, &local, &next);
        }
    }

    fn table(inputs: &[[F; STATE]]) -> RowMajorMatrix<F> {
        let mut values = F::zero_vec(inputs.len() * ROWS * W);
        for (rows, &input) in values.chunks_mut(ROWS * W).zip(inputs) {
            fill(rows, W, input);
            for p in 0..ROWS {
                rows[p * W + WIDTH + p] = F::ONE;
            }
        }
        RowMajorMatrix::new(values, W)
    }

    fn inputs() -> Vec<[F; STATE]> {
        (0..2u32)
            .map(|k| std::array::from_fn(|i| F::from_u32(k * 1_000_003 + 7 * i as u32 + 1)))
            .collect()
    }

    fn holds(t: &RowMajorMatrix<F>) -> bool {
        p3_air::check_all_constraints(&Perms, t, &[], Some(1)).is_ok()
    }

    #[test]
    fn the_rows_compute_the_memory_trees_permutation() {
        let t = table(&inputs());
        assert!(holds(&t));
        for (k, input) in inputs().into_iter().enumerate() {
            let rows = &t.values[k * ROWS * W..(k + 1) * ROWS * W];
            assert_eq!(super::input(rows), input);
            assert_eq!(
                output(&rows[3 * W..]),
                bento_vm::hash::permutation().permute(input)
            );
        }
    }

    #[test]
    fn every_cell_of_a_permutation_is_constrained() {
        // Row 3's columns past its two rounds are not the permutation's.
        let honest = table(&inputs());
        let used = |row: usize, col: usize| match row {
            0 => col < STATE + 2 * ROUND,
            1 => col < WIDTH,
            _ => col < 2 * ROUND,
        };
        let mut free = Vec::new();
        for row in 0..ROWS {
            for col in (0..WIDTH).filter(|&c| used(row, c)) {
                let mut t = honest.clone();
                t.values[row * W + col] += F::ONE;
                if holds(&t) {
                    free.push((row, col));
                }
            }
        }
        assert!(free.is_empty(), "cells no constraint holds: {free:?}");
        assert_eq!(honest.width(), W);
    }
}
