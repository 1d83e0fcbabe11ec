//! The circuit's conjectured security under the standard configuration, at
//! the largest shape a verifier accepts: a segment of 2^MAX_PROVE_PO2 rows
//! with every table at that height (the verifier accepts no table taller than
//! the CPU's; the fixed tables have their own sizes).

use bento_circuit::air::{self, airs, NUM_TABLES};
use bento_circuit::range::{BYTES_LOG_HEIGHT, RANGE16_LOG_HEIGHT};
use bento_circuit::segment::SegmentClaim;
use bento_circuit::segment::MAX_PROVE_PO2;
use bento_stark::{security, Setup};
use bento_vm::hash::Digest;

#[test]
fn the_largest_accepted_segments_reach_100_bits() {
    let setup = Setup::standard();
    let po2 = MAX_PROVE_PO2;
    let claim = SegmentClaim {
        index: 0,
        po2,
        pre_pc: 0,
        pre_root: Digest::default(),
        post_pc: 0,
        post_root: Digest::default(),
        cycles: 1,
        exit_code: None,
        journal: Vec::new(),
        pre_input_ended: false,
        post_input_ended: false,
    };
    let accepted = claim.log_heights();
    let mut heights = vec![po2 as usize; NUM_TABLES];
    heights[air::RANGE16] = RANGE16_LOG_HEIGHT;
    heights[air::BYTES] = BYTES_LOG_HEIGHT;
    for (table, (h, range)) in heights.iter().zip(&accepted).enumerate() {
        assert_eq!(
            *range.end(),
            *h,
            "table {table}: the largest accepted height"
        );
    }
    let report = security::conjectured(setup, &security::shapes(setup, &airs(), &heights));
    println!("conjectured security of the largest accepted segment (every table 2^{po2}): {:.1} bits ({})", report.bits, report.binding);
    assert!(
        report.bits >= 100.0,
        "{:.1} bits, bound by {}",
        report.bits,
        report.binding
    );
}
