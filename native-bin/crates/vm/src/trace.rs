//! What the executor reports, step by step, when asked to: the prover rebuilds
//! its trace from these records, so the circuit and the executor share one
//! implementation of RV32IM's semantics.

use crate::decode::Instr;

/// One instruction's effects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub pc: u32,
    /// The instruction word fetched at `pc`.
    pub word: u32,
    /// Decoded; `rd` is the register named by the instruction (0..32).
    pub instr: Instr,
    /// Values of the registers named rs1 and rs2 (for ECALL: a7 and a1).
    pub rs1: u32,
    pub rs2: u32,
    /// The destination register before and after (for ECALL: a0). Writes to x0 leave it 0.
    pub rd_old: u32,
    pub rd_new: u32,
    /// What the instruction computed for rd, even when rd is x0 (0 for
    /// instructions that compute nothing: stores, branches, FENCE).
    pub result: u32,
    /// The memory word a load or store touched.
    pub mem: Option<MemAccess>,
    pub next_pc: u32,
    pub syscall: Option<Syscall>,
}

/// A load or store: the aligned word at `addr`, before and after.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemAccess {
    pub addr: u32,
    pub old: u32,
    pub new: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Syscall {
    pub number: u32,
    /// The count argument (a2).
    pub a2: u32,
    /// Bytes moved by `read` (into memory) or a journal `write` (out of it), one row each.
    pub io: Vec<IoByte>,
}

/// One byte of a `read` or journal `write`: the word holding it, before and after.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IoByte {
    pub addr: u32,
    pub old_word: u32,
    pub new_word: u32,
    pub byte: u8,
}

/// Receives steps from the executor. The executor's fast path uses
/// [`NoTrace`], for which recording compiles away.
pub trait Tracer {
    const ENABLED: bool;
    fn step(&mut self, step: Step);
}

pub struct NoTrace;

impl Tracer for NoTrace {
    const ENABLED: bool = false;
    fn step(&mut self, _: Step) {}
}

/// Collects every step (tests and the trace builder).
#[derive(Default)]
pub struct StepLog {
    pub steps: Vec<Step>,
}

impl Tracer for StepLog {
    const ENABLED: bool = true;
    fn step(&mut self, step: Step) {
        self.steps.push(step);
    }
}
