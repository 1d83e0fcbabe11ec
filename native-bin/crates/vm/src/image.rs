//! A program's initial state: its memory image and the digest that names it,
//! the image ID. Apart from the executor (feature `executor`), so that a
//! verifier can name the program an ELF holds.

use crate::elf::Program;
use crate::hash::{hash_page, state_digest, Digest};
use crate::layout::{page_of, PAGE_WORDS, REGISTER_PAGE};
use crate::memory::Memory;
use crate::merkle::MemoryTree;

/// Guest memory as the program's loadable segments leave it.
pub fn memory(program: &Program) -> Memory {
    let mut memory = Memory::new();
    for seg in &program.segments {
        memory.write_image(seg.vaddr, &seg.data);
    }
    memory
}

/// The hashes of every page the image writes, and of the register page (all
/// registers zero), for the initial memory tree.
pub fn page_hashes(program: &Program, memory: &Memory) -> Vec<(u32, Digest)> {
    let mut pages: Vec<u32> = program
        .segments
        .iter()
        .filter(|s| !s.data.is_empty())
        .flat_map(|s| page_of(s.vaddr)..=page_of(s.vaddr + s.data.len() as u32 - 1))
        .collect();
    pages.sort_unstable();
    pages.dedup();
    let mut hashes: Vec<_> = pages
        .into_iter()
        .map(|p| (p, hash_page(&memory.page_words(p))))
        .collect();
    hashes.push((REGISTER_PAGE, hash_page(&[0; PAGE_WORDS])));
    hashes
}

/// The image ID of a program: the digest of its initial state.
pub fn image_id(program: &Program) -> Digest {
    let mut tree = MemoryTree::new();
    tree.set_pages(page_hashes(program, &memory(program)));
    state_digest(program.entry, tree.root())
}
