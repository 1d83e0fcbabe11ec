//! The Fiat–Shamir challenger as a program: Plonky3's `DuplexChallenger`
//! (width 16, rate 8, the absorbed count added to the first capacity element
//! at each duplexing) step for step, so that a program verifying a proof
//! draws exactly the challenges the native verifier draws.

use bento_circuit::poseidon2::STATE;
use bento_stark::config::Challenger as NativeChallenger;
use bento_stark::{PrimeCharacteristicRing, F};

use crate::ir::{Builder, Ext, Felt};

const RATE: usize = 8;

pub struct Challenger {
    state: [Felt; STATE],
    input: Vec<Felt>,
    output: Vec<Felt>,
    /// What it absorbed and drew, with the values of this run: a program's
    /// transcript is compared with Plonky3's step for step through it.
    pub steps: Vec<Step>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Observe(F),
    Sample(F),
}

impl Challenger {
    pub fn new(b: &mut Builder) -> Challenger {
        let zero = b.constant_felt(F::ZERO);
        Challenger {
            state: [zero; STATE],
            input: Vec::new(),
            output: Vec::new(),
            steps: Vec::new(),
        }
    }

    /// A challenger in the state a native one has reached: the transcript's
    /// seed is the same for every proof of a shape, so it is absorbed natively
    /// and enters the program as constants.
    pub fn from_native(b: &mut Builder, native: &NativeChallenger) -> Challenger {
        Challenger {
            state: native.sponge_state.map(|v| b.constant_felt(v)),
            input: native
                .input_buffer
                .iter()
                .map(|&v| b.constant_felt(v))
                .collect(),
            output: native
                .output_buffer
                .iter()
                .map(|&v| b.constant_felt(v))
                .collect(),
            steps: Vec::new(),
        }
    }

    fn duplexing(&mut self, b: &mut Builder) {
        let absorbed = self.input.len();
        if absorbed > 0 {
            let zero = b.constant_felt(F::ZERO);
            for i in 0..RATE {
                self.state[i] = self.input.get(i).copied().unwrap_or(zero);
            }
            self.state[RATE] = b.faffine(F::ONE, self.state[RATE], F::from_usize(absorbed));
            self.input.clear();
        }
        self.state = b.permute(self.state);
        self.output = self.state[..RATE].to_vec();
    }

    pub fn observe(&mut self, b: &mut Builder, value: Felt) {
        self.steps.push(Step::Observe(b.felt_value(value)));
        self.output.clear();
        self.input.push(value);
        if self.input.len() == RATE {
            self.duplexing(b);
        }
    }

    pub fn observe_all(&mut self, b: &mut Builder, values: &[Felt]) {
        for &v in values {
            self.observe(b, v);
        }
    }

    pub fn sample(&mut self, b: &mut Builder) -> Felt {
        if !self.input.is_empty() || self.output.is_empty() {
            self.duplexing(b);
        }
        let sample = self.output.pop().expect("a duplexing fills the output");
        self.steps.push(Step::Sample(b.felt_value(sample)));
        sample
    }

    /// An extension element from four samples, lowest coefficient first.
    pub fn sample_ext(&mut self, b: &mut Builder) -> Ext {
        let c = [(); 4].map(|_| self.sample(b));
        b.compose(c)
    }

    /// The low `bits` bits of a sample, least significant first.
    pub fn sample_bits(&mut self, b: &mut Builder, bits: usize) -> Vec<Felt> {
        let x = self.sample(b);
        b.bits(x, bits)
    }

    /// Asserts that `witness` solves the proof-of-work puzzle of `bits` bits.
    pub fn check_witness(&mut self, b: &mut Builder, bits: usize, witness: Felt) {
        if bits == 0 {
            return;
        }
        self.observe(b, witness);
        for bit in self.sample_bits(b, bits) {
            b.assert_zero(bit, "proof-of-work witness");
        }
    }
}
