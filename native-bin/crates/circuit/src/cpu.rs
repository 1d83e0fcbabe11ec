//! The CPU table: one row per cycle.
//!
//! A row is an instruction (`is_instr`), one byte of a `read` or journal
//! `write` (`is_io`), or padding after the segment's last cycle. Every access
//! an instruction makes — the fetch, rs1, rs2, rd and one memory word — goes
//! through the memory bus with a timestamp `4·clk + slot + 1`, receiving the
//! previous `(address, value, time)` and sending the new one; the gap between
//! the two times is range-checked, so each access reads the latest value.
//! Values are four bytes everywhere; bytes written to registers or memory are
//! range-checked where they are produced.
//!
//! The instruction's decoding comes from the program table. Additions (ADD,
//! ADDI, SUB, AUIPC, address computations, links) use two byte-wise adders in
//! the row; comparisons, bitwise operations, shifts, multiplications and
//! divisions are looked up in the ALU chips.

use bento_stark::{
    Air, AirBuilder, BaseAir, Count, InteractionBuilder, PrimeCharacteristicRing, WindowAccess, F,
};

use crate::buses::{ALU, BYTE_PAIR, JOURNAL, MEMORY, PROGRAM, RANGE16, REG_BASE};
use crate::columns::{columns, Columns};
use crate::program::{Flag, NUM_FLAGS};

/// Memory access slots of a row, in timestamp order.
pub const SLOT_FETCH: usize = 0;
pub const SLOT_RS1: usize = 1;
pub const SLOT_RS2: usize = 2;
pub const SLOT_RD: usize = 3;
pub const SLOT_MEM: usize = 4;
pub const NUM_SLOTS: usize = 5;

/// The slot's offset in `4·clk + offset + 1` (rd and memory share one: they
/// never address the same word).
pub const SLOT_TIME: [u32; NUM_SLOTS] = [0, 1, 2, 3, 3];

/// The word a read or journal write transfers at most per call.
pub const IO_LIMIT: u32 = bento_vm::abi::IO_CHUNK_BYTES;

#[repr(C)]
pub struct CpuCols<T> {
    pub is_instr: T,
    pub is_io: T,
    pub clk: T,
    /// Word address of the instruction.
    pub pc: T,
    pub next_pc: T,

    // From the program table.
    pub word: [T; 4],
    /// Bytes of the byte address 4·pc.
    pub pc_bytes: [T; 4],
    pub rs1: T,
    pub rs2: T,
    pub rd: T,
    pub imm: [T; 4],
    /// Branch or jump offset in words.
    pub imm_w: T,
    pub alu_op: T,
    pub flags: [T; NUM_FLAGS],

    // Values (bytes).
    pub a: [T; 4],
    pub b: [T; 4],
    /// The second operand: the immediate or rs2.
    pub operand: [T; 4],
    pub rd_prev: [T; 4],
    /// What the instruction computes; rd receives it unless rd is x0.
    pub result: [T; 4],
    pub rd_val: [T; 4],
    /// A computed address (loads, stores, JALR) or a syscall buffer; the input
    /// byte on `read` rows.
    pub addr: [T; 4],
    pub mem_prev: [T; 4],
    pub mem_new: [T; 4],
    /// Word address of the memory slot.
    pub mem_addr: T,

    // Memory slot timing.
    pub prev_ts: [T; NUM_SLOTS],
    pub gap_lo: [T; NUM_SLOTS],
    pub gap_hi: [T; NUM_SLOTS],

    // Adders.
    pub carry: [T; 4],
    pub link_carry: [T; 4],

    // addr = 4·addr_q + lane, lane one-hot.
    pub addr_q: T,
    pub lane: [T; 4],

    // Loads; `sel_lo` is also the journal byte on journal rows.
    pub sel_lo: T,
    pub sel_hi: T,
    pub sign: T,
    pub sign_rest: T,
    pub ext: T,

    pub taken: T,

    // ECALL.
    pub sys_exit: T,
    pub sys_read: T,
    pub sys_journal: T,
    pub sys_stdout: T,
    pub io_n: T,
    pub hi_nz: T,
    pub hi_inv: T,
    pub io_big: T,
    pub io_slack: T,
    pub io_room: T,
    pub n_nz: T,
    pub n_inv: T,

