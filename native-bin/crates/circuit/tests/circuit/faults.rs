//! The fault-injection suite: a prover that lies must never produce a receipt
//! that verifies.
//!
//! Each fault class forges the trace of an honest run (through
//! `trace::build_forged`, after which the program, chip and range tables are
//! derived from the forged rows, as a careful liar would) or the claim, forces
//! the prover to prove it, and checks that verification fails. Positions and
//! values are drawn from seeded generators: `BENTO_FAULT_CASES` (default 2)
//! sets the cases per class, `BENTO_FAULT_FIRST` (default 0) the first seed,
//! so that longer runs in several sittings add up. Receipt tampering (bytes
//! flipped, claims edited, segments reordered, dropped, duplicated or
//! foreign) is checked on real receipts.

use crate::common;
use crate::guests;

use std::sync::OnceLock;

use bento_circuit::columns::Columns;
use bento_circuit::cpu::CpuCols;
use bento_circuit::program::Flag;
use bento_circuit::receipt::{Receipt, SegmentReceipt};
use bento_circuit::segment::{self, SegmentClaim};
use bento_circuit::shapes::Shaping;
use bento_circuit::trace::{self, Forgery};
use bento_stark::{PrimeCharacteristicRing, PrimeField32, Setup, F};
use bento_vm::layout::{PAGE_WORDS, REGISTER_PAGE};
use bento_vm::segment::Segment;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The segments of the instruction program at po2 14 (several segments, every instruction).
fn segments() -> &'static [Segment] {
    static SEGMENTS: OnceLock<Vec<Segment>> = OnceLock::new();
    SEGMENTS.get_or_init(|| {
        let (elf, input) = guests::instruction_program();
        common::segments(&elf, &input, 14).1
    })
}

const W: usize = CpuCols::<F>::WIDTH;

fn row(cpu: &mut [F], r: usize) -> &mut CpuCols<F> {
    CpuCols::view_mut(&mut cpu[r * W..(r + 1) * W])
}

fn flag(c: &CpuCols<F>, f: Flag) -> bool {
    c.flags[f as usize] == F::ONE
}

fn v(x: F) -> u32 {
    x.as_canonical_u32()
}

/// Another byte value.
fn other_byte(x: F, rng: &mut ChaCha8Rng) -> F {
    F::from_u32((v(x) + rng.random_range(1..256)) % 256)
}

/// Real rows of a segment's CPU table that satisfy `pick`.
fn rows_where(segment: &Segment, pick: impl Fn(&CpuCols<F>) -> bool) -> Vec<usize> {
    let t = trace::build(segment).expect("honest trace");
    t.traces[0]
        .values
        .chunks_exact(W)
        .enumerate()
        .filter(|(r, c)| (*r as u32) < segment.cycles && pick(CpuCols::view(c)))
        .map(|(r, _)| r)
        .collect()
}

