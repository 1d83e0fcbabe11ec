//! Straight-line programs over BabyBear and its quartic extension.
//!
//! A recursion program is a fixed list of operations on write-once cells, each
//! holding an extension element; a base element ([`Felt`]) is a cell whose
//! upper three coefficients are zero. The [`Builder`] records operations and
//! evaluates them as it goes, so building a program for an input also computes
//! its witness. The operations it records never depend on the values (no code
//! here branches on a cell), so every input yields the same program, and the
//! program alone fixes the verifying key.
//!
//! Assertions are recorded as constraints; the builder also checks them on the
//! values it computed, so a program can be run natively (is this input
//! accepted?) without proving anything.

use std::collections::HashMap;

use bento_circuit::poseidon2::STATE;
use bento_stark::{Field, PrimeCharacteristicRing, PrimeField32, EF, F};
use p3_field::BasedVectorSpace;
use p3_symmetric::Permutation;

/// A cell holding a base-field element.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Felt(pub(crate) u32);

/// A cell holding an extension-field element.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ext(pub(crate) u32);

impl From<Felt> for Ext {
    fn from(f: Felt) -> Ext {
        Ext(f.0)
    }
}

/// What a gate row asserts about its output cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GateKind {
    /// `out = q_m·a·b + q_l·a + q_r·b + q_c`.
    Compute,
    /// `out·b = a`: out is the prover's quotient.
    Divide,
    /// `q_m·a·b + q_l·a + q_r·b + q_c = 0`; nothing is written.
    Assert,
}

/// One row of the arithmetic table. `q_r` and `q_c` are extension constants,
/// so that one gate multiplies by an extension constant or composes an
/// extension element from base coefficients.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gate {
    pub a: Option<u32>,
    pub b: Option<u32>,
    pub out: u32,
    pub q_m: F,
    pub q_l: F,
    pub q_r: EF,
    pub q_c: EF,
    pub kind: GateKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    Gate(Gate),
    /// A value the prover supplies; `base` values have zero upper coefficients.
    Witness {
        out: u32,
        base: bool,
    },
    /// The proof's public value `index`.
    Public {
        out: u32,
        index: usize,
    },
    /// `output = Poseidon2(input)`, the permutation of the memory trees and
    /// commitments; with `swap`, of the input's halves exchanged where that
    /// bit cell is 1.
    Permute {
        input: [u32; STATE],
        output: [u32; STATE],
        swap: Option<u32>,
    },
}

/// A program: its operations and how many cells they use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    pub ops: Vec<Op>,
    pub cells: usize,
    pub num_public: usize,
}

/// A program with the values one run of it computed.
pub struct Run {
    pub program: Program,
    /// The value of every cell (an assertion's cell holds its gate's value,
    /// zero when it holds; nothing reads it).
    pub values: Vec<EF>,
    pub public_values: Vec<F>,
    /// The assertions that failed on these values, by label.
    pub failures: Vec<String>,
}

#[derive(Default)]
pub struct Builder {
    ops: Vec<Op>,
    values: Vec<EF>,
    constants: HashMap<[u32; 4], u32>,
    public_values: Vec<F>,
    failures: Vec<String>,
}

fn key(v: EF) -> [u32; 4] {
    let c: &[F] = v.as_basis_coefficients_slice();
    [0, 1, 2, 3].map(|i| c[i].as_canonical_u32())
}

impl Builder {
    pub fn new() -> Builder {
        Builder::default()
    }

    fn cell(&mut self, value: EF) -> u32 {
        let id = u32::try_from(self.values.len()).expect("fewer than 2^32 cells");
        self.values.push(value);
        id
    }

    pub fn value(&self, e: impl Into<Ext>) -> EF {
        self.values[e.into().0 as usize]
    }

    pub fn felt_value(&self, f: Felt) -> F {
        self.values[f.0 as usize].as_basis_coefficients_slice()[0]
    }

