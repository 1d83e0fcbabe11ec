//! Proving and verifying a batch of tables.

use std::ops::RangeInclusive;
use std::panic::{catch_unwind, AssertUnwindSafe};

use p3_air::symbolic::{AirLayout, SymbolicExpression, SymbolicExpressionExt};
use p3_air::{Air, AirBuilder, BaseAir, DebugConstraintBuilder};
use p3_batch_stark::folder::{
    ProverConstraintFolderWithLookups, VerifierConstraintFolderWithLookups,
};
use p3_batch_stark::symbolic::{
    get_log_num_quotient_chunks, get_log_num_quotient_chunks_for_domain, get_symbolic_constraints,
};
use p3_batch_stark::{ProverData, StarkInstance};
use p3_lookup::logup::LogUpGadget;
use p3_lookup::{InteractionSymbolicBuilder, Lookups};
use p3_matrix::dense::RowMajorMatrix;
use p3_matrix::Matrix;
use p3_uni_stark::StarkGenericConfig;

use p3_field::BasedVectorSpace;

use crate::config::{Challenger, Config, Parameters, Pcs, ProofConfig, Setup, CONFIG_ID, EF, F};
use crate::proof::Proof;

/// What a table must be to join a batch: an AIR that every Plonky3 builder
/// (symbolic, debug, prover and verifier folders) can evaluate, buses included.
///
/// Bus tuples and multiplicities may use columns, constants and public
/// values, but not row selectors (`is_first_row` and the like): a selector is
/// only cheap where it multiplies a whole constraint, and inside a LogUp
/// fraction it would break the quotient's degree (the proof then fails to
/// verify). Use a column constrained to mark the row instead.
pub trait BatchAir<SC: StarkGenericConfig = Config>:
    Clone
    + Sync
    + Air<InteractionSymbolicBuilder<F, EF>>
    + for<'a> Air<DebugConstraintBuilder<'a, F, EF>>
    + for<'a> Air<ProverConstraintFolderWithLookups<'a, SC>>
    + for<'a> Air<VerifierConstraintFolderWithLookups<'a, SC>>
{
}

impl<SC: StarkGenericConfig, T> BatchAir<SC> for T where
    T: Clone
        + Sync
        + Air<InteractionSymbolicBuilder<F, EF>>
        + for<'a> Air<DebugConstraintBuilder<'a, F, EF>>
        + for<'a> Air<ProverConstraintFolderWithLookups<'a, SC>>
        + for<'a> Air<VerifierConstraintFolderWithLookups<'a, SC>>
{
}

/// One table of a batch: its AIR, its trace and its public values.
pub struct Instance<A> {
    pub air: A,
    pub trace: RowMajorMatrix<F>,
    pub public_values: Vec<F>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProveError {
    #[error(
        "table {table}: its trace has {height} rows; a table needs a power of two, at least {min}"
    )]
    BadHeight {
        table: usize,
        height: usize,
        min: usize,
    },
    #[error("table {table}: its trace has {got} columns, the AIR declares {expected}")]
    BadWidth {
        table: usize,
        got: usize,
        expected: usize,
    },
    #[error("the prover failed: {0}")]
    Prover(String),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    #[error("the proof was made under configuration {found}, not {CONFIG_ID}")]
    ForeignConfiguration { found: String },
    #[error("the proof has {found} tables, the statement has {expected}")]
    TableCount { found: usize, expected: usize },
    #[error("table {table} has 2^{log_height} rows, outside the allowed 2^{min}..=2^{max}")]
    TableHeight {
        table: usize,
        log_height: usize,
        min: usize,
        max: usize,
    },
    #[error("the proof is malformed: {0}")]
    Malformed(String),
    #[error("the proof does not verify: {0}")]
    Invalid(String),
}

