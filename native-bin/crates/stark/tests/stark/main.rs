//! The integration tests of `stark`, one test binary (a module per file:
//! linking each file on its own cost CI minutes per file).

mod common;
mod soundness;
mod toys;
mod zk_attack;
