//! The tables a recursion program is proved on. Every operation is a row; its
//! cell addresses, constants and read counts are preprocessed columns (fixed
//! by the program: the verifying key), its values main columns.
//!
//! Cells meet on one bus, [`MEMORY`]: the row that computes a cell sends
//! `(address, value)` as many times as the program reads it (a preprocessed
//! count), and every read receives it once. Each address has exactly one
//! writer and its value is pinned by that writer's constraints, so a read of
//! any other value leaves the bus unbalanced.

pub mod arith;
pub mod permute;
pub mod public;
pub mod witness;

use bento_stark::{InteractionBuilder, PermutationCheckBus};
use p3_lookup::Count;

/// Cells: `(address, c0, c1, c2, c3)`.
pub const MEMORY: PermutationCheckBus<'static> = PermutationCheckBus::new("recursion-memory");

/// Sends a cell as often as the preprocessed `count` says.
pub(crate) fn write<AB: InteractionBuilder>(
    builder: &mut AB,
    address: AB::Expr,
    value: [AB::Expr; 4],
    count: AB::Expr,
) {
    MEMORY.send(
        builder,
        std::iter::once(address).chain(value),
        Count::provided(count),
    );
}

/// Receives a cell once where the preprocessed flag `read` is set.
pub(crate) fn read<AB: InteractionBuilder>(
    builder: &mut AB,
    address: AB::Expr,
    value: [AB::Expr; 4],
    read: AB::Expr,
) {
    MEMORY.receive(
        builder,
        std::iter::once(address).chain(value),
        Count::bounded(read, 1),
    );
}

/// A base element as a cell value: its upper coefficients are zero.
pub(crate) fn base<E: bento_stark::PrimeCharacteristicRing>(x: E) -> [E; 4] {
    [x, E::ZERO, E::ZERO, E::ZERO]
}