/// The smallest trace a table may have: FRI must fold it at least once
/// before reaching its final polynomial; under a hiding configuration, each
/// column's mask (one random value per row) must outnumber twice what a
/// proof discloses of it: every query, and each of its two opening points'
/// extension-field values (Plonky3's hiding budget, ePrint 2024/1037 §4.2).
pub fn min_log_height<SC>(setup: &Setup<SC>) -> usize {
    let p = &setup.parameters;
    let fri = p.log_final_poly_len + 1;
    if !p.is_hiding() {
        return fri;
    }
    let disclosed = 2 * (p.num_queries + <EF as BasedVectorSpace<F>>::DIMENSION * 2);
    fri.max(disclosed.next_power_of_two().trailing_zeros() as usize)
}

/// What prover and verifier derive alike from the tables and their heights:
/// above all, how each table's bus interactions are packed into LogUp
/// columns ([`lookup_budgets`]).
pub(crate) fn prover_data<SC: ProofConfig, A: BatchAir<SC>>(
    setup: &Setup<SC>,
    airs: &[A],
    degree_bits: &[usize],
) -> Result<ProverData<SC>, String> {
    // A hiding configuration's salts advance with each commitment: a fresh
    // one commits to preprocessed columns as every other process does.
    let fresh;
    let config = if setup.config.is_zk() == 1 {
        fresh = SC::deterministic(&setup.parameters);
        &fresh
    } else {
        &setup.config
    };
    config.prover_data(setup.parameters.log_blowup, airs, degree_bits)
}

/// Each table's buses as packed into LogUp columns: derived from the tables'
/// shapes alone, so nothing is committed (the preprocessed columns' values
/// play no part in the packing).
pub(crate) fn lookups<SC: ProofConfig, A: BatchAir<SC>>(
    setup: &Setup<SC>,
    airs: &[A],
    degree_bits: &[usize],
) -> Result<Vec<Lookups<F>>, String> {
    let shapes: Vec<Uncommitted<'_, A>> = airs.iter().map(Uncommitted).collect();
    Ok(prover_data(setup, &shapes, degree_bits)?.common.lookups)
}

/// A Plonky3 configuration of this crate's fields and domains, whatever its
/// challenger (the tests that record the verifier's transcript use another).
pub trait TwoAdicConfig:
    p3_uni_stark::StarkGenericConfig<
    Challenge = EF,
    Pcs: p3_commit::Pcs<
        EF,
        Self::Challenger,
        Domain = p3_field::coset::TwoAdicMultiplicativeCoset<F>,
    >,
>
{
}

impl<SC> TwoAdicConfig for SC where
    SC: p3_uni_stark::StarkGenericConfig<
        Challenge = EF,
        Pcs: p3_commit::Pcs<
            EF,
            SC::Challenger,
            Domain = p3_field::coset::TwoAdicMultiplicativeCoset<F>,
        >,
    >
{
}

/// [`prover_data`] under a configuration of another challenger type (the
/// tests that record the verifier's transcript use one). `degree_bits` are
/// the traces' heights (a hiding configuration doubles their domains).
pub fn prover_data_with<SC, A>(
    config: &SC,
    log_blowup: usize,
    airs: &[A],
    degree_bits: &[usize],
) -> Result<ProverData<SC>, p3_batch_stark::ProvingError<p3_uni_stark::PcsProverError<SC>>>
where
    SC: TwoAdicConfig,
    A: Air<InteractionSymbolicBuilder<F, EF>>,
{
    let zk = config.is_zk();
    let ext_degree_bits: Vec<usize> = degree_bits.iter().map(|b| b + zk).collect();
    let budgets = lookup_budgets(config, log_blowup, airs, degree_bits);
    ProverData::from_airs_and_degrees_with_lookup_budgets(
        config,
        airs,
        &ext_degree_bits,
        &budgets,
        log_blowup,
    )
}

