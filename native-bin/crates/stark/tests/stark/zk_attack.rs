//! Hostile proofs under a hiding configuration (ZkConfig): tampered degree
//! bits, a missing or forged randomization commitment, standard and hiding
//! proofs passed off as each other, preprocessed keys of other programs,
//! heights or lengths, and fuzzed bytes. Every one is refused with an error,
//! never accepted and never a panic.
//!
//! `cargo test --release -p bento-stark --test stark zk_attack -- --nocapture`
//! prints each attack's outcome.

use crate::common;

use std::ops::RangeInclusive;
use std::panic::{catch_unwind, AssertUnwindSafe};

use bento_stark::batch::{
    min_log_height, prove_with, proving_data, verify_with, verifying_data, verifying_shape,
};
use bento_stark::config::{Config, Parameters};
use bento_stark::synthetic;
use bento_stark::{
    prove, verify, Air, AirBuilder, BaseAir, Instance, Matrix, PrimeCharacteristicRing, Proof,
    ProofFormatError, RowMajorMatrix, Setup, VerifyError, WindowAccess, ZkConfig, EF, F,
    PARAMETERS,
};
use common::{cases, mangle};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The succinct receipt's parameters (crates/recursion/src/config.rs).
const ZK: Parameters = Parameters {
    log_blowup: 3,
    num_queries: 28,
    log_final_poly_len: 5,
    random_codewords: 4,
    ..PARAMETERS
};

fn zk_setup() -> &'static Setup<ZkConfig> {
    static SETUP: std::sync::OnceLock<Setup<ZkConfig>> = std::sync::OnceLock::new();
    SETUP.get_or_init(|| Setup::of(ZK))
}

/// One preprocessed column `p` (row `i` holds `i + offset`) and one main
/// column `x` with `x = p^2`: programs differ only in `offset`.
#[derive(Clone, Debug)]
struct Pre {
    log_rows: usize,
    offset: u32,
}

impl BaseAir<F> for Pre {
    fn width(&self) -> usize {
        1
    }
    fn preprocessed_trace(&self) -> Option<RowMajorMatrix<F>> {
        Some(RowMajorMatrix::new(
            (0..1u32 << self.log_rows)
                .map(|i| F::from_u32(i + self.offset))
                .collect(),
            1,
        ))
    }
    fn preprocessed_width(&self) -> usize {
        1
    }
}

impl<AB: AirBuilder<F = F>> Air<AB> for Pre {
    fn eval(&self, builder: &mut AB) {
        let pre = builder.preprocessed().clone();
        let main = builder.main();
        let p: AB::Expr = pre.current(0).expect("column").into();
        let x: AB::Expr = main.current(0).expect("column").into();
        builder.assert_eq(x, p.clone() * p);
    }
}

/// Two tables of [`Pre`], of 2^7 and 2^9 rows.
fn pre_instances(offset: u32) -> Vec<Instance<Pre>> {
    pre_instances_of(offset, &[7, 9])
}

fn pre_instances_of(offset: u32, log_rows: &[usize]) -> Vec<Instance<Pre>> {
    log_rows
        .iter()
        .map(|&log_rows| {
            let air = Pre { log_rows, offset };
            let p = air.preprocessed_trace().unwrap();
            Instance {
                trace: RowMajorMatrix::new(p.values.iter().map(|&v| v * v).collect(), 1),
                air,
                public_values: vec![],
            }
        })
        .collect()
}

fn airs<A: Clone>(instances: &[Instance<A>]) -> Vec<A> {
    instances.iter().map(|i| i.air.clone()).collect()
}

fn log_heights<A>(instances: &[Instance<A>]) -> Vec<usize> {
    instances
        .iter()
        .map(|i| i.trace.height().trailing_zeros() as usize)
        .collect()
}

fn exact<A>(instances: &[Instance<A>]) -> Vec<RangeInclusive<usize>> {
    log_heights(instances).into_iter().map(|h| h..=h).collect()
}

fn wide<A>(instances: &[Instance<A>]) -> Vec<RangeInclusive<usize>> {
    instances.iter().map(|_| 0..=40).collect()
}

