//! The batch transcript up to the opening argument, as
//! `p3_batch_stark::BatchVerifierTranscript` runs it: the shape's seed (a
//! constant), each table's degree bits, the main commitment and the public
//! values, the preprocessed commitment, the lookup grinding and challenges,
//! the permutation commitment and terminals, the constraint challenge, the
//! quotient commitment, the out-of-domain grinding and ζ.

use bento_stark::{PrimeCharacteristicRing, EF, F};

use super::{BatchVerifier, ProofCells};
use crate::challenger::Challenger;
use crate::ir::{Builder, Ext, Felt};

/// The challenges a proof's transcript draws, and the challenger, ready for the opening argument.
pub struct Challenges {
    /// Each table's lookup challenges: `[bus prefix, beta]` per lookup.
    pub lookup: Vec<Vec<Ext>>,
    /// Folds the constraints.
    pub alpha: Ext,
    pub zeta: Ext,
    pub challenger: Challenger,
}

/// `x^e` for a constant exponent, by squaring and multiplying.
pub(crate) fn pow(b: &mut Builder, x: Ext, e: u64) -> Ext {
    let mut result = b.constant(EF::ONE);
    for i in (0..u64::BITS - e.leading_zeros()).rev() {
        result = b.mul(result, result);
        if e >> i & 1 == 1 {
            result = b.mul(result, x);
        }
    }
    result
}

pub fn run(
    b: &mut Builder,
    v: &BatchVerifier,
    proof: &ProofCells,
    public_values: &[Vec<Felt>],
) -> Challenges {
    let mut c = Challenger::from_native(b, &v.seeded);
    let zero = b.constant_felt(F::ZERO);
    for &bits in &v.degree_bits {
        let bits = b.constant_felt(F::from_usize(bits));
        c.observe_all(b, &[bits, zero, zero, zero]);
    }
    c.observe_all(b, &proof.main);
    for values in public_values {
        c.observe_all(b, values);
    }
    if let Some(cap) = &proof.preprocessed {
        c.observe_all(b, cap);
    }
    let lookup = match proof.lookup_pow {
        Some(witness) => {
            c.check_witness(b, v.lookup_pow_bits, witness);
            let alpha = c.sample_ext(b);
            let beta = c.sample_ext(b);
            // Bus k's prefix is alpha + (k + 1)·beta^(longest message).
            let gamma = pow(b, beta, v.max_message_width as u64);
            let prefixes: Vec<Ext> = (0..v.num_buses)
                .map(|k| b.add_scaled(alpha, EF::from(F::from_usize(k + 1)), gamma))
                .collect();
            v.bus_ids
                .iter()
                .map(|ids| ids.iter().flat_map(|&id| [prefixes[id], beta]).collect())
                .collect()
        }
        None => vec![Vec::new(); v.tables.len()],
    };
    if let Some(cap) = &proof.permutation {
        c.observe_all(b, cap);
    }
    for &terminal in proof.terminals.iter().flatten() {
        let coefficients = split(b, terminal);
        c.observe_all(b, &coefficients);
    }
    let alpha = c.sample_ext(b);
    c.observe_all(b, &proof.quotient);
    c.check_witness(b, v.ood_pow_bits, proof.ood_pow);
    let zeta = c.sample_ext(b);
    Challenges {
        lookup,
        alpha,
        zeta,
        challenger: c,
    }
}

/// The base coefficients of an extension cell (the prover supplies them; the
/// program recomposes and compares).
pub(crate) fn split(b: &mut Builder, x: Ext) -> [Felt; 4] {
    let value = b.value(x);
    let coefficients: &[F] = p3_field::BasedVectorSpace::as_basis_coefficients_slice(&value);
    let cells = [0, 1, 2, 3].map(|i| b.witness_felt(coefficients[i]));
    let back = b.compose(cells);
    b.assert_eq(back, x, "an extension element's coefficients");
    cells
}
