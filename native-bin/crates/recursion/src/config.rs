//! The configuration the succinct receipt's proof is made under: the
//! standard one's hash, field and grinding, with a lower code rate (2^-3) and
//! so fewer FRI queries (28) for the same conjectured security. Its proof is
//! about a third smaller; the prover pays a low-degree extension twice as
//! large, once per receipt (lifts and joins stay under the standard one).

use std::sync::OnceLock;

use bento_stark::config::Parameters;
use bento_stark::{Setup, PARAMETERS};

pub const SUCCINCT_PARAMETERS: Parameters = Parameters {
    log_blowup: 3,
    num_queries: 28,
    ..PARAMETERS
};

/// How receipts name it.
pub const SUCCINCT_CONFIG: &str = "bento-babybear4-poseidon2-fri/3, rate 1/8, 28 queries";

/// The succinct configuration (built once).
pub fn succinct_setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| Setup::with(SUCCINCT_PARAMETERS))
}