fn empty_publics<A>(instances: &[Instance<A>]) -> Vec<Vec<F>> {
    instances.iter().map(|i| i.public_values.clone()).collect()
}

/// Runs an attack: it must be refused, without a panic. Prints the outcome.
fn refused(name: &str, attack: impl FnOnce() -> Result<(), String>) {
    match catch_unwind(AssertUnwindSafe(attack)) {
        Ok(Ok(())) => panic!("ACCEPTED: {name}"),
        Ok(Err(e)) => println!("refused  {name}: {e}"),
        Err(p) => {
            let m = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!("PANICKED: {name}: {m}")
        }
    }
}

fn reread(bytes: &[u8]) -> Proof<ZkConfig> {
    Proof::<ZkConfig>::from_bytes_under(bytes, &ZK).expect("an honest proof reads back")
}

/// Table `t`'s opening of the randomization polynomial.
fn random_opening(p: &mut Proof<ZkConfig>, t: usize) -> &mut Vec<EF> {
    p.inner.opened_values.instances[t]
        .base_opened_values
        .random
        .as_mut()
        .expect("a hiding proof opens its randomization polynomial")
}

fn ve(e: VerifyError) -> String {
    e.to_string()
}

#[test]
fn the_hiding_floor_is_seven() {
    assert_eq!(min_log_height(zk_setup()), 7);
}

#[test]
fn honest_hiding_proofs_verify_every_way() {
    let setup = zk_setup();
    let inst = synthetic::instances(8, 6, 1);
    let proof = prove(setup, &inst).unwrap();
    assert_eq!(
        proof.inner.degree_bits,
        log_heights(&inst).iter().map(|h| h + 1).collect::<Vec<_>>()
    );
    let proof = reread(&proof.to_bytes());
    let a = airs(&inst);
    let pv = empty_publics(&inst);
    verify(setup, &a, &proof, &pv, &exact(&inst)).unwrap();
    verify(setup, &a, &proof, &pv, &wide(&inst)).unwrap();
    let known = verifying_data(setup, &a, &log_heights(&inst)).unwrap();
    verify_with(setup, &a, Some(&known), &proof, &pv, &exact(&inst)).unwrap();

    let inst = pre_instances(0);
    let proof = reread(&prove(setup, &inst).unwrap().to_bytes());
    let a = airs(&inst);
    let pv = empty_publics(&inst);
    verify(setup, &a, &proof, &pv, &exact(&inst)).unwrap();
    let known = verifying_data(setup, &a, &log_heights(&inst)).unwrap();
    verify_with(setup, &a, Some(&known), &proof, &pv, &exact(&inst)).unwrap();
    // As a verifier of a shape with the program's key (the shrink verifier's path).
    let cap = known.preprocessed().unwrap();
    let shape = verifying_shape(setup, &a, &log_heights(&inst)).unwrap();
    let keyed = shape.with_preprocessed(&cap).unwrap();
    verify_with(setup, &a, Some(&keyed), &proof, &pv, &exact(&inst)).unwrap();
    // The key is the same in a second derivation (fixed salts).
    let again = verifying_data(setup, &a, &log_heights(&inst)).unwrap();
    assert_eq!(again.preprocessed().unwrap(), cap);
}

