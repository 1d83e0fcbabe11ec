//! The buses tables talk on, and what their messages hold.

use bento_stark::{LookupBus, PermutationCheckBus};

/// Offline memory checking. Messages are `(address, byte0..byte3, timestamp)`;
/// every access receives the previous `(address, value, timestamp)` and sends
/// the new one. Registers live at `REG_BASE + i`, guest words at `byte address / 4`.
pub const MEMORY: PermutationCheckBus<'static> = PermutationCheckBus::new("memory");

/// The CPU looks up each fetched `(pc, word)` and its decoding in the program table.
pub const PROGRAM: LookupBus<'static> = LookupBus::new("program");

/// The CPU looks up `(op, a[4], b[4], result[4])` in the ALU chips.
pub const ALU: LookupBus<'static> = LookupBus::new("alu");

/// 16-bit range checks: `(value)`.
pub const RANGE16: LookupBus<'static> = LookupBus::new("range16");

/// Two bytes at once: `(x, y)`.
pub const BYTE_PAIR: LookupBus<'static> = LookupBus::new("byte-pair");

/// Bitwise AND of two bytes: `(x, y, x & y)`.
pub const AND: LookupBus<'static> = LookupBus::new("and");

/// Journal bytes of the segment: `(position, byte)`; the paging table's
/// journal rows provide each position below the journal's length once.
pub const JOURNAL: LookupBus<'static> = LookupBus::new("journal");

/// The journal's digest and length: `(digest[8], length)`, sent by the last
/// journal row and received once against the public values.
pub const JOURNAL_DIGEST: PermutationCheckBus<'static> = PermutationCheckBus::new("journal-digest");

/// Each boundary word to the page hashes: `(tree, page, is_register_page,
/// word, low half, high half)`; tree 0 hashes the words before the segment,
/// tree 1 after it.
pub const PAGE_WORD: PermutationCheckBus<'static> = PermutationCheckBus::new("page-word");

/// Nodes of the memory trees: `(tree, level, index, digest[8])`, sent by the
/// row that computes a node and received by the row of its parent (the roots
/// against the public values).
pub const NODE: PermutationCheckBus<'static> = PermutationCheckBus::new("node");

/// Siblings off the paths: `(level, index, digest[8])`, sent where the tree
/// before the segment uses one and received where the tree after it does, so
/// that both trees agree on all memory the segment did not touch.
pub const SIBLING: PermutationCheckBus<'static> = PermutationCheckBus::new("sibling");

/// Word address of register x0; register i is at `REG_BASE + i`. Far from
/// every address a guest access can compute (all below 2^30 + 2^10), so no
/// load, store, jump or syscall buffer can alias a register.
pub const REG_BASE: u32 = 0x6000_0000;

/// Chip operations, as they appear in ALU bus messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum AluOp {
    Eq = 1,
    Ne,
    Lt,
    Ge,
    Ltu,
    Geu,
    And,
    Or,
    Xor,
    Sll,
    Srl,
    Sra,
    Mul,
    Mulh,
    Mulhsu,
    Mulhu,
    Div,
    Divu,
    Rem,
    Remu,
}

impl AluOp {
    pub const fn id(self) -> u32 {
        self as u32
    }
}
