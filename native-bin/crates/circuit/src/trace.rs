//! Building a segment's tables: the segment is replayed by the executor, and
//! each step it reports becomes CPU rows (plus chip rows, program rows and
//! lookup counts), while a shadow of memory tracks every word's last value
//! and access time for the memory bus.

use std::collections::HashMap;

use bento_stark::{Field, PrimeCharacteristicRing, PrimeField32, RowMajorMatrix, F};
use bento_vm::abi::{SYS_EXIT, SYS_EXIT_GROUP, SYS_READ};
use bento_vm::exec::{replay_traced, CapturedOutput, ReplayError};
use bento_vm::hash::Digest;
use bento_vm::layout::PAGE_WORDS;
use bento_vm::merkle::MultiProof;
use bento_vm::segment::{Page, Segment};
use bento_vm::trace::{Step, Tracer};

use crate::air::{self, NUM_TABLES};
use crate::buses::{AluOp, REG_BASE};
use crate::chips::{self, AluCall};
use crate::columns::Columns;
use crate::cpu::{CpuCols, IO_LIMIT, SLOT_FETCH, SLOT_MEM, SLOT_RD, SLOT_RS1, SLOT_RS2, SLOT_TIME};
use crate::memory::{self, boundary_words, page_bus_base, BoundaryWord};
use crate::paging::{self, HashedPage};
use crate::program::{self, decode_fetched, Flag};
use crate::range::RangeCounts;
use crate::segment::{SegmentClaim, MAX_PROVE_PO2, MIN_HEIGHT};
use crate::shapes::{self, Shaping};

#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    #[error(
        "segment {index}: po2 {po2} cannot be proved (the prover supports {}..={MAX_PROVE_PO2})",
        bento_vm::segment::MIN_PO2
    )]
    Po2 { index: u32, po2: u32 },
    #[error("segment {index}: {cycles} cycles do not fit in 2^{po2} rows")]
    TooLong { index: u32, cycles: u32, po2: u32 },
    #[error("segment {index} does not replay: {source}")]
    Replay { index: u32, source: ReplayError },
    #[error("segment {index} does not replay consistently: {what}")]
    Access { index: u32, what: String },
    #[error("segment {index} replays to another {what} than it records")]
    Mismatch { index: u32, what: &'static str },
}

/// Everything the prover needs for one segment.
pub struct SegmentTrace {
    pub traces: Vec<RowMajorMatrix<F>>,
    pub public_values: Vec<Vec<F>>,
    /// The time the paging table took to build (for benchmarks).
    pub paging_time: std::time::Duration,
}

/// A guest word address (byte address / 4) or a register, on the memory bus.
fn reg_addr(i: u32) -> u32 {
    REG_BASE + i
}

fn quad(x: u32) -> [F; 4] {
    x.to_le_bytes().map(F::from_u8)
}

fn inv_or_zero(x: F) -> F {
    if x == F::ZERO {
        F::ZERO
    } else {
        x.inverse()
    }
}

/// Byte-wise carries of x + y.
fn carries(x: u32, y: u32) -> [F; 4] {
    std::array::from_fn(|k| {
        let mask = (1u64 << (8 * k + 8)) - 1;
        F::from_u64(((u64::from(x) & mask) + (u64::from(y) & mask)) >> (8 * k + 8))
    })
}

/// The shadow of memory: every boundary word's last value and access time.
struct Shadow {
    /// Position in the boundary of each page, by its bus base (see `page_bus_base`).
    page_slot: HashMap<u32, usize>,
    value: Vec<u32>,
    time: Vec<u32>,
}

impl Shadow {
    fn slot(&self, addr: u32) -> usize {
        let base = if addr >= REG_BASE {
            REG_BASE
        } else {
            addr & !(PAGE_WORDS as u32 - 1)
        };
        self.page_slot[&base] * PAGE_WORDS + (addr - base) as usize
    }

