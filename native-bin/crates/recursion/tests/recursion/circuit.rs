//! The recursion circuit on its own: programs prove and verify, the challenger
//! program draws Plonky3's challenges, and lying traces are rejected.

use bento_recursion::air::{ARITH, PERMUTE, WITNESS};
use bento_recursion::challenger::Challenger;
use bento_recursion::{Builder, Circuit, CircuitError, Felt, Run};
use bento_stark::{Matrix, PrimeCharacteristicRing, Setup, EF, F};
use p3_challenger::{CanObserve, CanSample, CanSampleBits, DuplexChallenger, GrindingChallenger};
use p3_field::BasedVectorSpace;
use rand::{Rng, SeedableRng};

fn ext(c: [u32; 4]) -> EF {
    EF::from_basis_coefficients_fn(|i| F::from_u32(c[i]))
}

/// A program using every table: given x (public) and a witness y, it checks
/// (x·y + 3)/(y - x) against a public result, hashes the pair and decomposes
/// a hash output into bits.
fn sample_program(x: u32, y: EF, claimed: Option<EF>) -> Run {
    let mut b = Builder::new();
    let xc = b.public(F::from_u32(x));
    let yc = b.witness(y);
    let xy = b.mul(xc, yc);
    let num = b.affine(EF::ONE, xy, EF::from(F::from_u32(3)));
    let den = b.sub(yc, xc);
    let q = b.div(num, den);
    let r = b.witness(claimed.unwrap_or_else(|| {
        let xe = EF::from(F::from_u32(x));
        (xe * y + EF::from(F::from_u32(3))) / (y - xe)
    }));
    b.assert_eq(q, r, "the quotient");
    let mut state: [Felt; 16] = [b.constant_felt(F::ZERO); 16];
    state[0] = xc;
    state[1] = b.witness_felt(F::from_u32(77));
    let out = b.permute(state);
    let bits = b.bits(out[3], 10);
    let mut low = b.constant_felt(F::ZERO);
    for (i, &bit) in bits.iter().enumerate() {
        low = b.fadd_scaled(low, F::from_u32(1 << i), bit);
    }
    let low_value = b.felt_value(low);
    let published = b.public(low_value);
    b.assert_eq(low, published, "the low bits");
    b.finish()
}

#[test]
fn a_program_proves_and_verifies_against_its_public_values() {
    let setup = Setup::standard();
    let run = sample_program(5, ext([1, 2, 3, 4]), None);
    assert!(run.failures.is_empty(), "{:?}", run.failures);
    let circuit = Circuit::new(setup, run.program.clone());
    let proof = circuit.prove(setup, &run).expect("an honest run proves");
    circuit
        .verify(setup, &proof, &run.public_values)
        .expect("and verifies");
    let mut other = run.public_values.clone();
    other[0] += F::ONE;
    assert!(circuit.verify(setup, &proof, &other).is_err(), "another x");
    let mut other = run.public_values.clone();
    other[1] += F::ONE;
    assert!(
        circuit.verify(setup, &proof, &other).is_err(),
        "other low bits"
    );
}

#[test]
fn the_program_does_not_depend_on_the_values() {
    let setup = Setup::standard();
    let a = sample_program(5, ext([1, 2, 3, 4]), None);
    let b = sample_program(9, ext([8, 0, 0, 1]), None);
    let (ca, cb) = (
        Circuit::new(setup, a.program.clone()),
        Circuit::new(setup, b.program.clone()),
    );
    assert_eq!(ca.key(setup), cb.key(setup));
    // One circuit proves both runs.
    let proof = ca.prove(setup, &b).unwrap();
    ca.verify(setup, &proof, &b.public_values).unwrap();
}

#[test]
fn a_run_failing_an_assertion_is_refused_and_a_forced_proof_rejected() {
    let setup = Setup::standard();
    let run = sample_program(5, ext([1, 2, 3, 4]), Some(ext([9, 9, 9, 9])));
    assert_eq!(run.failures, vec!["the quotient".to_string()]);
    let circuit = Circuit::new(setup, run.program.clone());
    assert!(matches!(
        circuit.prove(setup, &run),
        Err(CircuitError::Unsatisfied { .. })
    ));
    // The prover forced: the tables of the failing run, proved anyway.
    let proof = circuit
        .prove_traces(setup, circuit.traces(&run.values), &run.public_values)
        .unwrap();
    assert!(circuit.verify(setup, &proof, &run.public_values).is_err());
}

