//! Plonky3's batch-STARK verifier (`p3_batch_stark::verify_batch`) as a
//! program, for the proofs of one shape (tables and their heights): the
//! transcript up to the opening argument ([`transcript`]), the lookup
//! argument's global sum, and every table's constraints at ζ against its
//! quotient ([`ood`]), and the opening argument: the PCS and FRI over every
//! commitment ([`pcs`], [`mmcs`]).
//!
//! Structural facts (widths, quotient chunk counts, domains, the transcript's
//! seed, the buses' layout) are computed natively from the shape and enter
//! the program as constants; everything the prover sends enters as witness
//! cells ([`ProofCells`]).

pub mod mmcs;
pub mod ood;
pub mod pcs;
pub mod transcript;

use bento_stark::batch::{preprocessed_commitment, symbolic_tables, SymbolicTable};
use bento_stark::config::Parameters;
use bento_stark::config::{Challenger as NativeChallenger, Config};
use bento_stark::{BatchAir, PrimeCharacteristicRing, Setup, EF, F};
use p3_batch_stark::{BatchProof, BatchShape};
use p3_lookup::Kind as LookupKind;
use p3_uni_stark::StarkGenericConfig;

use crate::ir::{Builder, Ext, Felt};

/// What a verifier fixes before it reads a proof, computed once per shape.
pub struct BatchVerifier {
    pub(crate) parameters: bento_stark::config::Parameters,
    pub(crate) tables: Vec<SymbolicTable>,
    pub(crate) degree_bits: Vec<usize>,
    pub(crate) widths: Vec<usize>,
    pub(crate) preprocessed_widths: Vec<usize>,
    pub(crate) num_public: Vec<usize>,
    pub(crate) next_row_used: Vec<bool>,
    pub(crate) preprocessed_next_used: Vec<bool>,
    pub(crate) preprocessed: Option<Vec<[F; 8]>>,
    /// The challenger after the transcript's seed (the same for every proof of the shape).
    pub(crate) seeded: NativeChallenger,
    /// Each table's lookups' bus numbers, and the longest bus message.
    pub(crate) bus_ids: Vec<Vec<usize>>,
    pub(crate) num_buses: usize,
    pub(crate) max_message_width: usize,
    pub(crate) lookup_pow_bits: usize,
    pub(crate) ood_pow_bits: usize,
}

impl BatchVerifier {
    pub fn new<A: BatchAir>(
        setup: &Setup,
        airs: &[A],
        degree_bits: &[usize],
    ) -> Result<BatchVerifier, String> {
        let preprocessed = preprocessed_commitment(setup, airs, degree_bits);
        BatchVerifier::with_commitment(setup, airs, degree_bits, preprocessed)
    }

    /// The verifier of proofs by any circuit of these tables (of which some
    /// have preprocessed columns), each against its own key: the program
    /// supplies each proof's commitment, so none is computed here (the cap
    /// is zeros, of the length a commitment's has).
    pub fn keyed<A: BatchAir>(
        setup: &Setup,
        airs: &[A],
        degree_bits: &[usize],
    ) -> Result<BatchVerifier, String> {
        let tallest = (0..airs.len())
            .filter(|&t| airs[t].preprocessed_width() > 0)
            .map(|t| log_lde_height(&setup.parameters, degree_bits[t]))
            .max()
            .ok_or("no table has preprocessed columns")?;
        let cap = vec![[F::ZERO; 8]; cap_len(&setup.parameters, tallest)];
        BatchVerifier::with_commitment(setup, airs, degree_bits, Some(cap))
    }