    fn gate(&mut self, g: Gate) -> u32 {
        let val = |c: Option<u32>| c.map_or(EF::ZERO, |c| self.values[c as usize]);
        let (a, b) = (val(g.a), val(g.b));
        let computed = a * b * g.q_m + a * g.q_l + b * g.q_r + g.q_c;
        let out = match g.kind {
            GateKind::Compute => computed,
            // A zero divisor has no quotient (unless a is zero too): the
            // assertion is recorded, and no proof of this run can exist.
            GateKind::Divide => b.try_inverse().map_or(EF::ZERO, |inv| a * inv),
            GateKind::Assert => computed,
        };
        let cell = self.cell(out);
        self.ops.push(Op::Gate(Gate { out: cell, ..g }));
        cell
    }

    fn compute(&mut self, a: Option<Ext>, b: Option<Ext>, q_m: F, q_l: F, q_r: EF, q_c: EF) -> Ext {
        Ext(self.gate(Gate {
            a: a.map(|x| x.0),
            b: b.map(|x| x.0),
            out: 0,
            q_m,
            q_l,
            q_r,
            q_c,
            kind: GateKind::Compute,
        }))
    }

    /// A constant cell (one per distinct value).
    pub fn constant(&mut self, c: EF) -> Ext {
        if let Some(&cell) = self.constants.get(&key(c)) {
            return Ext(cell);
        }
        let cell = self.compute(None, None, F::ZERO, F::ZERO, EF::ZERO, c).0;
        self.constants.insert(key(c), cell);
        Ext(cell)
    }

    pub fn constant_felt(&mut self, c: F) -> Felt {
        Felt(self.constant(EF::from(c)).0)
    }

    pub fn witness(&mut self, v: EF) -> Ext {
        let out = self.cell(v);
        self.ops.push(Op::Witness { out, base: false });
        Ext(out)
    }

    pub fn witness_felt(&mut self, v: F) -> Felt {
        let out = self.cell(EF::from(v));
        self.ops.push(Op::Witness { out, base: true });
        Felt(out)
    }

    /// The next public value of the proof, as a cell.
    pub fn public(&mut self, v: F) -> Felt {
        let out = self.cell(EF::from(v));
        let index = self.public_values.len();
        self.public_values.push(v);
        self.ops.push(Op::Public { out, index });
        Felt(out)
    }

    pub fn add(&mut self, a: impl Into<Ext>, b: impl Into<Ext>) -> Ext {
        self.compute(
            Some(a.into()),
            Some(b.into()),
            F::ZERO,
            F::ONE,
            EF::ONE,
            EF::ZERO,
        )
    }

    pub fn sub(&mut self, a: impl Into<Ext>, b: impl Into<Ext>) -> Ext {
        self.compute(
            Some(a.into()),
            Some(b.into()),
            F::ZERO,
            F::ONE,
            -EF::ONE,
            EF::ZERO,
        )
    }

    pub fn mul(&mut self, a: impl Into<Ext>, b: impl Into<Ext>) -> Ext {
        self.compute(
            Some(a.into()),
            Some(b.into()),
            F::ONE,
            F::ZERO,
            EF::ZERO,
            EF::ZERO,
        )
    }

    /// `a + k·b` for a constant `k`.
    pub fn add_scaled(&mut self, a: impl Into<Ext>, k: EF, b: impl Into<Ext>) -> Ext {
        self.compute(Some(a.into()), Some(b.into()), F::ZERO, F::ONE, k, EF::ZERO)
    }

    /// `k·a + c` for constants `k`, `c`.
    pub fn affine(&mut self, k: EF, a: impl Into<Ext>, c: EF) -> Ext {
        self.compute(None, Some(a.into()), F::ZERO, F::ZERO, k, c)
    }

