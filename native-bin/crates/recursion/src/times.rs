//! How long the steps of a recursion proof took (for progress reports and benchmarks).

use std::time::Instant;

/// Building the program's witness (running it), then proving it.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProveTimes {
    pub build_ms: f64,
    pub prove_ms: f64,
}

/// Milliseconds since `start`.
pub fn ms(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1000.0
}
