//! The integration tests of `cli`, one test binary (a module per file:
//! linking each file on its own cost CI minutes per file).

mod common;
mod execute;
mod prove;