/// Each table's LogUp packing budget (the highest degree a packed column's
/// constraint may reach). Packing more interactions per column saves
/// columns but may double the quotient's chunks, and both are opened at
/// every query: a column as one extension element, a chunk as one too
/// (under hiding, two: its random codewords as many again). Each table
/// takes the budget whose packing opens the fewest (the fewer chunks on a
/// tie: less quotient to compute), up to the rate's ceiling of chunks
/// (2^log_blowup). Each candidate is packed as Plonky3 packs it, on the
/// table's shape alone (nothing committed).
fn lookup_budgets<SC, A>(
    config: &SC,
    log_blowup: usize,
    airs: &[A],
    degree_bits: &[usize],
) -> Vec<usize>
where
    SC: TwoAdicConfig,
    A: Air<InteractionSymbolicBuilder<F, EF>>,
{
    use p3_commit::{Pcs as _, PolynomialSpace as _};
    // A hiding configuration commits twice the chunks, of one more degree.
    let zk = config.is_zk();
    let ceiling = (1 << (log_blowup - zk)) + 1 - zk;
    let gadget = LogUpGadget::new();
    let budget_of = |air: &A, bits: usize| {
        let air = &Uncommitted(air);
        let layout = AirLayout::from_air(air);
        let domain = config.pcs().natural_domain_for_degree(1 << bits);
        let transition = domain.transition_degree_multiple();
        let unpacked = Lookups::<F>::from_air::<EF, _>(air);
        // Plonky3 packs at least to the degree the unpacked quotient allows
        // (it costs no chunk), so every budget up to that one packs alike:
        // budget 1 stands for them all.
        let log_chunks = get_log_num_quotient_chunks_for_domain::<F, EF, _, _>(
            air, layout, domain, &unpacked, zk, &gadget,
        );
        let free = (1 << log_chunks) + 1 - zk;
        // (opened elements per query, chunks, budget) of the best budget so far.
        let mut best = (usize::MAX, usize::MAX, ceiling);
        for budget in std::iter::once(1).chain(free + 1..=ceiling) {
            let packed = unpacked
                .clone()
                .pack_same_bus_with_degree(free.max(budget), |l| {
                    gadget.constraint_degree_with_transition(l, transition)
                });
            let chunks = 1
                << (get_log_num_quotient_chunks::<F, EF, _, _>(
                    air,
                    layout,
                    1 << bits,
                    &packed,
                    zk,
                    &gadget,
                ) + zk);
            let opened = chunks * (1 + zk) + packed.len();
            if (opened, chunks) < (best.0, best.1) {
                best = (opened, chunks, budget);
            }
        }
        best.2
    };
    airs.iter()
        .zip(degree_bits)
        .map(|(air, &bits)| budget_of(air, bits))
        .collect()
}

/// The commitment to a batch's preprocessed columns, as its Merkle cap's
/// digests (with the tables' heights, it names the circuit: a verifying key);
/// `None` when no table has preprocessed columns.
pub fn preprocessed_commitment<SC: ProofConfig, A: BatchAir<SC>>(
    setup: &Setup<SC>,
    airs: &[A],
    degree_bits: &[usize],
) -> Option<Vec<[F; 8]>> {
    let data = prover_data(setup, airs, degree_bits).ok()?;
    let preprocessed = data.common.preprocessed?;
    Some(SC::cap(&preprocessed.commitment))
}

/// A table's constraints as a verifier evaluates them at the out-of-domain
/// point, in symbolic form: its own (base field, in the order the AIR asserts
/// them) and its buses' (extension field, after them), with the buses' packing
/// into LogUp columns.
pub struct SymbolicTable {
    pub base: Vec<SymbolicExpression<F>>,
    pub ext: Vec<SymbolicExpressionExt<F, EF>>,
    pub lookups: Lookups<F>,
    /// The quotient is committed in 2^log_quotient_chunks chunks.
    pub log_quotient_chunks: usize,
}

