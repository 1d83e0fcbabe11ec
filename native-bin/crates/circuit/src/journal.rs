//! The journal bytes a segment appended, supplied by the verifier: the CPU's
//! journal writes must match them one for one, in order.

use std::borrow::Cow;

use bento_stark::public_table::PublicColumns;
use bento_stark::{
    Air, AirBuilder, BaseAir, InteractionBuilder, PrimeCharacteristicRing, RowMajorMatrix,
    WindowAccess, F,
};

use crate::buses::JOURNAL;
use crate::columns::{columns, Columns};

#[repr(C)]
pub struct JournalCols<T> {
    pub pos: T,
    pub byte: T,
    pub real: T,
}

columns!(JournalCols);

pub const NUM_PUBLIC_VALUES: usize = 8;

#[derive(Clone, Debug)]
pub struct JournalAir {
    public: PublicColumns,
}

impl JournalAir {
    pub fn new(journal: &[u8]) -> JournalAir {
        let columns = vec![
            (0..journal.len()).map(F::from_usize).collect(),
            journal.iter().map(|&b| F::from_u8(b)).collect(),
            vec![F::ONE; journal.len()],
        ];
        JournalAir {
            public: PublicColumns::new(columns, 16),
        }
    }

    pub fn height(&self) -> usize {
        self.public.height()
    }

    /// Binds the journal into the transcript (the verifier computes it too).
    pub fn public_values(&self) -> Vec<F> {
        self.public.digest().to_vec()
    }

    pub fn trace(&self) -> RowMajorMatrix<F> {
        let w = JournalCols::<F>::WIDTH;
        let mut values = F::zero_vec(self.height() * w);
        self.public.fill(&mut values, w, 0);
        RowMajorMatrix::new(values, w)
    }
}

impl BaseAir<F> for JournalAir {
    fn width(&self) -> usize {
        JournalCols::<F>::WIDTH
    }

    fn num_public_values(&self) -> usize {
        NUM_PUBLIC_VALUES
    }

    fn num_periodic_columns(&self) -> usize {
        3
    }

    fn periodic_columns(&self) -> Cow<'_, [Vec<F>]> {
        self.public.periodic_columns()
    }

    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB: AirBuilder<F = F> + InteractionBuilder> Air<AB> for JournalAir {
    fn eval(&self, builder: &mut AB) {
        self.public.eval(builder, 0);
        let main = builder.main();
        let c = JournalCols::view(main.current_slice());
        JOURNAL.table_entry(builder, [c.pos, c.byte], c.real);
    }
}
