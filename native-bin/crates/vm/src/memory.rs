//! Guest memory: one flat, lazily zeroed byte array, with per-segment
//! bookkeeping of the pages a segment touches (and their contents when first
//! touched) and of the pages it writes.

#[cfg(not(feature = "forge"))]
use crate::layout::GUEST_END;
use crate::layout::{page_of, PAGE_BYTES, PAGE_WORDS};

/// The bytes and pages memory holds: guest memory, or with the `forge`
/// feature the whole 32-bit address space (a forging prover's accesses
/// outside guest memory go somewhere; the allocation is mapped lazily).
#[cfg(not(feature = "forge"))]
const MEMORY_BYTES: usize = GUEST_END as usize;
#[cfg(feature = "forge")]
const MEMORY_BYTES: usize = (1 << 32) + 8;
const MEMORY_PAGES: usize = MEMORY_BYTES.div_ceil(PAGE_BYTES as usize);

/// A page index and its words when the segment first touched it.
pub type PageSnapshot = (u32, Box<[u32; PAGE_WORDS]>);

pub struct Memory {
    bytes: Vec<u8>,
    // Pages are touched/dirty in the current segment when their epoch equals it:
    // starting a segment is one increment, not a clear of 2^18 entries.
    epoch: u32,
    touched_epoch: Vec<u32>,
    dirty_epoch: Vec<u32>,
    /// Pages first touched this segment, with their contents at that moment.
    snapshots: Vec<PageSnapshot>,
    dirty: Vec<u32>,
}

impl Default for Memory {
    fn default() -> Self {
        Self::new()
    }
}

impl Memory {
    pub fn new() -> Memory {
        Memory {
            // Zeroed allocations of this size are mapped lazily by the OS.
            bytes: vec![0u8; MEMORY_BYTES],
            epoch: 1,
            touched_epoch: vec![0; MEMORY_PAGES],
            dirty_epoch: vec![0; MEMORY_PAGES],
            snapshots: Vec::new(),
            dirty: Vec::new(),
        }
    }

    /// Writes bytes without any bookkeeping (loading the program image).
    pub fn write_image(&mut self, addr: u32, data: &[u8]) {
        let start = addr as usize;
        self.bytes[start..start + data.len()].copy_from_slice(data);
    }

    pub fn page_words(&self, page: u32) -> [u32; PAGE_WORDS] {
        let base = (page * PAGE_BYTES) as usize;
        std::array::from_fn(|i| {
            let at = base + 4 * i;
            u32::from_le_bytes(self.bytes[at..at + 4].try_into().expect("4 bytes"))
        })
    }

    /// Starts the bookkeeping of a new segment.
    pub fn begin_segment(&mut self) {
        self.epoch += 1;
        self.snapshots.clear();
        self.dirty.clear();
    }

    /// How many pages the segment has touched so far.
    #[inline(always)]
    pub fn touched_pages(&self) -> u32 {
        self.snapshots.len() as u32
    }

    /// The pages touched since `begin_segment` with their contents at first touch, and the pages written.
    pub fn take_segment_pages(&mut self) -> (Vec<PageSnapshot>, Vec<u32>) {
        (
            std::mem::take(&mut self.snapshots),
            std::mem::take(&mut self.dirty),
        )
    }

    #[inline(always)]
    pub fn touch(&mut self, page: u32) {
        if self.touched_epoch[page as usize] != self.epoch {
            self.first_touch(page);
        }
    }

    #[cold]
    fn first_touch(&mut self, page: u32) {
        self.touched_epoch[page as usize] = self.epoch;
        self.snapshots.push((page, Box::new(self.page_words(page))));
    }

    #[inline(always)]
    fn touch_for_write(&mut self, page: u32) {
        self.touch(page);
        if self.dirty_epoch[page as usize] != self.epoch {
            self.dirty_epoch[page as usize] = self.epoch;
            self.dirty.push(page);
        }
    }

    // The accessors below take addresses already checked to be in guest memory
    // and aligned to the access size.

    #[inline(always)]
    pub fn load_u32(&mut self, addr: u32) -> u32 {
        self.touch(page_of(addr));
        self.peek_u32(addr)
    }

    /// Reads without bookkeeping (for the decoder's slow path and tests).
    #[inline(always)]
    pub fn peek_u32(&self, addr: u32) -> u32 {
        let at = addr as usize;
        u32::from_le_bytes(self.bytes[at..at + 4].try_into().expect("4 bytes"))
    }

    #[inline(always)]
    pub fn load_u16(&mut self, addr: u32) -> u16 {
        self.touch(page_of(addr));
        let at = addr as usize;
        u16::from_le_bytes([self.bytes[at], self.bytes[at + 1]])
    }

    #[inline(always)]
    pub fn load_u8(&mut self, addr: u32) -> u8 {
        self.touch(page_of(addr));
        self.bytes[addr as usize]
    }

    #[inline(always)]
    pub fn store_u32(&mut self, addr: u32, value: u32) {
        self.touch_for_write(page_of(addr));
        let at = addr as usize;
        self.bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
    }

    #[inline(always)]
    pub fn store_u16(&mut self, addr: u32, value: u16) {
        self.touch_for_write(page_of(addr));
        let at = addr as usize;
        self.bytes[at..at + 2].copy_from_slice(&value.to_le_bytes());
    }

    #[inline(always)]
    pub fn store_u8(&mut self, addr: u32, value: u8) {
        self.touch_for_write(page_of(addr));
        self.bytes[addr as usize] = value;
    }

    /// A misaligned load as a forging prover runs it (see `relax`): the bytes
    /// wrap around within the aligned word, as a word-addressed trace can show.
    pub fn load_wrapped(&mut self, addr: u32, size: u32) -> u32 {
        self.touch(page_of(addr));
        let word = self.peek_u32(addr & !3).to_le_bytes();
        (0..size).rev().fold(0, |acc, i| {
            acc << 8 | u32::from(word[((addr + i) & 3) as usize])
        })
    }

    /// A misaligned store, wrapped like [`Memory::load_wrapped`].
    pub fn store_wrapped(&mut self, addr: u32, size: u32, value: u32) {
        self.touch_for_write(page_of(addr));
        let at = (addr & !3) as usize;
        for (i, byte) in value
            .to_le_bytes()
            .into_iter()
            .take(size as usize)
            .enumerate()
        {
            self.bytes[at + ((addr as usize + i) & 3)] = byte;
        }
    }

    // The byte-range accessors take a range inside guest memory, or an empty
    // one anywhere (a zero-length read or write may name any address).

    /// Copies guest bytes out.
    pub fn read_bytes(&mut self, addr: u32, len: u32) -> Vec<u8> {
        self.touch_range(addr, len, false);
        self.peek_bytes(addr, len).to_vec()
    }

    /// Reads guest bytes without marking pages touched (output the proof does not cover).
    pub fn peek_bytes(&self, addr: u32, len: u32) -> &[u8] {
        if len == 0 {
            return &[];
        }
        &self.bytes[addr as usize..(addr + len) as usize]
    }

    pub fn write_bytes(&mut self, addr: u32, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        self.touch_range(addr, data.len() as u32, true);
        self.bytes[addr as usize..addr as usize + data.len()].copy_from_slice(data);
    }

    fn touch_range(&mut self, addr: u32, len: u32, write: bool) {
        if len == 0 {
            return;
        }
        for page in page_of(addr)..=page_of(addr + len - 1) {
            if write {
                self.touch_for_write(page);
            } else {
                self.touch(page);
            }
        }
    }
}
