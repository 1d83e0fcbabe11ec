//! Succinct receipts end to end: a multi-segment execution proved, lifted,
//! joined into one recursion proof, and verified from the receipt alone;
//! every edit of the receipt refused.

use crate::common;

use bento_recursion::succinct::{aggregate, Step, SuccinctError, SuccinctReceipt};
use bento_vm::hash::Digest;

#[test]
fn a_multi_segment_run_becomes_one_succinct_receipt_that_verifies_alone() {
    let composite = common::composite("loop", 2000u32.to_le_bytes().to_vec());
    let segments = composite.segments.len();
    assert!(
        segments >= 3,
        "{segments} segments: the tree needs an odd one out"
    );
    let mut steps = Vec::new();
    let receipt = aggregate(&composite, |s| steps.push(s)).unwrap();
    let lifted = steps
        .iter()
        .filter(|s| matches!(s, Step::Lifted { .. }))
        .count();
    let joined = steps
        .iter()
        .filter(|s| matches!(s, Step::Joined { .. }))
        .count();
    let shrunk = steps
        .iter()
        .filter(|s| matches!(s, Step::Shrunk { .. }))
        .count();
    assert_eq!((lifted, joined, shrunk), (segments, segments - 1, 1));
    for s in &steps {
        println!("{s:?}");
    }

    // The claim is the composite receipt's.
    let image_id = composite.image_id;
    assert_eq!(receipt.exit_code, composite.exit_code);
    assert_eq!(receipt.journal, composite.journal);
    let cycles: u64 = composite
        .segments
        .iter()
        .map(|s| u64::from(s.claim.cycles))
        .sum();
    assert_eq!(receipt.claim.cycles, cycles);
    let last = &composite.segments[segments - 1].claim;
    assert_eq!(
        (receipt.claim.post.pc, receipt.claim.post.root),
        (last.post_pc, last.post_root)
    );

    // It verifies from its bytes alone.
    let bytes = receipt.to_bytes();
    println!(
        "succinct receipt of {segments} segments: {} bytes (composite {})",
        bytes.len(),
        composite.to_bytes().len()
    );
    let read = SuccinctReceipt::from_bytes(&bytes).unwrap();
    read.verify(image_id).unwrap();
    // What `bento-zkvm verify` prints of it is what it prints of the composite receipt.
    let (c, s) = (composite.summary(0), read.summary(0));
    assert_eq!(
        (c.image_id, c.exit_code, c.journal_hex, c.segments, c.cycles),
        (s.image_id, s.exit_code, s.journal_hex, s.segments, s.cycles),
    );

    // Every edit is refused.
    let refused = |edit: &dyn Fn(&mut SuccinctReceipt), what: &str| {
        let mut r = read.clone();
        edit(&mut r);
        let outcome = r.verify(image_id);
        assert!(outcome.is_err(), "{what}: an edited receipt verifies");
        println!("{what}: {}", outcome.unwrap_err());
    };
    refused(&|r| r.exit_code ^= 1, "exit code");
    refused(&|r| r.journal.push(0), "journal byte appended");
    refused(&|r| r.journal_pieces.push(0), "journal piece added");
    refused(&|r| r.claim.cycles += 1, "cycles");
    refused(&|r| r.claim.post.pc += 4, "post-state pc");
    refused(&|r| r.claim.post.root.0[3] ^= 1, "post-state memory root");
    refused(
        &|r| r.claim.post.input_ended ^= true,
        "post-state input flag",
    );
    refused(&|r| r.claim.control_root.0[0] ^= 1, "control root");
    refused(&|r| r.lift_shapes.reverse(), "shape order");
    refused(&|r| r.lift_shapes[0][1] += 1, "a lifted shape");
    refused(&|r| r.lift_shapes.push(vec![14; 11]), "a shape added");
    refused(&|r| r.image_id = Digest([1; 8]), "image id");
    for at in [40, r_len(&read) / 2, r_len(&read) - 9] {
        refused(&|r| r.seal[at] ^= 1, &format!("seal byte {at}"));
    }
    assert!(matches!(
        read.verify(Digest([2; 8])),
        Err(SuccinctError::ImageId { .. })
    ));
}

fn r_len(r: &SuccinctReceipt) -> usize {
    r.seal.len()
}