    fn with_commitment<A: BatchAir>(
        setup: &Setup,
        airs: &[A],
        degree_bits: &[usize],
        preprocessed: Option<Vec<[F; 8]>>,
    ) -> Result<BatchVerifier, String> {
        let tables = symbolic_tables(setup, airs, degree_bits)?;
        let preprocessed_widths: Vec<usize> = airs.iter().map(|a| a.preprocessed_width()).collect();
        let num_lookup_instances = tables.iter().filter(|t| !t.lookups.is_empty()).count();
        let config = &setup.config;
        let shape = BatchShape {
            trace_widths: airs.iter().map(|a| a.width()).collect(),
            public_value_counts: airs.iter().map(|a| a.num_public_values()).collect(),
            preprocessed_widths: preprocessed_widths.clone(),
            has_preprocessed_commitment: preprocessed.is_some(),
            num_lookup_instances,
            lookup_pow_bits: config.lookup_proof_of_work_bits(),
            has_randomization_commitment: false,
            ood_pow_bits: config.ood_proof_of_work_bits(),
        };
        let mut seeded = config.initialise_challenger();
        shape.domain_separator::<F, EF>().seed(&mut seeded);
        let (bus_ids, num_buses, max_message_width) = bus_layout(&tables);
        Ok(BatchVerifier {
            parameters: setup.parameters,
            degree_bits: degree_bits.to_vec(),
            widths: shape.trace_widths.clone(),
            num_public: shape.public_value_counts.clone(),
            next_row_used: airs
                .iter()
                .map(|a| !a.main_next_row_columns().is_empty())
                .collect(),
            preprocessed_next_used: airs
                .iter()
                .map(|a| !a.preprocessed_next_row_columns().is_empty())
                .collect(),
            preprocessed_widths,
            preprocessed,
            seeded,
            bus_ids,
            num_buses,
            max_message_width,
            lookup_pow_bits: shape.lookup_pow_bits,
            ood_pow_bits: shape.ood_pow_bits,
            tables,
        })
    }
}

/// Bus numbers as the batch transcript assigns them: a global bus gets one
/// number, shared by every table on it, in order of first appearance; a
/// local lookup gets its own.
fn bus_layout(tables: &[SymbolicTable]) -> (Vec<Vec<usize>>, usize, usize) {
    let mut global: Vec<(String, usize)> = Vec::new();
    let mut next = 0;
    let mut max_width = 1;
    let ids = tables
        .iter()
        .map(|t| {
            t.lookups
                .iter()
                .map(|lookup| {
                    let width = lookup.elements.first().map_or(0, Vec::len);
                    max_width = max_width.max(width);
                    match &lookup.kind {
                        LookupKind::Global(name) => {
                            if let Some(&(_, id)) = global.iter().find(|(n, _)| n == name) {
                                id
                            } else {
                                global.push((name.clone(), next));
                                next += 1;
                                next - 1
                            }
                        }
                        LookupKind::Local => {
                            next += 1;
                            next - 1
                        }
                    }
                })
                .collect()
        })
        .collect();
    (ids, next, max_width)
}

/// Where a verifying program's witness comes from: a proof, or nothing (the
/// program of a shape alone, with zeros for every value, gives its verifying key).
#[derive(Clone, Copy)]
pub enum Source<'a> {
    Proof(&'a BatchProof<Config>),
    Shape,
}

/// One table's opened values as cells.
pub struct OpenedCells {
    pub trace_local: Vec<Ext>,
    pub trace_next: Vec<Ext>,
    pub preprocessed_local: Vec<Ext>,
    pub preprocessed_next: Vec<Ext>,
    /// Each chunk's value at ζ, as the four base columns of its extension.
    pub quotient_chunks: Vec<Vec<Ext>>,
    /// The LogUp columns at ζ and at its successor, flattened to base columns.
    pub permutation_local: Vec<Ext>,
    pub permutation_next: Vec<Ext>,
}

/// A proof's data as witness cells of a program.
pub struct ProofCells {
    pub main: Vec<Felt>,
    /// The preprocessed commitment's cap: constants where the verifier fixes
    /// the circuit, witness cells where the program reads a verifying key.
    pub preprocessed: Option<Vec<Felt>>,
    pub permutation: Option<Vec<Felt>>,
    pub quotient: Vec<Felt>,
    pub lookup_pow: Option<Felt>,
    pub ood_pow: Felt,
    pub terminals: Vec<Option<Ext>>,
    pub tables: Vec<OpenedCells>,
}

fn cap_cells(b: &mut Builder, cap: &p3_symmetric::MerkleCap<F, [F; 8]>) -> Vec<Felt> {
    cap.roots()
        .iter()
        .flatten()
        .map(|&v| b.witness_felt(v))
        .collect()
}

