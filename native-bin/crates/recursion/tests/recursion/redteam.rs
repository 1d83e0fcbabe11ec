//! Attacks on the recursion circuits by a prover that controls everything it
//! sends (claims, witnesses, traces, receipt bytes). Each test mounts one
//! and asserts the forgery is refused, naming where.

use crate::common;

use std::sync::OnceLock;

use bento_recursion::air::{ARITH, PERMUTE, PUBLIC, WITNESS};
use bento_recursion::claim::{
    ClaimCells, MachineState, RecursionClaim, CYCLE_LIMB_BITS, NUM_PUBLIC_VALUES,
};
use bento_recursion::control::{ControlError, ControlTree, CONTROL_DEPTH};
use bento_recursion::join::{join_claims, JoinError};
use bento_recursion::succinct::{aggregate, circuits, SuccinctError, SuccinctReceipt};
use bento_recursion::{Builder, Circuit, Felt, Run};
use bento_stark::{PrimeCharacteristicRing, PrimeField32, RowMajorMatrix, Setup, F};
use bento_vm::hash::Digest;

/// An honest succinct receipt (one segment: exits with 7, journal "bye"),
/// made once for every test here.
fn receipt() -> &'static SuccinctReceipt {
    static RECEIPT: OnceLock<SuccinctReceipt> = OnceLock::new();
    RECEIPT.get_or_init(|| {
        let composite = common::composite("exit_code", Vec::new());
        let receipt = aggregate(&composite, |_| {}).unwrap();
        receipt.verify(receipt.image_id).unwrap();
        assert_eq!(receipt.journal, b"bye");
        receipt
    })
}

/// Asserts that the receipt after `edit` is refused, and says how.
fn refused(what: &str, edit: impl FnOnce(&mut SuccinctReceipt)) -> SuccinctError {
    let honest = receipt();
    let mut forged = honest.clone();
    edit(&mut forged);
    assert_ne!(&forged, honest, "{what}: the edit changed nothing");
    let error = forged
        .verify(honest.image_id)
        .expect_err(&format!("{what}: a forged receipt verifies"));
    println!("{what}: refused: {error}");
    error
}

// A digest word and the same word plus the modulus are one field element.
const P: u32 = F::ORDER_U32;

#[test]
fn a_claim_restated_in_aliased_words_is_refused() {
    // Each edit leaves the claim's public values (and so the proof) the same.
    type Edit = fn(&mut SuccinctReceipt);
    let edits: [(&str, Edit); 6] = [
        ("post pc not a word address", |r| r.claim.post.pc += 1),
        ("post root word plus the modulus", |r| {
            r.claim.post.root.0[0] += P
        }),
        ("pre root word plus the modulus", |r| {
            r.claim.pre.root.0[5] += P
        }),
        ("cycles' high limb plus the modulus", |r| {
            r.claim.cycles += u64::from(P) << CYCLE_LIMB_BITS
        }),
        ("journal start word plus the modulus", |r| {
            r.claim.journal[0].0[0] += P
        }),
        ("control root word plus the modulus", |r| {
            r.claim.control_root.0[2] += P
        }),
    ];
    let honest = receipt();
    let verified: Vec<&str> = edits
        .into_iter()
        .filter(|(what, edit)| {
            let mut forged = honest.clone();
            edit(&mut forged);
            assert_eq!(
                forged.claim.to_public_values(),
                honest.claim.to_public_values()
            );
            let outcome = forged.verify(honest.image_id);
            println!("{what}: {outcome:?}");
            outcome.is_ok()
        })
        .map(|(what, _)| what)
        .collect();
    assert!(verified.is_empty(), "forged receipts verify: {verified:?}");
}