/// A prover that derives its proving data once (the join process) makes
/// proofs that verify, each with its own randomness, and the verifying data
/// read off that proving data names the same program; data of other heights
/// is refused before anything is proved.
#[test]
fn proving_data_derived_once_proves_again_and_names_the_program() {
    let setup = zk_setup();
    let inst = pre_instances(0);
    let a = airs(&inst);
    let pv = empty_publics(&inst);
    let data = proving_data(setup, &a, &log_heights(&inst)).unwrap();
    let first = prove_with(setup, &inst, Some(&data)).unwrap().to_bytes();
    let second = prove_with(setup, &inst, Some(&data)).unwrap().to_bytes();
    assert_ne!(first, second, "each proof draws its own randomness");
    let read_off = data.verifying_data(&a);
    let committed = verifying_data(setup, &a, &log_heights(&inst)).unwrap();
    assert_eq!(read_off.preprocessed(), committed.preprocessed());
    for bytes in [&first, &second] {
        let proof = reread(bytes);
        verify_with(setup, &a, Some(&read_off), &proof, &pv, &exact(&inst)).unwrap();
        verify_with(setup, &a, Some(&committed), &proof, &pv, &exact(&inst)).unwrap();
    }
    // Another program's proving data (the same heights) gives a proof its
    // key refuses; proving data of other heights gives none.
    let other = pre_instances(1);
    let other_data = proving_data(setup, &airs(&other), &log_heights(&other)).unwrap();
    let forged = reread(
        &prove_with(setup, &inst, Some(&other_data))
            .unwrap()
            .to_bytes(),
    );
    assert!(verify_with(setup, &a, Some(&committed), &forged, &pv, &exact(&inst)).is_err());
    let taller = pre_instances_of(0, &[8, 9]);
    let taller_data = proving_data(setup, &airs(&taller), &log_heights(&taller)).unwrap();
    assert!(prove_with(setup, &inst, Some(&taller_data)).is_err());
}

#[test]
fn tampered_degree_bits_are_refused() {
    let setup = zk_setup();
    let inst = synthetic::instances(8, 6, 2);
    let bytes = prove(setup, &inst).unwrap().to_bytes();
    let a = airs(&inst);
    let pv = empty_publics(&inst);
    let known = verifying_data(setup, &a, &log_heights(&inst)).unwrap();
    let honest = reread(&bytes).inner.degree_bits.clone();
    for (table, &h) in honest.iter().enumerate() {
        for bits in [0, 1, 6, 7, h - 2, h - 1, h + 1, 31, 63, 64, usize::MAX] {
            for (how, ranges) in [("exact", exact(&inst)), ("wide", wide(&inst))] {
                for with_known in [false, true] {
                    let name = format!(
                        "table {table} degree_bits {h} -> {bits}, {how} heights, known data {with_known}"
                    );
                    refused(&name, || {
                        let mut proof = reread(&bytes);
                        proof.inner.degree_bits[table] = bits;
                        let known = with_known.then_some(&known);
                        verify_with(setup, &a, known, &proof, &pv, &ranges).map_err(ve)
                    });
                }
            }
        }
    }
    // The tables' bits swapped, or both stated as trace heights (the +1 forgotten).
    for (name, bits) in [
        ("swapped", honest.iter().rev().copied().collect::<Vec<_>>()),
        ("trace heights", log_heights(&inst)),
        ("one lower each", honest.iter().map(|b| b - 1).collect()),
    ] {
        refused(name, || {
            let mut proof = reread(&bytes);
            proof.inner.degree_bits = bits;
            verify(setup, &a, &proof, &pv, &wide(&inst)).map_err(ve)
        });
    }
    // Too few or too many tables.
    refused("a table's bits dropped", || {
        let mut proof = reread(&bytes);
        proof.inner.degree_bits.pop();
        verify(setup, &a, &proof, &pv, &wide(&inst)).map_err(ve)
    });
    refused("a table's bits added", || {
        let mut proof = reread(&bytes);
        proof.inner.degree_bits.push(9);
        verify(setup, &a, &proof, &pv, &wide(&inst)).map_err(ve)
    });
}

