//! The integration tests of `circuit`, one test binary (a module per file:
//! linking each file on its own cost CI minutes per file).

mod common;
mod conformance;
mod edges;
mod faults;
mod first;
#[path = "../../../vm/tests/vm/support/mod.rs"]
mod guests;
mod memory_heavy;
mod redteam;
mod security;
