//! The memory boundary: every word of every page a segment touches, with its
//! value before and after the segment. On the memory bus each row sends the
//! initial value at time 0 and receives the final one at the time of its last
//! access, which closes every access chain the CPU opened. The table is
//! private: each row sends its word, before and after, to the page hashes of
//! the paging table, which climb to the claimed roots, and there is exactly
//! one row for each word of each hashed page (see `paging`).

use bento_stark::{
    Air, AirBuilder, BaseAir, Count, InteractionBuilder, PrimeCharacteristicRing, RowMajorMatrix,
    WindowAccess, F,
};

use bento_vm::layout::{PAGE_WORDS, REGISTER_PAGE};

use crate::buses::{BYTE_PAIR, MEMORY, PAGE_WORD, REG_BASE};
use crate::columns::{columns, Columns};
use crate::range::RangeCounts;

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
    pub page: T,
    pub is_reg: T,
    /// The word's position in its page.
    pub word: T,
    /// Its bus address: `REG_BASE + word` on the register page, `page * 256 + word` elsewhere.
    pub addr: T,
    pub init: [T; 4],
    pub fin: [T; 4],
    pub real: T,
    /// When the segment last accessed the word (0 if never).
    pub final_ts: T,
}

columns!(BoundaryCols);

#[derive(Clone, Debug)]
pub struct BoundaryAir;

fn bytes(w: u32) -> [F; 4] {
    w.to_le_bytes().map(F::from_u8)
}

/// The boundary table: one row per word of `words`, which are whole pages in
/// the order of `pages`; `final_ts` gives each word's last access time.
pub fn trace(
    pages: &[u32],
    words: &[BoundaryWord],
    final_ts: &[u32],
    min_height: usize,
    counts: &mut RangeCounts,
) -> RowMajorMatrix<F> {
    let w = BoundaryCols::<F>::WIDTH;
    let height = words.len().max(min_height).next_power_of_two();
    let mut values = F::zero_vec(height * w);
    for (r, (row, word)) in values.chunks_exact_mut(w).zip(words).enumerate() {
        let page = pages[r / PAGE_WORDS];
        let c = BoundaryCols::view_mut(row);
        c.page = F::from_u32(page);
        c.is_reg = F::from_bool(page == REGISTER_PAGE);
        c.word = F::from_usize(r % PAGE_WORDS);
        c.addr = F::from_u32(word.addr);
        c.init = bytes(word.init);
        c.fin = bytes(word.fin);
        c.real = F::ONE;
        c.final_ts = F::from_u32(final_ts[r]);
        for v in [word.init, word.fin] {
            counts.pair(v & 0xff, (v >> 8) & 0xff);
            counts.pair((v >> 16) & 0xff, v >> 24);
        }
    }
    for _ in words.len()..height {
        counts.pair(0, 0);
        counts.pair(0, 0);
        counts.pair(0, 0);
        counts.pair(0, 0);
    }
    RowMajorMatrix::new(values, w)
}

impl BaseAir<F> for BoundaryAir {
    fn width(&self) -> usize {
        BoundaryCols::<F>::WIDTH
    }

    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB: AirBuilder<F = F> + InteractionBuilder> Air<AB> for BoundaryAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let c = BoundaryCols::view(main.current_slice());
        let e = |v: AB::Var| -> AB::Expr { v.into() };
        let k = |x: u32| AB::Expr::from_u32(x);
        builder.assert_bool(c.real);
        builder.assert_bool(c.is_reg);
        let guest = e(c.page) * k(PAGE_WORDS as u32) + e(c.word);
        let reg = k(REG_BASE) + e(c.word);
        builder.assert_eq(
            c.addr,
            e(c.is_reg) * reg + (AB::Expr::ONE - e(c.is_reg)) * guest,
        );
        // Private now: every byte is checked to be one.
        for q in [c.init, c.fin] {
            BYTE_PAIR.lookup_key(builder, [q[0], q[1]], 1);
            BYTE_PAIR.lookup_key(builder, [q[2], q[3]], 1);
        }
        let real = || Count::bounded(e(c.real), 1);
        let init = [
            e(c.addr),
            e(c.init[0]),
            e(c.init[1]),
            e(c.init[2]),
            e(c.init[3]),
            AB::Expr::ZERO,
        ];
        MEMORY.send(builder, init, real());
        let fin = [c.addr, c.fin[0], c.fin[1], c.fin[2], c.fin[3], c.final_ts];
        MEMORY.receive(builder, fin, real());
        let half = |q: [AB::Var; 4], i: usize| e(q[2 * i]) + e(q[2 * i + 1]) * k(256);
        for (tree, q) in [(0, c.init), (1, c.fin)] {
            PAGE_WORD.send(
                builder,
                [
                    k(tree),
                    e(c.page),
                    e(c.is_reg),
                    e(c.word),
                    half(q, 0),
                    half(q, 1),
                ],
                real(),
            );
        }
    }
}
