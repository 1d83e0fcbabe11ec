//! A program compiled to its tables: preprocessed columns from the program,
//! main columns from a run's values; proving, verifying, and the verifying key.

use std::sync::{Arc, OnceLock};

use bento_circuit::poseidon2;
use bento_stark::batch::{min_log_height, BatchAir, ProvingData, VerifyingData};
use bento_stark::config::Config;
use bento_stark::{PrimeCharacteristicRing, Proof, ProofConfig, RowMajorMatrix, Setup, EF, F};
use bento_vm::hash::Digest;

use crate::air::{RecursionAir, ARITH, NUM_TABLES, PERMUTE, PUBLIC, WITNESS};
use crate::ir::{Op, Program, Run};
use crate::tables::arith::{ArithAir, ArithMain, ArithPre};
use crate::tables::permute::{swapped, PermuteAir, PermuteExtra, PermutePre};
use crate::tables::public::{PublicAir, ADDRESS, MULT, SELECTORS};
use crate::tables::witness::{WitnessAir, WitnessMain, WitnessPre};
use bento_circuit::columns::Columns;

/// The shape of every lift and join proof (log2 of the arithmetic, witness,
/// public and permutation tables' heights): one shape, so that one join
/// program verifies any of them.
pub const RECURSION_LOG_HEIGHTS: [usize; NUM_TABLES] = [18, 18, 6, 15];

/// A compiled program: which op each row of each table holds, and the AIRs
/// with their preprocessed columns, for proofs under one configuration.
pub struct Circuit<SC: ProofConfig = Config> {
    program: Arc<Program>,
    rows: [Vec<usize>; NUM_TABLES],
    heights: [usize; NUM_TABLES],
    airs: Vec<RecursionAir>,
    /// Derived where asked for ([`Circuit::proving_data`]; it commits to the
    /// preprocessed columns), and kept for every proof after.
    proving: OnceLock<ProvingData<SC>>,
    /// Derived on the first verification (committing to the preprocessed
    /// columns), or read off the proving data of a proof made before.
    verifying: OnceLock<VerifyingData<SC>>,
    /// The same without the commitment, for proofs of other programs of this shape.
    shape: OnceLock<VerifyingData<SC>>,
}

