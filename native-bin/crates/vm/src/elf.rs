//! Loading guest programs: 32-bit little-endian RISC-V executables.
//!
//! The loader trusts nothing in the file: every size and offset is checked with
//! overflow-free arithmetic, and every problem is an [`ElfError`] naming it.

use elf::abi;
use elf::endian::AnyEndian;
use elf::file::Class;
use elf::ElfBytes;

use crate::layout::{GUEST_END, GUEST_START};

/// Files larger than this are refused before parsing.
pub const MAX_ELF_BYTES: usize = 256 << 20;

const EF_RISCV_RVC: u32 = 0x1;
const EF_RISCV_FLOAT_ABI: u32 = 0x6;
const EF_RISCV_RVE: u32 = 0x8;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ElfError {
    #[error("not an ELF file: {0}")]
    Malformed(String),
    #[error("the file is {0} bytes; the limit is {MAX_ELF_BYTES}")]
    TooLarge(usize),
    #[error("not a 32-bit ELF (found 64-bit): build for rv32im with -march=rv32im -mabi=ilp32")]
    WrongClass,
    #[error("not a little-endian ELF")]
    WrongEndianness,
    #[error("not a RISC-V program (ELF machine {0}, RISC-V is 243)")]
    WrongMachine(u16),
    #[error("not an executable (ELF type {0}; only statically linked ET_EXEC programs run)")]
    WrongType(u16),
    #[error("the program uses compressed instructions (C extension), which this zkVM does not support: build with -march=rv32im")]
    Compressed,
    #[error("the program uses a hardware floating-point or RV32E ABI (e_flags {0:#x}): build with -march=rv32im -mabi=ilp32")]
    UnsupportedAbi(u32),
    #[error("the program is dynamically linked (it has a {0} segment): link it statically")]
    Dynamic(&'static str),
    #[error("the program has no loadable segment")]
    NoSegments,
    #[error("segment {index}: file size {filesz:#x} exceeds memory size {memsz:#x}")]
    FileSizeExceedsMemSize {
        index: usize,
        filesz: u64,
        memsz: u64,
    },
    #[error("segment {index}: its bytes [{offset:#x}, +{filesz:#x}) lie beyond the end of the file ({file_len:#x} bytes)")]
    Truncated {
        index: usize,
        offset: u64,
        filesz: u64,
        file_len: usize,
    },
    #[error("segment {index}: addresses [{vaddr:#x}, +{memsz:#x}) are outside guest memory [{GUEST_START:#x}, {GUEST_END:#x})")]
    OutOfRange {
        index: usize,
        vaddr: u64,
        memsz: u64,
    },
    #[error("segments {first} and {second} overlap")]
    Overlap { first: usize, second: usize },
    #[error("the entry point {0:#x} is not 4-byte aligned")]
    MisalignedEntry(u64),
    #[error("the entry point {0:#x} is not inside an executable segment")]
    EntryOutsideCode(u64),
}

/// One PT_LOAD segment: `data` is its file bytes; the rest up to `mem_size` is zero.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadSegment {
    pub vaddr: u32,
    pub mem_size: u32,
    pub data: Vec<u8>,
    pub executable: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    pub entry: u32,
    pub segments: Vec<LoadSegment>,
}

impl Program {
    /// Parses and validates a guest executable.
    pub fn load(bytes: &[u8]) -> Result<Program, ElfError> {
        if bytes.len() > MAX_ELF_BYTES {
            return Err(ElfError::TooLarge(bytes.len()));
        }
        let file = ElfBytes::<AnyEndian>::minimal_parse(bytes)
            .map_err(|e| ElfError::Malformed(e.to_string()))?;
        let ehdr = &file.ehdr;
        if ehdr.class != Class::ELF32 {
            return Err(ElfError::WrongClass);
        }
        if !matches!(ehdr.endianness, AnyEndian::Little) {
            return Err(ElfError::WrongEndianness);
        }
        if ehdr.e_machine != abi::EM_RISCV {
            return Err(ElfError::WrongMachine(ehdr.e_machine));
        }
        if ehdr.e_type != abi::ET_EXEC {
            return Err(ElfError::WrongType(ehdr.e_type));
        }
        if ehdr.e_flags & EF_RISCV_RVC != 0 {
            return Err(ElfError::Compressed);
        }
        if ehdr.e_flags & (EF_RISCV_FLOAT_ABI | EF_RISCV_RVE) != 0 {
            return Err(ElfError::UnsupportedAbi(ehdr.e_flags));
        }

        let mut segments = Vec::new();
        let table = file.segments().ok_or(ElfError::NoSegments)?;
        for (index, ph) in table.iter().enumerate() {
            match ph.p_type {
                abi::PT_LOAD => {}
                abi::PT_DYNAMIC => return Err(ElfError::Dynamic("PT_DYNAMIC")),
                abi::PT_INTERP => return Err(ElfError::Dynamic("PT_INTERP")),
                _ => continue,
            }
            if ph.p_memsz == 0 {
                continue;
            }
            if ph.p_filesz > ph.p_memsz {
                return Err(ElfError::FileSizeExceedsMemSize {
                    index,
                    filesz: ph.p_filesz,
                    memsz: ph.p_memsz,
                });
            }
            let file_range = ph
                .p_offset
                .checked_add(ph.p_filesz)
                .filter(|&end| end <= bytes.len() as u64)
                .map(|end| ph.p_offset as usize..end as usize)
                .ok_or(ElfError::Truncated {
                    index,
                    offset: ph.p_offset,
                    filesz: ph.p_filesz,
                    file_len: bytes.len(),
                })?;
            let end = ph.p_vaddr.checked_add(ph.p_memsz);
            if ph.p_vaddr < u64::from(GUEST_START)
                || end.is_none_or(|end| end > u64::from(GUEST_END))
            {
                return Err(ElfError::OutOfRange {
                    index,
                    vaddr: ph.p_vaddr,
                    memsz: ph.p_memsz,
                });
            }
            segments.push((
                index,
                LoadSegment {
                    vaddr: ph.p_vaddr as u32,
                    mem_size: ph.p_memsz as u32,
                    data: bytes[file_range].to_vec(),
                    executable: ph.p_flags & abi::PF_X != 0,
                },
            ));
        }
        if segments.is_empty() {
            return Err(ElfError::NoSegments);
        }
        segments.sort_by_key(|(_, s)| s.vaddr);
        for pair in segments.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            if u64::from(a.1.vaddr) + u64::from(a.1.mem_size) > u64::from(b.1.vaddr) {
                return Err(ElfError::Overlap {
                    first: a.0.min(b.0),
                    second: a.0.max(b.0),
                });
            }
        }
        let entry = ehdr.e_entry;
        if entry % 4 != 0 {
            return Err(ElfError::MisalignedEntry(entry));
        }
        let in_code = segments.iter().any(|(_, s)| {
            s.executable
                && entry >= u64::from(s.vaddr)
                && entry < u64::from(s.vaddr) + u64::from(s.mem_size)
        });
        if !in_code {
            return Err(ElfError::EntryOutsideCode(entry));
        }
        Ok(Program {
            entry: entry as u32,
            segments: segments.into_iter().map(|(_, s)| s).collect(),
        })
    }
}