    /// Records an access at `ts` writing `new`; returns the previous value and time.
    fn access(&mut self, addr: u32, new: u32, ts: u32) -> (u32, u32) {
        let s = self.slot(addr);
        let prev = (self.value[s], self.time[s]);
        self.value[s] = new;
        self.time[s] = ts;
        prev
    }
}

struct Builder {
    rows: Vec<F>,
    row: usize,
    shadow: Shadow,
    jpos: u32,
    halted: u32,
    input_ended: bool,
    /// The first access whose value the shadow of memory contradicts.
    inconsistent: Option<String>,
}

const W: usize = CpuCols::<F>::WIDTH;

impl Builder {
    fn cols(&mut self) -> &mut CpuCols<F> {
        let r = self.row;
        CpuCols::view_mut(&mut self.rows[r * W..(r + 1) * W])
    }

    fn ts(&self, slot: usize) -> u32 {
        4 * self.row as u32 + SLOT_TIME[slot] + 1
    }

    /// A memory slot access: fills prev/time columns and checks the value read.
    fn slot(&mut self, slot: usize, addr: u32, expected_prev: u32, new: u32) -> u32 {
        let ts = self.ts(slot);
        let (prev, prev_ts) = self.shadow.access(addr, new, ts);
        if prev != expected_prev && self.inconsistent.is_none() {
            self.inconsistent = Some(format!("cycle {}: slot {slot} at word {addr:#x} holds {prev:#x}, the step read {expected_prev:#x}", self.row));
        }
        let gap = ts - prev_ts - 1;
        let c = self.cols();
        c.prev_ts[slot] = F::from_u32(prev_ts);
        c.gap_lo[slot] = F::from_u32(gap & 0xffff);
        c.gap_hi[slot] = F::from_u32(gap >> 16);
        prev
    }

    fn begin_row(&mut self) {
        let row = self.row as u32;
        let (jpos, halted, input_ended) = (self.jpos, self.halted, self.input_ended);
        let c = self.cols();
        c.clk = F::from_u32(row);
        c.jpos = F::from_u32(jpos);
        c.halted = F::from_u32(halted);
        c.input_ended = F::from_bool(input_ended);
    }

    /// Columns every row derives from its memory slot's previous value.
    fn end_row(&mut self) {
        let c = self.cols();
        let m: Vec<u32> = c.mem_prev.iter().map(|x| x.as_canonical_u32()).collect();
        let (count_lo, count_hi) = (m[0] + 256 * m[1], m[2] + 256 * m[3]);
        let hi_nz = count_hi != 0;
        let big = hi_nz || count_lo > IO_LIMIT;
        c.hi_nz = F::from_bool(hi_nz);
        c.hi_inv = if hi_nz {
            F::from_u32(count_hi).inverse()
        } else {
            F::ZERO
        };
        c.io_big = F::from_bool(big);
        c.io_slack = F::from_u32(if hi_nz {
            0
        } else if big {
            count_lo - IO_LIMIT - 1
        } else {
            IO_LIMIT - count_lo
        });
        self.row += 1;
    }

