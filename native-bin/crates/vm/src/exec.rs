//! The RV32IM executor.
//!
//! One decode/dispatch loop over pre-decoded code runs the guest and cuts its
//! execution into segments. A cycle is one row of the prover's CPU table: one
//! per instruction, plus one per byte a `read` (fd 0) or journal `write` (fd 3)
//! transfers. `read` and journal `write` move at most [`IO_CHUNK_BYTES`](crate::abi::IO_CHUNK_BYTES) per
//! call (short transfers, as on a pipe), so a call always fits in one segment
//! and what a guest sees never depends on the segment size.
//!
//! Misaligned loads and stores fault, as do jumps to addresses that are not
//! 4-byte aligned (there is no C extension). A `write` to stdout or stderr
//! from a buffer outside guest memory writes nothing and returns the count:
//! that output is not proven, so its buffer is not checked either.

use crate::abi::*;
use crate::decode::{decode, Instr, Op};
use crate::elf::Program;
use crate::hash::{hash_page, state_digest, Digest};
use crate::image;
use crate::layout::{in_guest, page_of, GUEST_END, PAGE_WORDS, REGISTER_PAGE};
use crate::memory::Memory;
use crate::merkle::MemoryTree;
use crate::relax::{Check, Relax};
use crate::segment::{
    page_capacity, segment_capacity, Page, Segment, MAX_PO2, MAX_STEP_PAGES, MIN_PO2,
};
use crate::trace::{IoByte, MemAccess, NoTrace, Step, Syscall, Tracer};

pub const REG_A0: usize = 10;
pub const REG_A1: usize = 11;
pub const REG_A2: usize = 12;
pub const REG_A7: usize = 17;

/// Why a guest stopped without exiting. Every variant names the pc.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Fault {
    #[error("illegal instruction {word:#010x} at pc {pc:#010x}")]
    IllegalInstruction { pc: u32, word: u32 },
    #[error("ebreak at pc {pc:#010x}")]
    Ebreak { pc: u32 },
    #[error("instruction fetch from {pc:#010x}, outside guest memory")]
    FetchOutOfBounds { pc: u32 },
    #[error("jump to misaligned address {target:#010x} at pc {pc:#010x}")]
    MisalignedJump { pc: u32, target: u32 },
    #[error("load from {addr:#010x}, outside guest memory, at pc {pc:#010x}")]
    LoadOutOfBounds { pc: u32, addr: u32 },
    #[error("store to {addr:#010x}, outside guest memory, at pc {pc:#010x}")]
    StoreOutOfBounds { pc: u32, addr: u32 },
    #[error("misaligned {size}-byte load from {addr:#010x} at pc {pc:#010x}")]
    MisalignedLoad { pc: u32, addr: u32, size: u32 },
    #[error("misaligned {size}-byte store to {addr:#010x} at pc {pc:#010x}")]
    MisalignedStore { pc: u32, addr: u32, size: u32 },
    #[error("unsupported syscall {number} (a7) at pc {pc:#010x}; supported: read (63), write (64), exit (93), exit_group (94)")]
    UnsupportedSyscall { pc: u32, number: u32 },
    #[error("{syscall} on file descriptor {fd} at pc {pc:#010x}: read uses fd 0, write uses fds 1, 2 and 3")]
    BadFileDescriptor {
        pc: u32,
        syscall: &'static str,
        fd: u32,
    },
    #[error(
        "{syscall} buffer [{addr:#010x}, +{len:#x}) is outside guest memory, at pc {pc:#010x}"
    )]
    BadBuffer {
        pc: u32,
        syscall: &'static str,
        addr: u32,
        len: u32,
    },
    #[error("cycle limit of {limit} cycles reached at pc {pc:#010x}")]
    CycleLimit { pc: u32, limit: u64 },
}

/// Where the guest's stdout and stderr go (they are not part of the proof).
pub trait GuestOutput {
    fn write(&mut self, fd: u32, bytes: &[u8]);
}

