//! The catalogue of segment shapes: table heights (log2) that honest
//! segments are padded to where that is cheap, so that a succinct verifier
//! finds their lift keys among its constants instead of compiling a lift
//! circuit per shape (a second natively, tens of seconds in WebAssembly).
//!
//! The list comes from the examples' segments at every po2, printed by
//! `cargo run --release -p bento-circuit --example shape_corpus --
//! 14,15,16,17,18,19,20,21,22 fib.elf:u32:1000000 loop.elf:u32:300000
//! pages.elf:u32:200 pages.elf:u32:20 sha256.elf:random:65536
//! sort.elf:random:65536 exit_code.elf fib.elf:u32:20` (the ELFs in
//! `examples/`; about ten minutes): each variable table raised to the height
//! at which it costs a sixty-fourth of the CPU table, so that segments whose
//! small tables differ share a shape.
//! A segment no entry covers cheaply keeps its own heights; its receipt
//! still verifies, after that compile.

use p3_air::BaseAir;

use crate::air::{airs, CPU, NUM_TABLES};
use bento_stark::F;

/// Whether a segment is padded to a catalogued shape.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Shaping {
    /// Padded where that is cheap: its succinct receipt verifies at once.
    #[default]
    Catalogue,
    /// Every table as short as its rows allow: a little faster to prove, but
    /// a succinct receipt's verifier compiles a lift circuit for the shape.
    Own,
}

/// A segment proof may grow by at most this fraction of its main-trace
/// cells to take a catalogued shape.
const MAX_GROWTH: (usize, usize) = (1, 8);

