//! Checks a segment's tables directly, without a proof: every constraint on
//! every row, and the balance of every bus. A failing proof says only that it
//! fails; this says which table, row and bus.

use std::panic::{catch_unwind, AssertUnwindSafe};

use bento_stark::{Matrix, PrimeCharacteristicRing, RowMajorMatrix, EF, F};
use p3_air::check_all_constraints;
use p3_lookup::debug_util::{check_lookups, LookupDebugInstance};
use p3_lookup::Lookups;

use crate::air::{RiscvAir, TABLE_NAMES};

/// Describes every violated constraint (up to a few per table) and unbalanced bus.
pub fn check(
    airs: &[RiscvAir],
    traces: &[RowMajorMatrix<F>],
    public_values: &[Vec<F>],
) -> Result<(), String> {
    let mut problems = Vec::new();
    for (i, ((air, trace), pv)) in airs.iter().zip(traces).zip(public_values).enumerate() {
        let report = check_all_constraints(air, trace, pv, Some(5));
        for f in &report.failures {
            problems.push(format!(
                "table {}: row {} of {}: constraint #{} fails",
                TABLE_NAMES[i],
                f.row,
                trace.height(),
                f.constraint
            ));
        }
    }
    let lookups: Vec<_> = airs.iter().map(Lookups::<F>::from_air::<EF, _>).collect();
    let empty = None;
    // Fixed challenges suffice: the balance is checked on the tuples themselves.
    let challenges: Vec<F> = (0..2 * 64).map(|i| F::from_u32(7 + 4 * i)).collect();
    let instances: Vec<LookupDebugInstance<'_, F>> = traces
        .iter()
        .zip(public_values)
        .zip(&lookups)
        .map(|((trace, pv), l)| LookupDebugInstance {
            main_trace: trace,
            preprocessed_trace: &empty,
            public_values: pv,
            lookups: l,
            permutation_challenges: &challenges,
        })
        .collect();
    if let Err(panic) = catch_unwind(AssertUnwindSafe(|| check_lookups(&instances))) {
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()));
        let mut message = message.unwrap_or_default();
        message.truncate(600);
        problems.push(format!("buses: {message}"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}
