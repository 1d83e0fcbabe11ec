//! Helpers shared by the recursion tests: a proved segment, and a challenger
//! that records Plonky3's transcript.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use bento_circuit::prover::prove_program;
use bento_circuit::receipt::Receipt;
use bento_circuit::segment::{self, ProvedSegment};
use bento_circuit::shapes::Shaping;
use bento_recursion::challenger::Step;
use bento_stark::config::{config_with, Challenger, Parameters, Pcs};
use bento_stark::{Setup, EF, F};
use bento_vm::exec::{execute, CapturedOutput, ExecOptions};
use bento_vm::Program;
use p3_challenger::{CanObserve, CanSample, CanSampleBits, FieldChallenger, GrindingChallenger};
use p3_field::{BasedVectorSpace, PrimeField64};
use p3_symmetric::MerkleCap;
use p3_uni_stark::StarkConfig;

/// An example guest (examples/NAME.elf).
pub fn example(name: &str) -> Program {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../../../examples/{name}.elf"));
    Program::load(&std::fs::read(path).unwrap()).unwrap()
}

/// An example run on `input` and proved at po2 14: its composite receipt.
pub fn composite(name: &str, input: Vec<u8>) -> Receipt {
    composite_of(&example(name), input)
}

/// A program run on `input` and proved at po2 14: its composite receipt.
pub fn composite_of(program: &Program, input: Vec<u8>) -> Receipt {
    composite_at(program, input, 14)
}

/// A program run on `input` and proved in segments of at most 2^`po2` cycles.
pub fn composite_at(program: &Program, input: Vec<u8>, po2: u32) -> Receipt {
    let (_, receipt) = prove_program(
        Setup::standard(),
        program,
        input,
        ExecOptions {
            po2,
            cycle_limit: None,
        },
        Shaping::Catalogue,
        &mut CapturedOutput::default(),
        |_, _| {},
    )
    .unwrap();
    receipt
}

/// The first segment of the loop example at po2 14, proved.
pub fn proved_segment() -> ProvedSegment {
    proved_segments(300, 1).remove(0)
}

/// The first `n` segments of the loop example at po2 14 (`iterations` of its loop), proved.
pub fn proved_segments(iterations: u32, n: usize) -> Vec<ProvedSegment> {
    let program = example("loop");
    let mut segments = Vec::new();
    execute(
        &program,
        iterations.to_le_bytes().to_vec(),
        ExecOptions {
            po2: 14,
            cycle_limit: None,
        },
        &mut CapturedOutput::default(),
        |s| {
            segments.push(s);
            Ok(())
        },
    )
    .unwrap();
    segments
        .iter()
        .take(n)
        .map(|s| segment::prove(Setup::standard(), s).unwrap())
        .collect()
}

/// Plonky3's duplex challenger, recording every element it absorbs and draws.
#[derive(Clone)]
pub struct Recording {
    inner: Challenger,
    pub steps: Arc<Mutex<Vec<Step>>>,
}

pub type RecordingConfig = StarkConfig<Pcs, EF, Recording>;

/// A configuration with a recording challenger, and its record.
pub fn recording_config(parameters: &Parameters) -> (RecordingConfig, Arc<Mutex<Vec<Step>>>) {
    let recording = Recording {
        inner: Challenger::new(bento_vm::hash::permutation().clone()),
        steps: Arc::default(),
    };
    let steps = recording.steps.clone();
    (config_with(parameters, recording), steps)
}

impl Recording {
    fn draw(&mut self) -> F {
        let v: F = self.inner.sample();
        self.steps.lock().unwrap().push(Step::Sample(v));
        v
    }
}

impl CanObserve<F> for Recording {
    fn observe(&mut self, value: F) {
        self.steps.lock().unwrap().push(Step::Observe(value));
        self.inner.observe(value);
    }
}

impl CanObserve<MerkleCap<F, [F; 8]>> for Recording {
    fn observe(&mut self, cap: MerkleCap<F, [F; 8]>) {
        for digest in cap.roots() {
            for &v in digest {
                CanObserve::<F>::observe(self, v);
            }
        }
    }
}

impl CanSample<F> for Recording {
    fn sample(&mut self) -> F {
        self.draw()
    }
}

impl CanSample<EF> for Recording {
    fn sample(&mut self) -> EF {
        EF::from_basis_coefficients_fn(|_| self.draw())
    }
}

impl CanSampleBits<usize> for Recording {
    fn sample_bits(&mut self, bits: usize) -> usize {
        self.draw().as_canonical_u64() as usize & ((1 << bits) - 1)
    }
}

impl FieldChallenger<F> for Recording {}

impl GrindingChallenger for Recording {
    type Witness = F;

    fn grind(&mut self, bits: usize) -> F {
        self.inner.grind(bits)
    }
}

/// Where Plonky3's recorded transcript continues with the program's steps
/// (the program starts after the shape's seed, which it takes as constants).
pub fn offset_in(native: &[Step], ours: &[Step]) -> Result<usize, String> {
    let mut best = (0, 0);
    for k in 0..native.len().min(512) {
        let same = native[k..]
            .iter()
            .zip(ours)
            .take_while(|(a, b)| a == b)
            .count();
        if same == ours.len() {
            return Ok(k);
        }
        best = best.max((same, k));
    }
    let (same, k) = best;
    Err(format!(
        "the transcripts part after {same} of the program's {} steps (at Plonky3's step {}): Plonky3 {:?}, the program {:?}",
        ours.len(),
        k + same,
        native.get(k + same),
        ours.get(same)
    ))
}