/// Catalogued shapes, by table (see [`crate::air::TABLE_NAMES`]).
#[rustfmt::skip]
pub const CATALOGUE: &[[u8; NUM_TABLES]] = &[
    [14, 8, 11, 11, 16, 16, 10, 10, 9, 9, 8],
    [14, 8, 11, 11, 16, 16, 10, 13, 13, 10, 8],
    [14, 8, 11, 11, 16, 16, 12, 10, 9, 9, 8],
    [14, 8, 11, 11, 16, 16, 12, 10, 12, 9, 8],
    [14, 8, 11, 12, 16, 16, 10, 10, 9, 9, 8],
    [14, 8, 11, 12, 16, 16, 10, 13, 13, 9, 8],
    [14, 8, 11, 12, 16, 16, 10, 13, 13, 10, 8],
    [14, 8, 11, 12, 16, 16, 12, 10, 12, 9, 8],
    [14, 8, 11, 13, 16, 16, 10, 13, 13, 9, 8],
    [14, 8, 11, 13, 16, 16, 12, 10, 12, 9, 8],
    [14, 8, 12, 13, 16, 16, 10, 10, 9, 9, 8],
    [14, 8, 12, 13, 16, 16, 10, 12, 12, 9, 8],
    [14, 8, 12, 13, 16, 16, 12, 10, 12, 9, 8],
    [14, 8, 12, 14, 16, 16, 10, 10, 9, 9, 8],
    [14, 8, 12, 14, 16, 16, 11, 10, 11, 9, 8],
    [14, 8, 12, 14, 16, 16, 12, 10, 12, 9, 8],
    [14, 8, 13, 14, 16, 16, 10, 10, 9, 9, 8],
    [14, 8, 13, 14, 16, 16, 12, 10, 12, 9, 8],
    [14, 8, 13, 15, 16, 16, 12, 10, 12, 9, 8],
    [14, 8, 14, 15, 16, 16, 10, 10, 9, 9, 8],
    [14, 8, 14, 15, 16, 16, 11, 10, 12, 9, 8],
    [14, 8, 14, 15, 16, 16, 12, 10, 12, 9, 8],
    [14, 9, 11, 12, 16, 16, 10, 13, 13, 9, 8],
    [15, 9, 12, 11, 16, 16, 11, 14, 14, 11, 9],
    [15, 9, 12, 11, 16, 16, 12, 11, 10, 10, 9],
    [15, 9, 12, 11, 16, 16, 13, 11, 10, 10, 9],
    [15, 9, 12, 12, 16, 16, 11, 13, 13, 10, 9],
    [15, 9, 12, 12, 16, 16, 11, 14, 14, 10, 9],
    [15, 9, 12, 12, 16, 16, 11, 14, 14, 11, 9],
    [15, 9, 12, 12, 16, 16, 13, 11, 13, 10, 9],
    [15, 9, 12, 13, 16, 16, 11, 13, 13, 10, 9],
    [15, 9, 12, 13, 16, 16, 11, 14, 14, 10, 9],
    [15, 9, 12, 13, 16, 16, 13, 11, 13, 10, 9],
    [15, 9, 12, 14, 16, 16, 13, 11, 13, 10, 9],
    [15, 9, 13, 14, 16, 16, 11, 11, 10, 10, 9],
    [15, 9, 13, 14, 16, 16, 13, 11, 13, 10, 9],
    [15, 9, 13, 15, 16, 16, 11, 11, 10, 10, 9],
    [15, 9, 13, 15, 16, 16, 13, 11, 13, 10, 9],
    [15, 9, 14, 15, 16, 16, 13, 11, 13, 10, 9],
    [15, 9, 14, 16, 16, 16, 13, 11, 13, 10, 9],
    [15, 9, 15, 16, 16, 16, 11, 11, 10, 10, 9],
    [15, 9, 15, 16, 16, 16, 13, 11, 13, 10, 9],
    [16, 10, 13, 11, 16, 16, 12, 15, 15, 12, 10],
    [16, 10, 13, 11, 16, 16, 14, 12, 11, 11, 10],
    [16, 10, 13, 12, 16, 16, 12, 14, 14, 11, 10],
    [16, 10, 13, 12, 16, 16, 12, 15, 15, 11, 10],
    [16, 10, 13, 12, 16, 16, 12, 15, 15, 12, 10],
    [16, 10, 13, 12, 16, 16, 14, 12, 14, 11, 10],
    [16, 10, 13, 13, 16, 16, 12, 15, 14, 11, 10],
    [16, 10, 13, 13, 16, 16, 12, 15, 15, 11, 10],
    [16, 10, 13, 13, 16, 16, 14, 12, 14, 11, 10],
    [16, 10, 13, 14, 16, 16, 14, 12, 14, 11, 10],
    [16, 10, 13, 15, 16, 16, 14, 12, 14, 11, 10],
    [16, 10, 14, 15, 16, 16, 14, 12, 14, 11, 10],
    [16, 10, 14, 16, 16, 16, 12, 12, 11, 11, 10],
    [16, 10, 14, 16, 16, 16, 12, 12, 13, 11, 10],
    [16, 10, 14, 16, 16, 16, 14, 12, 14, 11, 10],
    [16, 10, 15, 16, 16, 16, 14, 12, 14, 11, 10],
    [16, 10, 16, 17, 16, 16, 12, 12, 11, 11, 10],
    [17, 11, 14, 11, 16, 16, 13, 16, 16, 13, 11],
    [17, 11, 14, 11, 16, 16, 15, 13, 12, 12, 11],
    [17, 11, 14, 12, 16, 16, 13, 16, 16, 12, 11],
    [17, 11, 14, 12, 16, 16, 13, 16, 16, 13, 11],
    [17, 11, 14, 12, 16, 16, 15, 13, 15, 12, 11],
    [17, 11, 14, 13, 16, 16, 13, 16, 16, 12, 11],
    [17, 11, 14, 13, 16, 16, 15, 13, 15, 12, 11],
    [17, 11, 14, 14, 16, 16, 15, 13, 15, 12, 11],
    [17, 11, 14, 15, 16, 16, 15, 13, 15, 12, 11],
    [17, 11, 14, 16, 16, 16, 15, 13, 15, 12, 11],
    [17, 11, 15, 16, 16, 16, 13, 15, 15, 12, 11],
    [17, 11, 15, 16, 16, 16, 14, 13, 14, 12, 11],
    [17, 11, 15, 16, 16, 16, 15, 13, 15, 12, 11],
    [17, 11, 15, 17, 16, 16, 13, 13, 12, 12, 11],
    [18, 12, 15, 12, 16, 16, 14, 16, 16, 14, 12],
    [18, 12, 15, 12, 16, 16, 14, 17, 17, 14, 12],
    [18, 12, 15, 12, 16, 16, 16, 14, 13, 13, 12],
    [18, 12, 15, 13, 16, 16, 14, 17, 17, 13, 12],
    [18, 12, 15, 13, 16, 16, 16, 14, 16, 13, 12],
    [18, 12, 15, 14, 16, 16, 16, 14, 16, 13, 12],
    [18, 12, 15, 15, 16, 16, 16, 14, 16, 13, 12],
    [18, 12, 15, 16, 16, 16, 14, 16, 16, 13, 12],
    [18, 12, 15, 16, 16, 16, 16, 14, 16, 13, 12],
    [19, 13, 16, 13, 16, 16, 15, 17, 17, 15, 13],
    [19, 13, 16, 13, 16, 16, 15, 18, 18, 14, 13],
    [19, 13, 16, 13, 16, 16, 15, 18, 18, 15, 13],
    [19, 13, 16, 13, 16, 16, 16, 15, 14, 14, 13],
    [19, 13, 16, 13, 16, 16, 17, 15, 14, 14, 13],
    [19, 13, 16, 14, 16, 16, 17, 15, 17, 14, 13],
    [19, 13, 16, 15, 16, 16, 17, 15, 17, 14, 13],
    [19, 13, 16, 16, 16, 16, 15, 18, 17, 14, 13],
    [19, 13, 16, 16, 16, 16, 17, 15, 17, 14, 13],
    [19, 13, 16, 17, 16, 16, 16, 15, 17, 14, 13],
    [20, 14, 17, 14, 16, 16, 16, 19, 19, 15, 14],
    [20, 14, 17, 14, 16, 16, 16, 19, 19, 16, 14],
    [20, 14, 17, 14, 16, 16, 18, 16, 15, 15, 14],
    [20, 14, 17, 14, 16, 16, 18, 16, 18, 15, 14],
    [20, 14, 17, 15, 16, 16, 18, 16, 18, 15, 14],
    [20, 14, 17, 16, 16, 16, 16, 19, 18, 15, 14],
    [20, 14, 17, 16, 16, 16, 18, 16, 18, 15, 14],
    [21, 15, 18, 15, 16, 16, 17, 19, 19, 16, 15],
    [21, 15, 18, 15, 16, 16, 17, 19, 19, 17, 15],
    [21, 15, 18, 15, 16, 16, 17, 20, 20, 16, 15],
    [21, 15, 18, 15, 16, 16, 17, 20, 20, 17, 15],
    [21, 15, 18, 15, 16, 16, 19, 17, 16, 16, 15],
    [21, 15, 18, 15, 16, 16, 19, 17, 19, 16, 15],
    [21, 15, 18, 16, 16, 16, 17, 20, 19, 16, 15],
    [21, 15, 18, 16, 16, 16, 19, 17, 19, 16, 15],
    [22, 16, 19, 16, 16, 16, 18, 21, 21, 17, 16],
    [22, 16, 19, 16, 16, 16, 18, 21, 21, 18, 16],
    [22, 16, 19, 16, 16, 16, 20, 18, 17, 17, 16],
    [22, 16, 19, 16, 16, 16, 20, 18, 20, 17, 16],
];

