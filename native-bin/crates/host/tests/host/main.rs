//! The integration tests of `host`, one test binary (a module per file:
//! linking each file on its own cost CI minutes per file).

mod common;
mod daemon;
mod examples;
mod faults;