    /// `a / b`; a proof of the run exists only if `b` is non-zero (or `a` zero).
    pub fn div(&mut self, a: impl Into<Ext>, b: impl Into<Ext>) -> Ext {
        let (a, b) = (a.into(), b.into());
        if self.value(b) == EF::ZERO && self.value(a) != EF::ZERO {
            self.failures.push("division by zero".to_string());
        }
        Ext(self.gate(Gate {
            a: Some(a.0),
            b: Some(b.0),
            out: 0,
            q_m: F::ZERO,
            q_l: F::ZERO,
            q_r: EF::ZERO,
            q_c: EF::ZERO,
            kind: GateKind::Divide,
        }))
    }

    pub fn fadd(&mut self, a: Felt, b: Felt) -> Felt {
        Felt(self.add(a, b).0)
    }

    pub fn fsub(&mut self, a: Felt, b: Felt) -> Felt {
        Felt(self.sub(a, b).0)
    }

    pub fn fmul(&mut self, a: Felt, b: Felt) -> Felt {
        Felt(self.mul(a, b).0)
    }

    /// `a + k·b` over the base field.
    pub fn fadd_scaled(&mut self, a: Felt, k: F, b: Felt) -> Felt {
        Felt(self.add_scaled(a, EF::from(k), b).0)
    }

    /// `k·a + c` over the base field.
    pub fn faffine(&mut self, k: F, a: Felt, c: F) -> Felt {
        Felt(self.affine(EF::from(k), a, EF::from(c)).0)
    }

    fn assert_gate(&mut self, a: Ext, b: Option<Ext>, q_m: F, q_l: F, q_r: EF, what: &str) {
        let cell = self.gate(Gate {
            a: Some(a.0),
            b: b.map(|x| x.0),
            out: 0,
            q_m,
            q_l,
            q_r,
            q_c: EF::ZERO,
            kind: GateKind::Assert,
        });
        if self.values[cell as usize] != EF::ZERO {
            self.failures.push(what.to_string());
        }
    }

    /// Asserts `a == b`; `what` names the check when a run fails it.
    pub fn assert_eq(&mut self, a: impl Into<Ext>, b: impl Into<Ext>, what: &str) {
        let (a, b) = (a.into(), b.into());
        self.assert_gate(a, Some(b), F::ZERO, F::ONE, -EF::ONE, what);
    }

    pub fn assert_zero(&mut self, a: impl Into<Ext>, what: &str) {
        self.assert_gate(a.into(), None, F::ZERO, F::ONE, EF::ZERO, what);
    }

    /// Asserts `a` is 0 or 1.
    pub fn assert_bool(&mut self, a: Felt, what: &str) {
        // a·a - a = 0
        self.assert_gate(a.into(), Some(a.into()), F::ONE, -F::ONE, EF::ZERO, what);
    }

    /// The Poseidon2 permutation of 16 cells.
    pub fn permute(&mut self, input: [Felt; STATE]) -> [Felt; STATE] {
        self.permute_op(input, None)
    }

    /// The permutation of the 16 cells with their halves exchanged where
    /// `bit` (which must be boolean) is 1.
    pub fn permute_swapped(&mut self, bit: Felt, input: [Felt; STATE]) -> [Felt; STATE] {
        self.permute_op(input, Some(bit))
    }

    fn permute_op(&mut self, input: [Felt; STATE], swap: Option<Felt>) -> [Felt; STATE] {
        let read = input.map(|c| self.felt_value(c));
        let bit = swap.map(|s| self.felt_value(s));
        if bit.is_some_and(|b| b != F::ZERO && b != F::ONE) {
            self.failures.push("a swap bit is 0 or 1".to_string());
        }
        let state = crate::tables::permute::swapped(read, bit == Some(F::ONE));
        let permuted = bento_vm::hash::permutation().permute(state);
        let output = permuted.map(|v| self.cell(EF::from(v)));
        self.ops.push(Op::Permute {
            input: input.map(|c| c.0),
            output,
            swap: swap.map(|s| s.0),
        });
        output.map(Felt)
    }

