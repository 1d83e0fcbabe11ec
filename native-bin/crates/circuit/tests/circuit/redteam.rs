//! Forgeries against in-circuit paging (issue 15), kept as regression tests.
//!
//! Each test takes the honest tables of a segment, edits the paging and
//! boundary tables the way a forger would (recomputing every Poseidon2
//! permutation it touches, keeping each permutation's four rows in step and
//! rebalancing the range tables it moves, so that only the lie itself can be
//! caught), and checks that `debug::check` refuses the tables, naming the
//! constraint or bus that catches the lie. The paging table is edited a
//! permutation at a time: `paging(p)` is permutation `p`'s first row, and its
//! other rows follow it before every check.

use crate::common;
use crate::guests;

use std::sync::OnceLock;

use bento_circuit::air::{airs, BOUNDARY, BYTES, PAGING, RANGE16};
use bento_circuit::columns::Columns;
use bento_circuit::memory::BoundaryCols;
use bento_circuit::paging::PagingCols;
use bento_circuit::range::{BytesCols, Range16Cols};
use bento_circuit::{debug, perm_rows, poseidon2, trace};
use bento_stark::{Field, PrimeCharacteristicRing, PrimeField32, RowMajorMatrix, F};
use bento_vm::hash::{PAGE_PERMUTATIONS, SPONGE_RATE};
use bento_vm::layout::{PAGE_WORDS, REGISTER_PAGE};
use bento_vm::segment::Segment;

/// The segments of the instruction program at po2 14 (several, with a journal).
fn segments() -> &'static [Segment] {
    static SEGMENTS: OnceLock<Vec<Segment>> = OnceLock::new();
    SEGMENTS.get_or_init(|| {
        let (elf, input) = guests::instruction_program();
        common::segments(&elf, &input, 14).1
    })
}

struct Tables {
    traces: Vec<RowMajorMatrix<F>>,
    public_values: Vec<Vec<F>>,
}

fn honest(segment: &Segment) -> Tables {
    let t = trace::build(segment).expect("honest trace");
    let tables = Tables {
        traces: t.traces,
        public_values: t.public_values,
    };
    debug::check(&airs(), &tables.traces, &tables.public_values).expect("honest tables pass");
    tables
}

fn v(x: F) -> u32 {
    x.as_canonical_u32()
}

impl Tables {
    fn height(&self, table: usize) -> usize {
        let t = &self.traces[table];
        t.values.len() / t.width
    }

    fn row(&mut self, table: usize, r: usize) -> &mut [F] {
        let t = &mut self.traces[table];
        let w = t.width;
        &mut t.values[r * w..(r + 1) * w]
    }

    /// Permutations of the paging table.
    fn perms(&self) -> usize {
        self.height(PAGING) / perm_rows::ROWS
    }

    /// Permutation `p`'s first row (edits to its kind are copied to its other rows).
    fn paging(&mut self, p: usize) -> &mut PagingCols<F> {
        PagingCols::view_mut(self.row(PAGING, p * perm_rows::ROWS))
    }

    /// Copies each permutation's first row to its others, but for their own
    /// share of the permutation, position, `first` and carried element.
    fn spread_paging(&mut self) {
        let t = &mut self.traces[PAGING];
        let w = t.width;
        for perm in t.values.chunks_exact_mut(perm_rows::ROWS * w) {
            let (first, rest) = perm.split_at_mut(w);
            for row in rest.chunks_exact_mut(w) {
                let own = PagingCols::view(row);
                let (share, at, carry) = (own.perm, own.at, own.carry);
                row.copy_from_slice(first);
                let c = PagingCols::view_mut(row);
                (c.perm, c.at, c.carry, c.first) = (share, at, carry, F::ZERO);
            }
        }
    }

    fn boundary(&mut self, r: usize) -> &mut BoundaryCols<F> {
        BoundaryCols::view_mut(self.row(BOUNDARY, r))
    }

    /// Permutations of the paging table that satisfy `pick`.
    fn paging_rows(&mut self, pick: impl Fn(&PagingCols<F>) -> bool) -> Vec<usize> {
        (0..self.perms())
            .filter(|&p| pick(self.paging(p)))
            .collect()
    }

    /// Recomputes permutation `p` from its (edited) input, and the element its rows carry.
    fn permute(&mut self, p: usize, input: [F; poseidon2::STATE]) {
        let t = &mut self.traces[PAGING];
        let w = t.width;
        let rows = &mut t.values[p * perm_rows::ROWS * w..(p + 1) * perm_rows::ROWS * w];
        perm_rows::fill(rows, w, input);
        for row in rows.chunks_exact_mut(w).skip(1) {
            PagingCols::view_mut(row).carry = input[SPONGE_RATE - 1];
        }
    }