/// Keeps guest output in memory.
#[derive(Default, Debug)]
pub struct CapturedOutput {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl GuestOutput for CapturedOutput {
    fn write(&mut self, fd: u32, bytes: &[u8]) {
        if fd == FD_STDOUT {
            &mut self.stdout
        } else {
            &mut self.stderr
        }
        .extend_from_slice(bytes);
    }
}

#[derive(Clone, Copy, Debug)]
pub struct ExecOptions {
    pub po2: u32,
    /// Total cycles the guest may use; None for no limit.
    pub cycle_limit: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Execution {
    pub exit_code: u32,
    pub total_cycles: u64,
    pub segments: u32,
    pub journal: Vec<u8>,
    pub image_id: Digest,
}

#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("guest fault: {0}")]
    Fault(#[from] Fault),
    #[error("po2 {0} is out of range ({MIN_PO2}..={MAX_PO2})")]
    BadPo2(u32),
    #[error("{0}")]
    Segment(String),
}

/// How a run of rows ended.
enum Stop {
    Exit(u32),
    /// The next step does not fit in the rows left.
    Full,
    /// The next step might touch more pages than the segment may hold.
    PagesFull,
}

/// A machine state being executed: registers, pc, memory, input and journal.
pub struct Machine {
    // regs[32] is a sink for writes to x0, so the loop needs no test for rd == 0.
    regs: [u32; 33],
    pc: u32,
    mem: Memory,
    code_start: u32,
    code: Vec<Instr>,
    input: Vec<u8>,
    input_pos: usize,
    /// Whether a `read` has returned fewer bytes than it asked for: the input
    /// has ended, and every later `read` returns nothing.
    input_ended: bool,
    journal: Vec<u8>,
    last_fetch_page: u32,
    rows: u32,
    relax: Relax,
}

#[inline(always)]
fn sink(rd: u8) -> u8 {
    if rd == 0 {
        32
    } else {
        rd
    }
}

impl Machine {
    /// A machine at a program's entry, its code pre-decoded.
    pub fn for_program(program: &Program, input: Vec<u8>) -> Machine {
        let mut m = Machine::blank(program.entry, input);
        m.mem = image::memory(program);
        let code: Vec<_> = program.segments.iter().filter(|s| s.executable).collect();
        if let (Some(first), Some(last)) = (code.first(), code.last()) {
            let start = first.vaddr & !3;
            let end = (last.vaddr + last.mem_size + 3) & !3;
            m.code_start = start;
            m.code = (start..end).step_by(4).map(|a| m.decode_at(a)).collect();
        }
        m
    }

    fn blank(pc: u32, input: Vec<u8>) -> Machine {
        Machine {
            regs: [0; 33],
            pc,
            mem: Memory::new(),
            code_start: 0,
            code: Vec::new(),
            input,
            input_pos: 0,
            input_ended: false,
            journal: Vec::new(),
            last_fetch_page: u32::MAX,
            rows: 0,
            relax: Relax::current(),
        }
    }

    pub fn pc(&self) -> u32 {
        self.pc
    }

    pub fn regs(&self) -> [u32; 32] {
        std::array::from_fn(|i| self.regs[i])
    }

    pub fn journal(&self) -> &[u8] {
        &self.journal
    }

    fn register_page(&self) -> [u32; PAGE_WORDS] {
        let mut page = [0u32; PAGE_WORDS];
        page[..32].copy_from_slice(&self.regs[..32]);
        page
    }

    fn decode_at(&self, addr: u32) -> Instr {
        let mut ins = decode(self.mem.peek_u32(addr));
        ins.rd = sink(ins.rd);
        ins
    }

    /// Stops on `fault`, unless its check is relaxed (see `relax`).
    #[cold]
    fn refuse(&self, fault: Fault) -> Result<(), Fault> {
        if self.relax.skips(Check::of(&fault)) {
            Ok(())
        } else {
            Err(fault)
        }
    }

    #[cold]
    fn fetch_slow(&self, pc: u32) -> Result<Instr, Fault> {
        if !in_guest(pc) || GUEST_END - pc < 4 {
            self.refuse(Fault::FetchOutOfBounds { pc })?;
        }
        Ok(self.decode_at(pc))
    }

