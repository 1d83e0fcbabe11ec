//! Poseidon2, one permutation a row (`bento_circuit::poseidon2`: the same
//! permutation as the memory trees and the proof system's commitments). Each
//! real row reads its 16 input cells and writes its 16 output cells.
//!
//! A row may also read a bit that swaps the input's halves before the
//! permutation: a Merkle path's step (which child is the node) costs no
//! arithmetic then.

use std::sync::Arc;

use bento_circuit::columns::Columns;
use bento_circuit::poseidon2::{self, STATE};
use bento_stark::{
    Air, AirBuilder, BaseAir, InteractionBuilder, PrimeCharacteristicRing, RowMajorMatrix,
    WindowAccess, F,
};

use super::{base, read, write};

#[repr(C)]
pub struct PermutePre<T> {
    pub input: [T; STATE],
    pub output: [T; STATE],
    /// How often the program reads each output.
    pub mult: [T; STATE],
    /// Set on rows of the program (padding rows permute zeros and read nothing).
    pub real: T,
    /// The swap bit's cell, and whether the row reads one.
    pub swap: T,
    pub swapped: T,
}

bento_circuit::columns!(PermutePre);

/// The columns after the permutation's: the cells read, and the swap bit.
#[repr(C)]
pub struct PermuteExtra<T> {
    pub read: [T; STATE],
    pub bit: T,
}

bento_circuit::columns!(PermuteExtra);

/// The permutation's input from the cells read: the halves swapped where `bit` is set.
pub fn swapped<T: Copy>(read: [T; STATE], bit: bool) -> [T; STATE] {
    let half = STATE / 2;
    std::array::from_fn(|k| read[if bit { (k + half) % STATE } else { k }])
}

#[derive(Clone, Debug)]
pub struct PermuteAir {
    pub(crate) preprocessed: Arc<RowMajorMatrix<F>>,
}

impl BaseAir<F> for PermuteAir {
    fn width(&self) -> usize {
        poseidon2::WIDTH + PermuteExtra::<F>::WIDTH
    }

    fn preprocessed_trace(&self) -> Option<RowMajorMatrix<F>> {
        Some((*self.preprocessed).clone())
    }

    fn preprocessed_width(&self) -> usize {
        PermutePre::<F>::WIDTH
    }

    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }

    fn preprocessed_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB: AirBuilder<F = F> + InteractionBuilder> Air<AB> for PermuteAir {
    fn eval(&self, builder: &mut AB) {
        poseidon2::eval(builder);
        let pre = builder.preprocessed().clone();
        let main = builder.main();
        let p = PermutePre::view(pre.current_slice());
        let row = main.current_slice();
        let (input, output) = (poseidon2::input(row), poseidon2::output(row));
        let x = PermuteExtra::view(&row[poseidon2::WIDTH..]);
        let e = |x: AB::Var| -> AB::Expr { x.into() };
        // The bit is boolean, and zero on rows that read none.
        builder.assert_bool(x.bit);
        builder.assert_zero(e(x.bit) * (AB::Expr::ONE - e(p.swapped)));
        read(builder, e(p.swap), base(e(x.bit)), e(p.swapped));
        let half = STATE / 2;
        for k in 0..half {
            let moved = e(x.bit) * (e(x.read[k + half]) - e(x.read[k]));
            builder.assert_eq(input[k], e(x.read[k]) + moved.clone());
            builder.assert_eq(input[k + half], e(x.read[k + half]) - moved);
        }
        for (i, &value) in output.iter().enumerate() {
            read(builder, e(p.input[i]), base(e(x.read[i])), e(p.real));
            write(builder, e(p.output[i]), base(e(value)), e(p.mult[i]));
        }
    }
}
