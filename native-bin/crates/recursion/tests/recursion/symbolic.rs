//! The segment circuit's constraints, compiled from their symbolic form into a
//! program, fold at a point exactly as Plonky3's verifier folds them.

use bento_circuit::air::{airs, RiscvAir, BYTES, CPU, RANGE16, TABLE_NAMES};
use bento_recursion::symbolic::{Evaluator, Point};
use bento_recursion::{Builder, Ext};
use bento_stark::batch::symbolic_tables;
use bento_stark::config::Config;
use bento_stark::{BaseAir, PrimeCharacteristicRing, Setup, EF, F};
use p3_air::RowWindow;
use p3_batch_stark::folder::VerifierConstraintFolderWithLookups;
use p3_field::BasedVectorSpace;
use p3_lookup::{LogUpGadget, LookupProtocol};
use p3_matrix::dense::RowMajorMatrixView;
use p3_matrix::stack::VerticalPair;
use p3_uni_stark::VerifierConstraintFolder;
use rand::{Rng, SeedableRng};

fn random_ext(rng: &mut impl Rng) -> EF {
    EF::from_basis_coefficients_fn(|_| F::from_u32(rng.random_range(0..0x7800_0000)))
}

#[test]
fn the_segment_constraints_fold_as_the_native_verifier_folds_them() {
    let setup = Setup::standard();
    let airs: Vec<RiscvAir> = airs();
    let mut degree_bits = vec![14; airs.len()];
    degree_bits[CPU] = 14;
    degree_bits[RANGE16] = 16;
    degree_bits[BYTES] = 16;
    let tables = symbolic_tables(setup, &airs, &degree_bits).unwrap();
    let gadget = LogUpGadget::new();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    for (i, (air, table)) in airs.iter().zip(&tables).enumerate() {
        let mut random = |n: usize| (0..n).map(|_| random_ext(&mut rng)).collect::<Vec<EF>>();
        let width = air.width();
        let (main_local, main_next) = (random(width), random(width));
        let perm_width = if table.lookups.is_empty() {
            0
        } else {
            table.lookups.len() + 1
        };
        let (perm_local, perm_next) = (random(perm_width), random(perm_width));
        let challenges = random(table.lookups.len() * gadget.num_challenges());
        let perm_values = random(usize::from(perm_width > 0));
        let selectors = random(3);
        let alpha = random(1)[0];
        let public_values: Vec<F> = (0..air.num_public_values())
            .map(|k| F::from_u32(1000 + 7 * k as u32))
            .collect();

        let empty: [EF; 0] = [];
        let native = {
            let inner = VerifierConstraintFolder::<Config> {
                main: VerticalPair::new(
                    RowMajorMatrixView::new_row(&main_local),
                    RowMajorMatrixView::new_row(&main_next),
                ),
                preprocessed: VerticalPair::new(
                    RowMajorMatrixView::new_row(&empty),
                    RowMajorMatrixView::new_row(&empty),
                ),
                preprocessed_window: RowWindow::from_two_rows(&empty, &empty),
                periodic_values: &[],
                public_values: &public_values,
                is_first_row: selectors[0],
                is_last_row: selectors[1],
                is_transition: selectors[2],
                alpha,
                accumulator: EF::ZERO,
            };
            let mut folder = VerifierConstraintFolderWithLookups {
                inner,
                permutation: VerticalPair::new(
                    RowMajorMatrixView::new_row(&perm_local),
                    RowMajorMatrixView::new_row(&perm_next),
                ),
                permutation_challenges: &challenges,
                permutation_values: &perm_values,
            };
            gadget.eval_air_and_lookups(air, &mut folder, &table.lookups);
            folder.inner.accumulator
        };

        let mut b = Builder::new();
        let mut cells = |v: &[EF]| v.iter().map(|&x| b.witness(x)).collect::<Vec<Ext>>();
        let (ml, mn, pl, pn, ch, pv, sel) = (
            cells(&main_local),
            cells(&main_next),
            cells(&perm_local),
            cells(&perm_next),
            cells(&challenges),
            cells(&perm_values),
            cells(&selectors),
        );
        let publics: Vec<_> = public_values.iter().map(|&v| b.witness_felt(v)).collect();
        let alpha_cell = b.witness(alpha);
        let mut evaluator = Evaluator::new(Point {
            main_local: &ml,
            main_next: &mn,
            preprocessed_local: &[],
            preprocessed_next: &[],
            public_values: &publics,
            periodic_values: &[],
            is_first_row: sel[0],
            is_last_row: sel[1],
            is_transition: sel[2],
            permutation_local: &pl,
            permutation_next: &pn,
            permutation_challenges: &ch,
            permutation_values: &pv,
        });
        let mut acc = b.constant(EF::ZERO);
        for c in &table.base {
            let v = evaluator.eval_base(&mut b, c);
            let scaled = b.mul(acc, alpha_cell);
            acc = b.add(scaled, v);
        }
        for c in &table.ext {
            let v = evaluator.eval_ext(&mut b, c);
            let scaled = b.mul(acc, alpha_cell);
            acc = b.add(scaled, v);
        }
        assert_eq!(b.value(acc), native, "table {}", TABLE_NAMES[i]);
        assert!(b.failures().is_empty());
    }
}
