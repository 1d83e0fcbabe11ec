//! The integration tests of `vm`, one test binary (a module per file:
//! linking each file on its own cost CI minutes per file).

mod elf_fuzz;
mod instructions;
mod qemu;
mod segments;
mod support;
mod trace;