#[test]
fn receipt_fields_read_natively_are_bound_to_the_claim() {
    let honest = receipt();
    assert!(matches!(
        refused("the claim does not exit", |r| r.claim.exit_code = None),
        SuccinctError::ExitCode { .. }
    ));
    assert!(matches!(
        refused(
            "the claim's exit code and the receipt's agree on a lie",
            |r| {
                r.exit_code ^= 1;
                r.claim.exit_code = Some(r.exit_code);
            }
        ),
        SuccinctError::Proof(_)
    ));
    assert!(matches!(
        refused("the journal split otherwise", |r| r.journal_pieces =
            vec![1, 2]),
        SuccinctError::Journal
    ));
    assert!(matches!(
        refused("an empty journal piece", |r| r.journal_pieces.insert(0, 0)),
        SuccinctError::Journal
    ));
    assert!(matches!(
        refused("the journal dropped with its chain", |r| {
            r.journal.clear();
            r.journal_pieces.clear();
            r.claim.journal[1] = Digest::default();
        }),
        SuccinctError::Proof(_)
    ));
    assert!(matches!(
        refused("no shapes listed", |r| r.lift_shapes.clear()),
        SuccinctError::Shapes(_)
    ));
    assert!(matches!(
        refused("a shape listed twice", |r| {
            let again = r.lift_shapes[0].clone();
            r.lift_shapes.push(again)
        }),
        SuccinctError::Shapes(_)
    ));
    assert!(matches!(
        refused("the input already ended at the start", |r| {
            r.claim.pre.input_ended = true
        }),
        SuccinctError::Start(_)
    ));
    // Another image that a receipt names, its start state restated to match.
    let other = bento_vm::hash::state_digest(honest.claim.pre.pc + 4, honest.claim.pre.root);
    let mut moved = honest.clone();
    moved.image_id = other;
    moved.claim.pre.pc += 4;
    assert!(moved.verify(other).is_err(), "another start state verifies");
}

/// The honest claim and what a join of it makes of neighbours.
fn claim(pc: u32, next_pc: u32, exit: Option<u32>, cycles: u64) -> RecursionClaim {
    let state = |pc, root| MachineState {
        pc,
        root: Digest([root; 8]),
        input_ended: false,
    };
    RecursionClaim {
        control_root: Digest::default(),
        pre: state(pc, pc),
        post: state(next_pc, next_pc),
        exit_code: exit,
        journal: [Digest([pc; 8]), Digest([next_pc; 8])],
        cycles,
        segments: 1,
    }
}

#[test]
fn joins_of_runs_that_do_not_meet_are_refused() {
    let root = Digest([9; 8]);
    let (a, b) = (claim(0, 4, None, 10), claim(4, 8, Some(3), 20));
    let joined = join_claims(root, &a, &b).unwrap();
    assert_eq!(
        (joined.pre, joined.post, joined.cycles),
        (a.pre, b.post, 30)
    );
    assert_eq!(joined.journal, [a.journal[0], b.journal[1]]);
    // A join may read a join under its own root.
    let inner = join_claims(root, &a, &claim(4, 8, None, 20)).unwrap();
    join_claims(root, &inner, &claim(8, 12, Some(0), 1)).unwrap();

    let not_adjacent =
        |what: &str, l: &RecursionClaim, r: &RecursionClaim| match join_claims(root, l, r) {
            Err(JoinError::NotAdjacent(why)) => println!("{what}: refused: {why}"),
            other => panic!("{what}: {other:?}"),
        };
    not_adjacent("swapped order", &b, &a);
    not_adjacent("the first exited", &claim(0, 4, Some(0), 1), &b);
    not_adjacent("a segment dropped", &a, &claim(8, 12, Some(3), 1));
    not_adjacent("a segment repeated", &a, &a);
    let mut other_root = b.clone();
    other_root.post.root.0[0] ^= 1;
    other_root.pre.root.0[0] ^= 1;
    not_adjacent("the memory changed between the runs", &a, &other_root);
    let mut ended = b.clone();
    ended.pre.input_ended = true;
    not_adjacent("the input ended between the runs", &a, &ended);
    let mut broken = b.clone();
    broken.journal[0].0[7] ^= 1;
    not_adjacent("the journal chain broken", &a, &broken);
    let max = (1u64 << (2 * CYCLE_LIMB_BITS)) - 1;
    not_adjacent(
        "the cycle count overflows its limbs",
        &claim(0, 4, None, max),
        &claim(4, 8, None, 1),
    );
    let mut foreign = b.clone();
    foreign.control_root = Digest([8; 8]);
    not_adjacent("an inner root that is another", &a, &foreign);
    // Per element, zero or own: still neither, and refused as a whole.
    let mut mixed = b.clone();
    mixed.control_root = Digest([9, 0, 9, 0, 9, 0, 9, 0]);
    not_adjacent("an inner root mixing zero and own words", &a, &mixed);
}

