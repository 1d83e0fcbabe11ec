//! The recursion proofs' conjectured security, at their shapes: lift and join
//! proofs (the standard configuration, the recursion shape) and the shrink
//! proof of a succinct receipt (the succinct configuration, hiding, its shape).

use bento_recursion::circuit::RECURSION_LOG_HEIGHTS;
use bento_recursion::config::succinct_setup;
use bento_recursion::join::shape_circuit;
use bento_recursion::keys::SHRINK_LOG_HEIGHTS;
use bento_stark::security::Report;
use bento_stark::Setup;

fn check(name: &str, heights: [usize; 4], report: Report) {
    println!(
        "{name} proofs (tables 2^{heights:?}): {:.1} bits ({})",
        report.bits, report.binding
    );
    assert!(report.bits >= 100.0, "{name}: {:.1} bits", report.bits);
}

#[test]
fn recursion_proofs_reach_100_bits() {
    let standard = Setup::standard();
    let lift = shape_circuit(standard, RECURSION_LOG_HEIGHTS).unwrap();
    check(
        "lift and join",
        RECURSION_LOG_HEIGHTS,
        lift.security(standard),
    );
    let shrink = shape_circuit(succinct_setup(), SHRINK_LOG_HEIGHTS).unwrap();
    check(
        "shrink",
        SHRINK_LOG_HEIGHTS,
        shrink.security(succinct_setup()),
    );
    assert!(succinct_setup().parameters.is_hiding());
}