    fn instruction(&mut self, step: &Step) {
        let d = decode_fetched(step.word);
        let pc = step.pc / 4;
        self.begin_row();
        let operand = if d.has(Flag::ImmOperand) {
            d.imm
        } else {
            step.rs2
        };
        {
            let c = self.cols();
            c.is_instr = F::ONE;
            c.pc = F::from_u32(pc);
            c.next_pc = F::from_u32(step.next_pc / 4);
            c.word = quad(step.word);
            c.pc_bytes = quad(step.pc);
            c.rs1 = F::from_u32(d.rs1);
            c.rs2 = F::from_u32(d.rs2);
            c.rd = F::from_u32(d.rd);
            c.imm = quad(d.imm);
            c.imm_w = signed_field(d.imm_w);
            c.alu_op = F::from_u32(d.alu);
            for i in 0..program::NUM_FLAGS {
                c.flags[i] = F::from_u32(d.flags >> i & 1);
            }
            c.a = quad(step.rs1);
            c.b = quad(step.rs2);
            c.operand = quad(operand);
            c.rd_prev = quad(step.rd_old);
            c.result = quad(step.result);
            c.rd_val = quad(step.rd_new);
        }
        self.slot(SLOT_FETCH, pc, step.word, step.word);
        self.slot(SLOT_RS1, reg_addr(d.rs1), step.rs1, step.rs1);
        self.slot(SLOT_RS2, reg_addr(d.rs2), step.rs2, step.rs2);
        self.slot(SLOT_RD, reg_addr(d.rd), step.rd_old, step.rd_new);

        // The adder and the address.
        let is = |f: Flag| d.has(f);
        let load = is(Flag::LoadB) || is(Flag::LoadH) || is(Flag::LoadW);
        let store = is(Flag::StoreB) || is(Flag::StoreH) || is(Flag::StoreW);
        let ecall = is(Flag::Ecall);
        let (x, y) = if is(Flag::Add) {
            (step.rs1, operand)
        } else if is(Flag::Sub) {
            (step.result, step.rs2)
        } else if is(Flag::Auipc) {
            (step.pc, d.imm)
        } else if load || store || is(Flag::Jalr) {
            (step.rs1, d.imm)
        } else if ecall {
            (step.rs2, 0)
        } else {
            (0, 0)
        };
        let addr = if load || store || is(Flag::Jalr) || ecall {
            x.wrapping_add(y)
        } else {
            0
        };
        {
            let c = self.cols();
            c.carry = carries(x, y);
            if is(Flag::Jal) || is(Flag::Jalr) {
                c.link_carry = carries(step.pc, 4);
            }
            c.addr = quad(addr);
            if load || store || is(Flag::Jalr) || ecall {
                c.addr_q = F::from_u32((addr & 255) >> 2);
                c.lane[(addr & 3) as usize] = F::ONE;
            }
        }

        if load || store {
            let access = step.mem.expect("loads and stores access memory");
            self.slot(SLOT_MEM, access.addr / 4, access.old, access.new);
            let lane = (addr & 3) as usize;
            let old = access.old.to_le_bytes();
            let c = self.cols();
            c.mem_addr = F::from_u32(access.addr / 4);
            c.mem_prev = quad(access.old);
            c.mem_new = quad(access.new);
            if load {
                let (lo, hi, top) = if is(Flag::LoadB) {
                    (old[lane], 0, Some(old[lane]))
                } else if is(Flag::LoadH) {
                    // (A misaligned half, which only a forging run loads, wraps in its word.)
                    (old[lane], old[(lane + 1) & 3], Some(old[(lane + 1) & 3]))
                } else {
                    (0, 0, None)
                };
                c.sel_lo = F::from_u8(lo);
                c.sel_hi = F::from_u8(hi);
                if let Some(top) = top {
                    let sign = top >> 7;
                    c.sign = F::from_u8(sign);
                    c.sign_rest = F::from_u8(top & 127);
                    c.ext = F::from_u32(if is(Flag::LoadSigned) && sign == 1 {
                        255
                    } else {
                        0
                    });
                }
            }
        }

        if is(Flag::Branch) {
            self.cols().taken = F::from_bool(step.next_pc != step.pc.wrapping_add(4));
        }
        if ecall {
            self.ecall(step);
        } else {
            self.end_row();
        }
    }