    #[inline(always)]
    fn jump_target(&self, pc: u32, target: u32) -> Result<u32, Fault> {
        if target & 3 != 0 {
            self.refuse(Fault::MisalignedJump { pc, target })?;
            // Relaxed: the nearest target a word-addressed trace can name.
            return Ok(target & !3);
        }
        Ok(target)
    }

    /// Runs until `stop` rows are used (or the next step would pass it), the
    /// segment has touched more than `page_budget` pages, or the guest exits.
    fn run_rows<T: Tracer>(
        &mut self,
        stop: u32,
        page_budget: u32,
        out: &mut dyn GuestOutput,
        tracer: &mut T,
    ) -> Result<Stop, Fault> {
        let code_len = self.code.len() as u32;
        loop {
            if self.rows >= stop {
                return Ok(Stop::Full);
            }
            if self.mem.touched_pages() > page_budget {
                return Ok(Stop::PagesFull);
            }
            let pc = self.pc;
            let index = pc.wrapping_sub(self.code_start) >> 2;
            let ins = if index < code_len {
                self.code[index as usize]
            } else {
                self.fetch_slow(pc)?
            };
            let page = page_of(pc);
            if page != self.last_fetch_page {
                self.mem.touch(page);
                self.last_fetch_page = page;
            }
            let r = &mut self.regs;
            let a = r[ins.rs1 as usize];
            let b = r[ins.rs2 as usize];
            let rd = ins.rd as usize;
            let rd_old = r[rd];
            if T::ENABLED {
                // The x0 sink starts each traced step empty, so it shows what was computed.
                r[32] = 0;
            }
            let mut next = pc.wrapping_add(4);
            let mut mem_access = None;
            match ins.op {
                Op::Lui => r[rd] = ins.imm,
                Op::Auipc => r[rd] = pc.wrapping_add(ins.imm),
                Op::Jal => {
                    next = self.jump_target(pc, pc.wrapping_add(ins.imm))?;
                    self.regs[rd] = pc.wrapping_add(4);
                }
                Op::Jalr => {
                    next = self.jump_target(pc, a.wrapping_add(ins.imm) & !1)?;
                    self.regs[rd] = pc.wrapping_add(4);
                }
                Op::Beq | Op::Bne | Op::Blt | Op::Bge | Op::Bltu | Op::Bgeu => {
                    let taken = match ins.op {
                        Op::Beq => a == b,
                        Op::Bne => a != b,
                        Op::Blt => (a as i32) < (b as i32),
                        Op::Bge => (a as i32) >= (b as i32),
                        Op::Bltu => a < b,
                        _ => a >= b,
                    };
                    if taken {
                        next = self.jump_target(pc, pc.wrapping_add(ins.imm))?;
                    }
                }
                Op::Lb | Op::Lh | Op::Lw | Op::Lbu | Op::Lhu => {
                    let addr = a.wrapping_add(ins.imm);
                    let size = match ins.op {
                        Op::Lb | Op::Lbu => 1,
                        Op::Lh | Op::Lhu => 2,
                        _ => 4,
                    };
                    if !in_guest(addr) {
                        self.refuse(Fault::LoadOutOfBounds { pc, addr })?;
                    }
                    let value = if addr & (size - 1) != 0 {
                        self.refuse(Fault::MisalignedLoad { pc, addr, size })?;
                        extend_loaded(ins.op, self.mem.load_wrapped(addr, size))
                    } else {
                        match ins.op {
                            Op::Lb => self.mem.load_u8(addr) as i8 as u32,
                            Op::Lbu => u32::from(self.mem.load_u8(addr)),
                            Op::Lh => self.mem.load_u16(addr) as i16 as u32,
                            Op::Lhu => u32::from(self.mem.load_u16(addr)),
                            _ => self.mem.load_u32(addr),
                        }
                    };
                    self.regs[rd] = value;
                    if T::ENABLED {
                        let word = self.mem.peek_u32(addr & !3);
                        mem_access = Some(MemAccess {
                            addr: addr & !3,
                            old: word,
                            new: word,
                        });
                    }
                }
                Op::Sb | Op::Sh | Op::Sw => {
                    let addr = a.wrapping_add(ins.imm);
                    let size = match ins.op {
                        Op::Sb => 1,
                        Op::Sh => 2,
                        _ => 4,
                    };
                    if !in_guest(addr) {
                        self.refuse(Fault::StoreOutOfBounds { pc, addr })?;
                    }
                    let old = if T::ENABLED {
                        self.mem.peek_u32(addr & !3)
                    } else {
                        0
                    };
                    if addr & (size - 1) != 0 {
                        self.refuse(Fault::MisalignedStore { pc, addr, size })?;
                        self.mem.store_wrapped(addr, size, b);
                    } else {
                        match ins.op {
                            Op::Sb => self.mem.store_u8(addr, b as u8),
                            Op::Sh => self.mem.store_u16(addr, b as u16),
                            _ => self.mem.store_u32(addr, b),
                        }
                    }
                    if T::ENABLED {
                        mem_access = Some(MemAccess {
                            addr: addr & !3,
                            old,
                            new: self.mem.peek_u32(addr & !3),
                        });
                    }
                    // Code that rewrites itself is decoded again.
                    let word = addr.wrapping_sub(self.code_start) >> 2;
                    if word < code_len {
                        self.code[word as usize] = self.decode_at(addr & !3);
                    }
                }
                Op::Addi => r[rd] = a.wrapping_add(ins.imm),
                Op::Slti => r[rd] = u32::from((a as i32) < (ins.imm as i32)),
                Op::Sltiu => r[rd] = u32::from(a < ins.imm),
                Op::Xori => r[rd] = a ^ ins.imm,
                Op::Ori => r[rd] = a | ins.imm,
                Op::Andi => r[rd] = a & ins.imm,
                Op::Slli => r[rd] = a << (ins.imm & 31),
                Op::Srli => r[rd] = a >> (ins.imm & 31),
                Op::Srai => r[rd] = ((a as i32) >> (ins.imm & 31)) as u32,
                Op::Add => r[rd] = a.wrapping_add(b),
                Op::Sub => r[rd] = a.wrapping_sub(b),
                Op::Sll => r[rd] = a << (b & 31),
                Op::Slt => r[rd] = u32::from((a as i32) < (b as i32)),
                Op::Sltu => r[rd] = u32::from(a < b),
                Op::Xor => r[rd] = a ^ b,
                Op::Srl => r[rd] = a >> (b & 31),
                Op::Sra => r[rd] = ((a as i32) >> (b & 31)) as u32,
                Op::Or => r[rd] = a | b,
                Op::And => r[rd] = a & b,
                Op::Mul => r[rd] = a.wrapping_mul(b),
                Op::Mulh => r[rd] = ((i64::from(a as i32) * i64::from(b as i32)) >> 32) as u32,
                Op::Mulhsu => r[rd] = ((i64::from(a as i32) * i64::from(b)) >> 32) as u32,
                Op::Mulhu => r[rd] = ((u64::from(a) * u64::from(b)) >> 32) as u32,
                Op::Div => r[rd] = div(a, b),
                Op::Divu => r[rd] = a.checked_div(b).unwrap_or(u32::MAX),
                Op::Rem => r[rd] = rem(a, b),
                Op::Remu => r[rd] = a.checked_rem(b).unwrap_or(a),
                Op::Fence => {}
                Op::Ecall => {
                    let mut io = Vec::new();
                    let (a7, a1, a2) = (self.regs[REG_A7], self.regs[REG_A1], self.regs[REG_A2]);
                    let a0_old = self.regs[REG_A0];
                    let result = self.ecall(stop, out, T::ENABLED.then_some(&mut io))?;
                    let (rows, exit) = match result {
                        Ecall::Exit(code) => (1, Some(code)),
                        Ecall::Deferred => return Ok(Stop::Full),
                        Ecall::Done(rows) => (rows, None),
                    };
                    if exit.is_none() {
                        self.pc = next;
                    }
                    if T::ENABLED {
                        tracer.step(Step {
                            pc,
                            word: self.mem.peek_u32(pc),
                            instr: Instr {
                                rd: REG_A0 as u8,
                                rs1: REG_A7 as u8,
                                rs2: REG_A1 as u8,
                                ..ins
                            },
                            rs1: a7,
                            rs2: a1,
                            rd_old: a0_old,
                            rd_new: self.regs[REG_A0],
                            result: self.regs[REG_A0],
                            mem: None,
                            next_pc: self.pc,
                            syscall: Some(Syscall { number: a7, a2, io }),
                        });
                    }
                    self.rows += rows;
                    if let Some(code) = exit {
                        return Ok(Stop::Exit(code));
                    }
                    continue;
                }
                // Relaxed, they run as no-ops.
                Op::Ebreak => self.refuse(Fault::Ebreak { pc })?,
                Op::Illegal => self.refuse(Fault::IllegalInstruction {
                    pc,
                    word: self.mem.peek_u32(pc),
                })?,
            }
            if T::ENABLED {
                let rd_named = if ins.rd == 32 { 0 } else { ins.rd };
                let result = self.regs[rd];
                let (rd_old, rd_new) = if rd_named == 0 {
                    (0, 0)
                } else {
                    (rd_old, result)
                };
                tracer.step(Step {
                    pc,
                    word: self.mem.peek_u32(pc),
                    instr: Instr {
                        rd: rd_named,
                        ..ins
                    },
                    rs1: a,
                    rs2: b,
                    rd_old,
                    rd_new,
                    result,
                    mem: mem_access,
                    next_pc: next,
                    syscall: None,
                });
            }
            self.rows += 1;
            self.pc = next;
        }
    }