    // Rows of a read or journal write.
    pub io_left: T,
    pub io_last: T,
    pub io_last_inv: T,
    pub io_read: T,
    pub io_journal: T,
    pub jpos: T,

    /// Exits so far (0, then 1 after an exit).
    pub halted: T,
    /// Whether the input has ended before this row: a `read` moved fewer bytes
    /// than it asked for (its `io_room` is not zero), and every later `read`
    /// moves none. It starts and ends as the claim says, so segments chain it.
    pub input_ended: T,
    pub room_nz: T,
    pub room_inv: T,
}

columns!(CpuCols);

/// Public values: the pc before and after (word addresses), the cycle count,
/// whether the segment exited, and the exit code's bytes.
pub const PV_PRE_PC: usize = 0;
pub const PV_POST_PC: usize = 1;
pub const PV_CYCLES: usize = 2;
pub const PV_EXITED: usize = 3;
pub const PV_EXIT_CODE: usize = 4;
pub const PV_PRE_INPUT_ENDED: usize = 8;
pub const PV_POST_INPUT_ENDED: usize = 9;
pub const NUM_PUBLIC_VALUES: usize = 10;

#[derive(Clone, Debug)]
pub struct CpuAir;

impl BaseAir<F> for CpuAir {
    fn width(&self) -> usize {
        CpuCols::<F>::WIDTH
    }

    fn num_public_values(&self) -> usize {
        NUM_PUBLIC_VALUES
    }
}