    fn ecall(&mut self, step: &Step) {
        let call = step
            .syscall
            .as_ref()
            .expect("ECALL steps carry their syscall");
        let count = call.a2;
        self.slot(SLOT_MEM, reg_addr(12), count, count);
        let fd = step.rd_old;
        let n = call.io.len() as u32;
        let (exit, read) = (
            matches!(call.number, SYS_EXIT | SYS_EXIT_GROUP),
            call.number == SYS_READ,
        );
        let journal = !exit && !read && fd == 3;
        let stdout = !exit && !read && !journal;
        // What a read may move: fewer bytes mean the input has ended.
        let limit = count.min(IO_LIMIT);
        {
            let c = self.cols();
            c.mem_addr = F::from_u32(reg_addr(12));
            c.mem_prev = quad(count);
            c.mem_new = quad(count);
            c.sys_exit = F::from_bool(exit);
            c.sys_read = F::from_bool(read);
            c.sys_journal = F::from_bool(journal);
            c.sys_stdout = F::from_bool(stdout);
            if read || journal {
                // The byte rows that follow keep the pc; the last one advances it.
                if n > 0 {
                    c.next_pc = c.pc;
                }
                c.io_n = F::from_u32(n);
                c.n_nz = F::from_bool(n > 0);
                c.n_inv = inv_or_zero(F::from_u32(n));
                if read {
                    c.io_room = F::from_u32(limit - n);
                    c.room_nz = F::from_bool(limit != n);
                    c.room_inv = inv_or_zero(F::from_u32(limit - n));
                }
            }
        }
        if exit {
            self.halted = 1;
        }
        let short_read = read && n < limit;
        self.end_row();
        self.input_ended |= short_read;
        for (i, byte) in call.io.iter().enumerate() {
            self.begin_row();
            let left = n - i as u32;
            let lane = (byte.addr & 3) as usize;
            let pc = step.pc / 4;
            {
                let c = self.cols();
                c.is_io = F::ONE;
                c.pc = F::from_u32(pc);
                c.next_pc = F::from_u32(if left == 1 { pc + 1 } else { pc });
                c.mem_addr = F::from_u32(byte.addr / 4);
                c.mem_prev = quad(byte.old_word);
                c.mem_new = quad(byte.new_word);
                c.lane[lane] = F::ONE;
                c.io_left = F::from_u32(left);
                c.io_last = F::from_bool(left == 1);
                c.io_last_inv = inv_or_zero(F::from_u32(left) - F::ONE);
                c.io_read = F::from_bool(read);
                c.io_journal = F::from_bool(journal);
                if read {
                    c.addr[0] = F::from_u8(byte.byte);
                } else {
                    c.sel_lo = F::from_u8(byte.byte);
                }
            }
            self.slot(SLOT_MEM, byte.addr / 4, byte.old_word, byte.new_word);
            if journal {
                self.jpos += 1;
            }
            self.end_row();
        }
    }

    fn padding(&mut self, pc: u32) {
        self.begin_row();
        let c = self.cols();
        c.pc = F::from_u32(pc);
        c.next_pc = F::from_u32(pc);
        self.end_row();
    }
}

impl Tracer for Builder {
    const ENABLED: bool = true;

    fn step(&mut self, step: Step) {
        self.instruction(&step);
    }
}

fn alu_op(id: u32) -> Option<AluOp> {
    use AluOp::*;
    [
        Eq, Ne, Lt, Ge, Ltu, Geu, And, Or, Xor, Sll, Srl, Sra, Mul, Mulh, Mulhsu, Mulhu, Div, Divu,
        Rem, Remu,
    ]
    .into_iter()
    .find(|op| op.id() == id)
}

/// Which chip answers an operation: compare, bitwise, shift, mul, div.
fn chip_index(op: AluOp) -> usize {
    use AluOp::*;
    match op {
        Eq | Ne | Lt | Ge | Ltu | Geu => 0,
        And | Or | Xor => 1,
        Sll | Srl | Sra => 2,
        Mul | Mulh | Mulhsu | Mulhu => 3,
        Div | Divu | Rem | Remu => 4,
    }
}

/// A prover's chance to lie: after the CPU rows and the memory boundary are
/// built from the honest run, and before the tables derived from them
/// (program, ALU chips, range checks) are. The fault-injection tests use it to
/// prove traces that do not describe the execution; such proofs must never
/// verify, so the hook is harmless outside tests.
pub struct Forgery<'a> {
    pub cpu: &'a mut RowMajorMatrix<F>,
    /// The page index of each 256 words of the boundary (and of the hashed words).
    pub pages: &'a mut Vec<u32>,
    pub boundary: &'a mut Vec<BoundaryWord>,
    pub final_ts: &'a mut Vec<u32>,
    /// The words the paging table hashes (honestly, the boundary's).
    pub hashed: &'a mut Vec<BoundaryWord>,
    /// The Merkle proofs the paging table climbs, for the tree before and after.
    pub proofs: &'a mut [MultiProof; 2],
    /// How many of `pages`, leading, the proofs cover.
    pub in_tree: usize,
}