/// Every table's [`SymbolicTable`], for tables of these heights.
pub fn symbolic_tables<A: BatchAir>(
    setup: &Setup,
    airs: &[A],
    degree_bits: &[usize],
) -> Result<Vec<SymbolicTable>, String> {
    let lookups = lookups(setup, airs, degree_bits)?;
    let gadget = LogUpGadget::new();
    let pcs = setup.config.pcs();
    Ok(airs
        .iter()
        .zip(lookups)
        .zip(degree_bits)
        .map(|((air, lookups), &bits)| {
            let layout = AirLayout::from_air(air);
            let (base, ext) =
                get_symbolic_constraints::<F, EF, A, _>(air, layout, &lookups, &gadget);
            let domain =
                <Pcs as p3_commit::Pcs<EF, Challenger>>::natural_domain_for_degree(pcs, 1 << bits);
            let log_quotient_chunks = get_log_num_quotient_chunks_for_domain::<F, EF, A, _>(
                air, layout, domain, &lookups, 0, &gadget,
            );
            SymbolicTable {
                base,
                ext,
                lookups,
                log_quotient_chunks,
            }
        })
        .collect())
}

/// What every proof of one circuit needs besides its traces: above all the
/// commitment to its preprocessed columns, with their low-degree extension.
/// Deriving it costs as much as committing a trace of those columns, so a
/// prover of many proofs of one circuit (the joins) derives it once.
pub struct ProvingData<SC: StarkGenericConfig = Config> {
    parameters: Parameters,
    degree_bits: Vec<usize>,
    data: ProverData<SC>,
}

/// The [`ProvingData`] of the tables `airs` at heights 2^`degree_bits`.
pub fn proving_data<SC: ProofConfig, A: BatchAir<SC>>(
    setup: &Setup<SC>,
    airs: &[A],
    degree_bits: &[usize],
) -> Result<ProvingData<SC>, ProveError> {
    Ok(ProvingData {
        parameters: setup.parameters,
        degree_bits: degree_bits.to_vec(),
        data: prover_data(setup, airs, degree_bits).map_err(ProveError::Prover)?,
    })
}

impl<SC: ProofConfig> ProvingData<SC> {
    /// The verifying data of the same tables (`airs`, as given to
    /// [`proving_data`]), without committing to anything again.
    pub fn verifying_data<A: BatchAir<SC>>(&self, airs: &[A]) -> VerifyingData<SC> {
        let common = &self.data.common;
        let common = p3_batch_stark::CommonData {
            preprocessed: common.preprocessed.as_ref().map(|global| {
                p3_batch_stark::common::GlobalPreprocessed {
                    commitment: global.commitment.clone(),
                    instances: global.instances.clone(),
                    matrix_to_instance: global.matrix_to_instance.clone(),
                }
            }),
            lookups: common.lookups.clone(),
        };
        VerifyingData::new(self.parameters, airs, &self.degree_bits, common)
    }
}

/// Proves a batch of tables under `setup`.
///
/// In release builds this proves whatever it is given, true or not (the
/// fault-injection tests rely on it to build proofs of lying traces); the
/// verifier is what decides.
pub fn prove<SC: ProofConfig, A: BatchAir<SC>>(
    setup: &Setup<SC>,
    instances: &[Instance<A>],
) -> Result<Proof<SC>, ProveError> {
    prove_with(setup, instances, None)
}

