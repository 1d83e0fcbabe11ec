//! Join: two recursion proofs of consecutive runs verified in one program,
//! whose claim spans both; keys checked against the control root.

mod common;

use bento_recursion::control::ControlTree;
use bento_recursion::join::JoinCircuit;
use bento_recursion::lift::LiftCircuit;
use bento_stark::Setup;
use bento_vm::hash::Digest;

#[test]
fn two_lifted_segments_join_into_one_claim_that_spans_both() {
    let setup = Setup::standard();
    let segments = common::proved_segments(3000, 2);
    let lifts: Vec<LiftCircuit> = segments
        .iter()
        .map(|s| LiftCircuit::for_shape(setup, &s.proof.inner.degree_bits).unwrap())
        .collect();
    let join = JoinCircuit::new().unwrap();
    for l in &lifts {
        println!("lift rows {:?}", l.circuit().used_rows());
    }
    println!("join rows {:?}", join.circuit().used_rows());
    let join_key = join.key();
    let lift_keys: Vec<_> = lifts.iter().map(|l| l.key()).collect();
    let mut digests = vec![join_key.digest()];
    digests.extend(lift_keys.iter().map(|k| k.digest()));
    digests.dedup();
    let control = ControlTree::new(&digests).unwrap();
    let (first, _) = lifts[0]
        .prove(setup, &segments[0], Digest::default())
        .unwrap();
    let (second, _) = lifts[1]
        .prove(setup, &segments[1], first.claim.journal[1])
        .unwrap();
    let (joined, times) = join
        .prove(&control, (&first, &lift_keys[0]), (&second, &lift_keys[1]))
        .unwrap();
    println!(
        "join: program {:.0} ms, proof {:.0} ms",
        times.build_ms, times.prove_ms
    );
    join.verify(&joined).unwrap();
    assert_eq!(joined.claim.pre, first.claim.pre);
    assert_eq!(joined.claim.post, second.claim.post);
    assert_eq!(
        joined.claim.cycles,
        u64::from(segments[0].claim.cycles + segments[1].claim.cycles)
    );
}