impl ProofCells {
    /// Witnesses a proof, after checking it has the shape `v` verifies (a
    /// proof of another shape cannot be an input of this program).
    pub fn witness(
        b: &mut Builder,
        v: &BatchVerifier,
        proof: &BatchProof<Config>,
    ) -> Result<ProofCells, String> {
        let n = v.tables.len();
        if proof.degree_bits != v.degree_bits {
            return Err(format!(
                "the proof's tables have 2^{:?} rows, this program verifies 2^{:?}",
                proof.degree_bits, v.degree_bits
            ));
        }
        let instances = &proof.opened_values.instances;
        if instances.len() != n || proof.lookup_terminals.len() != n {
            return Err("the proof has another number of tables".into());
        }
        let has_lookups = v.tables.iter().any(|t| !t.lookups.is_empty());
        if proof.commitments.permutation.is_some() != has_lookups
            || proof.lookup_pow_witness.is_some() != has_lookups
            || proof.commitments.random.is_some()
        {
            return Err("the proof's commitments do not match its tables".into());
        }
        let (main_cap, permutation_cap) = v.cap_lens();
        if proof.commitments.main.roots().len() != main_cap
            || proof.commitments.quotient_chunks.roots().len() != main_cap
            || proof
                .commitments
                .permutation
                .as_ref()
                .map(|c| c.roots().len())
                != permutation_cap
        {
            return Err("the proof's commitments have other sizes".into());
        }
        let ext = |b: &mut Builder, values: &[EF]| -> Vec<Ext> {
            values.iter().map(|&x| b.witness(x)).collect()
        };
        let mut tables = Vec::with_capacity(n);
        for (i, inst) in instances.iter().enumerate() {
            let base = &inst.base_opened_values;
            let t = &v.tables[i];
            let perm_width = if t.lookups.is_empty() {
                0
            } else {
                (t.lookups.len() + 1) * 4
            };
            let pre_w = v.preprocessed_widths[i];
            let shape_ok = base.trace_local.len() == v.widths[i]
                && base.trace_next.as_ref().map_or(!v.next_row_used[i], |x| {
                    v.next_row_used[i] && x.len() == v.widths[i]
                })
                && base.preprocessed_local().map_or(0, <[EF]>::len) == pre_w
                && base.preprocessed_next().map_or(0, <[EF]>::len)
                    == if v.preprocessed_next_used[i] {
                        pre_w
                    } else {
                        0
                    }
                && base.quotient_chunks.len() == 1 << t.log_quotient_chunks
                && base.quotient_chunks.iter().all(|c| c.len() == 4)
                && base.random.is_none()
                && inst.permutation_local.len() == perm_width
                && inst.permutation_next.len() == perm_width
                && proof.lookup_terminals[i].is_some() != t.lookups.is_empty();
            if !shape_ok {
                return Err(format!(
                    "table {i}: the proof's opened values have another shape"
                ));
            }
            tables.push(OpenedCells {
                trace_local: ext(b, &base.trace_local),
                trace_next: ext(b, base.trace_next.as_deref().unwrap_or(&[])),
                preprocessed_local: ext(b, base.preprocessed_local().unwrap_or(&[])),
                preprocessed_next: ext(b, base.preprocessed_next().unwrap_or(&[])),
                quotient_chunks: base.quotient_chunks.iter().map(|c| ext(b, c)).collect(),
                permutation_local: ext(b, &inst.permutation_local),
                permutation_next: ext(b, &inst.permutation_next),
            });
        }
        Ok(ProofCells {
            main: cap_cells(b, &proof.commitments.main),
            preprocessed: v.fixed_preprocessed(b),
            permutation: proof
                .commitments
                .permutation
                .as_ref()
                .map(|c| cap_cells(b, c)),
            quotient: cap_cells(b, &proof.commitments.quotient_chunks),
            lookup_pow: proof.lookup_pow_witness.map(|w| b.witness_felt(w)),
            ood_pow: b.witness_felt(proof.ood_pow_witness),
            terminals: proof
                .lookup_terminals
                .iter()
                .map(|t| t.as_ref().map(|t| b.witness(t.0)))
                .collect(),
            tables,
        })
    }
}