/// Main-trace cells of a segment proof of this shape.
pub fn cells(log_heights: &[usize]) -> usize {
    airs()
        .iter()
        .zip(log_heights)
        .map(|(air, &h)| BaseAir::<F>::width(air) << h)
        .sum()
}

/// The catalogued shapes, as heights.
fn catalogued() -> impl Iterator<Item = Vec<usize>> {
    CATALOGUE.iter().map(|s| s.map(usize::from).to_vec())
}

/// Whether a segment of `log_heights` can be padded to `shape`: the same CPU
/// height, and no table taller than the shape's.
fn covers(shape: &[usize], log_heights: &[usize]) -> bool {
    shape.len() == log_heights.len()
        && shape[CPU] == log_heights[CPU]
        && shape.iter().zip(log_heights).all(|(s, h)| s >= h)
}

/// The catalogued shape a segment of these heights is padded to: the
/// cheapest that no table outgrows, if it costs at most [`MAX_GROWTH`] more.
pub fn padded(log_heights: &[usize]) -> Option<Vec<usize>> {
    let own = cells(log_heights);
    catalogued()
        .filter(|s| covers(s, log_heights))
        .map(|s| (cells(&s), s))
        .filter(|&(c, _)| (c - own) * MAX_GROWTH.1 <= own * MAX_GROWTH.0)
        .min()
        .map(|(_, s)| s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::{log_heights, MAX_PROVE_PO2};

    #[test]
    fn every_catalogued_shape_is_one_a_verifier_accepts_listed_once_in_order() {
        assert!(!CATALOGUE.is_empty());
        assert!(
            CATALOGUE.windows(2).all(|w| w[0] < w[1]),
            "sorted, no repeats"
        );
        for shape in catalogued() {
            let po2 = shape[CPU] as u32;
            assert!((bento_vm::segment::MIN_PO2..=MAX_PROVE_PO2).contains(&po2));
            for (h, accepted) in shape.iter().zip(log_heights(po2)) {
                assert!(accepted.contains(h), "{shape:?}: {h} outside {accepted:?}");
            }
        }
    }

    #[test]
    fn a_segment_takes_the_cheapest_catalogued_shape_that_covers_it_within_the_growth_bound() {
        for shape in catalogued() {
            assert_eq!(
                padded(&shape),
                Some(shape.clone()),
                "a catalogued shape is its own"
            );
            let po2 = shape[CPU] as u32;
            for (t, accepted) in log_heights(po2).into_iter().enumerate() {
                if t == CPU || shape[t] == *accepted.start() {
                    continue;
                }
                let mut lower = shape.clone();
                lower[t] = *accepted.start();
                let own = cells(&lower);
                match padded(&lower) {
                    Some(chosen) => {
                        let cheapest = catalogued()
                            .filter(|s| covers(s, &lower))
                            .map(|s| cells(&s))
                            .min();
                        assert_eq!(
                            Some(cells(&chosen)),
                            cheapest,
                            "{lower:?}: not the cheapest cover"
                        );
                        assert!(covers(&chosen, &lower));
                        assert!(cells(&chosen) <= cells(&shape) || cells(&shape) - own > own / 8);
                        assert!((cells(&chosen) - own) * 8 <= own, "{lower:?} grew past 1/8");
                    }
                    None => assert!((cells(&shape) - own) * 8 > own, "{lower:?} has a cover"),
                }
            }
        }
    }

    #[test]
    fn a_segment_no_catalogued_shape_covers_keeps_its_own() {
        for po2 in bento_vm::segment::MIN_PO2..=MAX_PROVE_PO2 {
            let largest: Vec<usize> = log_heights(po2).iter().map(|r| *r.end()).collect();
            let covered = catalogued().any(|s| s == largest);
            assert_eq!(padded(&largest).is_some(), covered, "po2 {po2}");
        }
    }
}