#[test]
fn the_randomization_commitment_and_openings_are_required() {
    let setup = zk_setup();
    let inst = synthetic::instances(8, 6, 3);
    let bytes = prove(setup, &inst).unwrap().to_bytes();
    let a = airs(&inst);
    let pv = empty_publics(&inst);
    let check = |proof: &Proof<ZkConfig>| verify(setup, &a, proof, &pv, &exact(&inst)).map_err(ve);
    refused("random commitment removed", || {
        let mut p = reread(&bytes);
        p.inner.commitments.random = None;
        check(&p)
    });
    refused("random commitment replaced by the main one", || {
        let mut p = reread(&bytes);
        p.inner.commitments.random = Some(p.inner.commitments.main.clone());
        check(&p)
    });
    refused("quotient commitment replaced by the random one", || {
        let mut p = reread(&bytes);
        p.inner.commitments.quotient_chunks = p.inner.commitments.random.clone().unwrap();
        check(&p)
    });
    for t in 0..inst.len() {
        refused(&format!("table {t}: random opening removed"), || {
            let mut p = reread(&bytes);
            p.inner.opened_values.instances[t].base_opened_values.random = None;
            check(&p)
        });
        refused(&format!("table {t}: random opening shortened"), || {
            let mut p = reread(&bytes);
            random_opening(&mut p, t).pop();
            check(&p)
        });
        refused(&format!("table {t}: random opening changed"), || {
            let mut p = reread(&bytes);
            random_opening(&mut p, t)[0] += EF::ONE;
            check(&p)
        });
        refused(&format!("table {t}: a quotient chunk removed"), || {
            let mut p = reread(&bytes);
            p.inner.opened_values.instances[t]
                .base_opened_values
                .quotient_chunks
                .pop();
            check(&p)
        });
    }
    // The hidden halves of the openings (the random codewords' values).
    let rounds = reread(&bytes).inner.opening_proof.0.len();
    refused("a round of random-codeword openings removed", || {
        let mut p = reread(&bytes);
        p.inner.opening_proof.0.pop();
        check(&p)
    });
    for round in 0..rounds {
        refused(
            &format!("round {round}: a random-codeword value removed"),
            || {
                let mut p = reread(&bytes);
                p.inner.opening_proof.0[round][0][0].pop();
                check(&p)
            },
        );
        refused(
            &format!("round {round}: a random-codeword value changed"),
            || {
                let mut p = reread(&bytes);
                p.inner.opening_proof.0[round][0][0][0] += EF::ONE;
                check(&p)
            },
        );
    }
}

#[test]
fn standard_and_hiding_proofs_do_not_pass_for_each_other() {
    let zk = zk_setup();
    let inst = synthetic::instances(8, 6, 4);
    let a = airs(&inst);
    let pv = empty_publics(&inst);
    // No standard configuration of the hiding parameters (nor the reverse)
    // can be built: a proof's parameters say which kind it is.
    assert!(catch_unwind(|| Setup::<Config>::of(ZK)).is_err());
    let no_codewords = Parameters {
        random_codewords: 0,
        ..ZK
    };
    assert!(catch_unwind(|| Setup::<ZkConfig>::of(no_codewords)).is_err());
    // A standard proof of the hiding parameters but for its codewords, its
    // header then claiming them.
    let plain = prove(&Setup::<Config>::of(no_codewords), &inst).unwrap();
    refused("standard proof read as hiding", || {
        let relabelled = Proof::<Config>::new(ZK, plain.inner).to_bytes();
        let p = Proof::<ZkConfig>::from_bytes_under(&relabelled, &ZK).map_err(|e| e.to_string())?;
        verify(zk, &a, &p, &pv, &exact(&inst)).map_err(ve)
    });
    // A standard proof under the standard parameters, its header rewritten.
    let std_proof = prove(Setup::standard(), &inst).unwrap();
    refused("standard-parameter proof relabelled hiding", || {
        let relabelled = Proof::<Config>::new(ZK, std_proof.inner).to_bytes();
        let p = Proof::<ZkConfig>::from_bytes_under(&relabelled, &ZK).map_err(|e| e.to_string())?;
        verify(zk, &a, &p, &pv, &exact(&inst)).map_err(ve)
    });
    // A hiding proof read as a standard one.
    let hiding = prove(zk, &inst).unwrap();
    let bytes = hiding.to_bytes();
    refused("hiding proof read by the standard reader", || {
        let p = Proof::from_bytes(&bytes).map_err(|e| e.to_string())?;
        verify(Setup::standard(), &a, &p, &pv, &exact(&inst)).map_err(ve)
    });
    refused(
        "hiding proof read as a standard proof of the hiding parameters",
        || {
            let p = Proof::<Config>::from_bytes_under(&bytes, &ZK).map_err(|e| e.to_string())?;
            verify(Setup::standard(), &a, &p, &pv, &exact(&inst)).map_err(ve)
        },
    );
    refused(
        "hiding proof relabelled with the standard parameters",
        || {
            let relabelled = Proof::<ZkConfig>::new(PARAMETERS, reread(&bytes).inner).to_bytes();
            let p = Proof::from_bytes(&relabelled).map_err(|e| e.to_string())?;
            verify(Setup::standard(), &a, &p, &pv, &exact(&inst)).map_err(ve)
        },
    );
    // The header's parameters changed but the body kept: refused by the header.
    for (name, other) in [
        (
            "more random codewords",
            Parameters {
                random_codewords: 8,
                ..ZK
            },
        ),
        (
            "no random codewords",
            Parameters {
                random_codewords: 0,
                ..ZK
            },
        ),
        (
            "fewer queries",
            Parameters {
                num_queries: 20,
                ..ZK
            },
        ),
    ] {
        refused(&format!("hiding proof relabelled: {name}"), || {
            let relabelled = Proof::<ZkConfig>::new(other, reread(&bytes).inner).to_bytes();
            let e = Proof::<ZkConfig>::from_bytes_under(&relabelled, &ZK).unwrap_err();
            assert!(
                matches!(e, ProofFormatError::ForeignConfiguration(_)),
                "{e}"
            );
            let proof = Proof::<ZkConfig>::new(other, reread(&bytes).inner);
            verify(zk, &a, &proof, &pv, &exact(&inst)).map_err(ve)
        });
        if !other.is_hiding() {
            // No hiding setup of these parameters exists (above).
            continue;
        }
        refused(&format!("verified under a setup with {name}"), || {
            let proof = Proof::<ZkConfig>::new(other, reread(&bytes).inner);
            verify(
                &Setup::<ZkConfig>::of(other),
                &a,
                &proof,
                &pv,
                &exact(&inst),
            )
            .map_err(ve)
        });
    }
}

