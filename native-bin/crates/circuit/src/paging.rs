//! Paging and the journal, inside the proof: one Poseidon2 permutation every
//! four rows ([`perm_rows`]).
//!
//! The table hashes, with the permutation the memory tree uses:
//! - **page sponges**: each touched page before the segment (tree 0) and after
//!   it (tree 1), 65 rows a page, absorbing its words (as 16-bit halves, the
//!   way `bento_vm::hash::hash_page` does) from the boundary table over the
//!   page-word bus, and sending the page hash as a leaf of its tree;
//! - **joins**: the Merkle compressions from those leaves to the two roots,
//!   children on the paths received from the rows that computed them, the
//!   others (siblings) shared between the trees over the sibling bus, so that
//!   memory the segment did not touch is the same before and after;
//! - **the journal**: its bytes, eight a row, each position provided to the
//!   CPU's journal writes once (`bento_vm::hash::journal_digest`).
//!
//! A permutation's four rows share its other columns (its kind, page, node,
//! journal position): each fact about a permutation is constrained on the row
//! that holds what it needs (its input on row 0, its output on row 3), and
//! one permutation follows the previous across row 3 to row 0.
//!
//! The first row receives both roots and the journal's digest against the
//! public values, once. Every other message must be received as often as it
//! is sent, so each tree has exactly one row per node, every page hash climbs
//! to its root, and every boundary word is hashed into exactly one page of
//! each tree. Page indices are constrained to guest pages and the register
//! page, so memory outside guest memory has no boundary to balance an access.

use bento_stark::{
    Air, AirBuilder, BaseAir, Count, InteractionBuilder, PrimeCharacteristicRing, PrimeField32,
    RowMajorMatrix, WindowAccess, F,
};
use bento_vm::hash::{self, journal_chunks, word_halves, Digest, DIGEST_ELEMS, DOMAIN_JOURNAL};
use bento_vm::layout::{MEMORY_TREE_DEPTH, REGISTER_PAGE};
use bento_vm::merkle::{Join, MultiProof};
use p3_maybe_rayon::prelude::*;

use crate::buses::{JOURNAL, JOURNAL_DIGEST, NODE, PAGE_WORD, RANGE16, SIBLING};
use crate::columns::{columns, Columns};
use crate::perm_rows::{self, ROWS};
use crate::poseidon2::STATE;
use crate::range::RangeCounts;

/// The domain tag a page hash starts with.
const DOMAIN_PAGE: u32 = 1;
const RATE: usize = hash::SPONGE_RATE;

#[repr(C)]
pub struct PagingCols<T> {
    /// This row's share of its permutation.
    pub perm: [T; perm_rows::WIDTH],
    /// One-hot: which of its permutation's rows this is.
    pub at: [T; ROWS],
    /// Marks row 0, which receives the roots and the journal's digest.
    pub first: T,
    /// A page sponge row; `start` its first, `leaf` its last.
    pub absorb: T,
    pub start: T,
    pub leaf: T,
    /// A Merkle join.
    pub join: T,
    /// A journal row; `jstart` the first, `jlast` the last.
    pub jabsorb: T,
    pub jstart: T,
    pub jlast: T,
    /// 0: memory before the segment, 1: after it.
    pub tree: T,
    pub page: T,
    pub is_reg: T,
    /// The page sponge's row, 0..=64.
    pub chunk: T,
    /// On row 0, the low half of the word a sponge row starts with (the
    /// previous permutation's last rate element); on the others, this
    /// permutation's last rate element, carried to the next.
    pub carry: T,
    /// A guest page is `1 + page_lo + 2^16 (page_hi[0] + 2 page_hi[1])`.
    pub page_lo: T,
    pub page_hi: [T; 2],
    /// `page_lo + page_hi[0] page_hi[1]`, the 16-bit value range-checked: it
    /// bounds `page_lo` by 2^16 - 2 when both high bits are set, so that a guest
    /// page stays below 2^18 (the register page).
    pub page_top: T,
    /// The node a join computes, and whether each child is on a path.
    pub level: T,
    pub index: T,
    pub left_on_path: T,
    pub right_on_path: T,
    /// Which of the row's eight journal bytes are real (a prefix), and the bytes before the row.
    pub jreal: [T; RATE],
    pub count: T,
}