impl Forgery<'_> {
    /// The memory roots, before and after, that the hashed pages and the
    /// proofs give (None where the proof does not fit the pages).
    pub fn roots(&self) -> [Option<Digest>; 2] {
        std::array::from_fn(|tree| {
            let leaves: Vec<(u32, Digest)> = self
                .pages
                .iter()
                .zip(self.hashed.chunks_exact(PAGE_WORDS))
                .take(self.in_tree)
                .map(|(&index, words)| {
                    let page: [u32; PAGE_WORDS] = std::array::from_fn(|j| {
                        if tree == 0 {
                            words[j].init
                        } else {
                            words[j].fin
                        }
                    });
                    (index, bento_vm::hash::hash_page(&page))
                })
                .collect();
            self.proofs[tree].root(&leaves).ok()
        })
    }
}

impl SegmentTrace {
    /// Each table's height, log2.
    pub fn log_heights(&self) -> Vec<usize> {
        self.traces
            .iter()
            .map(|t| (t.values.len() / t.width).trailing_zeros() as usize)
            .collect()
    }
}

/// Replays a segment and builds every table of its proof, each as short as
/// its rows allow.
pub fn build(segment: &Segment) -> Result<SegmentTrace, TraceError> {
    build_forged(segment, |_| {})
}

/// [`build`], padded to a catalogued shape where `shaping` asks and that is
/// cheap (see [`crate::shapes`]): built again, each table at least its
/// height in that shape, when the segment's own shape is not catalogued.
pub fn build_shaped(segment: &Segment, shaping: Shaping) -> Result<SegmentTrace, TraceError> {
    let own = build(segment)?;
    let heights = own.log_heights();
    let shape = match (shaping, shapes::padded(&heights)) {
        (Shaping::Catalogue, Some(shape)) if shape != heights => shape,
        _ => return Ok(own),
    };
    // The CPU's and the fixed tables' heights are their own, as in the shape.
    let mut min = [MIN_HEIGHT; NUM_TABLES];
    for (min, &h) in min.iter_mut().zip(&shape) {
        *min = (*min).max(1 << h);
    }
    let padded = build_with(segment, &min, |_| {})?;
    if padded.log_heights() != shape {
        return Err(TraceError::Mismatch {
            index: segment.index,
            what: "catalogued shape",
        });
    }
    Ok(padded)
}