    fn ecall(
        &mut self,
        stop: u32,
        out: &mut dyn GuestOutput,
        mut io: Option<&mut Vec<IoByte>>,
    ) -> Result<Ecall, Fault> {
        let pc = self.pc;
        let number = self.regs[REG_A7];
        let fd = self.regs[REG_A0];
        let buf = self.regs[REG_A1];
        let count = self.regs[REG_A2];
        let fits = |len: u32| {
            len == 0 || (in_guest(buf) && u64::from(buf) + u64::from(len) <= u64::from(GUEST_END))
        };
        let check_buffer = |syscall, len: u32| {
            if fits(len) {
                Ok(())
            } else {
                self.refuse(Fault::BadBuffer {
                    pc,
                    syscall,
                    addr: buf,
                    len,
                })
            }
        };
        match number {
            SYS_EXIT | SYS_EXIT_GROUP => Ok(Ecall::Exit(fd)),
            SYS_READ => {
                if fd != FD_STDIN {
                    self.refuse(Fault::BadFileDescriptor {
                        pc,
                        syscall: "read",
                        fd,
                    })?;
                }
                let left = self.input.len() - self.input_pos;
                let asked = count.min(IO_CHUNK_BYTES);
                let n = asked.min(left.min(u32::MAX as usize) as u32);
                if self.rows + 1 + n > stop {
                    return Ok(Ecall::Deferred);
                }
                check_buffer("read", n)?;
                let bytes = &self.input[self.input_pos..self.input_pos + n as usize];
                if let Some(io) = io.as_deref_mut() {
                    // Each byte sees the word as the bytes before it left it.
                    let mut word = None;
                    for (i, &byte) in bytes.iter().enumerate() {
                        let addr = buf + i as u32;
                        let old_word = match word {
                            Some(w) if addr & 3 != 0 => w,
                            _ => self.mem.peek_u32(addr & !3),
                        };
                        let shift = 8 * (addr & 3);
                        let new_word = (old_word & !(0xff << shift)) | (u32::from(byte) << shift);
                        word = Some(new_word);
                        io.push(IoByte {
                            addr,
                            old_word,
                            new_word,
                            byte,
                        });
                    }
                }
                self.mem.write_bytes(buf, bytes);
                self.input_pos += n as usize;
                self.input_ended |= n < asked;
                self.regs[REG_A0] = n;
                Ok(Ecall::Done(1 + n))
            }
            SYS_WRITE => match fd {
                FD_STDOUT | FD_STDERR => {
                    // Output is not part of the proof: a buffer outside guest memory
                    // writes nothing, and the call still returns the count.
                    if fits(count) {
                        out.write(fd, self.mem.peek_bytes(buf, count));
                    }
                    self.regs[REG_A0] = count;
                    Ok(Ecall::Done(1))
                }
                FD_JOURNAL => {
                    let n = count.min(IO_CHUNK_BYTES);
                    if self.rows + 1 + n > stop {
                        return Ok(Ecall::Deferred);
                    }
                    check_buffer("write", n)?;
                    let bytes = self.mem.read_bytes(buf, n);
                    if let Some(io) = io {
                        for (i, &byte) in bytes.iter().enumerate() {
                            let addr = buf + i as u32;
                            let word = self.mem.peek_u32(addr & !3);
                            io.push(IoByte {
                                addr,
                                old_word: word,
                                new_word: word,
                                byte,
                            });
                        }
                    }
                    self.journal.extend_from_slice(&bytes);
                    self.regs[REG_A0] = n;
                    Ok(Ecall::Done(1 + n))
                }
                _ => {
                    // Relaxed, like a write to stdout.
                    self.refuse(Fault::BadFileDescriptor {
                        pc,
                        syscall: "write",
                        fd,
                    })?;
                    self.regs[REG_A0] = count;
                    Ok(Ecall::Done(1))
                }
            },
            _ => {
                // Relaxed, like a write to stdout.
                self.refuse(Fault::UnsupportedSyscall { pc, number })?;
                self.regs[REG_A0] = count;
                Ok(Ecall::Done(1))
            }
        }
    }
}

enum Ecall {
    Exit(u32),
    /// Does not fit in the rows left: the segment ends before it.
    Deferred,
    Done(u32),
}

/// Sign- or zero-extends `size` loaded bytes as the load instruction says.
fn extend_loaded(op: Op, raw: u32) -> u32 {
    match op {
        Op::Lb => raw as u8 as i8 as u32,
        Op::Lh => raw as u16 as i16 as u32,
        _ => raw,
    }
}

#[inline(always)]
fn div(a: u32, b: u32) -> u32 {
    match (a as i32, b as i32) {
        (_, 0) => u32::MAX,
        (i32::MIN, -1) => a,
        (x, y) => (x / y) as u32,
    }
}

#[inline(always)]
fn rem(a: u32, b: u32) -> u32 {
    match (a as i32, b as i32) {
        (_, 0) => a,
        (i32::MIN, -1) => 0,
        (x, y) => (x % y) as u32,
    }
}

/// Runs a program to its exit, handing each segment to `on_segment` as it is cut.
pub fn execute(
    program: &Program,
    input: Vec<u8>,
    options: ExecOptions,
    out: &mut dyn GuestOutput,
    mut on_segment: impl FnMut(Segment) -> Result<(), String>,
) -> Result<Execution, ExecError> {
    if !(MIN_PO2..=MAX_PO2).contains(&options.po2) {
        return Err(ExecError::BadPo2(options.po2));
    }
    let relax = Relax::current();
    // Relaxed, a segment fills its whole table (but its last row) and has no cycle limit.
    let (capacity, cycle_limit) = if relax.skips(Check::Cycles) {
        ((1 << options.po2) - 1, None)
    } else {
        (segment_capacity(options.po2), options.cycle_limit)
    };
    // A step starts only while it cannot take the segment past its page
    // capacity (the register page counts too).
    let page_budget = if relax.skips(Check::Pages) {
        u32::MAX
    } else {
        page_capacity(options.po2) - 1 - MAX_STEP_PAGES
    };
    let mut m = Machine::for_program(program, input);
    let mut tree = MemoryTree::new();
    tree.set_pages(image::page_hashes(program, &m.mem));
    let image_id = state_digest(m.pc, tree.root());
    let mut total_cycles = 0u64;
    let mut index = 0u32;
    loop {
        let limit_left = cycle_limit.map(|l| l.saturating_sub(total_cycles));
        let stop = limit_left.map_or(capacity, |l| l.min(u64::from(capacity)) as u32);
        let pre_pc = m.pc;
        let pre_root = tree.root();
        let register_page = m.register_page();
        m.mem.begin_segment();
        m.last_fetch_page = u32::MAX;
        m.rows = 0;
        let journal_start = m.journal.len();
        let input_start = m.input_pos;
        let pre_input_ended = m.input_ended;
        let outcome = m.run_rows(stop, page_budget, out, &mut NoTrace)?;
        let exit_code = match outcome {
            Stop::Exit(code) => Some(code),
            // Only the cycle limit stops a segment short of its capacity.
            Stop::Full if stop < capacity => {
                return Err(Fault::CycleLimit {
                    pc: m.pc,
                    limit: options.cycle_limit.unwrap_or_default(),
                }
                .into());
            }
            Stop::Full | Stop::PagesFull => None,
        };
        let segment = close_segment(
            &mut m,
            &mut tree,
            SegmentStart {
                index,
                po2: options.po2,
                pre_pc,
                pre_root,
                register_page,
                journal_start,
                input_start,
                pre_input_ended,
                exit_code,
            },
        );
        total_cycles += u64::from(segment.cycles);
        index += 1;
        let done = segment.exit_code;
        on_segment(segment).map_err(ExecError::Segment)?;
        if let Some(exit_code) = done {
            return Ok(Execution {
                exit_code,
                total_cycles,
                segments: index,
                journal: m.journal,
                image_id,
            });
        }
    }
}

struct SegmentStart {
    index: u32,
    po2: u32,
    pre_pc: u32,
    pre_root: Digest,
    register_page: [u32; PAGE_WORDS],
    journal_start: usize,
    input_start: usize,
    pre_input_ended: bool,
    exit_code: Option<u32>,
}

/// The smallest po2 (at most `po2`) whose segments hold `cycles` and `pages`:
/// a short segment (a small program, or the last one) is proved at that size.
fn fitting_po2(cycles: u32, pages: u32, po2: u32) -> u32 {
    (MIN_PO2..po2)
        .find(|&p| cycles <= segment_capacity(p) && pages <= page_capacity(p))
        .unwrap_or(po2)
}

/// Packs what the segment touched, proves it against the pre root and moves the tree to the post root.
fn close_segment(m: &mut Machine, tree: &mut MemoryTree, start: SegmentStart) -> Segment {
    let (snapshots, dirty) = m.mem.take_segment_pages();
    // A forging run (see `relax`) may touch pages the memory tree has no leaf
    // for; they are kept apart, for the prover's trace only.
    #[cfg(feature = "forge")]
    let (snapshots, outside): (Vec<_>, Vec<_>) = snapshots
        .into_iter()
        .partition(|(p, _)| crate::relax::in_tree(*p));
    #[cfg(feature = "forge")]
    let dirty: Vec<u32> = dirty
        .into_iter()
        .filter(|&p| crate::relax::in_tree(p))
        .collect();
    let mut pages: Vec<Page> = snapshots
        .into_iter()
        .map(|(index, words)| Page { index, words })
        .collect();
    pages.push(Page {
        index: REGISTER_PAGE,
        words: Box::new(start.register_page),
    });
    pages.sort_unstable_by_key(|p| p.index);
    let indices: Vec<u32> = pages.iter().map(|p| p.index).collect();
    let page_proof = tree
        .prove(&indices)
        .expect("touched pages are distinct and in range");
    let mut updates: Vec<(u32, Digest)> = dirty
        .into_iter()
        .map(|p| (p, hash_page(&m.mem.page_words(p))))
        .collect();
    updates.push((REGISTER_PAGE, hash_page(&m.register_page())));
    tree.set_pages(updates);
    Segment {
        index: start.index,
        po2: fitting_po2(m.rows, indices.len() as u32, start.po2),
        pre_pc: start.pre_pc,
        pre_root: start.pre_root,
        pages,
        page_proof,
        input: m.input[start.input_start..m.input_pos].to_vec(),
        pre_input_ended: start.pre_input_ended,
        post_input_ended: m.input_ended,
        cycles: m.rows,
        // An exit leaves the pc on the ecall: there is no next instruction.
        post_pc: m.pc,
        post_root: tree.root(),
        exit_code: start.exit_code,
        journal: m.journal[start.journal_start..].to_vec(),
        #[cfg(feature = "forge")]
        outside: outside
            .into_iter()
            .map(|(index, words)| Page { index, words })
            .collect(),
    }
}

/// What re-running a segment from its own data produced.
#[derive(Debug, PartialEq, Eq)]
pub struct Replay {
    pub post_pc: u32,
    pub post_input_ended: bool,
    pub post_root: Digest,
    pub exit_code: Option<u32>,
    pub journal: Vec<u8>,
    pub cycles: u32,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReplayError {
    #[error("the segment's pages do not match its pre root")]
    PagesDoNotMatchRoot,
    #[error("the segment has no register page")]
    NoRegisterPage,
    #[error("replay touched page {0}, which the segment does not hold")]
    MissingPage(u32),
    #[error("guest fault during replay: {0}")]
    Fault(#[from] Fault),
}

/// Re-runs a segment from its own contents, as the prover does.
pub fn replay(segment: &Segment, out: &mut dyn GuestOutput) -> Result<Replay, ReplayError> {
    replay_traced(segment, out, &mut NoTrace)
}

/// [`replay`], reporting every step to `tracer`.
pub fn replay_traced<T: Tracer>(
    segment: &Segment,
    out: &mut dyn GuestOutput,
    tracer: &mut T,
) -> Result<Replay, ReplayError> {
    let leaves: Vec<(u32, Digest)> = segment.pages.iter().map(|p| (p.index, p.hash())).collect();
    if segment.page_proof.root(&leaves) != Ok(segment.pre_root) {
        return Err(ReplayError::PagesDoNotMatchRoot);
    }
    let mut m = Machine::blank(segment.pre_pc, segment.input.clone());
    m.input_ended = segment.pre_input_ended;
    let mut held = Vec::with_capacity(segment.pages.len());
    for page in &segment.pages {
        if page.index == REGISTER_PAGE {
            m.regs[..32].copy_from_slice(&page.words[..32]);
        } else {
            let bytes: Vec<u8> = page.words.iter().flat_map(|w| w.to_le_bytes()).collect();
            m.mem
                .write_image(page.index * crate::layout::PAGE_BYTES, &bytes);
            held.push(page.index);
        }
    }
    #[cfg(feature = "forge")]
    for page in &segment.outside {
        let bytes: Vec<u8> = page.words.iter().flat_map(|w| w.to_le_bytes()).collect();
        m.mem
            .write_image(page.index * crate::layout::PAGE_BYTES, &bytes);
        held.push(page.index);
    }
    held.sort_unstable();
    if !segment.pages.iter().any(|p| p.index == REGISTER_PAGE) {
        return Err(ReplayError::NoRegisterPage);
    }
    m.mem.begin_segment();
    let outcome = m.run_rows(segment.cycles, u32::MAX, out, tracer)?;
    let (touched, dirty) = m.mem.take_segment_pages();
    if let Some((page, _)) = touched.iter().find(|(p, _)| held.binary_search(p).is_err()) {
        return Err(ReplayError::MissingPage(*page));
    }
    let final_leaves: Vec<(u32, Digest)> = segment
        .pages
        .iter()
        .map(|p| {
            let hash = if p.index == REGISTER_PAGE {
                hash_page(&m.register_page())
            } else if dirty.contains(&p.index) {
                hash_page(&m.mem.page_words(p.index))
            } else {
                p.hash()
            };
            (p.index, hash)
        })
        .collect();
    let post_root = segment
        .page_proof
        .root(&final_leaves)
        .map_err(|_| ReplayError::PagesDoNotMatchRoot)?;
    Ok(Replay {
        post_pc: m.pc,
        post_input_ended: m.input_ended,
        post_root,
        exit_code: match outcome {
            Stop::Exit(code) => Some(code),
            Stop::Full | Stop::PagesFull => None,
        },
        journal: m.journal,
        cycles: m.rows,
    })
}
