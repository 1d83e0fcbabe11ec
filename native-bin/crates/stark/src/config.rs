//! The one proof-system configuration Local Bento proves and verifies under.
//!
//! BabyBear with its degree-4 extension as the challenge field; Poseidon2 over
//! BabyBear for Merkle commitments and for the Fiat–Shamir challenger; FRI
//! with the parameters below (their security is computed in `SECURITY.md` and
//! checked by this crate's tests). Every proof carries [`CONFIG_ID`], and a
//! verifier refuses proofs made under any other configuration.
//!
//! A configuration is *hiding* when its parameters ask for random codewords
//! ([`Parameters::random_codewords`]): Plonky3's zero-knowledge mode, its
//! hiding FRI (traces and quotient randomized, a randomization polynomial)
//! over salted Merkle trees. Its proofs are [`ZkConfig`] proofs; the others
//! are [`Config`] proofs.

use std::sync::OnceLock;

use p3_air::Air;
use p3_baby_bear::{default_babybear_poseidon2_16, BabyBear, Poseidon2BabyBear};
use p3_batch_stark::{BatchProof, CommonData, ProverData, StarkInstance};
use p3_challenger::DuplexChallenger;
use p3_commit::ExtensionMmcs;
use p3_dft::Radix2DitParallel;
use p3_field::coset::TwoAdicMultiplicativeCoset;
use p3_field::extension::BinomialExtensionField;
use p3_field::Field;
use p3_fri::{FriParameters, HidingFriPcs, TwoAdicFriPcs};
use p3_lookup::InteractionSymbolicBuilder;
use p3_merkle_tree::{MerkleTreeHidingMmcs, MerkleTreeMmcs};
use p3_rand::rngs::StdRng;
use p3_rand::SeedableRng;
use p3_symmetric::{MerkleCap, PaddingFreeSponge, TruncatedPermutation};
use p3_uni_stark::{StarkConfig, StarkGenericConfig};

use crate::batch::BatchAir;

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

/// Field elements of salt in every leaf of a hiding Merkle tree (124 bits).
pub const SALT_ELEMS: usize = 4;
pub type HidingValMmcs = MerkleTreeHidingMmcs<
    <F as Field>::Packing,
    <F as Field>::Packing,
    Hash,
    Compress,
    StdRng,
    2,
    8,
    SALT_ELEMS,
>;
pub type HidingChallengeMmcs = ExtensionMmcs<F, EF, HidingValMmcs>;
pub type ZkPcs = HidingFriPcs<F, Dft, HidingValMmcs, HidingChallengeMmcs, StdRng>;
/// The zero-knowledge configuration.
pub type ZkConfig = StarkConfig<ZkPcs, EF, Challenger>;

/// Names this configuration in every proof. Change it whenever anything below changes.
pub const CONFIG_ID: &str = "bento-babybear4-poseidon2-fri/4";

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
    /// Random codewords a hiding configuration adds to every committed
    /// matrix (at least the extension's degree, 4); 0: not hiding.
    pub random_codewords: usize,
}

impl Parameters {
    pub fn is_hiding(&self) -> bool {
        self.random_codewords > 0
    }
}

pub const PARAMETERS: Parameters = Parameters {
    log_blowup: 2,
    num_queries: 40,
    query_pow_bits: 22,
    commit_pow_bits: 4,
    batch_pow_bits: 12,
    lookup_pow_bits: 12,
    ood_pow_bits: 4,
    max_log_arity: 3,
    log_final_poly_len: 3,
    cap_height: 4,
    random_codewords: 0,
};

/// A configuration and the parameters it was built from.
pub struct Setup<SC = Config> {
    pub parameters: Parameters,
    /// The verifier's configuration (a hiding one draws no randomness when verifying).
    pub config: SC,
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
        Setup::of(parameters)
    }
}

impl<SC: ProofConfig> Setup<SC> {
    /// The configuration of these parameters. Hiding parameters need the
    /// hiding configuration and the others the standard one: a proof states
    /// its parameters, and they must say what it is.
    pub fn of(parameters: Parameters) -> Setup<SC> {
        let config = SC::deterministic(&parameters);
        assert_eq!(
            config.is_zk() == 1,
            parameters.is_hiding(),
            "random codewords are what a hiding configuration adds, and only it"
        );
        Setup { parameters, config }
    }

