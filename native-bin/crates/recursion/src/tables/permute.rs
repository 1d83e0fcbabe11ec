//! Poseidon2, one permutation a row (`bento_circuit::poseidon2`: the same
//! permutation as the memory trees and the proof system's commitments). Each
//! real row reads its 16 input cells and writes its 16 output cells.

use std::sync::Arc;

use bento_circuit::columns::Columns;
use bento_circuit::poseidon2::{self, STATE};
use bento_stark::{Air, AirBuilder, BaseAir, InteractionBuilder, RowMajorMatrix, WindowAccess, F};

use super::{base, read, write};

#[repr(C)]
pub struct PermutePre<T> {
    pub input: [T; STATE],
    pub output: [T; STATE],
    /// How often the program reads each output.
    pub mult: [T; STATE],
    /// Set on rows of the program (padding rows permute zeros and read nothing).
    pub real: T,
}

bento_circuit::columns!(PermutePre);

#[derive(Clone, Debug)]
pub struct PermuteAir {
    pub(crate) preprocessed: Arc<RowMajorMatrix<F>>,
}

impl BaseAir<F> for PermuteAir {
    fn width(&self) -> usize {
        poseidon2::WIDTH
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
        let e = |x: AB::Var| -> AB::Expr { x.into() };
        for i in 0..STATE {
            read(builder, e(p.input[i]), base(e(input[i])), e(p.real));
            write(builder, e(p.output[i]), base(e(output[i])), e(p.mult[i]));
        }
    }
}