#[test]
fn claim_values_no_claim_writes_are_refused() {
    let honest = claim(0, 4, Some(0x0102_0304), (5 << CYCLE_LIMB_BITS) + 6).to_public_values();
    assert_eq!(honest.len(), NUM_PUBLIC_VALUES);
    RecursionClaim::from_public_values(&honest).unwrap();
    // Public value positions (see RecursionClaim::to_public_values).
    let (pre_pc4, pre_ended, exited, code) = (8, 17, 28, 29);
    let (high, segments) = (NUM_PUBLIC_VALUES - 2, NUM_PUBLIC_VALUES - 1);
    let bad = |what: &str, at: usize, value: u32| {
        let mut v = honest.clone();
        v[at] = F::from_u32(value);
        let e = RecursionClaim::from_public_values(&v).expect_err(what);
        println!("{what}: refused: {e}");
    };
    bad("a pc past 2^32", pre_pc4, 1 << 30);
    bad("an input flag of two", pre_ended, 2);
    bad("an exit flag of two", exited, 2);
    bad("an exit code byte of 256", code, 256);
    bad("a cycle limb of 2^24", high, 1 << CYCLE_LIMB_BITS);
    bad("a segment count of 2^24", segments, 1 << CYCLE_LIMB_BITS);
    let mut no_exit = claim(0, 4, None, 1).to_public_values();
    no_exit[code + 3] = F::ONE;
    assert!(
        RecursionClaim::from_public_values(&no_exit).is_err(),
        "an exit code without an exit"
    );
    assert!(
        RecursionClaim::from_public_values(&honest[1..]).is_err(),
        "a short claim"
    );
}

/// What every recursion program does with its claim: publish it and check
/// each cell's range. A claim cell out of range fails that check; a prover
/// that ignores the failure and proves the tables anyway is refused.
#[test]
fn a_claim_cell_out_of_range_has_no_proof_that_verifies() {
    let setup = Setup::standard();
    let honest = claim(0, 4, Some(3), 10).to_public_values();
    let (pre_pc4, exited, code) = (8, 28, 29);
    let (high, segments) = (NUM_PUBLIC_VALUES - 2, NUM_PUBLIC_VALUES - 1);
    for (what, at, value) in [
        ("a pc past 2^32", pre_pc4, 1 << 30),
        ("an exit flag of two", exited, 2),
        ("an exit code byte of 256", code, 256),
        ("a cycle limb of 2^24", high, 1 << CYCLE_LIMB_BITS),
        ("a segment count of 2^24", segments, 1 << CYCLE_LIMB_BITS),
    ] {
        let mut values = honest.clone();
        values[at] = F::from_u32(value);
        let mut b = Builder::new();
        ClaimCells::new(&mut b, &values, |b, v| b.public(v)).check_ranges(&mut b);
        let run = b.finish();
        assert!(!run.failures.is_empty(), "{what}: the range check passes");
        let circuit = Circuit::new(setup, run.program.clone());
        match circuit.prove_traces(setup, circuit.traces(&run.values), &run.public_values) {
            Ok(proof) => assert!(
                circuit.verify(setup, &proof, &run.public_values).is_err(),
                "{what}: a forced proof verifies"
            ),
            Err(e) => println!("{what}: no proof: {e}"),
        }
        println!("{what}: refused ({})", run.failures[0]);
    }
}

/// A program that publishes a claim and checks nothing: a prover's dream.
fn claim_only(values: &[F]) -> Run {
    let mut b = Builder::new();
    for &v in values {
        b.public(v);
    }
    b.finish()
}

#[test]
fn a_program_outside_the_control_tree_is_not_accepted() {
    let c = circuits();
    let shape: Vec<usize> = receipt().lift_shapes[0].iter().map(|&h| h.into()).collect();
    let control = c.control(&[shape]).unwrap();
    // The claim-only program, in the recursion shape: a key no tree lists.
    let lie = receipt().claim.to_public_values();
    let forger = Circuit::with_log_heights(
        Setup::standard(),
        claim_only(&lie).program,
        bento_recursion::circuit::RECURSION_LOG_HEIGHTS,
    )
    .unwrap();
    let key = forger.key(Setup::standard());
    assert!(matches!(
        control.path(key.digest()),
        Err(ControlError::Unknown(_))
    ));
    // The join's and the lift's keys are in; an unused leaf is no key's.
    control.path(c.join().unwrap().key().digest()).unwrap();
    assert!(control.path(Digest::default()).is_err());
    // A tree holds 2^CONTROL_DEPTH keys at most.
    let many = vec![Digest([1; 8]); (1 << CONTROL_DEPTH) + 1];
    assert!(matches!(
        ControlTree::new(&many),
        Err(ControlError::TooMany { .. })
    ));
}