/// [`prove`] with the [`ProvingData`] of the instances' tables derived
/// before (`None`: derive it now). Data of other tables than the instances'
/// gives a proof that does not verify.
pub fn prove_with<SC: ProofConfig, A: BatchAir<SC>>(
    setup: &Setup<SC>,
    instances: &[Instance<A>],
    known: Option<&ProvingData<SC>>,
) -> Result<Proof<SC>, ProveError> {
    let min = 1 << min_log_height(setup);
    for (table, inst) in instances.iter().enumerate() {
        let height = inst.trace.height();
        if !height.is_power_of_two() || height < min {
            return Err(ProveError::BadHeight { table, height, min });
        }
        let expected = BaseAir::<F>::width(&inst.air);
        if inst.trace.width() != expected {
            return Err(ProveError::BadWidth {
                table,
                got: inst.trace.width(),
                expected,
            });
        }
    }
    let stark: Vec<StarkInstance<'_, SC, A>> = instances
        .iter()
        .map(|i| StarkInstance {
            air: &i.air,
            trace: &i.trace,
            public_values: i.public_values.clone(),
        })
        .collect();
    let airs: Vec<A> = instances.iter().map(|i| i.air.clone()).collect();
    let degree_bits: Vec<usize> = instances
        .iter()
        .map(|i| i.trace.height().trailing_zeros() as usize)
        .collect();
    let computed;
    let data = match known {
        Some(known) if known.parameters == setup.parameters && known.degree_bits == degree_bits => {
            &known.data
        }
        Some(known) => {
            return Err(ProveError::Prover(format!(
                "the proving data is for tables of 2^{:?} rows under {}, the traces have 2^{degree_bits:?} rows under {}",
                known.degree_bits,
                crate::proof::config_name(&known.parameters),
                crate::proof::config_name(&setup.parameters),
            )))
        }
        None => {
            computed = prover_data(setup, &airs, &degree_bits).map_err(ProveError::Prover)?;
            &computed
        }
    };
    let proof = SC::for_proof(&setup.parameters)
        .prove_batch(&stark, data)
        .map_err(ProveError::Prover)?;
    Ok(Proof::new(setup.parameters, proof))
}

/// Verifies a proof of the batch `airs` with the given public values.
/// `log_heights[i]` bounds the height of table `i`: the prover chooses heights,
/// so the verifier must say which it accepts.
pub fn verify<SC: ProofConfig, A: BatchAir<SC>>(
    setup: &Setup<SC>,
    airs: &[A],
    proof: &Proof<SC>,
    public_values: &[Vec<F>],
    log_heights: &[RangeInclusive<usize>],
) -> Result<(), VerifyError> {
    verify_with(setup, airs, None, proof, public_values, log_heights)
}

/// What a verifier derives from the tables and their heights alone (the
/// buses' packing, the commitment to the preprocessed columns). Committing
/// to preprocessed columns costs as much as a small proof, so a verifier of
/// many proofs of one circuit derives this once.
pub struct VerifyingData<SC: StarkGenericConfig = Config> {
    parameters: Parameters,
    /// The tables' domains as Plonky3 counts them (a hiding configuration's
    /// are twice the traces' heights), as a proof states them.
    ext_degree_bits: Vec<usize>,
    /// Each table's preprocessed width (0: none).
    preprocessed_widths: Vec<usize>,
    common: p3_batch_stark::CommonData<SC>,
}

pub fn verifying_data<SC: ProofConfig, A: BatchAir<SC>>(
    setup: &Setup<SC>,
    airs: &[A],
    degree_bits: &[usize],
) -> Result<VerifyingData<SC>, VerifyError> {
    let common = prover_data(setup, airs, degree_bits)
        .map_err(VerifyError::Malformed)?
        .common;
    Ok(VerifyingData::new(
        setup.parameters,
        airs,
        degree_bits,
        common,
    ))
}

/// The verifying data of a shape (the tables and their heights) without a
/// preprocessed commitment, for [`VerifyingData::with_preprocessed`] to take
/// each program's from its key: it costs no commitment to preprocessed
/// columns, the part of [`verifying_data`] that costs as much as a proof.
pub fn verifying_shape<SC: ProofConfig, A: BatchAir<SC>>(
    setup: &Setup<SC>,
    airs: &[A],
    degree_bits: &[usize],
) -> Result<VerifyingData<SC>, VerifyError> {
    let shapes: Vec<Uncommitted<'_, A>> = airs.iter().map(Uncommitted).collect();
    verifying_data(setup, &shapes, degree_bits)
}

