//! A guest that touches over a thousand pages in one segment proves, and its
//! receipt is no larger than a light guest's: receipts carry no memory.

use crate::common;

const PO2: u32 = 18;

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
    // A light guest with a segment of the same size: the loop, 7000 iterations of 19 cycles.
    let (_, light) = common::prove(&common::example("loop"), &7000u32.to_le_bytes(), PO2);
    assert_eq!(
        (
            light.segments.len(),
            light.segments[0].claim.po2,
            heavy.segments[0].claim.po2
        ),
        (1, PO2, PO2)
    );
    let (heavy_bytes, light_bytes) = (heavy.to_bytes().len(), light.to_bytes().len());
    println!("receipt at po2 {PO2}: 1000 pages {heavy_bytes} bytes, loop {light_bytes} bytes");
    // The same tables, heights bounded by the same po2, the same openings: only
    // the encoding (postcard writes small field elements, such as the zeros of
    // columns a light guest never uses, in fewer bytes) and the Merkle
    // multiproofs' overlaps (where the queries fall) differ, by a few percent
    // either way. The thousand pages alone would be 4 MB.
    assert!(
        heavy_bytes <= light_bytes + light_bytes / 10,
        "the memory-heavy receipt ({heavy_bytes} bytes) outgrows a light one ({light_bytes} bytes)"
    );
}
