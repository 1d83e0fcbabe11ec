//! The segment circuit as one batch: every table, in a fixed order.

use std::borrow::Cow;

use bento_stark::{Air, AirBuilder, BaseAir, InteractionBuilder, F};

use crate::chips::bitwise::BitwiseAir;
use crate::chips::compare::CompareAir;
use crate::chips::div::DivAir;
use crate::chips::mul::MulAir;
use crate::chips::shift::ShiftAir;
use crate::cpu::CpuAir;
use crate::memory::BoundaryAir;
use crate::paging::PagingAir;
use crate::program::ProgramAir;
use crate::range::{BytesAir, Range16Air};

/// The tables of a segment proof, in batch order.
#[derive(Clone, Debug)]
pub enum RiscvAir {
    Cpu(CpuAir),
    Program(ProgramAir),
    Boundary(BoundaryAir),
    Paging(PagingAir),
    Range16(Range16Air),
    Bytes(BytesAir),
    Compare(CompareAir),
    Bitwise(BitwiseAir),
    Shift(ShiftAir),
    Mul(MulAir),
    Div(DivAir),
}

pub const NUM_TABLES: usize = 11;
pub const CPU: usize = 0;
pub const PROGRAM: usize = 1;
pub const BOUNDARY: usize = 2;
pub const PAGING: usize = 3;
pub const RANGE16: usize = 4;
pub const BYTES: usize = 5;
pub const COMPARE: usize = 6;
pub const BITWISE: usize = 7;
pub const SHIFT: usize = 8;
pub const MUL: usize = 9;
pub const DIV: usize = 10;

pub const TABLE_NAMES: [&str; NUM_TABLES] = [
    "cpu", "program", "boundary", "paging", "range16", "bytes", "compare", "bitwise", "shift",
    "mul", "div",
];

/// The batch of every segment.
pub fn airs() -> Vec<RiscvAir> {
    vec![
        RiscvAir::Cpu(CpuAir),
        RiscvAir::Program(ProgramAir),
        RiscvAir::Boundary(BoundaryAir),
        RiscvAir::Paging(PagingAir),
        RiscvAir::Range16(Range16Air),
        RiscvAir::Bytes(BytesAir),
        RiscvAir::Compare(CompareAir),
        RiscvAir::Bitwise(BitwiseAir),
        RiscvAir::Shift(ShiftAir),
        RiscvAir::Mul(MulAir),
        RiscvAir::Div(DivAir),
    ]
}

macro_rules! each {
    ($self:expr, $air:ident => $body:expr) => {
        match $self {
            RiscvAir::Cpu($air) => $body,
            RiscvAir::Program($air) => $body,
            RiscvAir::Boundary($air) => $body,
            RiscvAir::Paging($air) => $body,
            RiscvAir::Range16($air) => $body,
            RiscvAir::Bytes($air) => $body,
            RiscvAir::Compare($air) => $body,
            RiscvAir::Bitwise($air) => $body,
            RiscvAir::Shift($air) => $body,
            RiscvAir::Mul($air) => $body,
            RiscvAir::Div($air) => $body,
        }
    };
}

impl BaseAir<F> for RiscvAir {
    fn width(&self) -> usize {
        each!(self, a => a.width())
    }

    fn num_public_values(&self) -> usize {
        each!(self, a => a.num_public_values())
    }

    fn num_periodic_columns(&self) -> usize {
        each!(self, a => a.num_periodic_columns())
    }

    fn periodic_columns(&self) -> Cow<'_, [Vec<F>]> {
        each!(self, a => a.periodic_columns())
    }

    fn main_next_row_columns(&self) -> Vec<usize> {
        each!(self, a => a.main_next_row_columns())
    }
}

impl<AB: AirBuilder<F = F> + InteractionBuilder> Air<AB> for RiscvAir {
    fn eval(&self, builder: &mut AB) {
        each!(self, a => a.eval(builder))
    }
}
