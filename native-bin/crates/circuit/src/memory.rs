//! The memory boundary: every word of every page a segment touches, with its
//! value before and after the segment. The verifier supplies these rows from
//! the receipt's page data (authenticated against the state roots outside the
//! circuit); on the memory bus each row sends the initial value at time 0 and
//! receives the final one at the time of its last access, which closes every
//! access chain the CPU opened.

use std::borrow::Cow;

use bento_stark::public_table::PublicColumns;
use bento_stark::{
    Air, AirBuilder, BaseAir, Count, InteractionBuilder, PrimeCharacteristicRing, RowMajorMatrix,
    WindowAccess, F,
};

use bento_vm::layout::{PAGE_WORDS, REGISTER_PAGE};

use crate::buses::{MEMORY, REG_BASE};
use crate::columns::{columns, Columns};

/// One word of the boundary: its bus address, and its value before and after.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BoundaryWord {
    pub addr: u32,
    pub init: u32,
    pub fin: u32,
}

/// The bus address of a page's first word: the registers for the register
/// page, the word address of its first byte for every other.
pub fn page_bus_base(index: u32) -> u32 {
    if index == REGISTER_PAGE {
        REG_BASE
    } else {
        index * PAGE_WORDS as u32
    }
}

/// The boundary of a set of pages, given each page's bus base (see
/// [`page_bus_base`]) and its words before and after.
pub fn boundary_words<'a>(
    pages: impl IntoIterator<Item = (u32, &'a [u32], &'a [u32])>,
) -> Vec<BoundaryWord> {
    let mut words = Vec::new();
    for (base, init, fin) in pages {
        for (j, (&init, &fin)) in init.iter().zip(fin).enumerate() {
            words.push(BoundaryWord {
                addr: base + j as u32,
                init,
                fin,
            });
        }
    }
    words
}

#[repr(C)]
pub struct BoundaryCols<T> {
    pub addr: T,
    pub init: [T; 4],
    pub fin: [T; 4],
    pub real: T,
    /// When the segment last accessed the word (0 if never).
    pub final_ts: T,
}

columns!(BoundaryCols);

/// Public columns: address, initial bytes, final bytes, and whether the row is real.
const PUBLIC_WIDTH: usize = 10;
/// The pre and post memory roots, and the boundary's digest.
pub const NUM_PUBLIC_VALUES: usize = 24;

#[derive(Clone, Debug)]
pub struct BoundaryAir {
    public: PublicColumns,
}

fn bytes(w: u32) -> [F; 4] {
    w.to_le_bytes().map(F::from_u8)
}

impl BoundaryAir {
    pub fn new(words: &[BoundaryWord]) -> BoundaryAir {
        let mut columns: Vec<Vec<F>> = (0..PUBLIC_WIDTH)
            .map(|_| Vec::with_capacity(words.len()))
            .collect();
        for w in words {
            columns[0].push(F::from_u32(w.addr));
            for (k, b) in bytes(w.init).into_iter().enumerate() {
                columns[1 + k].push(b);
            }
            for (k, b) in bytes(w.fin).into_iter().enumerate() {
                columns[5 + k].push(b);
            }
            columns[9].push(F::ONE);
        }
        BoundaryAir {
            public: PublicColumns::new(columns, 16),
        }
    }

    pub fn height(&self) -> usize {
        self.public.height()
    }

    /// Binds the boundary — which pages, and their words — into the transcript.
    pub fn digest(&self) -> [F; 8] {
        self.public.digest()
    }

    /// The trace: the public columns and, for each word, its last access time.
    pub fn trace(&self, final_ts: &[u32]) -> RowMajorMatrix<F> {
        let w = BoundaryCols::<F>::WIDTH;
        let mut values = F::zero_vec(self.height() * w);
        self.public.fill(&mut values, w, 0);
        for (row, &ts) in values.chunks_exact_mut(w).zip(final_ts) {
            BoundaryCols::view_mut(row).final_ts = F::from_u32(ts);
        }
        RowMajorMatrix::new(values, w)
    }
}

impl BaseAir<F> for BoundaryAir {
    fn width(&self) -> usize {
        BoundaryCols::<F>::WIDTH
    }

    fn num_public_values(&self) -> usize {
        NUM_PUBLIC_VALUES
    }

    fn num_periodic_columns(&self) -> usize {
        PUBLIC_WIDTH
    }

    fn periodic_columns(&self) -> Cow<'_, [Vec<F>]> {
        self.public.periodic_columns()
    }

    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB: AirBuilder<F = F> + InteractionBuilder> Air<AB> for BoundaryAir {
    fn eval(&self, builder: &mut AB) {
        self.public.eval(builder, 0);
        let main = builder.main();
        let c = BoundaryCols::view(main.current_slice());
        let real = || Count::bounded(c.real.into(), 1);
        let init = [
            c.addr.into(),
            c.init[0].into(),
            c.init[1].into(),
            c.init[2].into(),
            c.init[3].into(),
            AB::Expr::ZERO,
        ];
        MEMORY.send(builder, init, real());
        let fin = [c.addr, c.fin[0], c.fin[1], c.fin[2], c.fin[3], c.final_ts];
        MEMORY.receive(builder, fin, real());
    }
}
