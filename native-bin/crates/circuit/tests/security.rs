//! The circuit's conjectured security under the standard configuration, at
//! the largest shape a verifier accepts: a segment of 2^MAX_PROVE_PO2 rows
//! with every table at that height — the memory boundary of as many pages as
//! such a segment may touch, and a journal of as many bytes as it can write.

use bento_circuit::air::{self, airs, NUM_TABLES};
use bento_circuit::journal::JournalAir;
use bento_circuit::memory::{BoundaryAir, BoundaryWord};
use bento_circuit::range::{BYTES_LOG_HEIGHT, RANGE16_LOG_HEIGHT};
use bento_circuit::trace::MAX_PROVE_PO2;
use bento_stark::{security, Setup};
use bento_vm::layout::PAGE_WORDS;
use bento_vm::segment::{page_capacity, segment_capacity};

#[test]
fn the_largest_accepted_segments_reach_100_bits() {
    let setup = Setup::standard();
    let po2 = MAX_PROVE_PO2;
    let words = page_capacity(po2) as usize * PAGE_WORDS;
    let boundary = BoundaryAir::new(
        &(0..words as u32)
            .map(|addr| BoundaryWord {
                addr,
                init: 0,
                fin: 0,
            })
            .collect::<Vec<_>>(),
    );
    let journal = JournalAir::new(&vec![0u8; segment_capacity(po2) as usize - 1]);
    let log = |h: usize| h.trailing_zeros() as usize;
    assert_eq!(
        (log(boundary.height()), log(journal.height())),
        (po2 as usize, po2 as usize),
        "the largest boundary and journal fill the table"
    );
    let batch = airs(boundary, journal);
    let mut heights = vec![po2 as usize; NUM_TABLES];
    heights[air::RANGE16] = RANGE16_LOG_HEIGHT;
    heights[air::BYTES] = BYTES_LOG_HEIGHT;
    let report = security::conjectured(setup, &security::shapes(setup, &batch, &heights));
    println!("conjectured security of the largest accepted segment (every table 2^{po2}): {:.1} bits ({})", report.bits, report.binding);
    assert!(
        report.bits >= 100.0,
        "{:.1} bits, bound by {}",
        report.bits,
        report.binding
    );
}