impl ProofCells {
    /// Zeros in the shape of a proof `v` verifies (for the program alone).
    pub fn zeros(b: &mut Builder, v: &BatchVerifier) -> ProofCells {
        let (main_cap, permutation_cap) = v.cap_lens();
        let felts = |b: &mut Builder, n: usize| -> Vec<Felt> {
            (0..n).map(|_| b.witness_felt(F::ZERO)).collect()
        };
        let exts = |b: &mut Builder, n: usize| -> Vec<Ext> {
            (0..n).map(|_| b.witness(EF::ZERO)).collect()
        };
        let tables = v
            .tables
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let perm = if t.lookups.is_empty() {
                    0
                } else {
                    (t.lookups.len() + 1) * 4
                };
                let pre = v.preprocessed_widths[i];
                OpenedCells {
                    trace_local: exts(b, v.widths[i]),
                    trace_next: exts(b, if v.next_row_used[i] { v.widths[i] } else { 0 }),
                    preprocessed_local: exts(b, pre),
                    preprocessed_next: exts(b, if v.preprocessed_next_used[i] { pre } else { 0 }),
                    quotient_chunks: (0..1 << t.log_quotient_chunks)
                        .map(|_| exts(b, 4))
                        .collect(),
                    permutation_local: exts(b, perm),
                    permutation_next: exts(b, perm),
                }
            })
            .collect();
        ProofCells {
            main: felts(b, 8 * main_cap),
            preprocessed: v.fixed_preprocessed(b),
            permutation: permutation_cap.map(|n| felts(b, 8 * n)),
            quotient: felts(b, 8 * main_cap),
            lookup_pow: permutation_cap.map(|_| b.witness_felt(F::ZERO)),
            ood_pow: b.witness_felt(F::ZERO),
            terminals: v
                .tables
                .iter()
                .map(|t| (!t.lookups.is_empty()).then(|| b.witness(EF::ZERO)))
                .collect(),
            tables,
        }
    }
}

impl BatchVerifier {
    /// The preprocessed commitment of the circuit this verifier was built for, as constants.
    fn fixed_preprocessed(&self, b: &mut Builder) -> Option<Vec<Felt>> {
        self.preprocessed
            .as_ref()
            .map(|cap| cap.iter().flatten().map(|&x| b.constant_felt(x)).collect())
    }

    /// How many digests the preprocessed commitment's cap holds.
    pub fn preprocessed_cap_len(&self) -> usize {
        self.preprocessed.as_ref().map_or(0, Vec::len)
    }

    /// How many digests the main (and quotient) commitment's cap holds, and the permutation one's.
    fn cap_lens(&self) -> (usize, Option<usize>) {
        let lde = |i: usize| log_lde_height(&self.parameters, self.degree_bits[i]);
        let cap = |h: usize| cap_len(&self.parameters, h);
        let main = (0..self.tables.len()).map(lde).max().unwrap_or(0);
        let permutation = (0..self.tables.len())
            .filter(|&i| !self.tables[i].lookups.is_empty())
            .map(lde)
            .max();
        (cap(main), permutation.map(cap))
    }
}

/// The height (log2) of a table's low-degree extension.
fn log_lde_height(p: &Parameters, degree_bits: usize) -> usize {
    degree_bits + p.log_blowup
}

/// How many digests the cap of a Merkle tree over 2^log_height leaves holds.
fn cap_len(p: &Parameters, log_height: usize) -> usize {
    1 << log_height.min(p.cap_height)
}

/// Checks, in the program, everything `verify_batch` checks: the
/// transcript, the opening argument and the constraints at ζ. `source` is
/// the proof `cells` witnesses (the opening argument's data is witnessed as
/// the queries drawn need it), or the shape alone.
pub fn verify_batch(
    b: &mut Builder,
    v: &BatchVerifier,
    cells: &ProofCells,
    public_values: &[Vec<Felt>],
    source: Source<'_>,
) -> Result<(), String> {
    let mut challenges = verify_until_opening(b, v, cells, public_values);
    pcs::verify(b, v, cells, source, &mut challenges)
}

/// Checks, in the program, everything `verify_batch` checks before and
/// after the opening argument, and returns the transcript's state for it.
pub fn verify_until_opening(
    b: &mut Builder,
    v: &BatchVerifier,
    proof: &ProofCells,
    public_values: &[Vec<Felt>],
) -> transcript::Challenges {
    assert!(
        public_values
            .iter()
            .map(Vec::len)
            .eq(v.num_public.iter().copied()),
        "one public value cell per public value of each table"
    );
    let challenges = transcript::run(b, v, proof, public_values);
    ood::check(b, v, proof, public_values, &challenges);
    challenges
}
