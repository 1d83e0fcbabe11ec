//! The integration tests of `forge`, one test binary (a module per file:
//! linking each file on its own cost CI minutes per file).

mod audit;
#[path = "../../../vm/tests/vm/support/mod.rs"]
mod guests;
mod refusals;
