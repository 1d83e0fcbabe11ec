//! The executor's refusals, named, and — in test builds only — a way to skip
//! them.
//!
//! Every condition under which the executor refuses to go on (a [`Fault`],
//! or a segment limit) must be unprovable: a prover that skips the check must
//! not get a receipt that verifies. The fault-injection tests play that
//! prover: with the `forge` feature, which only the test-only `bento-forge`
//! crate enables (in its own cargo invocation, so no shipped binary has it),
//! [`Relax`] makes the executor carry on past chosen checks with the nearest
//! meaning, and the prover builds and proves the trace of that run. Without
//! the feature `Relax` is empty and every check stands.

use crate::exec::Fault;

/// Whether this build can skip checks (the `forge` feature). Shipped
/// binaries assert it is off at compile time.
pub const FORGING: bool = cfg!(feature = "forge");

/// A check the executor makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum Check {
    /// Instruction fetches inside guest memory (skipped: fetch anyway).
    FetchBounds,
    /// Jump targets 4-byte aligned (skipped: jump there).
    JumpAlignment,
    /// Loads inside guest memory (skipped: load anyway).
    LoadBounds,
    /// Stores inside guest memory (skipped: store anyway).
    StoreBounds,
    /// Loads aligned to their size (skipped: load the unaligned bytes).
    LoadAlignment,
    /// Stores aligned to their size (skipped: store the unaligned bytes).
    StoreAlignment,
    /// Words that decode to no instruction (skipped: run as a no-op).
    IllegalInstruction,
    /// EBREAK (skipped: run as a no-op).
    Ebreak,
    /// Syscall numbers (skipped: an unknown one returns its count, like a write to stdout).
    Syscall,
    /// File descriptors of read and write (skipped: read any fd; write to any as to stdout).
    FileDescriptor,
    /// read and journal-write buffers inside guest memory (skipped: move the bytes anyway).
    Buffer,
    /// The cycle limit, and the cycles a segment holds (skipped: fill the table).
    Cycles,
    /// The pages a segment may touch (skipped: touch any number).
    Pages,
}

impl Check {
    pub const ALL: [Check; 13] = [
        Check::FetchBounds,
        Check::JumpAlignment,
        Check::LoadBounds,
        Check::StoreBounds,
        Check::LoadAlignment,
        Check::StoreAlignment,
        Check::IllegalInstruction,
        Check::Ebreak,
        Check::Syscall,
        Check::FileDescriptor,
        Check::Buffer,
        Check::Cycles,
        Check::Pages,
    ];

    /// The check a fault comes from (every fault comes from one).
    pub fn of(fault: &Fault) -> Check {
        match fault {
            Fault::IllegalInstruction { .. } => Check::IllegalInstruction,
            Fault::Ebreak { .. } => Check::Ebreak,
            Fault::FetchOutOfBounds { .. } => Check::FetchBounds,
            Fault::MisalignedJump { .. } => Check::JumpAlignment,
            Fault::LoadOutOfBounds { .. } => Check::LoadBounds,
            Fault::StoreOutOfBounds { .. } => Check::StoreBounds,
            Fault::MisalignedLoad { .. } => Check::LoadAlignment,
            Fault::MisalignedStore { .. } => Check::StoreAlignment,
            Fault::UnsupportedSyscall { .. } => Check::Syscall,
            Fault::BadFileDescriptor { .. } => Check::FileDescriptor,
            Fault::BadBuffer { .. } => Check::Buffer,
            Fault::CycleLimit { .. } => Check::Cycles,
        }
    }
}

/// The checks the executor skips: always none, unless built with `forge`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Relax {
    #[cfg(feature = "forge")]
    skipped: u32,
}

impl Relax {
    pub const NONE: Relax = Relax {
        #[cfg(feature = "forge")]
        skipped: 0,
    };

    #[inline(always)]
    pub fn skips(self, check: Check) -> bool {
        #[cfg(feature = "forge")]
        {
            self.skipped >> check as u32 & 1 == 1
        }
        #[cfg(not(feature = "forge"))]
        {
            let _ = check;
            false
        }
    }

    /// What this thread's executors skip (replays included, so that the
    /// prover rebuilds the relaxed run).
    pub fn current() -> Relax {
        #[cfg(feature = "forge")]
        {
            CURRENT.with(|c| c.get())
        }
        #[cfg(not(feature = "forge"))]
        {
            Relax::NONE
        }
    }
}

#[cfg(feature = "forge")]
thread_local! {
    static CURRENT: std::cell::Cell<Relax> = const { std::cell::Cell::new(Relax::NONE) };
}

/// Runs `f` with this thread's executors skipping `checks`.
#[cfg(feature = "forge")]
pub fn skipping<R>(checks: &[Check], f: impl FnOnce() -> R) -> R {
    let relax = Relax {
        skipped: checks.iter().fold(0, |acc, &c| acc | 1 << c as u32),
    };
    let before = CURRENT.with(|c| c.replace(relax));
    let result = f();
    CURRENT.with(|c| c.set(before));
    result
}

/// Whether the memory tree has a leaf for memory page `page` (the register
/// page's leaf holds the registers, not the memory at its addresses).
#[cfg(feature = "forge")]
pub fn in_tree(page: u32) -> bool {
    page < 1 << crate::layout::MEMORY_TREE_DEPTH && page != crate::layout::REGISTER_PAGE
}