    fn input(&mut self, p: usize) -> [F; poseidon2::STATE] {
        perm_rows::input(self.row(PAGING, p * perm_rows::ROWS))
    }

    fn output(&mut self, p: usize) -> [F; poseidon2::STATE] {
        perm_rows::output(self.row(PAGING, (p + 1) * perm_rows::ROWS - 1))
    }

    /// Moves a permutation's 16-bit range lookups (one a row) from `from` to
    /// `to` (its `page_top` changed).
    fn move_range16(&mut self, from: F, to: F) {
        let rows = F::from_usize(perm_rows::ROWS);
        Range16Cols::view_mut(self.row(RANGE16, v(from) as usize)).mult -= rows;
        Range16Cols::view_mut(self.row(RANGE16, v(to) as usize)).mult += rows;
    }

    /// Removes one byte-pair lookup of `(x, y)` (a boundary row's bytes changed).
    fn drop_pair(&mut self, x: F, y: F) {
        let i = (v(x) * 256 + v(y)) as usize;
        BytesCols::view_mut(self.row(BYTES, i)).mult_pair -= F::ONE;
    }

    /// Turns a paging permutation into padding: no kind, a permutation of zeros.
    fn pad(&mut self, p: usize) {
        let top = self.paging(p).page_top;
        let first = self.paging(p).first;
        let at = |r: usize| std::array::from_fn(|i| F::from_bool(i == r % perm_rows::ROWS));
        for r in p * perm_rows::ROWS..(p + 1) * perm_rows::ROWS {
            self.row(PAGING, r).fill(F::ZERO);
            PagingCols::view_mut(self.row(PAGING, r)).at = at(r);
        }
        self.permute(p, [F::ZERO; poseidon2::STATE]);
        self.paging(p).first = first;
        self.move_range16(top, F::ZERO);
    }

    /// Asserts that the tables are refused, with a message naming `what`.
    fn refused(&mut self, what: &str) -> String {
        self.spread_paging();
        self.refused_as_they_are(what)
    }

    /// The same, without first spreading each permutation's first row to its others.
    fn refused_as_they_are(&self, what: &str) -> String {
        let problems = debug::check(&airs(), &self.traces, &self.public_values)
            .expect_err("the forged tables must be refused");
        println!("refused:\n{problems}");
        assert!(
            problems.contains(what),
            "refused, but not for {what:?}:\n{problems}"
        );
        problems
    }
}

fn is(x: F) -> bool {
    x == F::ONE
}

/// The first guest page of a segment's boundary that the segment writes, and its boundary rows.
fn written_guest_page(t: &mut Tables) -> (u32, Vec<usize>) {
    let rows = t.height(BOUNDARY);
    for start in (0..rows).step_by(PAGE_WORDS) {
        let c = t.boundary(start);
        if !is(c.real) || is(c.is_reg) {
            continue;
        }
        let page = v(c.page);
        let words: Vec<usize> = (start..start + PAGE_WORDS).collect();
        if words.iter().any(|&r| {
            let c = t.boundary(r);
            c.init != c.fin
        }) {
            return (page, words);
        }
    }
    panic!("the segment writes no guest page");
}

#[test]
fn register_page_hashed_as_guest_page_2_18() {
    // Guest page indices are 1 + page_lo + 2^16 (h0 + 2 h1), which reaches 2^18 =
    // REGISTER_PAGE: the register page hashed as a guest page would put its words at
    // word addresses 2^26.. (bytes 0x1000_0000.., outside guest memory). The CPU's
    // register accesses, which then have no boundary, refuse it; and the paging
    // table itself, whose range-checked page_top = page_lo + h0 h1 caps guest pages
    // at 2^18 - 1 (the forger keeps page_top in range, so the range bus balances).
    let mut t = honest(&segments()[0]);
    for r in 0..t.height(BOUNDARY) {
        let c = t.boundary(r);
        if is(c.real) && is(c.is_reg) {
            c.is_reg = F::ZERO;
            c.addr = c.page * F::from_usize(PAGE_WORDS) + c.word;
        }
    }
    let register_rows = t.paging_rows(|c| is(c.absorb) && v(c.page) == REGISTER_PAGE);
    assert_eq!(register_rows.len(), 2 * PAGE_PERMUTATIONS);
    for r in register_rows {
        let c = t.paging(r);
        c.is_reg = F::ZERO;
        if is(c.leaf) {
            let old = c.page_top;
            c.page_lo = F::from_u32(0xffff);
            c.page_hi = [F::ONE, F::ONE];
            c.page_top = F::from_u32(0xffff);
            t.move_range16(old, F::from_u32(0xffff));
        }
    }
    let problems = t.refused("global lookup 'memory'");
    assert!(
        problems.contains("table paging"),
        "the paging table accepts page 2^18 as a guest page"
    );
}