/// Forges, proves and returns the receipt (None if the prover itself refused).
fn forged(
    segment: &Segment,
    edit_claim: impl FnOnce(&mut SegmentClaim),
    forge: impl FnOnce(&mut Forgery<'_>),
    roots_follow_boundary: bool,
) -> Option<SegmentReceipt> {
    let mut roots = [None, None];
    let t = trace::build_forged(segment, |f| {
        forge(f);
        roots = f.roots();
    })
    .expect("the forged trace builds");
    let mut claim = SegmentClaim::of(segment);
    if roots_follow_boundary {
        claim.pre_root = roots[0].expect("the proof fits the forged pages");
        claim.post_root = roots[1].expect("the proof fits the forged pages");
    }
    edit_claim(&mut claim);
    let proved = segment::prove_trace(Setup::standard(), claim, t).ok()?;
    Some(SegmentReceipt::new(&proved))
}

/// Runs `guests::seeds()` random instances of a fault class; each must fail verification.
fn class(
    name: &str,
    pick: impl Fn(&CpuCols<F>) -> bool,
    lie: impl Fn(&mut [F], usize, &mut ChaCha8Rng),
) {
    let (mut tried, mut proved) = (0, 0);
    for (s, segment) in segments().iter().enumerate() {
        let rows = rows_where(segment, &pick);
        if rows.is_empty() {
            continue;
        }
        for seed in guests::seeds() {
            let mut rng = ChaCha8Rng::seed_from_u64(seed * 1000 + s as u64);
            let r = rows[rng.random_range(0..rows.len())];
            let receipt = forged(
                segment,
                |_| {},
                |f| lie(&mut f.cpu.values, r, &mut rng),
                false,
            );
            if let Some(receipt) = receipt {
                assert!(
                    receipt.verify(Setup::standard()).is_err(),
                    "{name}: a forged proof (segment {s}, row {r}, seed {seed}) verifies"
                );
                proved += 1;
            }
            tried += 1;
        }
    }
    // The prover is forced: lies reach the verifier rather than stopping at the prover.
    assert!(
        tried > 0 && proved == tried,
        "{name}: {proved} of {tried} forgeries were proved"
    );
}

/// Like [`class`], for lies in the claim. Only forgeries the prover proved and
/// the verifier refused count; a class none of whose forgeries reached the
/// verifier fails.
fn claim_class(
    name: &str,
    applies: impl Fn(&Segment) -> bool,
    edit: impl Fn(&mut SegmentClaim, &mut ChaCha8Rng),
) {
    let mut refused = 0;
    for segment in segments().iter().filter(|s| applies(s)) {
        for seed in guests::seeds() {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            if let Some(receipt) = forged(segment, |c| edit(c, &mut rng), |_| {}, false) {
                assert!(
                    receipt.verify(Setup::standard()).is_err(),
                    "{name}: segment {} seed {seed} verifies",
                    segment.index
                );
                refused += 1;
            }
        }
    }
    assert!(refused > 0, "{name}: no forgery reached the verifier");
}

#[test]
fn honest_forgery_hook_still_verifies() {
    // The harness itself: an empty forgery proves and verifies.
    let receipt = forged(&segments()[0], |_| {}, |_| {}, true).expect("proves");
    receipt
        .verify(Setup::standard())
        .expect("an honest proof through the forgery path verifies");
}

#[test]
fn wrong_alu_result() {
    let computes = |c: &CpuCols<F>| {
        c.is_instr == F::ONE
            && !flag(c, Flag::RdZero)
            && [Flag::Chip, Flag::Add, Flag::Sub, Flag::Lui, Flag::Auipc]
                .iter()
                .any(|&f| flag(c, f))
    };
    class("wrong ALU result", computes, |cpu, r, rng| {
        let c = row(cpu, r);
        let i = rng.random_range(0..4);
        c.result[i] = other_byte(c.result[i], rng);
        c.rd_val[i] = c.result[i];
    });
}

#[test]
fn wrong_next_pc() {
    let real_instr = |c: &CpuCols<F>| c.is_instr == F::ONE;
    class("wrong next pc", real_instr, |cpu, r, rng| {
        // Skipped (+1, +2), repeated (0 → same pc) or jumped off (-1) instruction.
        let delta = [2u32, 3, 0, F::ORDER_U32 - 1][rng.random_range(0..4)];
        let c = row(cpu, r);
        let next = c.next_pc + F::from_u32(delta) - F::ONE;
        c.next_pc = next;
        row(cpu, r + 1).pc = next;
    });
    let branch = |c: &CpuCols<F>| c.is_instr == F::ONE && flag(c, Flag::Branch);
    class("branch taken wrongly", branch, |cpu, r, _| {
        let c = row(cpu, r);
        let taken = c.taken == F::ONE;
        c.taken = F::from_bool(!taken);
        let next = if taken { c.pc + F::ONE } else { c.pc + c.imm_w };
        c.next_pc = next;
        row(cpu, r + 1).pc = next;
    });
}

#[test]
fn wrong_value_loaded() {
    let load = |c: &CpuCols<F>| {
        c.is_instr == F::ONE
            && !flag(c, Flag::RdZero)
            && [Flag::LoadB, Flag::LoadH, Flag::LoadW]
                .iter()
                .any(|&f| flag(c, f))
    };
    class("wrong value loaded", load, |cpu, r, rng| {
        let c = row(cpu, r);
        let i = rng.random_range(0..4);
        c.result[i] = other_byte(c.result[i], rng);
        c.rd_val[i] = c.result[i];
    });
}

#[test]
fn store_dropped_or_misdirected() {
    let changing_store = |c: &CpuCols<F>| {
        c.is_instr == F::ONE
            && [Flag::StoreB, Flag::StoreH, Flag::StoreW]
                .iter()
                .any(|&f| flag(c, f))
            && c.mem_new != c.mem_prev
    };
    class("store dropped", changing_store, |cpu, r, _| {
        let c = row(cpu, r);
        c.mem_new = c.mem_prev;
    });
    let store = |c: &CpuCols<F>| {
        c.is_instr == F::ONE
            && [Flag::StoreB, Flag::StoreH, Flag::StoreW]
                .iter()
                .any(|&f| flag(c, f))
    };
    class("store to the wrong address", store, |cpu, r, rng| {
        let c = row(cpu, r);
        c.mem_addr += F::from_u32(rng.random_range(1..3));
    });
}

#[test]
fn write_to_x0_sticks() {
    let x0_write =
        |c: &CpuCols<F>| c.is_instr == F::ONE && flag(c, Flag::RdZero) && c.result != c.rd_prev;
    class("write to x0 sticks", x0_write, |cpu, r, _| {
        let c = row(cpu, r);
        c.rd_val = c.result;
    });
}

#[test]
fn wrong_register_written() {
    let writes = |c: &CpuCols<F>| c.is_instr == F::ONE && !flag(c, Flag::RdZero) && v(c.rd) < 31;
    class("wrong register written", writes, |cpu, r, rng| {
        let c = row(cpu, r);
        c.rd += F::from_u32(rng.random_range(1..31 - v(c.rd) + 1));
    });
}

#[test]
fn journal_byte_changed() {
    let journal_row = |c: &CpuCols<F>| c.io_journal == F::ONE;
    class(
        "journal byte changed in the trace",
        journal_row,
        |cpu, r, rng| {
            let c = row(cpu, r);
            c.sel_lo = other_byte(c.sel_lo, rng);
        },
    );
    claim_class(
        "journal byte changed in the claim",
        |s| !s.journal.is_empty(),
        |c, rng| {
            let i = rng.random_range(0..c.journal.len());
            c.journal[i] ^= 1 << rng.random_range(0..8);
        },
    );
    claim_class(
        "journal byte appended",
        |s| !s.journal.is_empty(),
        |c, _| c.journal.push(0),
    );
}

#[test]
fn exit_code_changed() {
    claim_class(
        "exit code changed",
        |s| s.exit_code.is_some(),
        |c, rng| {
            c.exit_code = c.exit_code.map(|x| x ^ (1 << rng.random_range(0..32)));
        },
    );
    claim_class(
        "exit claimed without exiting",
        |s| s.exit_code.is_none(),
        |c, _| c.exit_code = Some(0),
    );
    claim_class(
        "exit hidden",
        |s| s.exit_code.is_some(),
        |c, _| c.exit_code = None,
    );
}

#[test]
fn input_changed_after_read() {
    let read_row = |c: &CpuCols<F>| c.io_read == F::ONE;
    class(
        "input byte changed in memory only",
        read_row,
        |cpu, r, rng| {
            let c = row(cpu, r);
            let lane = (0..4).find(|&i| c.lane[i] == F::ONE).expect("a lane");
            c.mem_new[lane] = other_byte(c.mem_new[lane], rng);
        },
    );
    class(
        "input byte changed, memory kept",
        read_row,
        |cpu, r, rng| {
            let c = row(cpu, r);
            c.addr[0] = other_byte(c.addr[0], rng);
        },
    );
    // The input is the prover's: another input, used consistently, proves (another journal).
    let (elf, _) = guests::instruction_program();
    let (_, a) = common::prove(&elf, b"0123456789abcdef", 14);
    let (_, b) = common::prove(&elf, b"0123456789abcdeX", 14);
    assert_ne!(a.journal, b.journal);
}

#[test]
fn memory_boundary_changed() {
    for fin in [false, true] {
        for (s, segment) in segments().iter().enumerate() {
            for seed in guests::seeds() {
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                let lie = |f: &mut Forgery<'_>| {
                    // A word the segment accessed (an untouched word may hold anything: it is another, true, claim).
                    let accessed: Vec<usize> = (0..f.final_ts.len())
                        .filter(|&k| f.final_ts[k] > 0)
                        .collect();
                    let k = accessed[rng.random_range(0..accessed.len())];
                    let bit = 1u32 << rng.random_range(0..32);
                    // A careful liar hashes the pages it claims.
                    for words in [&mut *f.boundary, &mut *f.hashed] {
                        if fin {
                            words[k].fin ^= bit;
                        } else {
                            words[k].init ^= bit;
                        }
                    }
                };
                // The roots are recomputed from the forged pages, so only the proof can object.
                if let Some(receipt) = forged(segment, |_| {}, lie, true) {
                    let which = if fin { "final" } else { "initial" };
                    assert!(
                        receipt.verify(Setup::standard()).is_err(),
                        "{which} boundary value of segment {s} changed, seed {seed}: verifies"
                    );
                }
            }
        }
    }
}