columns!(PagingCols);

pub const PV_PRE_ROOT: usize = 0;
pub const PV_POST_ROOT: usize = 8;
pub const PV_JOURNAL_DIGEST: usize = 16;
pub const PV_JOURNAL_LEN: usize = 24;
pub const NUM_PUBLIC_VALUES: usize = 25;

/// The paging table's public values: both roots, the journal's digest and length.
pub fn public_values(pre_root: Digest, post_root: Digest, journal: &[u8]) -> Vec<F> {
    pre_root
        .to_field()
        .into_iter()
        .chain(post_root.to_field())
        .chain(hash::journal_digest(journal).to_field())
        .chain([F::from_usize(journal.len())])
        .collect()
}

#[derive(Clone, Debug)]
pub struct PagingAir;

impl BaseAir<F> for PagingAir {
    fn width(&self) -> usize {
        PagingCols::<F>::WIDTH
    }

    fn num_public_values(&self) -> usize {
        NUM_PUBLIC_VALUES
    }
}

impl<T: Copy> PagingCols<T> {
    /// The columns a permutation's rows share: all but its own share, the
    /// row's position, `first` and `carry`.
    fn shared(&self) -> impl Iterator<Item = T> + '_ {
        [
            self.absorb,
            self.start,
            self.leaf,
            self.join,
            self.jabsorb,
            self.jstart,
            self.jlast,
            self.tree,
            self.page,
            self.is_reg,
            self.chunk,
            self.page_lo,
            self.page_hi[0],
            self.page_hi[1],
            self.page_top,
            self.level,
            self.index,
            self.left_on_path,
            self.right_on_path,
            self.count,
        ]
        .into_iter()
        .chain(self.jreal)
    }
}