/// Replaces `page`'s sponges in both trees by a level-0 join over each last
/// sponge row's input, which sends the same node as the page's leaf.
fn join_in_place_of_sponges(t: &mut Tables, page: u32) {
    for tree in [F::ZERO, F::ONE] {
        let rows = t.paging_rows(|c| is(c.absorb) && v(c.page) == page && c.tree == tree);
        assert_eq!(rows.len(), PAGE_PERMUTATIONS);
        let leaf = *rows.last().expect("a leaf");
        let input = t.input(leaf);
        for &r in &rows {
            t.pad(r);
        }
        t.permute(leaf, input);
        let c = t.paging(leaf);
        c.join = F::ONE;
        c.tree = tree;
        c.level = F::ZERO;
        c.index = F::from_u32(page);
    }
}

#[test]
fn level_zero_join_in_place_of_a_page_sponge() {
    // A join at level 0 sends the same node as a page's leaf when its children are
    // the leaf's input (compress(l, r) = perm(l || r)[..8]): the page then climbs to
    // the root without its words being hashed, or its boundary existing.
    let mut t = honest(&segments()[0]);
    let (page, words) = written_guest_page(&mut t);
    join_in_place_of_sponges(&mut t, page);
    for r in words {
        t.boundary(r).real = F::ZERO;
    }
    // The CPU's accesses to the page have no boundary left (and the page changed,
    // so the trees' siblings at level -1 differ too).
    t.refused("global lookup 'memory'");
}

#[test]
fn level_zero_join_for_an_unchanged_page_keeps_its_boundary_honest() {
    // The same trick for a page the segment does not change, its boundary kept: the
    // boundary's words to the page hashes then have no sponge to receive them.
    let mut t = honest(&segments()[0]);
    let rows = t.height(BOUNDARY);
    let start = (0..rows)
        .step_by(PAGE_WORDS)
        .find(|&s| {
            let guest = {
                let c = t.boundary(s);
                is(c.real) && !is(c.is_reg)
            };
            guest
                && (s..s + PAGE_WORDS).all(|r| {
                    let c = t.boundary(r);
                    c.init == c.fin
                })
        })
        .expect("a page the segment reads only");
    let page = v(t.boundary(start).page);
    join_in_place_of_sponges(&mut t, page);
    t.refused("global lookup 'page-word'");
}

#[test]
fn node_index_wrapping_around_the_field() {
    // A leaf of even page P received as the right child of index (P - 1) / 2 in the
    // field (2 i + 1 = P): its parent's node then has no parent of its own.
    let mut t = honest(&segments()[0]);
    let leaves = t.paging_rows(|c| is(c.leaf) && c.tree == F::ZERO && v(c.page).is_multiple_of(2));
    let page = v(t.paging(leaves[0]).page);
    let parent = t.paging_rows(|c| {
        is(c.join) && c.tree == F::ZERO && c.level == F::ONE && v(c.index) == page / 2
    });
    assert_eq!(parent.len(), 1);
    let r = parent[0];
    let input = t.input(r);
    let swapped: [F; poseidon2::STATE] = std::array::from_fn(|i| input[(i + 8) % 16]);
    t.permute(r, swapped);
    let c = t.paging(r);
    assert!(is(c.left_on_path));
    c.index = (F::from_u32(page) - F::ONE) * F::TWO.inverse();
    (c.left_on_path, c.right_on_path) = (c.right_on_path, c.left_on_path);
    assert_eq!(c.index * F::TWO + F::ONE, F::from_u32(page));
    t.refused("global lookup 'node'");
}

#[test]
fn join_above_the_root() {
    // A join at level 20 over the root and a sibling: its node is never received.
    let mut t = honest(&segments()[0]);
    let pad = t.paging_rows(|c| !is(c.absorb) && !is(c.join) && !is(c.jabsorb) && !is(c.first));
    let r = pad[0];
    let root = t.output(0);
    let mut input = [F::ZERO; poseidon2::STATE];
    input[..8].copy_from_slice(&root[..8]);
    t.permute(r, input);
    let c = t.paging(r);
    c.join = F::ONE;
    c.level = F::from_u32(20);
    c.left_on_path = F::ONE;
    t.refused("global lookup 'node'");
}

#[test]
fn boundary_word_index_256_aliasing_the_next_page() {
    // Word 256 + w of page P - 1 has the address of word w of page P.
    let mut t = honest(&segments()[0]);
    let (page, words) = written_guest_page(&mut t);
    assert!(page >= 2);
    let c = t.boundary(words[5]);
    c.page -= F::ONE;
    c.word += F::from_usize(PAGE_WORDS);
    assert_eq!(c.addr, c.page * F::from_usize(PAGE_WORDS) + c.word);
    t.refused("global lookup 'page-word'");
}