#[derive(Debug, thiserror::Error)]
pub enum CircuitError {
    #[error("the run fails {count} of the program's assertions (first: {first})")]
    Unsatisfied { count: usize, first: String },
    #[error("the run belongs to another program")]
    ForeignRun,
    #[error(transparent)]
    Prove(#[from] bento_stark::ProveError),
    #[error(transparent)]
    Verify(#[from] bento_stark::VerifyError),
}

fn table_of(op: &Op) -> usize {
    match op {
        Op::Gate(_) => ARITH,
        Op::Witness { .. } => WITNESS,
        Op::Public { .. } => PUBLIC,
        Op::Permute { .. } => PERMUTE,
    }
}

/// Which ops each table holds, in program order.
fn rows_of(program: &Program) -> [Vec<usize>; NUM_TABLES] {
    let mut rows: [Vec<usize>; NUM_TABLES] = Default::default();
    for (i, op) in program.ops.iter().enumerate() {
        rows[table_of(op)].push(i);
    }
    rows
}

/// How often the program reads each cell.
fn read_counts(program: &Program) -> Vec<u32> {
    let mut reads = vec![0u32; program.cells];
    for op in &program.ops {
        match op {
            Op::Gate(g) => {
                for c in [g.a, g.b].into_iter().flatten() {
                    reads[c as usize] += 1;
                }
            }
            Op::Permute { input, swap, .. } => {
                for &c in input.iter().chain(swap) {
                    reads[c as usize] += 1;
                }
            }
            Op::Witness { .. } | Op::Public { .. } => {}
        }
    }
    reads
}

fn matrix(height: usize, width: usize, fill: impl Fn(usize, &mut [F]) + Sync) -> RowMajorMatrix<F> {
    let mut values = vec![F::ZERO; height * width];
    for (r, row) in values.chunks_mut(width).enumerate() {
        fill(r, row);
    }
    RowMajorMatrix::new(values, width)
}

impl<SC: ProofConfig> Circuit<SC>
where
    RecursionAir: BatchAir<SC>,
{
    /// The circuit of a program, each table as short as its rows allow.
    pub fn new(setup: &Setup<SC>, program: Program) -> Circuit<SC> {
        let rows = rows_of(&program);
        let min = 1 << min_log_height(setup);
        let heights = [0, 1, 2, 3].map(|t| rows[t].len().max(min).next_power_of_two());
        Circuit::with_rows(program, rows, heights)
    }

    /// The circuit of a program with its tables padded to 2^log_heights rows,
    /// so that programs of different lengths share one shape (and a verifier
    /// of that shape verifies each of them); `None` where a table overflows.
    pub fn with_log_heights(
        setup: &Setup<SC>,
        program: Program,
        log_heights: [usize; NUM_TABLES],
    ) -> Option<Circuit<SC>> {
        let rows = rows_of(&program);
        let fits = (0..NUM_TABLES).all(|t| {
            log_heights[t] >= min_log_height(setup) && rows[t].len() <= 1 << log_heights[t]
        });
        fits.then(|| Circuit::with_rows(program, rows, log_heights.map(|h| 1 << h)))
    }

    fn with_rows(
        program: Program,
        rows: [Vec<usize>; NUM_TABLES],
        heights: [usize; NUM_TABLES],
    ) -> Circuit<SC> {
        let reads = read_counts(&program);
        let mult = |c: u32| F::from_u32(reads[c as usize]);
        let op = |t: usize, r: usize| rows[t].get(r).map(|&i| &program.ops[i]);

        let arith = matrix(heights[ARITH], ArithPre::<F>::WIDTH, |r, row| {
            if let Some(Op::Gate(g)) = op(ARITH, r) {
                let m = if g.kind == crate::ir::GateKind::Assert {
                    0
                } else {
                    reads[g.out as usize]
                };
                ArithAir::preprocessed_row(g, m, row);
            }
        });
        let witness = matrix(heights[WITNESS], WitnessPre::<F>::WIDTH, |r, row| {
            if let Some(&Op::Witness { out, base }) = op(WITNESS, r) {
                let p = WitnessPre::view_mut(row);
                p.out = F::from_u32(out);
                p.mult = mult(out);
                p.base = F::from_bool(base);
            }
        });
        let public = matrix(heights[PUBLIC], SELECTORS + program.num_public, |r, row| {
            if let Some(&Op::Public { out, index }) = op(PUBLIC, r) {
                row[ADDRESS] = F::from_u32(out);
                row[MULT] = mult(out);
                row[SELECTORS + index] = F::ONE;
            }
        });
        let permute = matrix(heights[PERMUTE], PermutePre::<F>::WIDTH, |r, row| {
            if let Some(Op::Permute {
                input,
                output,
                swap,
            }) = op(PERMUTE, r)
            {
                let p = PermutePre::view_mut(row);
                p.input = input.map(F::from_u32);
                p.output = output.map(F::from_u32);
                p.mult = output.map(mult);
                p.real = F::ONE;
                if let Some(bit) = swap {
                    p.swap = F::from_u32(*bit);
                    p.swapped = F::ONE;
                }
            }
        });
        let airs = vec![
            RecursionAir::Arith(ArithAir {
                preprocessed: Arc::new(arith),
            }),
            RecursionAir::Witness(WitnessAir {
                preprocessed: Arc::new(witness),
            }),
            RecursionAir::Public(PublicAir {
                num_public: program.num_public,
                preprocessed: Arc::new(public),
            }),
            RecursionAir::Permute(PermuteAir {
                preprocessed: Arc::new(permute),
            }),
        ];
        Circuit {
            program: Arc::new(program),
            rows,
            heights,
            airs,
            proving: OnceLock::new(),
            verifying: OnceLock::new(),
            shape: OnceLock::new(),
        }
    }

    pub fn program(&self) -> &Program {
        &self.program
    }

    pub fn airs(&self) -> &[RecursionAir] {
        &self.airs
    }

    /// How many rows of each table the program fills (the rest is padding).
    pub fn used_rows(&self) -> [usize; NUM_TABLES] {
        std::array::from_fn(|t| self.rows[t].len())
    }

    /// Each table's height, as log2 (exact: the program fixes them).
    pub fn log_heights(&self) -> [usize; NUM_TABLES] {
        self.heights.map(|h| h.trailing_zeros() as usize)
    }

    /// The main columns of a run.
    pub fn traces(&self, values: &[EF]) -> Vec<RowMajorMatrix<F>> {
        // The rows are filled in parallel: they borrow the program, not the circuit.
        let (rows, ops) = (&self.rows, &self.program.ops);
        let op = |t: usize, r: usize| rows[t].get(r).map(|&i| &ops[i]);
        let arith = matrix(self.heights[ARITH], ArithMain::<F>::WIDTH, |r, row| {
            if let Some(Op::Gate(g)) = op(ARITH, r) {
                ArithAir::main_row(g, values, row);
            }
        });
        let witness = matrix(self.heights[WITNESS], WitnessMain::<F>::WIDTH, |r, row| {
            if let Some(&Op::Witness { out, .. }) = op(WITNESS, r) {
                let c = p3_field::BasedVectorSpace::<F>::as_basis_coefficients_slice(
                    &values[out as usize],
                );
                WitnessMain::view_mut(row).value.copy_from_slice(c);
            }
        });
        let public = matrix(self.heights[PUBLIC], 1, |r, row| {
            if let Some(&Op::Public { out, .. }) = op(PUBLIC, r) {
                row[0] = p3_field::BasedVectorSpace::<F>::as_basis_coefficients_slice(
                    &values[out as usize],
                )[0];
            }
        });
        let base_of = |c: u32| {
            p3_field::BasedVectorSpace::<F>::as_basis_coefficients_slice(&values[c as usize])[0]
        };
        let permute_width = poseidon2::WIDTH + PermuteExtra::<F>::WIDTH;
        let permute = matrix(self.heights[PERMUTE], permute_width, |r, row| {
            let (read, bit) = match op(PERMUTE, r) {
                Some(Op::Permute { input, swap, .. }) => {
                    (input.map(base_of), swap.map(base_of) == Some(F::ONE))
                }
                _ => ([F::ZERO; poseidon2::STATE], false),
            };
            poseidon2::fill(row, swapped(read, bit));
            let x = PermuteExtra::view_mut(&mut row[poseidon2::WIDTH..]);
            x.read = read;
            x.bit = F::from_bool(bit);
        });
        vec![arith, witness, public, permute]
    }

    fn public_values(&self, public_values: &[F]) -> Vec<Vec<F>> {
        let mut pv = vec![Vec::new(); NUM_TABLES];
        pv[PUBLIC] = public_values.to_vec();
        pv
    }

    /// Proves a run of this circuit's program whose assertions all hold.
    pub fn prove(&self, setup: &Setup<SC>, run: &Run) -> Result<Proof<SC>, CircuitError> {
        if run.program.ops.len() != self.program.ops.len() || run.values.len() != self.program.cells
        {
            return Err(CircuitError::ForeignRun);
        }
        if let Some(first) = run.failures.first() {
            return Err(CircuitError::Unsatisfied {
                count: run.failures.len(),
                first: first.clone(),
            });
        }
        self.prove_traces(setup, self.traces(&run.values), &run.public_values)
    }

    /// Proves whatever tables it is given (tests build lying ones with it).
    pub fn prove_traces(
        &self,
        setup: &Setup<SC>,
        traces: Vec<RowMajorMatrix<F>>,
        public_values: &[F],
    ) -> Result<Proof<SC>, CircuitError> {
        let instances: Vec<bento_stark::Instance<RecursionAir>> = self
            .airs
            .iter()
            .cloned()
            .zip(traces)
            .zip(self.public_values(public_values))
            .map(|((air, trace), public_values)| bento_stark::Instance {
                air,
                trace,
                public_values,
            })
            .collect();
        let fresh;
        let known = match self.proving.get() {
            Some(known) => known,
            None => {
                fresh = self.derive_proving_data(setup)?;
                &fresh
            }
        };
        let proof = bento_stark::batch::prove_with(setup, &instances, Some(known))?;
        // Proving data not kept (a lift circuit's is hundreds of megabytes,
        // and a process may lift many shapes) leaves its verifying data.
        if self.verifying.get().is_none() {
            let _ = self.verifying.set(known.verifying_data(&self.airs));
        }
        Ok(proof)
    }

    fn derive_proving_data(&self, setup: &Setup<SC>) -> Result<ProvingData<SC>, CircuitError> {
        let degree_bits = self.log_heights().to_vec();
        Ok(bento_stark::batch::proving_data(
            setup,
            &self.airs,
            &degree_bits,
        )?)
    }

    /// The proving data of this circuit, derived once and kept for every
    /// proof after: for a circuit that proves again and again (the join), and
    /// whose key then costs nothing more.
    pub fn proving_data(&self, setup: &Setup<SC>) -> Result<&ProvingData<SC>, CircuitError> {
        if let Some(known) = self.proving.get() {
            return Ok(known);
        }
        let data = self.derive_proving_data(setup)?;
        Ok(self.proving.get_or_init(|| data))
    }

    /// The verifying data of this circuit (derived on first use: it commits
    /// to the preprocessed columns).
    fn verifying_data(&self, setup: &Setup<SC>) -> Result<&VerifyingData<SC>, CircuitError> {
        if let Some(known) = self.verifying.get() {
            return Ok(known);
        }
        let data = match self.proving.get() {
            Some(proving) => proving.verifying_data(&self.airs),
            None => {
                let degree_bits = self.log_heights().to_vec();
                bento_stark::batch::verifying_data(setup, &self.airs, &degree_bits)?
            }
        };
        Ok(self.verifying.get_or_init(|| data))
    }

    pub fn verify(
        &self,
        setup: &Setup<SC>,
        proof: &Proof<SC>,
        public_values: &[F],
    ) -> Result<(), CircuitError> {
        let known = self.verifying_data(setup)?;
        self.verify_with(setup, known, proof, public_values)
    }

    /// Verifies a proof of another program of this circuit's shape (its
    /// tables' heights and public values), named by its verifying key.
    pub fn verify_as(
        &self,
        setup: &Setup<SC>,
        key: &VerifyingKey,
        proof: &Proof<SC>,
        public_values: &[F],
    ) -> Result<(), CircuitError> {
        if key.log_heights != self.log_heights() {
            return Err(CircuitError::Verify(bento_stark::VerifyError::Malformed(
                format!(
                    "a verifying key of tables 2^{:?}, this shape is 2^{:?}",
                    key.log_heights,
                    self.log_heights()
                ),
            )));
        }
        let shape = match self.shape.get() {
            Some(shape) => shape,
            None => {
                let degree_bits = self.log_heights().to_vec();
                let data = bento_stark::batch::verifying_shape(setup, &self.airs, &degree_bits)?;
                self.shape.get_or_init(|| data)
            }
        };
        let known = shape.with_preprocessed(&key.preprocessed)?;
        self.verify_with(setup, &known, proof, public_values)
    }

    fn verify_with(
        &self,
        setup: &Setup<SC>,
        known: &VerifyingData<SC>,
        proof: &Proof<SC>,
        public_values: &[F],
    ) -> Result<(), CircuitError> {
        if public_values.len() != self.program.num_public {
            return Err(CircuitError::Verify(bento_stark::VerifyError::Malformed(
                format!(
                    "{} public values, the program has {}",
                    public_values.len(),
                    self.program.num_public
                ),
            )));
        }
        let heights: Vec<_> = self.log_heights().iter().map(|&h| h..=h).collect();
        bento_stark::batch::verify_with(
            setup,
            &self.airs,
            Some(known),
            proof,
            &self.public_values(public_values),
            &heights,
        )?;
        Ok(())
    }

    /// The conjectured security of this circuit's proofs under `setup`.
    pub fn security(&self, setup: &Setup<SC>) -> bento_stark::security::Report {
        use bento_stark::security;
        security::conjectured(
            setup,
            &security::shapes(setup, &self.airs, &self.log_heights()),
        )
    }

    /// Names the circuit a proof was made for (under `setup`): its tables'
    /// heights and the commitment to their preprocessed columns (the program).
    pub fn key(&self, setup: &Setup<SC>) -> VerifyingKey {
        let preprocessed = self
            .verifying_data(setup)
            .ok()
            .and_then(|data| data.preprocessed())
            .expect("a compiled circuit commits to its preprocessed columns");
        VerifyingKey {
            log_heights: self.log_heights(),
            preprocessed,
        }
    }
}

/// A recursion circuit as a verifier knows it: its tables' heights and the
/// commitment to its preprocessed columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyingKey {
    pub log_heights: [usize; NUM_TABLES],
    pub preprocessed: Vec<[F; 8]>,
}

impl VerifyingKey {
    /// What its digest hashes: the heights, then the commitment.
    pub fn elements(&self) -> Vec<F> {
        self.log_heights
            .iter()
            .map(|&h| F::from_usize(h))
            .chain(self.preprocessed.iter().flatten().copied())
            .collect()
    }

    pub fn digest(&self) -> Digest {
        bento_vm::hash::digest_elements(bento_vm::hash::DOMAIN_VERIFYING_KEY, &self.elements())
    }
}