impl<AB: AirBuilder<F = F> + InteractionBuilder> Air<AB> for PagingAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let c = PagingCols::view(main.current_slice());
        let n = PagingCols::view(main.next_slice());
        let pv: Vec<AB::Expr> = builder.public_values().iter().map(|&v| v.into()).collect();
        let e = |v: AB::Var| -> AB::Expr { v.into() };
        let k = |x: u32| AB::Expr::from_u32(x);
        let one = || AB::Expr::ONE;
        // A permutation's input is on its row 0, its output on its row 3.
        let input = perm_rows::input(&c.perm);
        let output = perm_rows::output(&c.perm);
        let n_input = perm_rows::input(&n.perm);
        let (at0, at3) = (e(c.at[0]), e(c.at[ROWS - 1]));

        // ---- Permutations: four rows each, sharing their other columns.
        for &a in &c.at {
            builder.assert_bool(a);
        }
        builder.assert_one(c.at.iter().map(|&a| e(a)).sum::<AB::Expr>());
        builder.when_first_row().assert_one(c.at[0]);
        builder.when_last_row().assert_one(c.at[ROWS - 1]);
        perm_rows::eval(
            builder,
            std::array::from_fn(|p| e(c.at[p])),
            &c.perm,
            &n.perm,
        );
        {
            let mut b = builder.when_transition();
            for p in 0..ROWS {
                b.assert_eq(n.at[(p + 1) % ROWS], c.at[p]);
            }
            for (x, y) in n.shared().zip(c.shared()) {
                b.assert_zero((one() - at3.clone()) * (e(x) - e(y)));
            }
            b.assert_zero(at0.clone() * (e(n.carry) - e(input[RATE - 1])));
            b.assert_zero((e(c.at[1]) + e(c.at[2])) * (e(n.carry) - e(c.carry)));
        }

        // ---- Row kinds.
        for f in [
            c.first,
            c.absorb,
            c.start,
            c.leaf,
            c.join,
            c.jabsorb,
            c.jstart,
            c.jlast,
            c.tree,
            c.is_reg,
            c.page_hi[0],
            c.page_hi[1],
            c.left_on_path,
            c.right_on_path,
        ]
        .into_iter()
        .chain(c.jreal)
        {
            builder.assert_bool(f);
        }
        builder.assert_bool(e(c.absorb) + e(c.join) + e(c.jabsorb));
        for (part, whole) in [
            (c.start, c.absorb),
            (c.leaf, c.absorb),
            (c.left_on_path, c.join),
            (c.right_on_path, c.join),
            (c.jstart, c.jabsorb),
            (c.jlast, c.jabsorb),
        ]
        .into_iter()
        .chain(c.jreal.map(|r| (r, c.jabsorb)))
        {
            builder.assert_zero(e(part) * (one() - e(whole)));
        }
        builder.when_first_row().assert_one(c.first);
        builder.when_transition().assert_zero(n.first);

        // ---- Page sponges. A permutation continues its sponge unless it is the leaf.
        let cont = e(c.absorb) - e(c.leaf);
        // Where one permutation ends and the next begins.
        let cont3 = cont.clone() * at3.clone();
        {
            let mut b = builder.when(e(c.start) * at0.clone());
            b.assert_zero(c.chunk);
            b.assert_eq(input[0], k(DOMAIN_PAGE));
            for &x in &input[RATE..] {
                b.assert_zero(x);
            }
        }
        builder.assert_zero(e(c.leaf) * (e(c.chunk) - k(hash::PAGE_PERMUTATIONS as u32 - 1)));
        // Only guest pages and the register page have leaves.
        let guest_page =
            one() + e(c.page_lo) + (e(c.page_hi[0]) + e(c.page_hi[1]) * k(2)) * k(1 << 16);
        let valid_page = e(c.is_reg) * k(REGISTER_PAGE) + (one() - e(c.is_reg)) * guest_page;
        builder.assert_zero(e(c.leaf) * (e(c.page) - valid_page));
        // page_top in 0..2^16 bounds page_lo the same way, except page_lo = -1 with
        // both high bits set, which names page 3·2^16, a guest page anyway.
        builder.assert_eq(c.page_top, e(c.page_lo) + e(c.page_hi[0]) * e(c.page_hi[1]));
        RANGE16.lookup_key(builder, [c.page_top], 1);
        {
            let mut b = builder.when_transition();
            b.assert_zero(cont3.clone() * (one() - e(n.absorb)));
            b.assert_zero(cont3.clone() * e(n.start));
            // A sponge permutation other than the first follows one of its sponge.
            b.assert_zero((e(n.absorb) - e(n.start)) * (one() - cont.clone()) * at3.clone());
            for (x, y) in [
                (n.page, c.page),
                (n.is_reg, c.is_reg),
                (n.tree, c.tree),
                (n.carry, c.carry),
            ] {
                b.assert_zero(cont3.clone() * (e(x) - e(y)));
            }
            b.assert_zero(cont3.clone() * (e(n.chunk) - e(c.chunk) - one()));
            for i in RATE..STATE {
                b.assert_zero(cont3.clone() * (e(n_input[i]) - e(output[i])));
            }
            // The last permutation absorbs one element; the rest of its rate is carried over.
            for i in 1..RATE {
                b.assert_zero(cont3.clone() * e(n.leaf) * (e(n_input[i]) - e(output[i])));
            }
        }
        builder
            .when_first_row()
            .assert_zero(e(c.absorb) - e(c.start));
        builder.when_last_row().assert_zero(cont);
        // Permutation `chunk` absorbs the high half of word 4 chunk - 1 and words 4 chunk .. 4 chunk + 2.
        let word = |j: AB::Expr, lo: AB::Expr, hi: AB::Expr| {
            [e(c.tree), e(c.page), e(c.is_reg), j, lo, hi]
        };
        PAGE_WORD.receive(
            builder,
            word(e(c.chunk) * k(4) - one(), e(c.carry), e(input[0])),
            Count::bounded((e(c.absorb) - e(c.start)) * at0.clone(), 1),
        );
        for m in 0..3 {
            PAGE_WORD.receive(
                builder,
                word(
                    e(c.chunk) * k(4) + k(m as u32),
                    e(input[1 + 2 * m]),
                    e(input[2 + 2 * m]),
                ),
                Count::bounded((e(c.absorb) - e(c.leaf)) * at0.clone(), 1),
            );
        }
        let node = |tree: AB::Expr, level: AB::Expr, index: AB::Expr, digest: &[AB::Var]| {
            [tree, level, index]
                .into_iter()
                .chain(digest.iter().map(|&d| e(d)))
                .collect::<Vec<_>>()
        };
        NODE.send(
            builder,
            node(
                e(c.tree),
                AB::Expr::ZERO,
                e(c.page),
                &output[..DIGEST_ELEMS],
            ),
            Count::bounded(e(c.leaf) * at3.clone(), 1),
        );

        // ---- Merkle joins.
        NODE.send(
            builder,
            node(e(c.tree), e(c.level), e(c.index), &output[..DIGEST_ELEMS]),
            Count::bounded(e(c.join) * at3.clone(), 1),
        );
        let child_level = e(c.level) - one();
        let children = [
            (c.left_on_path, e(c.index) * k(2), &input[..DIGEST_ELEMS]),
            (
                c.right_on_path,
                e(c.index) * k(2) + one(),
                &input[DIGEST_ELEMS..],
            ),
        ];
        for (on_path, index, digest) in children {
            NODE.receive(
                builder,
                node(e(c.tree), child_level.clone(), index.clone(), digest),
                Count::bounded(e(on_path) * at0.clone(), 1),
            );
            // Off the path: sent by the tree before, received by the tree after.
            let sibling: Vec<AB::Expr> = [child_level.clone(), index]
                .into_iter()
                .chain(digest.iter().map(|&d| e(d)))
                .collect();
            SIBLING.send(
                builder,
                sibling,
                Count::bounded(
                    (e(c.join) - e(on_path)) * (one() - e(c.tree) * k(2)) * at0.clone(),
                    1,
                ),
            );
        }
        for (tree, at) in [(0, PV_PRE_ROOT), (1, PV_POST_ROOT)] {
            let root: Vec<AB::Expr> = [k(tree), k(MEMORY_TREE_DEPTH as u32), AB::Expr::ZERO]
                .into_iter()
                .chain(pv[at..at + DIGEST_ELEMS].iter().cloned())
                .collect();
            NODE.receive(builder, root, Count::bounded(e(c.first), 1));
        }

        // ---- The journal.
        let jcont = e(c.jabsorb) - e(c.jlast);
        let jcont3 = jcont.clone() * at3.clone();
        {
            let mut b = builder.when(e(c.jstart) * at0.clone());
            b.assert_eq(input[RATE], k(DOMAIN_JOURNAL));
            b.assert_eq(input[RATE + 1], pv[PV_JOURNAL_LEN].clone());
            for &x in &input[RATE + 2..] {
                b.assert_zero(x);
            }
            b.assert_zero(c.count);
        }
        for pair in c.jreal.windows(2) {
            builder.assert_zero((one() - e(pair[0])) * e(pair[1]));
        }
        for (i, (&real, &byte)) in c.jreal.iter().zip(&input[..RATE]).enumerate() {
            // Past the end, the chunk is padded with zeros.
            builder.assert_zero((e(c.jabsorb) - e(real)) * e(byte) * at0.clone());
            JOURNAL.table_entry(
                builder,
                [e(c.count) + k(i as u32), e(byte)],
                e(real) * at0.clone(),
            );
        }
        let real: AB::Expr = c.jreal.iter().map(|&r| e(r)).sum();
        {
            let mut b = builder.when_transition();
            b.assert_zero(jcont3.clone() * (one() - e(n.jabsorb)));
            b.assert_zero(jcont3.clone() * e(n.jstart));
            b.assert_zero((e(n.jabsorb) - e(n.jstart)) * (one() - jcont.clone()) * at3.clone());
            for i in RATE..STATE {
                b.assert_zero(jcont3.clone() * (e(n_input[i]) - e(output[i])));
            }
            b.assert_zero(jcont3.clone() * (e(n.count) - e(c.count) - real.clone()));
            b.assert_zero(jcont3.clone() * (one() - e(c.jreal[RATE - 1])) * e(n.jreal[0]));
        }
        builder
            .when_first_row()
            .assert_zero(e(c.jabsorb) - e(c.jstart));
        builder.when_last_row().assert_zero(jcont);
        let digest: Vec<AB::Expr> = output[..DIGEST_ELEMS]
            .iter()
            .map(|&d| e(d))
            .chain([e(c.count) + real])
            .collect();
        JOURNAL_DIGEST.send(builder, digest, Count::bounded(e(c.jlast) * at3, 1));
        let claimed: Vec<AB::Expr> = pv[PV_JOURNAL_DIGEST..=PV_JOURNAL_LEN].to_vec();
        JOURNAL_DIGEST.receive(builder, claimed, Count::bounded(e(c.first), 1));
    }
}

