//! Merkle openings checked by a program agree with Plonky3's MMCS: rows of
//! matrices of several heights, opened at random indices, pass; an edited
//! row, sibling or index bit fails.

use bento_recursion::verifier::mmcs::{self, cap_siblings, Digest, Opening};
use bento_recursion::{Builder, Felt};
use bento_stark::config::{val_mmcs, PARAMETERS};
use bento_stark::{PrimeCharacteristicRing, RowMajorMatrix, F};
use p3_commit::Mmcs;
use rand::{Rng, SeedableRng};

fn digest(b: &mut Builder, d: &[F; 8]) -> Digest {
    d.map(|v| b.witness_felt(v))
}

#[test]
fn merkle_openings_of_mixed_heights_verify_as_plonky3s() {
    let mmcs = val_mmcs(&PARAMETERS);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
    // Heights 2^7, 2^7, 2^5 and 2^6; widths not multiples of the sponge's rate.
    let shapes = [(7, 13), (7, 3), (5, 9), (6, 20)];
    let matrices: Vec<RowMajorMatrix<F>> = shapes
        .iter()
        .map(|&(log_h, w)| {
            let values = (0..(w << log_h))
                .map(|_| F::from_u32(rng.random_range(0..0x7800_0000)))
                .collect();
            RowMajorMatrix::new(values, w)
        })
        .collect();
    let log_heights: Vec<usize> = shapes.iter().map(|&(h, _)| h).collect();
    let (cap, data) = mmcs.commit(matrices);
    let cap: Vec<[F; 8]> = cap.roots().to_vec();
    let cap_height = cap.len().trailing_zeros() as usize;

    for trial in 0..6 {
        let index = rng.random_range(0..1usize << 7);
        let opened = mmcs.open_batch(index, &data);
        mmcs.verify_batch(
            &p3_symmetric::MerkleCap::new(cap.clone()),
            &shapes.map(|(h, w)| p3_matrix::Dimensions {
                width: w,
                height: 1 << h,
            }),
            index,
            (&opened).into(),
        )
        .expect("Plonky3 accepts its own opening");
        for edit in 0..4 {
            let mut b = Builder::new();
            let cap_cells: Vec<Digest> = cap.iter().map(|d| digest(&mut b, d)).collect();
            let root = mmcs::cap_root(&mut b, &cap_cells);
            let mut bits: Vec<Felt> = (0..7)
                .map(|i| b.witness_felt(F::from_bool(index >> i & 1 == 1)))
                .collect();
            let mut rows: Vec<Vec<Felt>> = opened
                .opened_values
                .iter()
                .map(|r| mmcs::witness_row(&mut b, r))
                .collect();
            let mut siblings: Vec<Digest> = opened
                .opening_proof
                .iter()
                .map(|d| digest(&mut b, d))
                .collect();
            let cap_siblings: Vec<Digest> = cap_siblings(&cap, index >> (7 - cap_height))
                .iter()
                .map(|d| digest(&mut b, d))
                .collect();
            let bump = |b: &mut Builder, f: Felt| {
                let v = b.felt_value(f);
                b.witness_felt(v + F::ONE)
            };
            match edit {
                1 => rows[2][trial % 9] = bump(&mut b, rows[2][trial % 9]),
                2 => siblings[trial % 3][1] = bump(&mut b, siblings[trial % 3][1]),
                3 => {
                    let v = b.felt_value(bits[trial % 3]);
                    bits[trial % 3] = b.witness_felt(F::ONE - v);
                }
                _ => {}
            }
            mmcs::verify(
                &mut b,
                root,
                &log_heights,
                &bits,
                &Opening {
                    rows,
                    siblings,
                    cap_siblings,
                },
            );
            assert_eq!(
                b.failures().is_empty(),
                edit == 0,
                "trial {trial}, edit {edit}: {:?}",
                b.failures()
            );
        }
    }
}