/// A small program using every table: a public x, a witness y, x·y, a
/// Poseidon2 permutation with a swap bit.
fn small_program() -> Run {
    let mut b = Builder::new();
    let x = b.public(F::from_u32(5));
    let y = b.witness_felt(F::from_u32(7));
    let xy = b.fmul(x, y);
    let bit = b.witness_felt(F::ZERO);
    let mut state: [Felt; 16] = [b.constant_felt(F::ZERO); 16];
    state[0] = xy;
    state[9] = y;
    let out = b.permute_swapped(bit, state);
    let published = b.public(b.felt_value(out[0]));
    b.assert_eq(out[0], published, "the hash is published");
    let plain = b.permute(state);
    let other = b.public(b.felt_value(plain[1]));
    b.assert_eq(plain[1], other, "the other hash is published");
    b.finish()
}

/// Proves the small program's tables after `forge` edits them and expects
/// the proof to be refused (or to have no proof at all).
fn forged_tables_refused(what: &str, forge: impl Fn(&mut [RowMajorMatrix<F>])) {
    let setup = Setup::standard();
    let run = small_program();
    assert!(run.failures.is_empty(), "{:?}", run.failures);
    let circuit = Circuit::new(setup, run.program.clone());
    let honest = circuit.prove(setup, &run).unwrap();
    circuit.verify(setup, &honest, &run.public_values).unwrap();
    let mut traces = circuit.traces(&run.values);
    forge(&mut traces);
    match circuit.prove_traces(setup, traces, &run.public_values) {
        Ok(proof) => assert!(
            circuit.verify(setup, &proof, &run.public_values).is_err(),
            "{what}: a forged table verifies"
        ),
        Err(e) => println!("{what}: no proof: {e}"),
    }
}

/// Width of the Poseidon2 columns, where the permute table's extra columns start.
fn permute_extra(traces: &[RowMajorMatrix<F>]) -> usize {
    traces[PERMUTE].width - 17
}

#[test]
fn a_swap_bit_on_a_row_that_reads_none_is_refused() {
    // The second permutation reads no bit: setting one swaps its halves
    // (the Poseidon2 columns refilled to match) without any cell saying so.
    forged_tables_refused("swap bit on the plain row", |t| {
        let extra = permute_extra(t);
        let width = t[PERMUTE].width;
        let row = &mut t[PERMUTE].values[width..2 * width];
        let read: [F; 16] = row[extra..extra + 16].try_into().unwrap();
        bento_circuit::poseidon2::fill(row, bento_recursion::tables::permute::swapped(read, true));
        row[extra + 16] = F::ONE;
    });
    // A bit of two on the row that reads one.
    forged_tables_refused("swap bit of two", |t| {
        let extra = permute_extra(t);
        t[PERMUTE].values[extra + 16] = F::TWO;
    });
}

#[test]
fn public_and_witness_rows_that_lie_are_refused() {
    forged_tables_refused("a public row's value not the public value", |t| {
        t[PUBLIC].values[0] += F::ONE;
    });
    // The witness y is base: its upper coefficients are zero.
    forged_tables_refused("a base witness with an upper coefficient", |t| {
        t[WITNESS].values[1] = F::ONE;
    });
    // Padding rows (every preprocessed column zero) may hold nothing in `out`.
    let padded = Circuit::new(Setup::standard(), small_program().program);
    assert!(padded.used_rows()[ARITH] < 1 << padded.log_heights()[ARITH]);
    forged_tables_refused("an arithmetic padding row with an output", |t| {
        let last = t[ARITH].values.len() - 1;
        t[ARITH].values[last] = F::ONE;
    });
}

#[test]
fn receipt_bytes_that_are_not_a_receipt_are_refused() {
    let bytes = receipt().to_bytes();
    assert_eq!(&SuccinctReceipt::from_bytes(&bytes).unwrap(), receipt());
    assert!(
        SuccinctReceipt::from_bytes(&bytes[..bytes.len() - 1]).is_err(),
        "truncated"
    );
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(
        SuccinctReceipt::from_bytes(&longer).is_err(),
        "a trailing byte"
    );
    let mut magic = bytes.clone();
    magic[0] ^= 1;
    assert!(
        SuccinctReceipt::from_bytes(&magic).is_err(),
        "another magic"
    );
    // A seal cut short or grown is no proof of the succinct configuration.
    assert!(matches!(
        refused("the seal truncated", |r| {
            r.seal.truncate(r.seal.len() / 2)
        }),
        SuccinctError::OuterSeal(_)
    ));
    refused("a byte appended to the seal", |r| r.seal.push(0));
}
