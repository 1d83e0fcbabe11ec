//! The Poseidon2 permutation as columns of a wider table.
//!
//! Plonky3's `p3-poseidon2-air` constrains one permutation per row over a row
//! of exactly its own width. The paging table puts those columns first and
//! its own after them, so the permutation's constraints are evaluated through
//! a [`Prefix`] builder that shows them only the first [`WIDTH`] columns. The
//! constants are those of `bento_vm::hash::permutation()`: the memory tree,
//! the image ID and the proof system's commitments use one permutation.

use std::borrow::{Borrow, BorrowMut};
use std::mem::MaybeUninit;
use std::sync::OnceLock;

use bento_stark::{Air, AirBuilder, WindowAccess, F};
use p3_baby_bear::{
    GenericPoseidon2LinearLayersBabyBear, BABYBEAR_POSEIDON2_HALF_FULL_ROUNDS,
    BABYBEAR_POSEIDON2_PARTIAL_ROUNDS_16, BABYBEAR_POSEIDON2_RC_16_EXTERNAL_FINAL,
    BABYBEAR_POSEIDON2_RC_16_EXTERNAL_INITIAL, BABYBEAR_POSEIDON2_RC_16_INTERNAL,
};
use p3_poseidon2_air::{
    generate_trace_rows_for_perm, num_cols, Poseidon2Air, Poseidon2Cols, RoundConstants,
};

/// The permutation's state width.
pub const STATE: usize = 16;
const SBOX_DEGREE: u64 = 7;
/// One register per S-box keeps the constraints at degree 3.
const SBOX_REGISTERS: usize = 1;
pub(crate) const HALF_FULL: usize = BABYBEAR_POSEIDON2_HALF_FULL_ROUNDS;
pub(crate) const PARTIAL: usize = BABYBEAR_POSEIDON2_PARTIAL_ROUNDS_16;

pub(crate) type Layers = GenericPoseidon2LinearLayersBabyBear;
type PermAir = Poseidon2Air<F, Layers, STATE, SBOX_DEGREE, SBOX_REGISTERS, HALF_FULL, PARTIAL>;
type Cols<T> = Poseidon2Cols<T, STATE, SBOX_DEGREE, SBOX_REGISTERS, HALF_FULL, PARTIAL>;

/// Columns of one permutation: its input, every round, and its output (the last round's).
pub const WIDTH: usize = num_cols::<STATE, SBOX_DEGREE, SBOX_REGISTERS, HALF_FULL, PARTIAL>();

pub(crate) fn constants() -> &'static RoundConstants<F, STATE, HALF_FULL, PARTIAL> {
    static C: OnceLock<RoundConstants<F, STATE, HALF_FULL, PARTIAL>> = OnceLock::new();
    C.get_or_init(|| {
        RoundConstants::new(
            BABYBEAR_POSEIDON2_RC_16_EXTERNAL_INITIAL,
            BABYBEAR_POSEIDON2_RC_16_INTERNAL,
            BABYBEAR_POSEIDON2_RC_16_EXTERNAL_FINAL,
        )
    })
}

fn air() -> &'static PermAir {
    static A: OnceLock<PermAir> = OnceLock::new();
    A.get_or_init(|| PermAir::new(constants().clone()))
}

/// The permutation's input columns in a row.
pub fn input<T: Copy>(row: &[T]) -> [T; STATE] {
    let cols: &Cols<T> = row[..WIDTH].borrow();
    cols.inputs
}

/// The permutation's output columns in a row.
pub fn output<T: Copy>(row: &[T]) -> [T; STATE] {
    let cols: &Cols<T> = row[..WIDTH].borrow();
    cols.ending_full_rounds[HALF_FULL - 1].post
}

/// Writes the permutation of `state` into the first [`WIDTH`] columns of `row`.
pub fn fill(row: &mut [F], state: [F; STATE]) {
    // SAFETY: F and MaybeUninit<F> share a layout, and every element written is initialised.
    let cells: &mut [MaybeUninit<F>] =
        unsafe { &mut *(&mut row[..WIDTH] as *mut [F] as *mut [MaybeUninit<F>]) };
    let cols: &mut Cols<MaybeUninit<F>> = cells.borrow_mut();
    generate_trace_rows_for_perm::<F, Layers, STATE, SBOX_DEGREE, SBOX_REGISTERS, HALF_FULL, PARTIAL>(
        cols,
        state,
        constants(),
    );
}

/// Constrains the first [`WIDTH`] columns of every row to be a permutation.
pub fn eval<AB: AirBuilder<F = F>>(builder: &mut AB) {
    air().eval(&mut Prefix { inner: builder });
}

/// A builder that shows the AIR it is given only the first [`WIDTH`] columns.
struct Prefix<'a, AB> {
    inner: &'a mut AB,
}

#[derive(Clone)]
struct PrefixWindow<W>(W);

impl<T, W: WindowAccess<T>> WindowAccess<T> for PrefixWindow<W> {
    fn current_slice(&self) -> &[T] {
        &self.0.current_slice()[..WIDTH]
    }

    fn next_slice(&self) -> &[T] {
        &self.0.next_slice()[..WIDTH]
    }
}

impl<AB: AirBuilder> AirBuilder for Prefix<'_, AB> {
    type F = AB::F;
    type Expr = AB::Expr;
    type Var = AB::Var;
    type PreprocessedWindow = AB::PreprocessedWindow;
    type MainWindow = PrefixWindow<AB::MainWindow>;
    type PublicVar = AB::PublicVar;
    type PeriodicVar = AB::PeriodicVar;

    fn main(&self) -> Self::MainWindow {
        PrefixWindow(self.inner.main())
    }

    fn preprocessed(&self) -> &Self::PreprocessedWindow {
        self.inner.preprocessed()
    }

    fn is_first_row(&self) -> Self::Expr {
        self.inner.is_first_row()
    }

    fn is_last_row(&self) -> Self::Expr {
        self.inner.is_last_row()
    }

    fn is_transition(&self) -> Self::Expr {
        self.inner.is_transition()
    }

    fn assert_zero<I: Into<Self::Expr>>(&mut self, x: I) {
        self.inner.assert_zero(x);
    }

    fn public_values(&self) -> &[Self::PublicVar] {
        self.inner.public_values()
    }

    fn periodic_values(&self) -> &[Self::PeriodicVar] {
        self.inner.periodic_values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bento_stark::PrimeCharacteristicRing;
    use p3_symmetric::Permutation;

    #[test]
    fn the_columns_compute_the_memory_trees_permutation() {
        let state: [F; STATE] = std::array::from_fn(|i| F::from_usize(7 * i + 3));
        let mut row = vec![F::ZERO; WIDTH + 5];
        fill(&mut row, state);
        assert_eq!(input(&row), state);
        assert_eq!(output(&row), bento_vm::hash::permutation().permute(state));
    }
}