/// A table as a verifier of its shape sees it: everything but its
/// preprocessed columns' values (so nothing commits to them).
#[derive(Clone)]
struct Uncommitted<'a, A>(&'a A);

impl<A: BaseAir<F>> BaseAir<F> for Uncommitted<'_, A> {
    fn width(&self) -> usize {
        self.0.width()
    }
    fn preprocessed_trace(&self) -> Option<RowMajorMatrix<F>> {
        None
    }
    fn preprocessed_width(&self) -> usize {
        self.0.preprocessed_width()
    }
    fn num_periodic_columns(&self) -> usize {
        self.0.num_periodic_columns()
    }
    fn periodic_columns(&self) -> std::borrow::Cow<'_, [Vec<F>]> {
        self.0.periodic_columns()
    }
    fn main_next_row_columns(&self) -> Vec<usize> {
        self.0.main_next_row_columns()
    }
    fn preprocessed_next_row_columns(&self) -> Vec<usize> {
        self.0.preprocessed_next_row_columns()
    }
    fn num_constraints(&self) -> Option<usize> {
        self.0.num_constraints()
    }
    fn max_constraint_degree(&self) -> Option<usize> {
        self.0.max_constraint_degree()
    }
    fn num_public_values(&self) -> usize {
        self.0.num_public_values()
    }
    fn public_boundary_io(&self) -> &[p3_air::BoundaryPublic] {
        self.0.public_boundary_io()
    }
    fn assumes_boolean_trace(&self) -> bool {
        self.0.assumes_boolean_trace()
    }
}

impl<AB: AirBuilder<F = F>, A: Air<AB>> Air<AB> for Uncommitted<'_, A> {
    fn eval(&self, builder: &mut AB) {
        self.0.eval(builder)
    }
}

impl<SC: ProofConfig> VerifyingData<SC> {
    fn new<A: BatchAir<SC>>(
        parameters: Parameters,
        airs: &[A],
        degree_bits: &[usize],
        common: p3_batch_stark::CommonData<SC>,
    ) -> VerifyingData<SC> {
        VerifyingData {
            parameters,
            ext_degree_bits: degree_bits
                .iter()
                .map(|b| b + usize::from(parameters.is_hiding()))
                .collect(),
            preprocessed_widths: airs.iter().map(BaseAir::<F>::preprocessed_width).collect(),
            common,
        }
    }

    /// The same shape with another preprocessed commitment: the verifying
    /// data of another circuit whose tables differ only in their
    /// preprocessed columns (recursion programs of one shape).
    pub fn with_preprocessed(&self, cap: &[[F; 8]]) -> Result<VerifyingData<SC>, VerifyError> {
        let (instances, matrix_to_instance, digests) = match &self.common.preprocessed {
            Some(global) => (
                global.instances.clone(),
                global.matrix_to_instance.clone(),
                SC::cap(&global.commitment).len(),
            ),
            None => self.preprocessed_layout(),
        };
        if matrix_to_instance.is_empty() {
            return Err(VerifyError::Malformed(
                "the circuit has no preprocessed columns".into(),
            ));
        }
        if cap.len() != digests {
            return Err(VerifyError::Malformed(format!(
                "a preprocessed commitment of {} digests, the shape has {digests}",
                cap.len(),
            )));
        }
        Ok(VerifyingData {
            parameters: self.parameters,
            ext_degree_bits: self.ext_degree_bits.clone(),
            preprocessed_widths: self.preprocessed_widths.clone(),
            common: p3_batch_stark::CommonData {
                preprocessed: Some(p3_batch_stark::common::GlobalPreprocessed {
                    commitment: SC::commitment(cap.to_vec()),
                    instances,
                    matrix_to_instance,
                }),
                lookups: self.common.lookups.clone(),
            },
        })
    }

