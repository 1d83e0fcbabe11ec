//! The guest's address space and how it is cut into pages.
//!
//! Guest memory is `[GUEST_START, GUEST_END)`: everything below 0x1000_0000
//! except the first page, which stays unmapped so that null-pointer accesses
//! fault. Word addresses (byte address / 4) then stay below 2^26, far inside
//! the BabyBear field the prover works in.
//!
//! Memory is hashed in pages of 1 KiB. Page indices `0..2^18` cover guest
//! memory; page `REGISTER_PAGE` (= 2^18), just above it, holds the register
//! file, so that a state digest (pc, memory root) covers the registers too.

/// First valid guest byte address (page 0 is unmapped).
pub const GUEST_START: u32 = PAGE_BYTES;
/// One past the last valid guest byte address.
pub const GUEST_END: u32 = 0x1000_0000;

pub const PAGE_BYTES: u32 = 1024;
pub const PAGE_WORDS: usize = (PAGE_BYTES / 4) as usize;
pub const LOG_PAGE_BYTES: u32 = 10;

/// Pages in guest memory (including the unmapped page 0).
pub const GUEST_PAGES: u32 = GUEST_END / PAGE_BYTES;
/// The page holding the 32 registers (words 0..32) and nothing else.
pub const REGISTER_PAGE: u32 = GUEST_PAGES;
/// Word address of register x0; register i is at `REGISTER_BASE_WORD + i`.
pub const REGISTER_BASE_WORD: u32 = REGISTER_PAGE * PAGE_WORDS as u32;
/// Depth of the memory Merkle tree: 2^19 leaves cover guest pages and the register page.
pub const MEMORY_TREE_DEPTH: usize = 19;

/// Whether a byte address lies in guest memory.
#[inline(always)]
pub const fn in_guest(addr: u32) -> bool {
    addr.wrapping_sub(GUEST_START) < GUEST_END - GUEST_START
}

/// Whether a page index may appear in a memory image or receipt.
pub const fn is_valid_page(page: u32) -> bool {
    (page >= GUEST_START / PAGE_BYTES && page < GUEST_PAGES) || page == REGISTER_PAGE
}

#[inline(always)]
pub const fn page_of(addr: u32) -> u32 {
    addr >> LOG_PAGE_BYTES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        assert!(!in_guest(0));
        assert!(!in_guest(GUEST_START - 1));
        assert!(in_guest(GUEST_START));
        assert!(in_guest(GUEST_END - 1));
        assert!(!in_guest(GUEST_END));
        assert!(!in_guest(u32::MAX));
        assert!(is_valid_page(REGISTER_PAGE));
        assert!(!is_valid_page(0));
        assert!(!is_valid_page(REGISTER_PAGE + 1));
        assert_eq!(1u32 << MEMORY_TREE_DEPTH, 2 * GUEST_PAGES);
    }
}