#[test]
fn preprocessed_keys_of_other_programs_heights_or_lengths_are_refused() {
    let setup = zk_setup();
    let inst = pre_instances(0);
    let a = airs(&inst);
    let pv = empty_publics(&inst);
    let heights = log_heights(&inst);
    let bytes = prove(setup, &inst).unwrap().to_bytes();
    let own = verifying_data(setup, &a, &heights).unwrap();
    let cap = own.preprocessed().unwrap();
    let shape = verifying_shape(setup, &a, &heights).unwrap();
    assert_eq!(cap.len(), 1 << ZK.cap_height);

    let other_air = airs(&pre_instances(1));
    let other = verifying_data(setup, &other_air, &heights).unwrap();
    let other_cap = other.preprocessed().unwrap();
    assert_ne!(cap, other_cap);
    refused("the key of another program (verifying data)", || {
        verify_with(setup, &a, Some(&other), &reread(&bytes), &pv, &exact(&inst)).map_err(ve)
    });
    refused("the key of another program (shape + key)", || {
        let keyed = shape.with_preprocessed(&other_cap).map_err(ve)?;
        verify_with(setup, &a, Some(&keyed), &reread(&bytes), &pv, &exact(&inst)).map_err(ve)
    });
    refused("another program's AIRs, no key", || {
        verify(setup, &other_air, &reread(&bytes), &pv, &exact(&inst)).map_err(ve)
    });
    for (name, c) in [
        ("a cap of zeros", vec![[F::ZERO; 8]; cap.len()]),
        ("a cap one digest short", cap[..cap.len() - 1].to_vec()),
        (
            "a cap one digest long",
            [cap.clone(), vec![cap[0]]].concat(),
        ),
        ("a one-digest cap", vec![cap[0]]),
        ("an empty cap", vec![]),
    ] {
        refused(name, || {
            let keyed = shape.with_preprocessed(&c).map_err(ve)?;
            verify_with(setup, &a, Some(&keyed), &reread(&bytes), &pv, &exact(&inst)).map_err(ve)
        });
    }
    // A proof of other heights than the key's.
    let taller = pre_instances_of(0, &[8, 9]);
    let taller_bytes = prove(setup, &taller).unwrap().to_bytes();
    let keyed = shape.with_preprocessed(&cap).unwrap();
    refused("a proof of other heights, the key's exact heights", || {
        verify_with(
            setup,
            &a,
            Some(&keyed),
            &reread(&taller_bytes),
            &pv,
            &exact(&inst),
        )
        .map_err(ve)
    });
    refused(
        "a proof of other heights, the key's data, wide heights",
        || {
            verify_with(
                setup,
                &a,
                Some(&keyed),
                &reread(&taller_bytes),
                &pv,
                &wide(&inst),
            )
            .map_err(ve)
        },
    );
    refused(
        "a proof of other heights, its own heights' shape with this key",
        || {
            let taller_shape =
                verifying_shape(setup, &airs(&taller), &log_heights(&taller)).map_err(ve)?;
            let keyed = taller_shape.with_preprocessed(&cap).map_err(ve)?;
            verify_with(
                setup,
                &airs(&taller),
                Some(&keyed),
                &reread(&taller_bytes),
                &pv,
                &wide(&taller),
            )
            .map_err(ve)
        },
    );
    // Degree bits tampered with, no verifying data (the AIRs' own preprocessed trace).
    // (The honest bits are [8, 10]: traces of 2^7 and 2^9 rows.)
    assert_eq!(reread(&bytes).inner.degree_bits, [8, 10]);
    for bits in [[9, 10], [7, 10], [8, 9], [8, 11], [10, 8], [7, 9], [9, 11]] {
        refused(&format!("degree bits {bits:?}, no verifying data"), || {
            let mut p = reread(&bytes);
            p.inner.degree_bits = bits.to_vec();
            verify(setup, &a, &p, &pv, &wide(&inst)).map_err(ve)
        });
        refused(&format!("degree bits {bits:?}, keyed shape"), || {
            let mut p = reread(&bytes);
            p.inner.degree_bits = bits.to_vec();
            verify_with(setup, &a, Some(&keyed), &p, &pv, &wide(&inst)).map_err(ve)
        });
    }
    // Preprocessed openings removed, or an extra random value given for the
    // public (preprocessed) round.
    refused("preprocessed opening removed", || {
        let mut p = reread(&bytes);
        p.inner.opened_values.instances[0]
            .base_opened_values
            .preprocessed = None;
        verify_with(setup, &a, Some(&keyed), &p, &pv, &exact(&inst)).map_err(ve)
    });
    let rounds = reread(&bytes).inner.opening_proof.0.len();
    for round in 0..rounds {
        refused(
            &format!("round {round}: an extra random-codeword value"),
            || {
                let mut p = reread(&bytes);
                p.inner.opening_proof.0[round][0][0].push(EF::ZERO);
                verify_with(setup, &a, Some(&keyed), &p, &pv, &exact(&inst)).map_err(ve)
            },
        );
    }
}

#[test]
fn fuzzed_hiding_proof_bytes_are_refused_without_a_panic() {
    let setup = zk_setup();
    let inst = pre_instances(0);
    let a = airs(&inst);
    let pv = empty_publics(&inst);
    let bytes = prove(setup, &inst).unwrap().to_bytes();
    let keyed = verifying_data(setup, &a, &log_heights(&inst)).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let (mut decoded, mut total) = (0, 0);
    for case in 0..cases(300) {
        let b = mangle(&bytes, &mut rng, case);
        if b == bytes {
            continue;
        }
        total += 1;
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            Proof::<ZkConfig>::from_bytes_under(&b, &ZK)
                .map(|p| verify_with(setup, &a, Some(&keyed), &p, &pv, &exact(&inst)))
        }));
        match outcome {
            Err(_) => panic!("case {case}: the verifier panicked"),
            Ok(Ok(Ok(()))) => panic!("case {case}: mangled bytes verified"),
            Ok(Ok(Err(_))) => decoded += 1,
            Ok(Err(_)) => {}
        }
    }
    println!(
        "{total} mangled proofs, {decoded} decoded and refused by the verifier, none accepted"
    );
}