    pub fn is_standard(&self) -> bool {
        self.parameters == PARAMETERS
    }
}

/// What Local Bento needs of a configuration: Plonky3's, over BabyBear and
/// its extension, with Merkle caps of Poseidon2 digests as commitments. The
/// methods are Plonky3's entry points, written once per configuration (they
/// need its concrete types).
pub trait ProofConfig:
    StarkGenericConfig<
        Challenge = EF,
        Pcs: p3_commit::Pcs<
            EF,
            <Self as StarkGenericConfig>::Challenger,
            Domain = TwoAdicMultiplicativeCoset<F>,
            Commitment: Send + Sync,
        >,
    > + Sync
    + 'static
{
    /// The configuration with no randomness of its own: what a verifier
    /// checks with and what commits to preprocessed columns (so that a
    /// circuit's key is the same in every process). A hiding configuration's
    /// salts here are fixed: only public columns are committed with it.
    fn deterministic(parameters: &Parameters) -> Self;

    /// The configuration one proof is made with: a hiding one draws fresh
    /// randomness from the operating system for every proof.
    fn for_proof(parameters: &Parameters) -> Self;

    /// Plonky3's prover data of tables of these heights (see [`crate::batch::prover_data_with`]).
    fn prover_data<A: Air<InteractionSymbolicBuilder<F, EF>>>(
        &self,
        log_blowup: usize,
        airs: &[A],
        degree_bits: &[usize],
    ) -> Result<ProverData<Self>, String>;

    fn prove_batch<A: BatchAir<Self>>(
        &self,
        instances: &[StarkInstance<'_, Self, A>],
        data: &ProverData<Self>,
    ) -> Result<BatchProof<Self>, String>;

    fn verify_batch<A: BatchAir<Self>>(
        &self,
        airs: &[A],
        proof: &BatchProof<Self>,
        public_values: &[Vec<F>],
        common: &CommonData<Self>,
    ) -> Result<(), String>;

    /// A commitment's Merkle cap, and the commitment of a cap.
    fn cap(commitment: &Commitment<Self>) -> Vec<[F; 8]>;
    fn commitment(cap: Vec<[F; 8]>) -> Commitment<Self>;

    fn encode(proof: &BatchProof<Self>, out: Vec<u8>) -> Vec<u8>;

    fn decode(bytes: &[u8]) -> Result<(BatchProof<Self>, &[u8]), postcard::Error>;
}

pub type Commitment<SC> = <<SC as StarkGenericConfig>::Pcs as p3_commit::Pcs<
    <SC as StarkGenericConfig>::Challenge,
    <SC as StarkGenericConfig>::Challenger,
>>::Commitment;

macro_rules! proof_config {
    ($config:ty, deterministic: $det:expr, for_proof: $fresh:expr) => {
        impl ProofConfig for $config {
            fn deterministic(parameters: &Parameters) -> Self {
                $det(parameters)
            }

            fn for_proof(parameters: &Parameters) -> Self {
                $fresh(parameters)
            }

            fn prover_data<A: Air<InteractionSymbolicBuilder<F, EF>>>(
                &self,
                log_blowup: usize,
                airs: &[A],
                degree_bits: &[usize],
            ) -> Result<ProverData<Self>, String> {
                crate::batch::prover_data_with(self, log_blowup, airs, degree_bits)
                    .map_err(|e| format!("{e:?}"))
            }

            fn prove_batch<A: BatchAir<Self>>(
                &self,
                instances: &[StarkInstance<'_, Self, A>],
                data: &ProverData<Self>,
            ) -> Result<BatchProof<Self>, String> {
                p3_batch_stark::prove_batch(self, instances, data).map_err(|e| format!("{e:?}"))
            }

            fn verify_batch<A: BatchAir<Self>>(
                &self,
                airs: &[A],
                proof: &BatchProof<Self>,
                public_values: &[Vec<F>],
                common: &CommonData<Self>,
            ) -> Result<(), String> {
                p3_batch_stark::verify_batch(self, airs, proof, public_values, common)
                    .map_err(|e| format!("{e:?}"))
            }

            fn cap(commitment: &Commitment<Self>) -> Vec<[F; 8]> {
                commitment.roots().to_vec()
            }

            fn commitment(cap: Vec<[F; 8]>) -> Commitment<Self> {
                MerkleCap::new(cap)
            }

            fn encode(proof: &BatchProof<Self>, out: Vec<u8>) -> Vec<u8> {
                postcard::to_extend(proof, out).expect("proofs serialize")
            }

            fn decode(bytes: &[u8]) -> Result<(BatchProof<Self>, &[u8]), postcard::Error> {
                postcard::take_from_bytes(bytes)
            }
        }
    };
}

proof_config!(Config, deterministic: build, for_proof: build);
proof_config!(ZkConfig, deterministic: |p| build_hiding(p, [0; 32]), for_proof: |p| build_hiding(p, fresh_seed()));

/// The Merkle commitment scheme of trace and quotient columns.
pub fn val_mmcs(p: &Parameters) -> ValMmcs {
    let perm = default_babybear_poseidon2_16();
    ValMmcs::new(Hash::new(perm.clone()), Compress::new(perm), p.cap_height)
}

/// FRI's parameters (its folding commitments are over the extension).
pub fn fri_parameters(p: &Parameters) -> FriParameters<ChallengeMmcs> {
    fri_parameters_over(p, ChallengeMmcs::new(val_mmcs(p)))
}

/// FRI's parameters with its folding commitments in `mmcs`.
fn fri_parameters_over<M>(p: &Parameters, mmcs: M) -> FriParameters<M> {
    FriParameters {
        log_blowup: p.log_blowup,
        log_final_poly_len: p.log_final_poly_len,
        max_log_arity: p.max_log_arity,
        num_queries: p.num_queries,
        batch_proof_of_work_bits: p.batch_pow_bits,
        commit_proof_of_work_bits: p.commit_pow_bits,
        query_proof_of_work_bits: p.query_pow_bits,
        mmcs,
    }
}

fn build(p: &Parameters) -> Config {
    config_with(p, Challenger::new(default_babybear_poseidon2_16()))
}

/// The hiding configuration of `p`, its randomness drawn from `seed` (its
/// masks, and the salts of each of its two Merkle schemes, from separate streams).
fn build_hiding(p: &Parameters, seed: [u8; 32]) -> ZkConfig {
    let mut seeds = StdRng::from_seed(seed);
    let perm = default_babybear_poseidon2_16();
    let mmcs = |rng: &mut StdRng| {
        HidingValMmcs::new(
            Hash::new(perm.clone()),
            Compress::new(perm.clone()),
            p.cap_height,
            StdRng::from_rng(rng),
        )
    };
    let fri = fri_parameters_over(p, HidingChallengeMmcs::new(mmcs(&mut seeds)));
    let pcs = ZkPcs::new(
        Dft::default(),
        mmcs(&mut seeds),
        fri,
        p.random_codewords,
        StdRng::from_rng(&mut seeds),
    );
    StarkConfig::new(pcs, Challenger::new(perm))
        .with_lookup_proof_of_work_bits(p.lookup_pow_bits)
        .with_ood_proof_of_work_bits(p.ood_pow_bits)
}

/// 32 bytes from the operating system: the seed of one hiding proof's masks.
#[cfg(not(target_arch = "wasm32"))]
fn fresh_seed() -> [u8; 32] {
    let mut seed = [0; 32];
    getrandom::fill(&mut seed).expect("the operating system's random source");
    seed
}

/// A verifier in WebAssembly never proves; it has no random source to ask.
#[cfg(target_arch = "wasm32")]
fn fresh_seed() -> [u8; 32] {
    unreachable!("hiding proofs are not made in WebAssembly")
}

/// The configuration with another challenger of the same transcript (tests
/// record what the verifier absorbs and draws with one).
pub fn config_with<C: Clone>(p: &Parameters, challenger: C) -> StarkConfig<Pcs, EF, C> {
    let pcs = Pcs::new(Dft::default(), val_mmcs(p), fri_parameters(p));
    StarkConfig::new(pcs, challenger)
        .with_lookup_proof_of_work_bits(p.lookup_pow_bits)
        .with_ood_proof_of_work_bits(p.ood_pow_bits)
}