/// A page as the paging table hashes it: its index and its words before and after.
pub struct HashedPage<'a> {
    pub index: u32,
    pub init: &'a [u32],
    pub fin: &'a [u32],
}

/// What a row of the table does, besides its permutation.
#[derive(Clone, Copy)]
enum Kind {
    Padding,
    Sponge {
        tree: u32,
        index: u32,
        chunk: usize,
        prev_lo: F,
    },
    Join {
        tree: u32,
        join: Join,
    },
    Journal {
        row: usize,
        last: bool,
        before: usize,
        real: usize,
    },
}

struct Row {
    input: [F; STATE],
    kind: Kind,
}

impl Kind {
    fn set(self, c: &mut PagingCols<F>) {
        match self {
            Kind::Padding => {}
            Kind::Sponge {
                tree,
                index,
                chunk,
                prev_lo,
            } => {
                let leaf = chunk == hash::PAGE_PERMUTATIONS - 1;
                let is_reg = index == REGISTER_PAGE;
                c.absorb = F::ONE;
                c.start = F::from_bool(chunk == 0);
                c.leaf = F::from_bool(leaf);
                c.tree = F::from_u32(tree);
                c.page = F::from_u32(index);
                c.is_reg = F::from_bool(is_reg);
                c.chunk = F::from_usize(chunk);
                c.carry = prev_lo;
                if leaf && !is_reg {
                    // A page outside guest memory (only a forger's) gets the nearest it can.
                    let guest = index.saturating_sub(1).min(REGISTER_PAGE - 2);
                    c.page_lo = F::from_u32(guest & 0xffff);
                    c.page_hi = [F::from_u32((guest >> 16) & 1), F::from_u32(guest >> 17)];
                    c.page_top = c.page_lo + c.page_hi[0] * c.page_hi[1];
                }
            }
            Kind::Join { tree, join } => {
                c.join = F::ONE;
                c.tree = F::from_u32(tree);
                c.level = F::from_usize(join.level);
                c.index = F::from_u32(join.index);
                c.left_on_path = F::from_bool(join.left_on_path);
                c.right_on_path = F::from_bool(join.right_on_path);
            }
            Kind::Journal {
                row,
                last,
                before,
                real,
            } => {
                c.jabsorb = F::ONE;
                c.jstart = F::from_bool(row == 0);
                c.jlast = F::from_bool(last);
                c.count = F::from_usize(before);
                c.jreal = std::array::from_fn(|i| F::from_bool(i < real));
            }
        }
    }
}

