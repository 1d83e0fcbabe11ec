//! The proof's public values as cells. Row `i` holds public value `i`: a
//! preprocessed one-hot selector per public value ties the row's value to it.

use std::sync::Arc;

use bento_stark::{
    Air, AirBuilder, BaseAir, InteractionBuilder, PrimeCharacteristicRing, RowMajorMatrix,
    WindowAccess, F,
};

use super::{base, write};

/// Preprocessed columns: the cell, how often it is read, then one selector per public value.
pub const ADDRESS: usize = 0;
pub const MULT: usize = 1;
pub const SELECTORS: usize = 2;

#[derive(Clone, Debug)]
pub struct PublicAir {
    pub(crate) num_public: usize,
    pub(crate) preprocessed: Arc<RowMajorMatrix<F>>,
}

impl BaseAir<F> for PublicAir {
    fn width(&self) -> usize {
        1
    }

    fn num_public_values(&self) -> usize {
        self.num_public
    }

    fn preprocessed_trace(&self) -> Option<RowMajorMatrix<F>> {
        Some((*self.preprocessed).clone())
    }

    fn preprocessed_width(&self) -> usize {
        SELECTORS + self.num_public
    }

    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }

    fn preprocessed_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB: AirBuilder<F = F> + InteractionBuilder> Air<AB> for PublicAir {
    fn eval(&self, builder: &mut AB) {
        let pre = builder.preprocessed().clone();
        let main = builder.main();
        let p = pre.current_slice();
        let value: AB::Expr = main.current_slice()[0].into();
        let publics: Vec<AB::Expr> = builder.public_values().iter().map(|&v| v.into()).collect();
        let mut tie = AB::Expr::ZERO;
        for (i, public) in publics.into_iter().enumerate() {
            tie += p[SELECTORS + i] * (value.clone() - public);
        }
        builder.assert_zero(tie);
        write(builder, p[ADDRESS].into(), base(value), p[MULT].into());
    }
}
