//! The configuration the succinct receipt's proof is made under: the
//! standard one's hash and field, with a lower code rate (2^-4) and more
//! grinding before the queries (22 bits), so fewer FRI queries (20) for the
//! same conjectured security, a final polynomial of 32 coefficients (one FRI
//! round fewer per query), and hiding (zero knowledge: four random codewords,
//! salted Merkle leaves), so that the receipt shows nothing of the proofs it
//! restates. Its proof is about a fifth smaller than a join's (188 KB against
//! 240); the prover pays a low-degree extension eight times as large and
//! about 2^22 hashes of grinding, once per receipt (lifts and joins stay
//! under the standard configuration: they are never handed out).

use std::sync::OnceLock;

use bento_stark::config::Parameters;
use bento_stark::{Setup, ZkConfig, PARAMETERS};

pub const SUCCINCT_PARAMETERS: Parameters = Parameters {
    log_blowup: 4,
    num_queries: 20,
    query_pow_bits: 22,
    log_final_poly_len: 5,
    random_codewords: 4,
    ..PARAMETERS
};

/// How receipts name it.
pub const SUCCINCT_CONFIG: &str =
    "bento-babybear4-poseidon2-fri/4, rate 1/16, 20 queries, 22-bit query grinding, final polynomial 2^5, zero-knowledge";

/// The succinct configuration (built once; it verifies, and each proof
/// draws its own randomness).
pub fn succinct_setup() -> &'static Setup<ZkConfig> {
    static SETUP: OnceLock<Setup<ZkConfig>> = OnceLock::new();
    SETUP.get_or_init(|| Setup::of(SUCCINCT_PARAMETERS))
}