impl<AB: AirBuilder<F = F> + InteractionBuilder> Air<AB> for CpuAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let c = CpuCols::view(main.current_slice());
        let n = CpuCols::view(main.next_slice());
        let pv: Vec<AB::Expr> = builder.public_values().iter().map(|&v| v.into()).collect();
        let e = |v: AB::Var| -> AB::Expr { v.into() };
        let k = |x: u32| AB::Expr::from_u32(x);
        let one = || AB::Expr::ONE;
        let flag = |f: Flag| e(c.flags[f as usize]);
        let quad = |q: &[AB::Var; 4]| -> [AB::Expr; 4] { q.map(|v| v.into()) };
        let lo16 = |q: &[AB::Var; 4]| e(q[0]) + e(q[1]) * k(256);
        let hi16 = |q: &[AB::Var; 4]| e(q[2]) + e(q[3]) * k(256);

        // ---- Row kinds and the segment's frame.
        let is_instr = e(c.is_instr);
        let is_io = e(c.is_io);
        let real = is_instr.clone() + is_io.clone();
        builder.assert_bool(c.is_instr);
        builder.assert_bool(c.is_io);
        builder.assert_bool(real.clone());
        let next_real = e(n.is_instr) + e(n.is_io);
        builder
            .when_transition()
            .assert_zero((one() - real.clone()) * next_real.clone());
        builder.when_first_row().assert_zero(c.clk);
        builder.when_first_row().assert_one(c.is_instr);
        builder
            .when_first_row()
            .assert_eq(c.pc, pv[PV_PRE_PC].clone());
        builder.when_first_row().assert_zero(c.jpos);
        builder.when_first_row().assert_zero(c.halted);
        builder.when_transition().assert_eq(n.clk, e(c.clk) + one());
        builder.when_transition().assert_eq(n.pc, c.next_pc);
        builder.when_last_row().assert_zero(real.clone());
        builder
            .when_last_row()
            .assert_eq(c.pc, pv[PV_POST_PC].clone());
        builder
            .when_last_row()
            .assert_eq(c.halted, pv[PV_EXITED].clone());
        builder.assert_zero((one() - real.clone()) * (e(c.next_pc) - e(c.pc)));
        builder.when_transition().assert_zero(
            real.clone() * (one() - next_real.clone()) * (e(n.clk) - pv[PV_CYCLES].clone()),
        );

        // ---- Decoded flags: boolean, and only on instruction rows.
        for &f in &c.flags {
            builder.assert_bool(f);
            builder.assert_zero(e(f) * (one() - is_instr.clone()));
        }
        let f_load = flag(Flag::LoadB) + flag(Flag::LoadH) + flag(Flag::LoadW);
        let f_store = flag(Flag::StoreB) + flag(Flag::StoreH) + flag(Flag::StoreW);
        let f_ls = f_load.clone() + f_store.clone();
        let f_jalr = flag(Flag::Jalr);
        let f_ecall = flag(Flag::Ecall);
        let f_addr = f_ls.clone() + f_jalr.clone();
        let f_link = flag(Flag::Jal) + f_jalr.clone();
        let packed = c
            .flags
            .iter()
            .enumerate()
            .fold(AB::Expr::ZERO, |acc, (i, &f)| acc + e(f) * k(1 << i));
        let program = std::iter::once(e(c.pc))
            .chain(quad(&c.word))
            .chain(quad(&c.pc_bytes))
            .chain([e(c.rs1), e(c.rs2), e(c.rd)])
            .chain(quad(&c.imm))
            .chain([e(c.imm_w), e(c.alu_op), packed]);
        PROGRAM.lookup_key(builder, program, Count::bounded(is_instr.clone(), 1));

        // ---- Memory slots.
        let reg = |i: AB::Var| k(REG_BASE) + e(i);
        let io_call = e(c.sys_read) + e(c.sys_journal);
        let mem_active = f_ls.clone() + f_ecall.clone() + is_io.clone();
        // (address, value before, value after, whether the slot is used)
        type Slot<E> = (E, [E; 4], [E; 4], E);
        let slots: [Slot<AB::Expr>; NUM_SLOTS] = [
            (e(c.pc), quad(&c.word), quad(&c.word), is_instr.clone()),
            (reg(c.rs1), quad(&c.a), quad(&c.a), is_instr.clone()),
            (reg(c.rs2), quad(&c.b), quad(&c.b), is_instr.clone()),
            (
                reg(c.rd),
                quad(&c.rd_prev),
                quad(&c.rd_val),
                is_instr.clone(),
            ),
            (
                e(c.mem_addr),
                quad(&c.mem_prev),
                quad(&c.mem_new),
                mem_active.clone(),
            ),
        ];
        for (s, (addr, prev, new, active)) in slots.into_iter().enumerate() {
            let ts = e(c.clk) * k(4) + k(SLOT_TIME[s] + 1);
            // The previous access was strictly earlier: ts - prev - 1 = gap_lo + 2^16·gap_hi ≥ 0.
            let gap = ts.clone() - e(c.prev_ts[s]) - one();
            builder
                .assert_zero(active.clone() * (gap - e(c.gap_lo[s]) - e(c.gap_hi[s]) * k(1 << 16)));
            RANGE16.lookup_key(builder, [c.gap_lo[s]], 1);
            let count = || Count::bounded(active.clone(), 1);
            let [p0, p1, p2, p3] = prev;
            MEMORY.receive(
                builder,
                [addr.clone(), p0, p1, p2, p3, e(c.prev_ts[s])],
                count(),
            );
            let [n0, n1, n2, n3] = new;
            MEMORY.send(builder, [addr, n0, n1, n2, n3, ts], count());
        }
        BYTE_PAIR.lookup_key(builder, [c.gap_hi[0], c.gap_hi[1]], 1);
        BYTE_PAIR.lookup_key(builder, [c.gap_hi[2], c.gap_hi[3]], 1);
        BYTE_PAIR.lookup_key(builder, [e(c.gap_hi[4]), AB::Expr::ZERO], 1);

        // ---- rd receives the result, except x0, which never changes. Results are bytes.
        for i in 0..4 {
            builder.assert_eq(
                c.rd_val[i],
                e(c.result[i]) + flag(Flag::RdZero) * (e(c.rd_prev[i]) - e(c.result[i])),
            );
        }
        BYTE_PAIR.lookup_key(builder, [c.result[0], c.result[1]], 1);
        BYTE_PAIR.lookup_key(builder, [c.result[2], c.result[3]], 1);
        BYTE_PAIR.lookup_key(builder, [c.addr[0], c.addr[1]], 1);
        BYTE_PAIR.lookup_key(builder, [c.addr[2], c.addr[3]], 1);

        // ---- The second operand: the immediate or rs2.
        for i in 0..4 {
            builder.assert_eq(
                c.operand[i],
                e(c.b[i]) + flag(Flag::ImmOperand) * (e(c.imm[i]) - e(c.b[i])),
            );
        }

        // ---- Adder: x + y = z (mod 2^32), byte by byte.
        //   ADD/ADDI: a + operand = rd     SUB: rd + b = a     AUIPC: 4pc + imm = rd
        //   loads, stores, JALR: a + imm = addr                ECALL: b (buffer) + 0 = addr
        let f_add = flag(Flag::Add);
        let f_sub = flag(Flag::Sub);
        let f_auipc = flag(Flag::Auipc);
        let mut carry_in = AB::Expr::ZERO;
        for i in 0..4 {
            let x = f_add.clone() * e(c.a[i])
                + f_sub.clone() * e(c.result[i])
                + f_auipc.clone() * e(c.pc_bytes[i])
                + f_addr.clone() * e(c.a[i])
                + f_ecall.clone() * e(c.b[i]);
            let y = f_add.clone() * e(c.operand[i])
                + f_sub.clone() * e(c.b[i])
                + (f_auipc.clone() + f_addr.clone()) * e(c.imm[i]);
            let z = (f_add.clone() + f_auipc.clone()) * e(c.result[i])
                + f_sub.clone() * e(c.a[i])
                + (f_addr.clone() + f_ecall.clone()) * e(c.addr[i]);
            builder.assert_bool(c.carry[i]);
            builder.assert_zero(x + y + carry_in - z - e(c.carry[i]) * k(256));
            carry_in = e(c.carry[i]);
        }
        // Link adder: rd = 4pc + 4 for JAL and JALR.
        let mut carry_in = AB::Expr::ZERO;
        for i in 0..4 {
            let four = if i == 0 { k(4) } else { AB::Expr::ZERO };
            builder.assert_bool(c.link_carry[i]);
            builder.assert_zero(
                f_link.clone()
                    * (e(c.pc_bytes[i]) + four + carry_in
                        - e(c.result[i])
                        - e(c.link_carry[i]) * k(256)),
            );
            carry_in = e(c.link_carry[i]);
        }

        // ---- The address as a word and a lane: addr0 = 4·q + lane.
        let lane_index = e(c.lane[1]) + e(c.lane[2]) * k(2) + e(c.lane[3]) * k(3);
        let mut lanes = AB::Expr::ZERO;
        for &l in &c.lane {
            builder.assert_bool(l);
            lanes += e(l);
        }
        builder.assert_eq(lanes, f_addr.clone() + f_ecall.clone() + is_io.clone());
        builder.assert_zero(
            (f_addr.clone() + f_ecall.clone()) * (e(c.addr[0]) - e(c.addr_q) * k(4) - lane_index),
        );
        let addr_word = e(c.addr_q)
            + e(c.addr[1]) * k(64)
            + e(c.addr[2]) * k(1 << 14)
            + e(c.addr[3]) * k(1 << 22);
        BYTE_PAIR.lookup_key(builder, [e(c.addr_q), e(c.sign_rest) * k(2)], 1);
        builder.assert_zero(f_ls.clone() * (e(c.mem_addr) - addr_word.clone()));
        builder.assert_zero(f_ecall.clone() * (e(c.mem_addr) - k(REG_BASE + 12)));
        // Alignment: words on lane 0, halves on lanes 0 and 2, jumps on lanes 0 and 1.
        let word_access = flag(Flag::LoadW) + flag(Flag::StoreW);
        let half_access = flag(Flag::LoadH) + flag(Flag::StoreH);
        builder.assert_zero(word_access * (one() - e(c.lane[0])));
        builder.assert_zero(half_access * (e(c.lane[1]) + e(c.lane[3])));
        builder.assert_zero(f_jalr.clone() * (e(c.lane[2]) + e(c.lane[3])));

        // ---- Loads.
        let sel = |i: usize| e(c.lane[i]) * e(c.mem_prev[i]);
        let load_b = flag(Flag::LoadB);
        let load_h = flag(Flag::LoadH);
        let load_w = flag(Flag::LoadW);
        builder.assert_zero(load_b.clone() * (e(c.sel_lo) - sel(0) - sel(1) - sel(2) - sel(3)));
        builder.assert_zero(load_h.clone() * (e(c.sel_lo) - sel(0) - sel(2)));
        builder.assert_zero(
            load_h.clone()
                * (e(c.sel_hi) - e(c.lane[0]) * e(c.mem_prev[1]) - e(c.lane[2]) * e(c.mem_prev[3])),
        );
        let top = load_b.clone() * e(c.sel_lo) + load_h.clone() * e(c.sel_hi);
        builder.assert_bool(c.sign);
        builder.assert_zero(f_load.clone() * (top - e(c.sign) * k(128) - e(c.sign_rest)));
        builder.assert_eq(c.ext, flag(Flag::LoadSigned) * e(c.sign) * k(255));
        builder.assert_zero(load_b.clone() * (e(c.result[0]) - e(c.sel_lo)));
        builder.assert_zero(load_h.clone() * (e(c.result[0]) - e(c.sel_lo)));
        builder.assert_zero(load_h.clone() * (e(c.result[1]) - e(c.sel_hi)));
        for i in 1..4 {
            builder.assert_zero(load_b.clone() * (e(c.result[i]) - e(c.ext)));
        }
        for i in 2..4 {
            builder.assert_zero(load_h.clone() * (e(c.result[i]) - e(c.ext)));
        }
        for i in 0..4 {
            builder.assert_zero(load_w.clone() * (e(c.result[i]) - e(c.mem_prev[i])));
        }

        // ---- What the memory slot writes.
        let keep = f_load.clone() + f_ecall.clone() + e(c.io_journal);
        for i in 0..4 {
            let (m, nw, l) = (e(c.mem_prev[i]), e(c.mem_new[i]), e(c.lane[i]));
            builder.assert_zero(keep.clone() * (nw.clone() - m.clone()));
            builder.assert_zero(flag(Flag::StoreW) * (nw.clone() - e(c.b[i])));
            builder.assert_zero(
                flag(Flag::StoreB)
                    * (nw.clone() - l.clone() * e(c.b[0]) - (one() - l.clone()) * m.clone()),
            );
            // Halves sit on lane 0 (bytes 0, 1) or lane 2 (bytes 2, 3).
            let (half_lane, src) = if i < 2 {
                (e(c.lane[0]), e(c.b[i]))
            } else {
                (e(c.lane[2]), e(c.b[i - 2]))
            };
            builder.assert_zero(
                flag(Flag::StoreH)
                    * (nw.clone() - half_lane.clone() * src - (one() - half_lane) * m.clone()),
            );
            // A read writes its input byte (kept in addr0, range-checked) into its lane.
            builder.assert_zero(e(c.io_read) * (nw - l.clone() * e(c.addr[0]) - (one() - l) * m));
        }

        // ---- Immediate results.
        for i in 0..4 {
            builder.assert_zero(flag(Flag::Lui) * (e(c.result[i]) - e(c.imm[i])));
        }

        // ---- ALU chips: comparisons (also for branches), bitwise, shifts, M extension.
        let f_branch = flag(Flag::Branch);
        builder.assert_bool(c.taken);
        builder.assert_zero(e(c.taken) * (one() - f_branch.clone()));
        // A branch's answer is `taken`; its result stays zero so the two cannot trade.
        for i in 0..4 {
            builder.assert_zero(f_branch.clone() * e(c.result[i]));
        }
        let alu = [
            e(c.alu_op),
            e(c.a[0]),
            e(c.a[1]),
            e(c.a[2]),
            e(c.a[3]),
            e(c.operand[0]),
            e(c.operand[1]),
            e(c.operand[2]),
            e(c.operand[3]),
            e(c.result[0]) + e(c.taken),
            e(c.result[1]),
            e(c.result[2]),
            e(c.result[3]),
        ];
        ALU.lookup_key(
            builder,
            alu,
            Count::bounded(flag(Flag::Chip) + f_branch.clone(), 1),
        );

        // ---- Control flow.
        let f_seq =
            f_add + f_sub + flag(Flag::Chip) + flag(Flag::Lui) + f_auipc + f_ls + flag(Flag::Fence);
        let pc = e(c.pc);
        let next_pc = e(c.next_pc);
        builder.assert_zero(f_seq * (next_pc.clone() - pc.clone() - one()));
        builder.assert_zero(flag(Flag::Jal) * (next_pc.clone() - pc.clone() - e(c.imm_w)));
        builder.assert_zero(f_jalr * (next_pc.clone() - addr_word.clone()));
        builder.assert_zero(
            f_branch * (next_pc.clone() - pc.clone() - one() - e(c.taken) * (e(c.imm_w) - one())),
        );
        builder.assert_zero(e(c.taken) * flag(Flag::ImmMisaligned));

        // ---- ECALL: a7 in rs1, a1 (buffer) in rs2, a0 in rd, a2 (count) in the memory slot.
        let sys = [c.sys_exit, c.sys_read, c.sys_journal, c.sys_stdout];
        let mut any_sys = AB::Expr::ZERO;
        for &s in &sys {
            builder.assert_bool(s);
            any_sys += e(s);
        }
        builder.assert_eq(any_sys, f_ecall.clone());
        for i in 1..4 {
            builder.assert_zero(f_ecall.clone() * e(c.a[i]));
        }
        let a7 = e(c.a[0]);
        builder.assert_zero(e(c.sys_exit) * (a7.clone() - k(93)) * (a7.clone() - k(94)));
        builder.assert_zero(e(c.sys_read) * (a7.clone() - k(63)));
        builder.assert_zero((e(c.sys_journal) + e(c.sys_stdout)) * (a7 - k(64)));
        // File descriptors (a0 before): 0 for read, 3 for the journal, 1 or 2 for output.
        let fd = e(c.rd_prev[0]);
        for i in 1..4 {
            builder.assert_zero((io_call.clone() + e(c.sys_stdout)) * e(c.rd_prev[i]));
        }
        builder.assert_zero(e(c.sys_read) * fd.clone());
        builder.assert_zero(e(c.sys_journal) * (fd.clone() - k(3)));
        builder.assert_zero(e(c.sys_stdout) * (fd.clone() - one()) * (fd - k(2)));
        // exit keeps a0 and the pc, and ends the segment's execution.
        for i in 0..4 {
            builder.assert_zero(e(c.sys_exit) * (e(c.result[i]) - e(c.rd_prev[i])));
            builder.assert_zero(e(c.sys_exit) * (e(c.rd_prev[i]) - pv[PV_EXIT_CODE + i].clone()));
            builder.assert_zero(e(c.sys_stdout) * (e(c.result[i]) - e(c.mem_prev[i])));
        }
        builder.assert_zero(e(c.sys_exit) * (next_pc.clone() - pc.clone()));
        builder
            .when_transition()
            .assert_zero(e(c.sys_exit) * next_real);
        builder
            .when_transition()
            .assert_eq(n.halted, e(c.halted) + e(c.sys_exit));
        builder.assert_zero(e(c.sys_stdout) * (next_pc.clone() - pc.clone() - one()));
        // read and journal write move n bytes: n = min(count, 4096) for the journal,
        // n ≤ min(count, 4096) for read (the input is the prover's).
        let count_lo = lo16(&c.mem_prev);
        let count_hi = hi16(&c.mem_prev);
        builder.assert_bool(c.hi_nz);
        builder.assert_zero(io_call.clone() * (one() - e(c.hi_nz)) * count_hi.clone());
        builder.assert_zero(e(c.hi_nz) * (count_hi * e(c.hi_inv) - one()));
        builder.assert_bool(c.io_big);
        builder.assert_zero(e(c.hi_nz) * (one() - e(c.io_big)));
        builder.assert_zero(
            (one() - e(c.hi_nz))
                * (e(c.io_slack)
                    - e(c.io_big) * (count_lo.clone() - k(IO_LIMIT + 1))
                    - (one() - e(c.io_big)) * (k(IO_LIMIT) - count_lo.clone())),
        );
        RANGE16.lookup_key(builder, [c.io_slack], 1);
        let limit = e(c.io_big) * k(IO_LIMIT) + (one() - e(c.io_big)) * count_lo;
        builder.assert_zero(e(c.sys_journal) * (e(c.io_n) - limit.clone()));
        builder.assert_zero(e(c.sys_read) * (e(c.io_room) - limit + e(c.io_n)));
        RANGE16.lookup_key(builder, [c.io_room], 1);
        builder
            .assert_zero(io_call.clone() * (e(c.result[0]) + e(c.result[1]) * k(256) - e(c.io_n)));
        builder.assert_zero(io_call.clone() * e(c.result[2]));
        builder.assert_zero(io_call.clone() * e(c.result[3]));
        builder.assert_bool(c.n_nz);
        builder.assert_zero((one() - e(c.n_nz)) * e(c.io_n));
        builder.assert_zero(e(c.n_nz) * (e(c.io_n) * e(c.n_inv) - one()));
        builder.assert_zero(io_call.clone() * (next_pc.clone() - pc.clone() - one() + e(c.n_nz)));

        // ---- The end of the input: a short read ends it, and nothing is read after.
        builder.assert_bool(c.input_ended);
        builder.assert_bool(c.room_nz);
        builder.assert_zero(e(c.room_nz) * (one() - e(c.sys_read)));
        builder.assert_zero(e(c.sys_read) * (one() - e(c.room_nz)) * e(c.io_room));
        builder.assert_zero(e(c.room_nz) * (e(c.io_room) * e(c.room_inv) - one()));
        builder.assert_zero(e(c.input_ended) * e(c.sys_read) * e(c.io_n));
        builder
            .when_first_row()
            .assert_eq(c.input_ended, pv[PV_PRE_INPUT_ENDED].clone());
        builder
            .when_last_row()
            .assert_eq(c.input_ended, pv[PV_POST_INPUT_ENDED].clone());
        builder.when_transition().assert_eq(
            n.input_ended,
            e(c.input_ended) + e(c.room_nz) - e(c.input_ended) * e(c.room_nz),
        );

        // ---- Rows that move bytes.
        builder.assert_bool(c.io_read);
        builder.assert_bool(c.io_journal);
        builder.assert_eq(e(c.io_read) + e(c.io_journal), is_io.clone());
        builder.assert_bool(c.io_last);
        builder.assert_zero(e(c.io_last) * (e(c.io_left) - one()));
        builder.assert_zero(
            is_io.clone()
                * (one() - e(c.io_last))
                * ((e(c.io_left) - one()) * e(c.io_last_inv) - one()),
        );
        builder.assert_zero(is_io.clone() * (next_pc - pc - e(c.io_last)));
        let start = io_call.clone() * e(c.n_nz);
        let cont = is_io.clone() * (one() - e(c.io_last));
        builder
            .when_transition()
            .assert_eq(n.is_io, start.clone() + cont.clone());
        {
            let mut t = builder.when_transition();
            // The first byte row starts at the buffer, with n bytes to go.
            t.assert_zero(start.clone() * (e(n.mem_addr) - addr_word));
            t.assert_zero(start.clone() * (e(n.io_left) - e(c.io_n)));
            t.assert_zero(start.clone() * (e(n.io_read) - e(c.sys_read)));
            for i in 0..4 {
                t.assert_zero(start.clone() * (e(n.lane[i]) - e(c.lane[i])));
            }
            // Each next byte: one fewer to go, the next lane, the next word after lane 3.
            t.assert_zero(cont.clone() * (e(n.io_left) - e(c.io_left) + one()));
            t.assert_zero(cont.clone() * (e(n.io_read) - e(c.io_read)));
            t.assert_zero(cont.clone() * (e(n.mem_addr) - e(c.mem_addr) - e(c.lane[3])));
            for i in 0..4 {
                t.assert_zero(cont.clone() * (e(n.lane[(i + 1) % 4]) - e(c.lane[i])));
            }
        }
        builder
            .when_transition()
            .assert_eq(n.jpos, e(c.jpos) + e(c.io_journal));
        // Journal rows read their byte (kept in sel_lo) and send it with its position.
        builder.assert_zero(e(c.io_journal) * (e(c.sel_lo) - sel(0) - sel(1) - sel(2) - sel(3)));
        JOURNAL.lookup_key(
            builder,
            [c.jpos, c.sel_lo],
            Count::bounded(e(c.io_journal), 1),
        );
    }
}