/// [`build`], with a forgery applied to the CPU rows and the boundary.
pub fn build_forged(
    segment: &Segment,
    forge: impl FnOnce(&mut Forgery<'_>),
) -> Result<SegmentTrace, TraceError> {
    build_with(segment, &[MIN_HEIGHT; NUM_TABLES], forge)
}

/// Builds the tables, each at least `min` rows (by table).
fn build_with(
    segment: &Segment,
    min: &[usize; NUM_TABLES],
    forge: impl FnOnce(&mut Forgery<'_>),
) -> Result<SegmentTrace, TraceError> {
    let index = segment.index;
    let po2 = segment.po2;
    if !(bento_vm::segment::MIN_PO2..=MAX_PROVE_PO2).contains(&po2) {
        return Err(TraceError::Po2 { index, po2 });
    }
    let height = 1usize << po2;
    if segment.cycles as usize >= height {
        return Err(TraceError::TooLong {
            index,
            cycles: segment.cycles,
            po2,
        });
    }
    let pages = proved_pages(segment);
    let mut page_slot = HashMap::new();
    let mut value = Vec::with_capacity(pages.len() * PAGE_WORDS);
    for (i, (base, page)) in pages.iter().enumerate() {
        page_slot.insert(*base, i);
        value.extend_from_slice(&page.words[..]);
    }
    let time = vec![0; value.len()];
    let mut b = Builder {
        rows: F::zero_vec(height * W),
        row: 0,
        shadow: Shadow {
            page_slot,
            value,
            time,
        },
        jpos: 0,
        halted: 0,
        input_ended: segment.pre_input_ended,
        inconsistent: None,
    };
    let replay = replay_traced(segment, &mut CapturedOutput::default(), &mut b)
        .map_err(|source| TraceError::Replay { index, source })?;
    if let Some(what) = b.inconsistent {
        return Err(TraceError::Access { index, what });
    }
    let mismatch = if replay.post_pc != segment.post_pc {
        Some("final pc")
    } else if replay.post_root != segment.post_root {
        Some("final memory root")
    } else if replay.exit_code != segment.exit_code {
        Some("exit code")
    } else if replay.post_input_ended != segment.post_input_ended {
        Some("end of input")
    } else if b.row != segment.cycles as usize {
        Some("cycle count")
    } else {
        None
    };
    if let Some(what) = mismatch {
        return Err(TraceError::Mismatch { index, what });
    }
    let post_pc = segment.post_pc / 4;
    while b.row < height {
        b.padding(post_pc);
    }

    let fin: Vec<&[u32]> = b.shadow.value.chunks_exact(PAGE_WORDS).collect();
    let mut boundary = boundary_words(
        pages
            .iter()
            .zip(fin)
            .map(|((base, page), fin)| (*base, &page.words[..], fin)),
    );
    let mut cpu = RowMajorMatrix::new(b.rows, W);
    let mut final_ts = b.shadow.time;
    let mut indices: Vec<u32> = pages.iter().map(|(_, p)| p.index).collect();
    let mut hashed = boundary.clone();
    let mut proofs = [segment.page_proof.clone(), segment.page_proof.clone()];
    forge(&mut Forgery {
        cpu: &mut cpu,
        pages: &mut indices,
        boundary: &mut boundary,
        final_ts: &mut final_ts,
        hashed: &mut hashed,
        proofs: &mut proofs,
        in_tree: segment.pages.len(),
    });

    let Derived {
        program_rows,
        calls,
        mut counts,
    } = derive(&cpu.values);
    let mut traces = vec![RowMajorMatrix::new(Vec::new(), 1); NUM_TABLES];
    traces[air::CPU] = cpu;
    traces[air::PROGRAM] = program::trace(&program_rows, min[air::PROGRAM]);
    // Program rows (padding repeats the first) look up their pc bytes.
    let program_height = program_rows
        .len()
        .max(min[air::PROGRAM])
        .next_power_of_two();
    for r in 0..program_height {
        let ((pc, _), _) = program_rows.get(r).copied().unwrap_or(program_rows[0]);
        let bytes = (4 * pc).to_le_bytes();
        counts.pair(pc & 63, u32::from(bytes[1]));
        counts.pair(u32::from(bytes[2]), u32::from(bytes[3]));
        counts.pair(4 * (pc & 63), 16 * u32::from(bytes[3]));
    }
    traces[air::BOUNDARY] = memory::trace(
        &indices,
        &boundary,
        &final_ts,
        min[air::BOUNDARY],
        &mut counts,
    );
    let init: Vec<u32> = hashed.iter().map(|w| w.init).collect();
    let fin: Vec<u32> = hashed.iter().map(|w| w.fin).collect();
    let hashed: Vec<HashedPage<'_>> = indices
        .iter()
        .zip(
            init.chunks_exact(PAGE_WORDS)
                .zip(fin.chunks_exact(PAGE_WORDS)),
        )
        .map(|(&index, (init, fin))| HashedPage { index, init, fin })
        .collect();
    let paging_started = std::time::Instant::now();
    traces[air::PAGING] = paging::trace(
        &hashed,
        segment.pages.len().min(hashed.len()),
        &proofs,
        &segment.journal,
        min[air::PAGING],
        &mut counts,
    );
    traces[air::COMPARE] = chips::compare::trace(&calls[0], &mut counts, min[air::COMPARE]);
    traces[air::BITWISE] = chips::bitwise::trace(&calls[1], &mut counts, min[air::BITWISE]);
    traces[air::SHIFT] = chips::shift::trace(&calls[2], &mut counts, min[air::SHIFT]);
    traces[air::MUL] = chips::mul::trace(&calls[3], &mut counts, min[air::MUL]);
    traces[air::DIV] = chips::div::trace(&calls[4], &mut counts, min[air::DIV]);
    traces[air::RANGE16] = counts.range16_trace();
    traces[air::BYTES] = counts.bytes_trace();

    let claim = SegmentClaim::of(segment);
    Ok(SegmentTrace {
        traces,
        public_values: claim.public_values(),
        paging_time: paging_started.elapsed(),
    })
}

/// The pages whose words form the boundary, with their bus bases: the
/// segment's pages, then (forging runs only) those outside the memory tree.
fn proved_pages(segment: &Segment) -> Vec<(u32, &Page)> {
    let pages = segment.pages.iter().map(|p| (page_bus_base(p.index), p));
    #[cfg(feature = "forge")]
    let pages = pages.chain(
        segment
            .outside
            .iter()
            .map(|p| (p.index * PAGE_WORDS as u32, p)),
    );
    pages.collect()
}

/// What the CPU rows imply for the other tables.
struct Derived {
    /// (pc, word) of each instruction executed, with how often.
    program_rows: Vec<((u32, u32), u32)>,
    /// ALU calls per chip: compare, bitwise, shift, mul, div.
    calls: [Vec<AluCall>; 5],
    counts: RangeCounts,
}

fn derive(cpu: &[F]) -> Derived {
    let v = |x: F| x.as_canonical_u32();
    let word = |q: &[F; 4]| {
        q.iter()
            .rev()
            .fold(0u32, |acc, &b| acc.wrapping_shl(8).wrapping_add(v(b)))
    };
    let mut program: HashMap<(u32, u32), u32> = HashMap::new();
    let mut calls: [Vec<AluCall>; 5] = Default::default();
    let mut counts = RangeCounts::default();
    for row in cpu.chunks_exact(W) {
        let c = CpuCols::view(row);
        for x in c.gap_lo.iter().chain([&c.io_slack, &c.io_room]) {
            counts.range16(v(*x));
        }
        let g = c.gap_hi.map(v);
        let pairs = [
            (g[0], g[1]),
            (g[2], g[3]),
            (g[4], 0),
            (v(c.result[0]), v(c.result[1])),
            (v(c.result[2]), v(c.result[3])),
            (v(c.addr[0]), v(c.addr[1])),
            (v(c.addr[2]), v(c.addr[3])),
            (v(c.addr_q), 2 * v(c.sign_rest)),
        ];
        for (x, y) in pairs {
            counts.pair(x, y);
        }
        if c.is_instr != F::ONE {
            continue;
        }
        *program.entry((v(c.pc), word(&c.word))).or_insert(0) += 1;
        let flag = |f: Flag| c.flags[f as usize] == F::ONE;
        if flag(Flag::Chip) || flag(Flag::Branch) {
            // An id that names no operation gets no chip row (and its lookup no match).
            if let Some(op) = alu_op(v(c.alu_op)) {
                calls[chip_index(op)].push(AluCall {
                    op,
                    a: word(&c.a),
                    b: word(&c.operand),
                });
            }
        }
    }
    let mut program_rows: Vec<((u32, u32), u32)> = program.into_iter().collect();
    program_rows.sort_unstable();
    Derived {
        program_rows,
        calls,
        counts,
    }
}

/// A signed integer as a field element.
fn signed_field(x: i64) -> F {
    if x >= 0 {
        F::from_u64(x as u64)
    } else {
        -F::from_u64(x.unsigned_abs())
    }
}
