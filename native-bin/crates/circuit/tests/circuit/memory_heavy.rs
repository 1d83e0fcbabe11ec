//! A guest that touches over a thousand pages in one segment proves, and its
//! receipt is no larger than a light guest's: receipts carry no memory.
//!
//! A seal's size follows its tallest table (the depth of its Merkle trees and
//! of FRI), not what the tables hold. The paging table, four rows a Poseidon2
//! permutation, may be up to four times the CPU table's height: the heavy
//! segment's is, so the light guest it is compared with is one whose tallest
//! table (its CPU table) has that height.

use crate::common;
use bento_circuit::air::PAGING;
use bento_circuit::segment::table_heights;
use bento_stark::Proof;

const PO2: u32 = 18;
const LIGHT_PO2: u32 = PO2 + 2;

#[test]
fn a_thousand_pages_prove_in_a_receipt_as_small_as_a_light_guests() {
    let heavy = common::example("pages");
    let input = 1000u32.to_le_bytes();
    let (_, segments) = common::segments(&heavy, &input, PO2);
    assert_eq!(segments.len(), 1, "one segment");
    assert!(
        segments[0].pages.len() >= 1000,
        "{} pages touched",
        segments[0].pages.len()
    );
    let (_, heavy) = common::prove(&common::example("pages"), &input, PO2);
    let heights = table_heights(&Proof::from_bytes(&heavy.segments[0].seal).expect("a seal"));
    let tallest = heights.iter().copied().max().expect("tables");
    assert_eq!(
        (heights[PAGING], tallest),
        (1 << LIGHT_PO2, 1 << LIGHT_PO2),
        "the paging table is the heavy segment's tallest"
    );
    // A light guest whose tallest table has that height: the loop, 50,000
    // iterations of 19 cycles in one segment of 2^20.
    let (_, light) = common::prove(&common::example("loop"), &50_000u32.to_le_bytes(), PO2 + 2);
    assert_eq!(
        (
            light.segments.len(),
            light.segments[0].claim.po2,
            heavy.segments[0].claim.po2
        ),
        (1, LIGHT_PO2, PO2)
    );
    let (heavy_bytes, light_bytes) = (heavy.to_bytes().len(), light.to_bytes().len());
    println!(
        "receipts: 1000 pages at po2 {PO2} {heavy_bytes} bytes, loop at po2 {LIGHT_PO2} {light_bytes} bytes"
    );
    // The same tables, the same tallest height, the same openings: only the
    // encoding (postcard writes small field elements, such as the zeros of
    // columns a light guest never uses, in fewer bytes) and the Merkle
    // multiproofs' overlaps (where the queries fall) differ, by a few percent
    // either way. The thousand pages alone would be 4 MB.
    assert!(
        heavy_bytes <= light_bytes + light_bytes / 10,
        "the memory-heavy receipt ({heavy_bytes} bytes) outgrows a light one ({light_bytes} bytes)"
    );
}