#[test]
fn a_division_by_zero_has_no_proof() {
    let setup = Setup::standard();
    // y = x: the divisor is zero, the numerator x² + 3 is not.
    let run = sample_program(5, ext([5, 0, 0, 0]), Some(EF::ZERO));
    assert!(run.failures.iter().any(|f| f == "division by zero"));
    let circuit = Circuit::new(setup, run.program.clone());
    let proof = circuit
        .prove_traces(setup, circuit.traces(&run.values), &run.public_values)
        .unwrap();
    assert!(circuit.verify(setup, &proof, &run.public_values).is_err());
}

/// Proves `run`'s tables after `forge` edits them, and expects rejection.
fn rejected(what: &str, forge: impl Fn(&mut [bento_stark::RowMajorMatrix<F>])) {
    let setup = Setup::standard();
    let run = sample_program(5, ext([1, 2, 3, 4]), None);
    let circuit = Circuit::new(setup, run.program.clone());
    let mut traces = circuit.traces(&run.values);
    forge(&mut traces);
    let proof = circuit
        .prove_traces(setup, traces, &run.public_values)
        .unwrap();
    assert!(
        circuit.verify(setup, &proof, &run.public_values).is_err(),
        "{what}: a forged trace verified"
    );
}

#[test]
fn a_wrong_permutation_row_is_rejected() {
    rejected("poseidon2 output", |t| {
        let w = t[PERMUTE].width();
        // The last column of row 0 is an output of its permutation.
        t[PERMUTE].values[w - 1] += F::ONE;
    });
}

#[test]
fn a_wrong_field_operation_is_rejected() {
    rejected("gate output", |t| {
        let w = t[ARITH].width();
        // Every gate row's output coefficients are its last four columns; take
        // a row past the constants.
        let row = 8;
        t[ARITH].values[row * w + w - 4] += F::ONE;
    });
}

#[test]
fn a_read_of_a_value_never_written_is_rejected() {
    rejected("unbalanced memory", |t| {
        // The second witness row is y; change the value the gate rows read
        // for it without changing its writer... by changing the writer alone.
        let w = t[WITNESS].width();
        t[WITNESS].values[w] += F::ONE;
    });
}

#[test]
fn the_challenger_program_draws_plonky3s_challenges() {
    let perm = bento_vm::hash::permutation().clone();
    let mut native: DuplexChallenger<F, _, 16, 8> = DuplexChallenger::new(perm);
    let mut b = Builder::new();
    let mut circuit = Challenger::new(&mut b);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    for step in 0..200 {
        match rng.random_range(0..4) {
            0 => {
                let v = F::from_u32(rng.random_range(0..0x7800_0000));
                native.observe(v);
                let c = b.witness_felt(v);
                circuit.observe(&mut b, c);
            }
            1 => {
                let n: F = native.sample();
                let c = circuit.sample(&mut b);
                assert_eq!(b.felt_value(c), n, "step {step}: sample");
            }
            2 => {
                let n: EF = native.sample();
                let c = circuit.sample_ext(&mut b);
                assert_eq!(b.value(c), n, "step {step}: extension sample");
            }
            _ => {
                let bits = rng.random_range(1..20);
                let n = native.sample_bits(bits);
                let c = circuit.sample_bits(&mut b, bits);
                let v = c
                    .iter()
                    .enumerate()
                    .map(|(i, &bit)| (b.felt_value(bit) == F::ONE) as usize * (1 << i))
                    .sum::<usize>();
                assert_eq!(v, n, "step {step}: {bits} bits");
            }
        }
    }
    assert!(b.failures().is_empty());
}

#[test]
fn the_challenger_program_checks_proof_of_work_as_plonky3_does() {
    let mut native: DuplexChallenger<F, _, 16, 8> =
        DuplexChallenger::new(bento_vm::hash::permutation().clone());
    native.observe(F::from_u32(12345));
    let witness = native.clone().grind(10);
    assert!(native.clone().check_witness(10, witness));
    for (w, accepted) in [(witness, true), (witness + F::ONE, false)] {
        let mut b = Builder::new();
        let mut c = Challenger::new(&mut b);
        let seed = b.witness_felt(F::from_u32(12345));
        c.observe(&mut b, seed);
        let cell = b.witness_felt(w);
        c.check_witness(&mut b, 10, cell);
        // A wrong witness passes 10 bits of work with odds 2^-10; this one is fixed and fails.
        assert_eq!(b.failures().is_empty(), accepted, "witness {w}");
    }
}