    /// `Σ c_k·X^k`: the extension element with these coefficients (base
    /// cells, or the values at a point of the four base columns an extension
    /// column is committed as).
    pub fn compose(&mut self, coefficients: [impl Into<Ext>; 4]) -> Ext {
        let [c0, rest @ ..] = coefficients.map(Into::into);
        let mut acc = c0;
        for (k, c) in rest.into_iter().enumerate() {
            let x_k = EF::from_basis_coefficients_fn(|i| F::from_bool(i == k + 1));
            acc = self.add_scaled(acc, x_k, c);
        }
        acc
    }

    /// The low `n` bits of `x`'s canonical value, least significant first.
    /// All 31 bits are constrained, and so is the decomposition being
    /// canonical (below the modulus), so the low bits are `x`'s own.
    pub fn bits(&mut self, x: Felt, n: usize) -> Vec<Felt> {
        assert!(n <= 31, "a base element has 31 bits");
        let v = self.felt_value(x).as_canonical_u32();
        let bits: Vec<Felt> = (0..31)
            .map(|i| self.witness_felt(F::from_u32((v >> i) & 1)))
            .collect();
        let mut sum: Ext = bits[0].into();
        self.assert_bool(bits[0], "a bit is 0 or 1");
        for (i, &b) in bits.iter().enumerate().skip(1) {
            self.assert_bool(b, "a bit is 0 or 1");
            sum = self.add_scaled(sum, EF::from(F::from_u32(1 << i)), b);
        }
        self.assert_eq(sum, x, "bits recompose the value");
        // BabyBear's modulus is 2^31 - 2^27 + 1: a value whose bits 27..31 are all
        // set must have all lower bits clear.
        let mut top: Ext = bits[27].into();
        for &b in &bits[28..31] {
            top = self.mul(top, b);
        }
        let mut low: Ext = bits[0].into();
        for &b in &bits[1..27] {
            low = self.add(low, b);
        }
        let over = self.mul(top, low);
        self.assert_zero(over, "bits are canonical");
        bits.into_iter().take(n).collect()
    }

    /// Asserts `x < 2^n` (n ≤ 30: its n bits recompose it, and no sum of
    /// n bits reaches the modulus).
    pub fn assert_range(&mut self, x: Felt, n: usize, what: &str) {
        assert!(n <= 30, "a range below the modulus");
        let v = self.felt_value(x).as_canonical_u32();
        let mut sum: Ext = self.constant(EF::ZERO);
        for i in 0..n {
            let bit = self.witness_felt(F::from_u32((v >> i) & 1));
            self.assert_bool(bit, what);
            sum = self.add_scaled(sum, EF::from(F::from_u32(1 << i)), bit);
        }
        self.assert_eq(sum, x, what);
    }

    /// 1 if `x` is zero, else 0 (the prover supplies `x`'s inverse; the two
    /// assertions leave it no choice).
    pub fn is_zero(&mut self, x: Felt) -> Felt {
        let v = self.felt_value(x);
        let zero = self.witness_felt(F::from_bool(v == F::ZERO));
        let inverse = self.witness_felt(v.try_inverse().unwrap_or(F::ZERO));
        // x·inverse = 1 - zero, and zero·x = 0.
        let product = self.fmul(x, inverse);
        let sum = self.fadd(product, zero);
        let one = self.constant_felt(F::ONE);
        self.assert_eq(sum, one, "a zero test's inverse");
        let both = self.fmul(zero, x);
        self.assert_zero(both, "a zero test's flag");
        zero
    }

    /// `yes` where `bit` is 1, `no` where it is 0 (`bit` must be boolean).
    pub fn select(&mut self, bit: Felt, yes: Felt, no: Felt) -> Felt {
        let d = self.fsub(yes, no);
        let moved = self.fmul(bit, d);
        self.fadd(no, moved)
    }

    /// Runs so far: the failures recorded.
    pub fn failures(&self) -> &[String] {
        &self.failures
    }

    pub fn finish(self) -> Run {
        Run {
            program: Program {
                ops: self.ops,
                cells: self.values.len(),
                num_public: self.public_values.len(),
            },
            values: self.values,
            public_values: self.public_values,
            failures: self.failures,
        }
    }
}
