//! Values the prover supplies: the inner proof's data, quotients' companions,
//! bit decompositions. A base witness is constrained to have zero upper
//! coefficients; nothing else is constrained here (the program's gates are).

use std::sync::Arc;

use bento_circuit::columns::Columns;
use bento_stark::{Air, AirBuilder, BaseAir, InteractionBuilder, RowMajorMatrix, WindowAccess, F};

use super::write;

#[repr(C)]
pub struct WitnessPre<T> {
    pub out: T,
    pub mult: T,
    pub base: T,
}

#[repr(C)]
pub struct WitnessMain<T> {
    pub value: [T; 4],
}

bento_circuit::columns!(WitnessPre, WitnessMain);

#[derive(Clone, Debug)]
pub struct WitnessAir {
    pub(crate) preprocessed: Arc<RowMajorMatrix<F>>,
}

impl BaseAir<F> for WitnessAir {
    fn width(&self) -> usize {
        WitnessMain::<F>::WIDTH
    }

    fn preprocessed_trace(&self) -> Option<RowMajorMatrix<F>> {
        Some((*self.preprocessed).clone())
    }

    fn preprocessed_width(&self) -> usize {
        WitnessPre::<F>::WIDTH
    }

    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }

    fn preprocessed_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB: AirBuilder<F = F> + InteractionBuilder> Air<AB> for WitnessAir {
    fn eval(&self, builder: &mut AB) {
        let pre = builder.preprocessed().clone();
        let main = builder.main();
        let p = WitnessPre::view(pre.current_slice());
        let m = WitnessMain::view(main.current_slice());
        for &upper in &m.value[1..] {
            builder.assert_zero(p.base * upper);
        }
        let e = |x: AB::Var| -> AB::Expr { x.into() };
        write(builder, e(p.out), m.value.map(e), e(p.mult));
    }
}
