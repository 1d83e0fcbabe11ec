//! The recursion circuit as one batch: every table, in a fixed order.

use std::borrow::Cow;

use bento_stark::{Air, AirBuilder, BaseAir, InteractionBuilder, RowMajorMatrix, F};

use crate::tables::arith::ArithAir;
use crate::tables::permute::PermuteAir;
use crate::tables::public::PublicAir;
use crate::tables::witness::WitnessAir;

#[derive(Clone, Debug)]
pub enum RecursionAir {
    Arith(ArithAir),
    Witness(WitnessAir),
    Public(PublicAir),
    Permute(PermuteAir),
}

pub const NUM_TABLES: usize = 4;
pub const ARITH: usize = 0;
pub const WITNESS: usize = 1;
pub const PUBLIC: usize = 2;
pub const PERMUTE: usize = 3;
pub const TABLE_NAMES: [&str; NUM_TABLES] = ["arith", "witness", "public", "permute"];

macro_rules! each {
    ($self:expr, $air:ident => $body:expr) => {
        match $self {
            RecursionAir::Arith($air) => $body,
            RecursionAir::Witness($air) => $body,
            RecursionAir::Public($air) => $body,
            RecursionAir::Permute($air) => $body,
        }
    };
}

impl BaseAir<F> for RecursionAir {
    fn width(&self) -> usize {
        each!(self, a => a.width())
    }

    fn num_public_values(&self) -> usize {
        each!(self, a => a.num_public_values())
    }

    fn preprocessed_trace(&self) -> Option<RowMajorMatrix<F>> {
        each!(self, a => a.preprocessed_trace())
    }

    fn preprocessed_width(&self) -> usize {
        each!(self, a => a.preprocessed_width())
    }

    fn periodic_columns(&self) -> Cow<'_, [Vec<F>]> {
        Cow::Borrowed(&[])
    }

    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }

    fn preprocessed_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB: AirBuilder<F = F> + InteractionBuilder> Air<AB> for RecursionAir {
    fn eval(&self, builder: &mut AB) {
        each!(self, a => a.eval(builder))
    }
}
