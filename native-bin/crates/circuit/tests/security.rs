//! The circuit's conjectured security under the standard configuration, for
//! the largest segments the prover takes: every table at its largest height.

use bento_circuit::air::{self, airs, NUM_TABLES};
use bento_circuit::journal::JournalAir;
use bento_circuit::memory::{BoundaryAir, BoundaryWord};
use bento_circuit::range::{BYTES_LOG_HEIGHT, RANGE16_LOG_HEIGHT};
use bento_circuit::trace::MAX_PROVE_PO2;
use bento_stark::{security, Setup};

#[test]
fn the_largest_segments_reach_100_bits() {
    let setup = Setup::standard();
    // A boundary of 4096 pages (4 MiB touched) and a 64 KiB journal.
    let words: Vec<BoundaryWord> = (0..4096 * 256).map(|addr| BoundaryWord { addr, init: 0, fin: 0 }).collect();
    let boundary = BoundaryAir::new(&words);
    let journal = JournalAir::new(&vec![0u8; 1 << 16]);
    let (boundary_log, journal_log) = (boundary.height().trailing_zeros() as usize, journal.height().trailing_zeros() as usize);
    let batch = airs(boundary, journal);
    let po2 = MAX_PROVE_PO2 as usize;
    let mut heights = vec![po2; NUM_TABLES];
    heights[air::BOUNDARY] = boundary_log;
    heights[air::JOURNAL] = journal_log;
    heights[air::RANGE16] = RANGE16_LOG_HEIGHT;
    heights[air::BYTES] = BYTES_LOG_HEIGHT;
    let report = security::conjectured(setup, &security::shapes(setup, &batch, &heights));
    println!("conjectured security of a 2^{po2} segment: {:.1} bits ({})", report.bits, report.binding);
    assert!(report.bits >= 100.0, "{:.1} bits, bound by {}", report.bits, report.binding);
}
