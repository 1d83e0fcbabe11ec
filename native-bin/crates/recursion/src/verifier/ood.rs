//! The out-of-domain check of every table, as `verify_batch` makes it after
//! the opening argument: the constraints (compiled from their symbolic form,
//! buses included) folded with α at ζ equal the quotient, recomposed from its
//! chunks, times the vanishing polynomial; and the lookup terminals sum to zero.

use bento_stark::{Field, PrimeCharacteristicRing, EF, F};
use p3_commit::PolynomialSpace;
use p3_field::coset::TwoAdicMultiplicativeCoset;
use p3_field::TwoAdicField;

use super::transcript::{pow, Challenges};
use super::{BatchVerifier, ProofCells};
use crate::ir::{Builder, Ext, Felt};
use crate::symbolic::{Evaluator, Point};

/// An extension column committed as four base columns, from their values.
fn recompose(b: &mut Builder, flat: &[Ext]) -> Vec<Ext> {
    flat.chunks_exact(4)
        .map(|chunk| b.compose([chunk[0], chunk[1], chunk[2], chunk[3]]))
        .collect()
}

pub fn check(
    b: &mut Builder,
    v: &BatchVerifier,
    proof: &ProofCells,
    public_values: &[Vec<Felt>],
    ch: &Challenges,
) {
    let zeta = ch.zeta;
    for (i, table) in v.tables.iter().enumerate() {
        let opened = &proof.tables[i];
        let log_n = v.degree_bits[i];
        let trace_domain = TwoAdicMultiplicativeCoset::new(F::ONE, log_n).expect("a two-adic size");
        // ζ^n, shared by the trace domain's and every quotient chunk's vanishing polynomial.
        let zeta_n = pow(b, zeta, 1 << log_n);
        let z_h = b.affine(EF::ONE, zeta_n, -EF::ONE);
        let g_inv = F::two_adic_generator(log_n).inverse();
        let zeta_minus_one = b.affine(EF::ONE, zeta, -EF::ONE);
        let is_transition = b.affine(EF::ONE, zeta, -EF::from(g_inv));
        let is_first_row = b.div(z_h, zeta_minus_one);
        let is_last_row = b.div(z_h, is_transition);
        let one = b.constant(EF::ONE);
        let inv_vanishing = b.div(one, z_h);

        // The quotient: chunk i's value weighted by the product, over the other
        // chunks j, of Z_j(ζ) / Z_j(first point of i), with Z_j(x) = (x/s_j)^n - 1.
        let chunks = trace_domain
            .try_create_disjoint_domain(1 << (log_n + table.log_quotient_chunks))
            .expect("the quotient domain fits the field")
            .split_domains(1 << table.log_quotient_chunks);
        let values = recompose(b, &opened.quotient_chunks.concat());
        let mut quotient = b.constant(EF::ZERO);
        for (ci, domain) in chunks.iter().enumerate() {
            let mut weight = b.constant(EF::ONE);
            for (cj, other) in chunks.iter().enumerate() {
                if cj == ci {
                    continue;
                }
                let denominator: F = other.vanishing_poly_at_point(domain.first_point());
                let scale = other.shift_inverse().exp_power_of_2(log_n);
                let d_inv = denominator.inverse();
                // Z_j(ζ) / d = (s_j^-n / d)·ζ^n - 1/d
                let factor = b.affine(EF::from(scale * d_inv), zeta_n, -EF::from(d_inv));
                weight = b.mul(weight, factor);
            }
            let term = b.mul(weight, values[ci]);
            quotient = b.add(quotient, term);
        }

        let permutation_local = recompose(b, &opened.permutation_local);
        let permutation_next = recompose(b, &opened.permutation_next);
        let zeros_main: Vec<Ext> = vec![b.constant(EF::ZERO); v.widths[i]];
        let zeros_pre: Vec<Ext> = vec![b.constant(EF::ZERO); v.preprocessed_widths[i]];
        let terminal: Vec<Ext> = proof.terminals[i].into_iter().collect();
        let mut evaluator = Evaluator::new(Point {
            main_local: &opened.trace_local,
            main_next: if opened.trace_next.is_empty() {
                &zeros_main
            } else {
                &opened.trace_next
            },
            preprocessed_local: &opened.preprocessed_local,
            preprocessed_next: if opened.preprocessed_next.is_empty() {
                &zeros_pre
            } else {
                &opened.preprocessed_next
            },
            public_values: &public_values[i],
            periodic_values: &[],
            is_first_row,
            is_last_row,
            is_transition,
            permutation_local: &permutation_local,
            permutation_next: &permutation_next,
            permutation_challenges: &ch.lookup[i],
            permutation_values: &terminal,
        });
        let mut acc = b.constant(EF::ZERO);
        for c in &table.base {
            let value = evaluator.eval_base(b, c);
            let scaled = b.mul(acc, ch.alpha);
            acc = b.add(scaled, value);
        }
        for c in &table.ext {
            let value = evaluator.eval_ext(b, c);
            let scaled = b.mul(acc, ch.alpha);
            acc = b.add(scaled, value);
        }
        let folded = b.mul(acc, inv_vanishing);
        b.assert_eq(folded, quotient, "the constraints at ζ equal the quotient");
    }
    let mut sum = b.constant(EF::ZERO);
    for &t in proof.terminals.iter().flatten() {
        sum = b.add(sum, t);
    }
    b.assert_zero(sum, "the lookup terminals sum to zero");
}
