//! Join: two recursion proofs of consecutive runs verified in one program,
//! whose claim spans both; keys checked against the control root. Inputs a
//! native check would refuse (swapped, edited, of another circuit, outside
//! the control tree) are refused by the program itself, and a proof of one
//! anyway does not verify.

use crate::common;

use bento_recursion::control::ControlTree;
use bento_recursion::join::{JoinCircuit, JoinError};
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

    // What a prover that ignored the native checks would feed the program:
    // each is refused by the program's own assertions.
    let span = |l: &bento_recursion::claim::RecursionClaim,
                r: &bento_recursion::claim::RecursionClaim| {
        let mut claim = joined.claim.clone();
        claim.pre = l.pre;
        claim.post = r.post;
        claim.journal = [l.journal[0], r.journal[1]];
        claim
    };
    // Refused: no witness can be built (the proof's data does not fit what
    // the transcript draws), or the run breaks an assertion.
    let refused = |what: &str,
                   run: Result<bento_recursion::Run, JoinError>|
     -> Option<bento_recursion::Run> {
        match run {
            Err(e) => {
                println!("{what}: no witness: {e}");
                None
            }
            Ok(run) => {
                assert!(!run.failures.is_empty(), "{what}: the join program accepts");
                println!("{what}: refused: {}", run.failures[0]);
                Some(run)
            }
        }
    };
    let swapped = refused(
        "swapped order",
        join.run(
            &control,
            (&second, &lift_keys[1]),
            (&first, &lift_keys[0]),
            &span(&second.claim, &first.claim),
        ),
    )
    .expect("a swapped pair has a witness");
    let mut edited = bento_recursion::join::RecursionProof {
        claim: first.claim.clone(),
        proof: bento_stark::Proof::from_bytes(&first.proof.to_bytes()).unwrap(),
    };
    edited.claim.cycles += 1;
    refused(
        "an inner claim changed",
        join.run(
            &control,
            (&edited, &lift_keys[0]),
            (&second, &lift_keys[1]),
            &joined.claim,
        ),
    );
    edited.claim = first.claim.clone();
    edited.claim.exit_code = Some(0);
    refused(
        "the first run claimed to exit",
        join.run(
            &control,
            (&edited, &lift_keys[0]),
            (&second, &lift_keys[1]),
            &joined.claim,
        ),
    );
    refused(
        "a key of another circuit (the join's, for a lift proof)",
        join.run(
            &control,
            (&first, &join_key),
            (&second, &lift_keys[1]),
            &joined.claim,
        ),
    );
    let without_lifts = ControlTree::new(&[join_key.digest()]).unwrap();
    let mut outside = joined.claim.clone();
    outside.control_root = without_lifts.root();
    refused(
        "a key outside the control tree",
        join.run(
            &without_lifts,
            (&first, &lift_keys[0]),
            (&second, &lift_keys[1]),
            &outside,
        ),
    );
    let mut more = joined.claim.clone();
    more.cycles += 1;
    more.segments += 1;
    refused(
        "cycles and segments that do not add up",
        join.run(
            &control,
            (&first, &lift_keys[0]),
            (&second, &lift_keys[1]),
            &more,
        ),
    );

    // Proved anyway, the swapped join does not verify.
    let circuit = join.circuit();
    let forged = circuit
        .prove_traces(
            setup,
            circuit.traces(&swapped.values),
            &swapped.public_values,
        )
        .map(|proof| {
            circuit
                .verify(setup, &proof, &swapped.public_values)
                .is_err()
        });
    assert!(
        forged.unwrap_or(true),
        "a proof of the swapped join verifies"
    );
}