    /// Where each table's preprocessed columns lie in a commitment to them
    /// (as Plonky3 lays them out: one matrix per table that has some, in
    /// table order, over the tables' domains), and how many digests its
    /// Merkle cap has.
    fn preprocessed_layout(
        &self,
    ) -> (
        Vec<Option<p3_batch_stark::common::PreprocessedInstanceMeta>>,
        Vec<usize>,
        usize,
    ) {
        let mut matrix_to_instance = Vec::new();
        let instances = self
            .preprocessed_widths
            .iter()
            .zip(&self.ext_degree_bits)
            .enumerate()
            .map(|(table, (&width, &degree_bits))| {
                (width > 0).then(|| {
                    matrix_to_instance.push(table);
                    p3_batch_stark::common::PreprocessedInstanceMeta {
                        matrix_index: matrix_to_instance.len() - 1,
                        width,
                        degree_bits,
                    }
                })
            })
            .collect();
        let tallest = matrix_to_instance
            .iter()
            .map(|&t| self.ext_degree_bits[t])
            .max()
            .unwrap_or(0);
        let tree_height = tallest + self.parameters.log_blowup;
        let digests = 1 << self.parameters.cap_height.min(tree_height);
        (instances, matrix_to_instance, digests)
    }

    /// The preprocessed commitment's cap (its digests).
    pub fn preprocessed(&self) -> Option<Vec<[F; 8]>> {
        self.common
            .preprocessed
            .as_ref()
            .map(|p| SC::cap(&p.commitment))
    }
}

/// [`verify`], with the verifying data of the proof's heights when the
/// caller has it (a proof of other heights is then refused).
pub fn verify_with<SC: ProofConfig, A: BatchAir<SC>>(
    setup: &Setup<SC>,
    airs: &[A],
    known: Option<&VerifyingData<SC>>,
    proof: &Proof<SC>,
    public_values: &[Vec<F>],
    log_heights: &[RangeInclusive<usize>],
) -> Result<(), VerifyError> {
    if proof.parameters != setup.parameters {
        return Err(VerifyError::ForeignConfiguration {
            found: proof.config_name(),
        });
    }
    let inner = &proof.inner;
    if inner.degree_bits.len() != airs.len()
        || public_values.len() != airs.len()
        || log_heights.len() != airs.len()
    {
        return Err(VerifyError::TableCount {
            found: inner.degree_bits.len(),
            expected: airs.len(),
        });
    }
    let floor = min_log_height(setup);
    // A hiding proof states each table's domain, twice its trace's height.
    let trace_bits: Vec<usize> = inner
        .degree_bits
        .iter()
        .map(|b| b.saturating_sub(setup.config.is_zk()))
        .collect();
    for (table, (&log_height, allowed)) in trace_bits.iter().zip(log_heights).enumerate() {
        let (min, max) = ((*allowed.start()).max(floor), *allowed.end());
        if log_height < min || log_height > max {
            return Err(VerifyError::TableHeight {
                table,
                log_height,
                min,
                max,
            });
        }
    }
    // Plonky3 reports what it can as errors; a panic inside it on hostile input
    // is turned into an error too, so that bytes never crash a verifier.
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let computed;
        let common = match known {
            Some(known)
                if known.ext_degree_bits == inner.degree_bits
                    && known.parameters == setup.parameters =>
            {
                &known.common
            }
            // Data given may carry a key's commitment: never fall back to the AIRs' own.
            Some(_) => {
                return Err(VerifyError::Malformed(
                    "the proof is not of the verifying data's heights and configuration".into(),
                ))
            }
            None => {
                computed = prover_data(setup, airs, &trace_bits)
                    .map_err(VerifyError::Malformed)?
                    .common;
                &computed
            }
        };
        setup
            .config
            .verify_batch(airs, inner, public_values, common)
            .map_err(VerifyError::Invalid)
    }));
    outcome.unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("the verifier stopped on malformed data");
        Err(VerifyError::Malformed(message.to_string()))
    })
}
