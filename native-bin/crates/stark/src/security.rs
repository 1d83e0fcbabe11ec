//! Conjectured security of a batch under a configuration, computed with
//! Plonky3's estimator (`p3-security`, the "random words" regime of
//! ePrint 2025/2010) at the batch's real shape: FRI, the AIR composition and
//! DEEP-ALI terms of every table, the batched-openings round, and the LogUp
//! fingerprint over all interactions of the batch.

use p3_batch_stark::symbolic::{
    get_log_num_quotient_chunks, get_max_constraint_degree, get_symbolic_constraints,
};
use p3_lookup::{LogUpGadget, Lookup};
use p3_security::fri::FriRegime;
use p3_security::grinding::GrindingSites;
use p3_security::logup::{security_term, LogUpAir};
use p3_security::shape::{InstanceShape, StarkAirParams};
use p3_security::stark::conjectured_security_report;
use p3_uni_stark::OpeningShape;
use serde::Serialize;

use crate::batch::BatchAir;
use crate::config::{ProofConfig, Setup, EF, F};

/// Bits of the challenge field (four 31-bit limbs).
pub const FIELD_BITS: usize = 124;
/// Collision resistance of Poseidon2 digests of eight BabyBear elements.
pub const COLLISION_BITS: usize = 124;

#[derive(Clone, Debug, Serialize)]
pub struct TableShape {
    pub log_height: usize,
    pub main_width: usize,
    pub num_constraints: usize,
    pub max_constraint_degree: usize,
    pub num_quotient_chunks: usize,
    /// Committed LogUp fraction columns (after same-bus packing).
    pub lookup_columns: usize,
    /// Bus messages per row.
    pub interactions: usize,
    pub max_message_width: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The conjectured security of the batch: the weakest term of any table.
    pub bits: f64,
    /// Which term binds.
    pub binding: String,
    pub tables: Vec<TableShape>,
}

/// The shapes of a batch's tables at the given heights (a hiding
/// configuration's quotients have twice the chunks).
pub fn shapes<SC: ProofConfig, A: BatchAir<SC>>(
    setup: &Setup<SC>,
    airs: &[A],
    log_heights: &[usize],
) -> Vec<TableShape> {
    let lookups = crate::batch::lookups(setup, airs, log_heights).expect("shapes of a valid batch");
    let is_zk = usize::from(setup.parameters.is_hiding());
    let gadget = LogUpGadget::new();
    airs.iter()
        .zip(log_heights)
        .zip(&lookups)
        .map(|((air, &log_height), lookups)| {
            let lookups: &[Lookup<F>] = lookups;
            let layout = p3_air::symbolic::AirLayout::from_air(air);
            let (base, ext) =
                get_symbolic_constraints::<F, EF, A, _>(air, layout, lookups, &gadget);
            let log_chunks = get_log_num_quotient_chunks::<F, EF, A, _>(
                air,
                layout,
                1 << log_height,
                lookups,
                is_zk,
                &gadget,
            ) + is_zk;
            TableShape {
                log_height,
                main_width: air.width(),
                num_constraints: base.len() + ext.len(),
                max_constraint_degree: get_max_constraint_degree::<F, EF, A, _>(
                    air,
                    layout,
                    1 << log_height,
                    lookups,
                    &gadget,
                ),
                num_quotient_chunks: 1 << log_chunks,
                lookup_columns: lookups.len(),
                interactions: lookups.iter().map(|l| l.elements.len()).sum(),
                max_message_width: lookups
                    .iter()
                    .flat_map(|l| l.elements.iter().map(Vec::len))
                    .max()
                    .unwrap_or(0),
            }
        })
        .collect()
}

/// The conjectured security of proving `tables` together under `setup`.
/// Under a hiding configuration every committed polynomial spans twice its
/// trace's height, and the random codewords are batched with the rest.
pub fn conjectured<SC>(setup: &Setup<SC>, tables: &[TableShape]) -> Report {
    let p = &setup.parameters;
    let zk = usize::from(p.is_hiding());
    let openings = if p.is_hiding() {
        OpeningShape::hiding(p.random_codewords)
    } else {
        OpeningShape::new()
    };
    let fri = FriRegime {
        log_blowup: p.log_blowup,
        num_queries: p.num_queries,
        log_final_poly_len: p.log_final_poly_len,
        max_log_arity: p.max_log_arity,
        commit_pow_bits: p.commit_pow_bits,
        query_pow_bits: p.query_pow_bits,
    };
    let grinding = GrindingSites {
        batch_combination: p.batch_pow_bits,
        lookup_challenge: p.lookup_pow_bits,
        out_of_domain: p.ood_pow_bits,
    };
    // Every committed column of every table is batched into one FRI instance.
    let batched: usize = tables
        .iter()
        .map(|t| {
            p3_batch_stark::num_batched_openings(
                t.main_width,
                true,
                0,
                false,
                t.num_quotient_chunks,
                t.lookup_columns,
                4,
                openings,
            )
        })
        .sum();
    // The LogUp fingerprint counts every message of the batch: N = Σ interactions·height.
    let max_log = tables.iter().map(|t| t.log_height + zk).max().unwrap_or(0);
    let messages: f64 = tables
        .iter()
        .map(|t| t.interactions as f64 * ((t.log_height + zk) as f64).exp2())
        .sum();
    let logup = LogUpAir {
        num_interactions: (messages / (max_log as f64).exp2()).ceil() as usize,
        max_message_width: tables
            .iter()
            .map(|t| t.max_message_width)
            .max()
            .unwrap_or(0),
    };
    let mut worst = (f64::INFINITY, String::new());
    for t in tables {
        let air = StarkAirParams {
            num_constraints: t.num_constraints,
            max_constraint_degree: t.max_constraint_degree,
            num_quotient_chunks: t.num_quotient_chunks,
            max_combo: 2,
        };
        let shape = InstanceShape {
            log_trace_length: t.log_height + zk,
            modulus_bits: FIELD_BITS,
            collision_resistance: COLLISION_BITS,
            num_batched_functions: batched,
        };
        let logup_shape = InstanceShape {
            log_trace_length: max_log,
            ..shape
        };
        let extras: Vec<_> = security_term(&logup, &logup_shape, &grinding)
            .into_iter()
            .collect();
        let report = conjectured_security_report(&fri, &air, &shape, &extras, &grinding);
        let bits = report.security_bits();
        if bits < worst.0 {
            worst = (bits, format!("{:?}", report.binding()));
        }
    }
    Report {
        bits: worst.0,
        binding: worst.1,
        tables: tables.to_vec(),
    }
}
