//! The integration tests of `recursion`, one test binary (a module per file:
//! linking each file on its own cost CI minutes per file).

mod circuit;
mod common;
mod conformance;
#[path = "../../../vm/tests/vm/support/mod.rs"]
mod guests;
mod join;
mod keys;
mod lift;
mod mmcs;
mod redteam;
mod security;
mod succinct;
mod symbolic;
mod verifier;
mod zero_knowledge;
