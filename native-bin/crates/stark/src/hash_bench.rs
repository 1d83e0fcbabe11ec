//! Merkle commitment cost with Poseidon2 (the configuration's hash) against
//! Keccak-f (a byte hash), on the same matrix: the figures behind the choice
//! recorded in SECURITY.md.

use std::time::Instant;

use p3_baby_bear::default_babybear_poseidon2_16;
use p3_commit::Mmcs;
use p3_field::PrimeCharacteristicRing;
use p3_keccak::{KeccakF, VECTOR_LEN};
use p3_matrix::dense::RowMajorMatrix;
use p3_merkle_tree::MerkleTreeMmcs;
use p3_symmetric::{CompressionFunctionFromHasher, PaddingFreeSponge, SerializingHasher};
use serde::Serialize;

use crate::config::{Compress, Hash, ValMmcs, F};

type KeccakSponge = PaddingFreeSponge<KeccakF, 25, 17, 4>;
type KeccakMmcs = MerkleTreeMmcs<
    [F; VECTOR_LEN],
    [u64; VECTOR_LEN],
    SerializingHasher<KeccakSponge>,
    CompressionFunctionFromHasher<KeccakSponge, 2, 4>,
    2,
    4,
>;

#[derive(Debug, Serialize)]
pub struct HashFigures {
    pub rows: usize,
    pub cols: usize,
    pub poseidon2_ms: f64,
    pub keccak_ms: f64,
    pub poseidon2_mib_per_s: f64,
    pub keccak_mib_per_s: f64,
}

pub fn measure(log_rows: usize, cols: usize) -> HashFigures {
    let rows = 1usize << log_rows;
    let values: Vec<F> = (0..rows * cols)
        .map(|i| F::from_u32((i as u32).wrapping_mul(0x9e37_79b9) % 0x7800_0001))
        .collect();
    let matrix = RowMajorMatrix::new(values, cols);
    let perm = default_babybear_poseidon2_16();
    let poseidon = ValMmcs::new(Hash::new(perm.clone()), Compress::new(perm), 0);
    let sponge = KeccakSponge::new(KeccakF);
    let keccak = KeccakMmcs::new(
        SerializingHasher::new(sponge),
        CompressionFunctionFromHasher::new(sponge),
        0,
    );
    let time = |f: &dyn Fn()| {
        let t = Instant::now();
        f();
        t.elapsed().as_secs_f64() * 1e3
    };
    let poseidon2_ms = time(&|| drop(poseidon.commit_matrix(matrix.clone())));
    let keccak_ms = time(&|| drop(keccak.commit_matrix(matrix.clone())));
    let mib = (rows * cols * 4) as f64 / (1 << 20) as f64;
    HashFigures {
        rows,
        cols,
        poseidon2_ms,
        keccak_ms,
        poseidon2_mib_per_s: mib / poseidon2_ms * 1e3,
        keccak_mib_per_s: mib / keccak_ms * 1e3,
    }
}