#[test]
fn boundary_bytes_that_are_not_bytes() {
    // (b0 + 256, b1 - 1) has the same 16-bit half as (b0, b1): only the byte checks
    // stop it. A word the segment never accesses keeps the memory bus balanced.
    let mut t = honest(&segments()[0]);
    let r = (0..t.height(BOUNDARY))
        .find(|&r| {
            let c = t.boundary(r);
            is(c.real) && c.final_ts == F::ZERO && !is(c.is_reg)
        })
        .expect("an unaccessed word");
    let c = t.boundary(r);
    let (b0, b1) = (c.init[0], c.init[1]);
    for q in [&mut c.init, &mut c.fin] {
        q[0] += F::from_u32(256);
        q[1] -= F::ONE;
    }
    t.drop_pair(b0, b1);
    t.drop_pair(b0, b1);
    t.refused("global lookup 'byte-pair'");
}

#[test]
fn page_sponge_without_its_start() {
    // A sponge whose chunk 0 is dropped (its capacity no longer starts at zero).
    let mut t = honest(&segments()[0]);
    let starts = t.paging_rows(|c| is(c.start));
    t.paging(starts[0]).start = F::ZERO;
    t.refused("table paging");
}

#[test]
fn journal_with_an_extra_zero_chunk() {
    // One more all-zero chunk after the last: same length, another digest.
    let segment = segments()
        .iter()
        .max_by_key(|s| s.journal.len())
        .expect("segments");
    let mut t = honest(segment);
    let last = t.paging_rows(|c| is(c.jlast))[0];
    let next = last + 1;
    assert!(next < t.perms() && !is(t.paging(next).absorb) && !is(t.paging(next).join));
    let out = t.output(last);
    let c = t.paging(last);
    c.jlast = F::ZERO;
    let count: F = c.count + c.jreal.iter().copied().sum::<F>();
    let mut input = [F::ZERO; poseidon2::STATE];
    input[8..].copy_from_slice(&out[8..]);
    t.permute(next, input);
    let c = t.paging(next);
    c.jabsorb = F::ONE;
    c.jlast = F::ONE;
    c.count = count;
    t.refused("global lookup 'journal-digest'");
}

#[test]
fn journal_real_bytes_not_a_prefix() {
    // A gap in a row's real bytes would let a position be skipped.
    let segment = segments()
        .iter()
        .max_by_key(|s| s.journal.len())
        .expect("segments");
    assert!(segment.journal.len() >= 2);
    let mut t = honest(segment);
    let first = t.paging_rows(|c| is(c.jstart))[0];
    t.paging(first).jreal[0] = F::ZERO;
    t.refused("table paging");
}

#[test]
fn a_permutations_last_row_naming_another_node() {
    // A join's children are received on its first row and its node sent on its
    // last: a last row with another index would put the digest anywhere in the tree.
    let mut t = honest(&segments()[0]);
    let joins = t.paging_rows(|c| is(c.join) && c.level == F::ONE);
    let last = (joins[0] + 1) * perm_rows::ROWS - 1;
    PagingCols::view_mut(t.row(PAGING, last)).index += F::ONE;
    t.refused_as_they_are("table paging");
}

#[test]
fn a_permutation_cut_short() {
    // Rows of one permutation out of their order: row 2 of a page sponge's
    // permutation marked as its last, which would send its leaf before its
    // rounds are done.
    let mut t = honest(&segments()[0]);
    let leaf = t.paging_rows(|c| is(c.leaf))[0];
    let row = leaf * perm_rows::ROWS + 2;
    let c = PagingCols::view_mut(t.row(PAGING, row));
    c.at = [F::ZERO, F::ZERO, F::ZERO, F::ONE];
    t.refused_as_they_are("table paging");
}

#[test]
fn a_carried_half_word_that_is_not_the_one_absorbed() {
    // The low half of the word a sponge permutation starts with is the previous
    // permutation's last input element, carried on its rows 1-3 to the next
    // row 0. A forger who changes it all along the chain (so that the page-word
    // bus takes another low half) breaks the carry's tie to the input on row 0.
    let mut t = honest(&segments()[0]);
    let p = t.paging_rows(|c| is(c.absorb) && !is(c.leaf))[0];
    let lie = t.input(p)[SPONGE_RATE - 1] + F::ONE;
    let rows = (p * perm_rows::ROWS + 1)..=((p + 1) * perm_rows::ROWS);
    for r in rows {
        PagingCols::view_mut(t.row(PAGING, r)).carry = lie;
    }
    t.refused_as_they_are("table paging");
}