#[test]
fn segment_state_changed() {
    type ClaimEdit = (&'static str, fn(&mut SegmentClaim));
    let edits: [ClaimEdit; 13] = [
        ("pre pc", |c| c.pre_pc += 4),
        ("post pc", |c| c.post_pc += 4),
        ("pre root", |c| c.pre_root.0[0] ^= 1),
        ("post root", |c| c.post_root.0[3] ^= 1),
        ("cycles", |c| c.cycles += 1),
        ("po2", |c| c.po2 += 1),
        // Other representations of what the proof's public values hold.
        ("pre pc low bits", |c| c.pre_pc += 2),
        ("post pc low bits", |c| c.post_pc += 3),
        ("cycles plus p", |c| {
            c.cycles = c.cycles.wrapping_add(F::ORDER_U32)
        }),
        ("pre root plus p", |c| {
            c.pre_root.0[0] = c.pre_root.0[0].wrapping_add(F::ORDER_U32)
        }),
        ("post root plus p", |c| {
            c.post_root.0[7] = c.post_root.0[7].wrapping_add(F::ORDER_U32)
        }),
        ("input ended before", |c| c.pre_input_ended ^= true),
        ("input ended after", |c| c.post_input_ended ^= true),
    ];
    for (name, edit) in edits {
        claim_class(name, |_| true, |c, _| edit(c));
    }
}

// ---- Paging: the pages the proof hashes, and the trees they climb.

/// A random page of a segment's boundary (its position in the forgery's pages).
fn some_page(f: &Forgery<'_>, rng: &mut ChaCha8Rng) -> usize {
    rng.random_range(0..f.in_tree)
}

/// Forges a random segment once per seed of `guests::seeds()` with roots that follow the forged
/// pages and proofs (where they fit); each forgery must reach the verifier and be refused.
fn paging_class(name: &str, lie: impl Fn(&mut Forgery<'_>, &mut ChaCha8Rng)) {
    for seed in guests::seeds() {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let s = rng.random_range(0..segments().len());
        let segment = &segments()[s];
        let mut roots = [None, None];
        let t = trace::build_forged(segment, |f| {
            lie(f, &mut rng);
            roots = f.roots();
        })
        .expect("the forged trace builds");
        let mut claim = SegmentClaim::of(segment);
        // Where the proofs still fit, the claim names the roots the forgery climbs to.
        if let [Some(pre), Some(post)] = roots {
            (claim.pre_root, claim.post_root) = (pre, post);
        }
        // The prover is forced: every forgery reaches the verifier.
        let proved = segment::prove_trace(Setup::standard(), claim, t)
            .unwrap_or_else(|e| panic!("{name}: the prover is forced: {e}"));
        let verdict = SegmentReceipt::new(&proved).verify(Setup::standard());
        assert!(
            verdict.is_err(),
            "{name}: segment {s}, seed {seed}: verifies"
        );
    }
}

#[test]
fn forged_page_contents() {
    // The hashed page differs from the boundary (the CPU's view of memory).
    paging_class("hashed word changed", |f, rng| {
        let k = some_page(f, rng) * PAGE_WORDS + rng.random_range(0..PAGE_WORDS);
        let bit = 1 << rng.random_range(0..32);
        if rng.random_bool(0.5) {
            f.hashed[k].init ^= bit;
        } else {
            f.hashed[k].fin ^= bit;
        }
    });
}

#[test]
fn boundary_word_not_matching_its_page() {
    // Even a word the segment never accessed: the boundary must be exactly the hashed pages.
    paging_class("boundary word changed", |f, rng| {
        let k = some_page(f, rng) * PAGE_WORDS + rng.random_range(0..PAGE_WORDS);
        let bit = 1 << rng.random_range(0..32);
        f.boundary[k].init ^= bit;
        f.boundary[k].fin ^= bit;
    });
}

#[test]
fn forged_merkle_siblings() {
    // A sibling changed in one tree: the other memory "changed" without a page to show it.
    paging_class("sibling changed", |f, rng| {
        let tree = rng.random_range(0..2);
        let siblings = &mut f.proofs[tree].siblings;
        let i = rng.random_range(0..siblings.len());
        siblings[i].0[rng.random_range(0..8)] ^= 1;
    });
}

#[test]
fn dropped_or_duplicated_page() {
    paging_class("page dropped", |f, rng| {
        let p = some_page(f, rng);
        f.pages.remove(p);
        let words = p * PAGE_WORDS..(p + 1) * PAGE_WORDS;
        f.boundary.drain(words.clone());
        f.final_ts.drain(words.clone());
        f.hashed.drain(words);
        f.in_tree -= 1;
    });
    paging_class("page duplicated", |f, rng| {
        let p = some_page(f, rng);
        let words = p * PAGE_WORDS..(p + 1) * PAGE_WORDS;
        f.pages.push(f.pages[p]);
        f.boundary.extend_from_within(words.clone());
        f.final_ts.extend_from_within(words.clone());
        f.hashed.extend_from_within(words);
    });
}

#[test]
fn page_outside_guest_memory() {
    // A page's index moved to page 0 or above guest memory, its words and proof kept.
    paging_class("page index outside guest memory", |f, rng| {
        let p = some_page(f, rng);
        f.pages[p] = [0, REGISTER_PAGE + 1, 1 << 19][rng.random_range(0..3)];
    });
}

#[test]
fn journal_changed_against_its_digest() {
    let writes = |s: &Segment| !s.journal.is_empty();
    claim_class("journal byte", writes, |c, rng| {
        let i = rng.random_range(0..c.journal.len());
        c.journal[i] ^= 1 << rng.random_range(0..8);
    });
    claim_class("journal byte dropped", writes, |c, _| {
        c.journal.pop();
    });
    claim_class("journal byte added", writes, |c, _| c.journal.push(0));
}

// ---- Receipt tampering.

fn receipts() -> &'static (Receipt, Receipt) {
    static RECEIPTS: OnceLock<(Receipt, Receipt)> = OnceLock::new();
    RECEIPTS.get_or_init(|| {
        let elf = common::example("loop");
        let (_, a) = common::prove(&elf, &2000u32.to_le_bytes(), 14);
        let (_, b) = common::prove(&elf, &2001u32.to_le_bytes(), 14);
        assert!(a.segments.len() >= 3, "the receipt has several segments");
        (a, b)
    })
}

fn rejects(receipt: &Receipt, what: &str) {
    let image_id = receipts().0.image_id;
    assert!(
        receipt.verify(Setup::standard(), image_id).is_err(),
        "{what}: the tampered receipt verifies"
    );
}

#[test]
fn segments_reordered_dropped_duplicated_or_foreign() {
    let (good, other) = receipts();
    good.verify(Setup::standard(), good.image_id)
        .expect("the honest receipt verifies");
    let n = good.segments.len();
    type ReceiptEdit<'a> = (&'static str, Box<dyn Fn(&mut Receipt) + 'a>);
    let edits: Vec<ReceiptEdit> = vec![
        ("swapped", Box::new(|r| r.segments.swap(0, 1))),
        (
            "swapped last",
            Box::new(move |r| r.segments.swap(n - 2, n - 1)),
        ),
        ("first dropped", Box::new(|r| drop(r.segments.remove(0)))),
        ("middle dropped", Box::new(|r| drop(r.segments.remove(1)))),
        ("last dropped", Box::new(|r| drop(r.segments.pop()))),
        (
            "duplicated",
            Box::new(|r| r.segments.insert(1, r.segments[1].clone())),
        ),
        ("all dropped", Box::new(|r| r.segments.clear())),
        (
            "foreign last segment",
            Box::new(|r| *r.segments.last_mut().unwrap() = other.segments.last().unwrap().clone()),
        ),
        (
            "foreign middle segment",
            Box::new(|r| r.segments[1] = other.segments[1].clone()),
        ),
        ("exit code", Box::new(|r| r.exit_code ^= 1)),
        ("journal", Box::new(|r| r.journal[0] ^= 1)),
        ("journal extended", Box::new(|r| r.journal.push(0))),
        ("image id", Box::new(|r| r.image_id.0[0] ^= 1)),
        (
            "claim journal",
            Box::new(|r| r.segments.last_mut().unwrap().claim.journal[0] ^= 1),
        ),
        ("claim index", Box::new(|r| r.segments[1].claim.index = 5)),
        ("seal", Box::new(|r| r.segments[0].seal[100] ^= 1)),
        // The audit's edit: values the proof holds only modulo 4 (pcs) or modulo p (cycles).
        (
            "pc low bits and cycles plus p",
            Box::new(move |r| {
                r.segments[0].claim.post_pc += 2;
                r.segments[1].claim.pre_pc += 2;
                r.segments[n - 1].claim.post_pc += 3;
                r.segments[0].claim.cycles += F::ORDER_U32;
            }),
        ),
        (
            "seals swapped",
            Box::new(|r| {
                let seal = r.segments[0].seal.clone();
                r.segments[0].seal = r.segments[1].seal.clone();
                r.segments[1].seal = seal;
            }),
        ),
    ];
    for (what, edit) in edits {
        let mut r = good.clone();
        edit(&mut r);
        rejects(&r, what);
    }
    // Another program's image ID.
    assert!(
        good.verify(Setup::standard(), other.segments[0].claim.pre_digest())
            .is_ok(),
        "same program"
    );
    let mut foreign_id = good.image_id;
    foreign_id.0[1] ^= 1;
    assert!(good.verify(Setup::standard(), foreign_id).is_err());
}

/// Flips one bit in many bytes of a receipt (all of them with BENTO_FLIP_ALL=1):
/// each must be rejected, as unreadable or as invalid, and never panic.
#[test]
fn flipped_receipt_bytes_are_rejected() {
    let (elf, input) = (common::example("exit_code"), vec![7u8]);
    let (_, receipt) = common::prove(&elf, &input, 14);
    let bytes = receipt.to_bytes();
    let image_id = receipt.image_id;
    let all = std::env::var("BENTO_FLIP_ALL").is_ok_and(|v| v == "1");
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    // Every byte outside the seals (header, claims), and a sample of seal bytes.
    let seal_start = bytes.len() - receipt.segments.iter().map(|s| s.seal.len()).sum::<usize>();
    let mut positions: Vec<usize> = (0..seal_start.min(bytes.len())).collect();
    if all {
        positions = (0..bytes.len()).collect();
    } else {
        positions.extend((0..400).map(|_| rng.random_range(0..bytes.len())));
        positions.extend(bytes.len() - 2000..bytes.len());
    }
    for &i in &positions {
        let mut tampered = bytes.clone();
        tampered[i] ^= 1 << rng.random_range(0..8);
        let verdict = Receipt::from_bytes(&tampered)
            .map_err(|e| e.to_string())
            .and_then(|r| {
                r.verify(Setup::standard(), image_id)
                    .map_err(|e| e.to_string())
            });
        assert!(
            verdict.is_err(),
            "byte {i} of {} flipped: still verifies",
            bytes.len()
        );
    }
    assert!(
        Receipt::from_bytes(&bytes[..bytes.len() - 1]).is_err(),
        "truncated"
    );
    assert!(
        Receipt::from_bytes(&[bytes.as_slice(), &[0]].concat()).is_err(),
        "trailing data"
    );
}

/// Once a `read` returns less than it asked for, the input has ended and every
/// later `read` returns nothing — across segments too. A red-team review found
/// that each segment could be given an input of its own: a guest reading 0
/// bytes, then (in the next segment) 1 byte, proved an exit code no input can
/// produce.
#[test]
fn data_after_the_end_of_the_input() {
    use bento_vm::asm::{self, Asm, A0, A1, A2, CODE_BASE};
    use bento_vm::decode::Op;
    use bento_vm::exec::replay;
    use bento_vm::CapturedOutput;

    // n1 = read(1 byte); a loop past the segment's end; n2 = read(1 byte); exit(n1 == 0 && n2 == 1)
    let buf = CODE_BASE + 0x200;
    let (s0, s1, t0, t1, t2) = (8, 9, 5, 6, 7);
    let mut a = Asm::new();
    a.li(A0, 0)
        .li(A1, buf)
        .li(A2, 1)
        .ecall(63)
        .emit(asm::alu_imm(Op::Addi, s0, A0, 0));
    a.li(t0, 9000)
        .emit(asm::alu_imm(Op::Addi, t0, t0, -1))
        .emit(asm::branch(Op::Bne, t0, 0, -4));
    a.li(A0, 0)
        .li(A1, buf)
        .li(A2, 1)
        .ecall(63)
        .emit(asm::alu_imm(Op::Addi, s1, A0, 0));
    a.emit(asm::alu_imm(Op::Sltiu, t1, s0, 1))
        .emit(asm::alu_imm(Op::Addi, t2, s1, -1))
        .emit(asm::alu_imm(Op::Sltiu, t2, t2, 1));
    a.emit(asm::alu(Op::And, A0, t1, t2)).ecall(93);
    let elf = a.elf(0x400);
    for input in [&b""[..], b"A", b"AB"] {
        assert_eq!(
            common::segments(&elf, input, 14).0.exit_code,
            0,
            "honest runs exit 0 (input {input:?})"
        );
    }
    let (_, segments) = common::segments(&elf, b"", 14);
    assert_eq!(segments.len(), 2);
    assert!(
        segments[0].post_input_ended,
        "the first read ended the input"
    );

    let setup = Setup::standard();
    let image_id = bento_vm::image_id(&bento_vm::Program::load(&elf).unwrap());
    // The second segment re-run with one more input byte: n2 = 1.
    for claims_unended in [false, true] {
        let mut second = segments[1].clone();
        second.input = vec![0x41];
        second.cycles += 1;
        second.pre_input_ended = !claims_unended;
        let replayed =
            replay(&second, &mut CapturedOutput::default()).expect("the segment replays");
        assert_eq!(replayed.exit_code, Some(1));
        (
            second.post_pc,
            second.post_root,
            second.exit_code,
            second.post_input_ended,
        ) = (
            replayed.post_pc,
            replayed.post_root,
            replayed.exit_code,
            replayed.post_input_ended,
        );
        let receipt = Receipt {
            image_id,
            exit_code: 1,
            journal: Vec::new(),
            segments: [&segments[0], &second]
                .iter()
                .map(|s| {
                    SegmentReceipt::prove(setup, s, Shaping::Catalogue)
                        .expect("the prover is forced")
                })
                .collect(),
        };
        let verdict = receipt.verify(setup, image_id);
        assert!(
            verdict.is_err(),
            "data after the end of the input (claimed unended: {claims_unended}) verifies"
        );
    }
}