fn permute(state: [F; STATE]) -> [F; STATE] {
    use p3_symmetric::Permutation;
    hash::permutation().permute(state)
}

/// The rows of one page sponge, in one tree; returns the page hash.
fn page_rows(rows: &mut Vec<Row>, tree: u32, index: u32, words: &[u32]) -> Digest {
    let halves: Vec<F> = std::iter::once(F::from_u32(DOMAIN_PAGE))
        .chain(words.iter().flat_map(|&w| word_halves(w)))
        .collect();
    let mut state = [F::ZERO; STATE];
    let mut prev_lo = F::ZERO;
    for (chunk, elements) in halves.chunks(RATE).enumerate() {
        state[..elements.len()].copy_from_slice(elements);
        rows.push(Row {
            input: state,
            kind: Kind::Sponge {
                tree,
                index,
                chunk,
                prev_lo,
            },
        });
        prev_lo = state[RATE - 1];
        state = permute(state);
    }
    Digest::from_field(state[..DIGEST_ELEMS].try_into().expect("8 elements"))
}

fn join_rows(rows: &mut Vec<Row>, tree: u32, joins: &[Join]) {
    // The root first (row 0 is then the tree before the segment's root).
    for &join in joins.iter().rev() {
        let mut input = [F::ZERO; STATE];
        input[..DIGEST_ELEMS].copy_from_slice(&join.left.to_field());
        input[DIGEST_ELEMS..].copy_from_slice(&join.right.to_field());
        rows.push(Row {
            input,
            kind: Kind::Join { tree, join },
        });
    }
}

