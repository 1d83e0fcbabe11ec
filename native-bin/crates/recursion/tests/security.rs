//! The recursion proofs' conjectured security, at their shapes: lift and join
//! proofs (the standard configuration, the recursion shape) and the shrink
//! proof of a succinct receipt (the succinct configuration, its shape).

use bento_recursion::circuit::RECURSION_LOG_HEIGHTS;
use bento_recursion::config::succinct_setup;
use bento_recursion::join::shape_circuit;
use bento_recursion::keys::SHRINK_LOG_HEIGHTS;
use bento_stark::{security, Setup};

#[test]
fn recursion_proofs_reach_100_bits() {
    for (name, setup, heights) in [
        ("lift and join", Setup::standard(), RECURSION_LOG_HEIGHTS),
        ("shrink", succinct_setup(), SHRINK_LOG_HEIGHTS),
    ] {
        let circuit = shape_circuit(setup, heights).unwrap();
        let report = security::conjectured(
            setup,
            &security::shapes(setup, circuit.airs(), &circuit.log_heights()),
        );
        println!(
            "{name} proofs (tables 2^{heights:?}): {:.1} bits ({})",
            report.bits, report.binding
        );
        assert!(report.bits >= 100.0, "{name}: {:.1} bits", report.bits);
    }
}
