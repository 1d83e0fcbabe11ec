//! The one proof-system configuration Local Bento proves and verifies under.
//!
//! BabyBear with its degree-4 extension as the challenge field; Poseidon2 over
//! BabyBear for Merkle commitments and for the Fiat–Shamir challenger; FRI
//! with the parameters below (their security is computed in `SECURITY.md` and
//! checked by this crate's tests). Every proof carries [`CONFIG_ID`], and a
//! verifier refuses proofs made under any other configuration.

use std::sync::OnceLock;

use p3_baby_bear::{default_babybear_poseidon2_16, BabyBear, Poseidon2BabyBear};
use p3_challenger::DuplexChallenger;
use p3_commit::ExtensionMmcs;
use p3_dft::Radix2DitParallel;
use p3_field::extension::BinomialExtensionField;
use p3_field::Field;
use p3_fri::{FriParameters, TwoAdicFriPcs};
use p3_merkle_tree::MerkleTreeMmcs;
use p3_symmetric::{PaddingFreeSponge, TruncatedPermutation};
use p3_uni_stark::StarkConfig;

pub type F = BabyBear;
pub type EF = BinomialExtensionField<F, 4>;
pub type Perm = Poseidon2BabyBear<16>;
pub type Hash = PaddingFreeSponge<Perm, 16, 8, 8>;
pub type Compress = TruncatedPermutation<Perm, 2, 8, 16>;
pub type ValMmcs =
    MerkleTreeMmcs<<F as Field>::Packing, <F as Field>::Packing, Hash, Compress, 2, 8>;
pub type ChallengeMmcs = ExtensionMmcs<F, EF, ValMmcs>;
pub type Challenger = DuplexChallenger<F, Perm, 16, 8>;
pub type Dft = Radix2DitParallel<F>;
pub type Pcs = TwoAdicFriPcs<F, Dft, ValMmcs, ChallengeMmcs>;
pub type Config = StarkConfig<Pcs, EF, Challenger>;

/// Names this configuration in every proof. Change it whenever anything below changes.
pub const CONFIG_ID: &str = "bento-babybear4-poseidon2-fri/3";

/// The FRI and grinding parameters of [`CONFIG_ID`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Parameters {
    /// The code rate is 2^-log_blowup.
    pub log_blowup: usize,
    pub num_queries: usize,
    /// Grinding before the queries are sampled.
    pub query_pow_bits: usize,
    /// Grinding before each FRI folding challenge.
    pub commit_pow_bits: usize,
    /// Grinding before the challenge that batches all openings.
    pub batch_pow_bits: usize,
    /// Grinding before the LogUp challenges.
    pub lookup_pow_bits: usize,
    /// Grinding before the DEEP out-of-domain point.
    pub ood_pow_bits: usize,
    /// FRI folds by up to 2^max_log_arity per round.
    pub max_log_arity: usize,
    pub log_final_poly_len: usize,
    /// Merkle trees send the 2^cap_height nodes this far below the root instead of the root.
    pub cap_height: usize,
}

pub const PARAMETERS: Parameters = Parameters {
    log_blowup: 2,
    num_queries: 42,
    query_pow_bits: 18,
    commit_pow_bits: 4,
    batch_pow_bits: 12,
    lookup_pow_bits: 12,
    ood_pow_bits: 4,
    max_log_arity: 3,
    log_final_poly_len: 3,
    cap_height: 4,
};

/// A configuration and the parameters it was built from.
pub struct Setup {
    pub parameters: Parameters,
    pub config: Config,
}

impl Setup {
    /// The configuration named [`CONFIG_ID`] (built once).
    pub fn standard() -> &'static Setup {
        static SETUP: OnceLock<Setup> = OnceLock::new();
        SETUP.get_or_init(|| Setup::with(PARAMETERS))
    }

    /// Another configuration, for benchmarks and tests: its proofs carry its
    /// parameters, and the standard verifier refuses them.
    pub fn with(parameters: Parameters) -> Setup {
        Setup {
            parameters,
            config: build(&parameters),
        }
    }

    pub fn is_standard(&self) -> bool {
        self.parameters == PARAMETERS
    }
}

/// The Merkle commitment scheme of trace and quotient columns.
pub fn val_mmcs(p: &Parameters) -> ValMmcs {
    let perm = default_babybear_poseidon2_16();
    ValMmcs::new(Hash::new(perm.clone()), Compress::new(perm), p.cap_height)
}

/// FRI's parameters (its folding commitments are over the extension).
pub fn fri_parameters(p: &Parameters) -> FriParameters<ChallengeMmcs> {
    FriParameters {
        log_blowup: p.log_blowup,
        log_final_poly_len: p.log_final_poly_len,
        max_log_arity: p.max_log_arity,
        num_queries: p.num_queries,
        batch_proof_of_work_bits: p.batch_pow_bits,
        commit_proof_of_work_bits: p.commit_pow_bits,
        query_proof_of_work_bits: p.query_pow_bits,
        mmcs: ChallengeMmcs::new(val_mmcs(p)),
    }
}

fn build(p: &Parameters) -> Config {
    config_with(p, Challenger::new(default_babybear_poseidon2_16()))
}

/// The configuration with another challenger of the same transcript (tests
/// record what the verifier absorbs and draws with one).
pub fn config_with<C: Clone>(p: &Parameters, challenger: C) -> StarkConfig<Pcs, EF, C> {
    let pcs = Pcs::new(Dft::default(), val_mmcs(p), fri_parameters(p));
    StarkConfig::new(pcs, challenger)
        .with_lookup_proof_of_work_bits(p.lookup_pow_bits)
        .with_ood_proof_of_work_bits(p.ood_pow_bits)
}