fn journal_rows(rows: &mut Vec<Row>, journal: &[u8]) {
    let chunks = journal_chunks(journal);
    let last = chunks.len() - 1;
    let mut state = [F::ZERO; STATE];
    state[RATE] = F::from_u32(DOMAIN_JOURNAL);
    state[RATE + 1] = F::from_usize(journal.len());
    for (row, chunk) in chunks.into_iter().enumerate() {
        state[..RATE].copy_from_slice(&chunk);
        let before = row * RATE;
        rows.push(Row {
            input: state,
            kind: Kind::Journal {
                row,
                last: row == last,
                before,
                real: journal.len().saturating_sub(before).min(RATE),
            },
        });
        state = permute(state);
    }
}

/// The paging table of a segment: `pages` hashed in both trees (each page's
/// words as the boundary holds them), the joins of `proofs` (honestly, the
/// same proof twice) up to the roots before and after for the pages they
/// cover (`in_tree` of them, leading), and the journal.
pub fn trace(
    pages: &[HashedPage<'_>],
    in_tree: usize,
    proofs: &[MultiProof; 2],
    journal: &[u8],
    min_height: usize,
    counts: &mut RangeCounts,
) -> RowMajorMatrix<F> {
    let mut sponges = Vec::with_capacity(2 * pages.len() * hash::PAGE_PERMUTATIONS);
    let mut leaves = [Vec::new(), Vec::new()];
    for (tree, leaves) in leaves.iter_mut().enumerate() {
        for (i, p) in pages.iter().enumerate() {
            let words = if tree == 0 { p.init } else { p.fin };
            let digest = page_rows(&mut sponges, tree as u32, p.index, words);
            if i < in_tree {
                leaves.push((p.index, digest));
            }
        }
    }
    let mut rows = Vec::new();
    for (tree, leaves) in leaves.iter().enumerate() {
        // A proof that does not fit the pages (only a forger's) leaves their paths out.
        if let Ok(joins) = proofs[tree].joins(leaves) {
            join_rows(&mut rows, tree as u32, &joins);
        }
    }
    rows.extend(sponges);
    journal_rows(&mut rows, journal);

    let height = (rows.len() * ROWS).max(min_height).next_power_of_two();
    let w = PagingCols::<F>::WIDTH;
    let mut values = F::zero_vec(height * w);
    values
        .par_chunks_mut(ROWS * w)
        .enumerate()
        .for_each(|(p, perm)| {
            let (input, kind) = rows
                .get(p)
                .map_or(([F::ZERO; STATE], Kind::Padding), |x| (x.input, x.kind));
            perm_rows::fill(perm, w, input);
            for (at, row) in perm.chunks_exact_mut(w).enumerate() {
                let c = PagingCols::view_mut(row);
                c.at[at] = F::ONE;
                c.first = F::from_bool(p == 0 && at == 0);
                kind.set(c);
                if at > 0 {
                    c.carry = input[RATE - 1];
                }
            }
        });
    for row in values.chunks_exact(w) {
        counts.range16(PagingCols::view(row).page_top.as_canonical_u32());
    }
    RowMajorMatrix::new(values, w)
}
