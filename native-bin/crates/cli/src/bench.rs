//! `bento-zkvm bench …`: figures for the README and issue notes.

use std::path::PathBuf;
use std::time::Instant;

use bento_vm::segment::DEFAULT_PO2;
use bento_vm::{execute, CapturedOutput, ExecOptions};
use clap::{Args, Subcommand};
use serde_json::json;

use crate::execute::load_program;
use crate::report;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Executor speed on a long-running guest (segments cut, not written).
    Execute(BenchExecute),
}

impl BenchCommand {
    pub fn json(&self) -> bool {
        match self {
            BenchCommand::Execute(a) => a.json,
        }
    }
}

#[derive(Args)]
pub struct BenchExecute {
    /// The guest; its input is `--iterations` as a little-endian u32.
    #[arg(long, default_value = "examples/loop.elf")]
    pub elf: PathBuf,
    /// Loop iterations for the guest (the loop example burns about 4 cycles each).
    #[arg(long, default_value_t = 50_000_000)]
    pub iterations: u32,
    #[arg(long, default_value_t = DEFAULT_PO2)]
    pub po2: u32,
    /// Timed runs; the fastest is reported.
    #[arg(long, default_value_t = 3)]
    pub runs: u32,
    #[arg(long)]
    pub json: bool,
}

pub fn run(cmd: BenchCommand) -> Result<(), String> {
    match cmd {
        BenchCommand::Execute(args) => bench_execute(&args),
    }
}

fn bench_execute(args: &BenchExecute) -> Result<(), String> {
    let program = load_program(&args.elf)?;
    let input = args.iterations.to_le_bytes().to_vec();
    let mut best: Option<(f64, u64, u32)> = None;
    for _ in 0..args.runs.max(1) {
        let started = Instant::now();
        let exec = execute(&program, input.clone(), ExecOptions { po2: args.po2, cycle_limit: None }, &mut CapturedOutput::default(), |_| Ok(()))
            .map_err(|e| e.to_string())?;
        let seconds = started.elapsed().as_secs_f64();
        if best.is_none_or(|(s, _, _)| seconds < s) {
            best = Some((seconds, exec.total_cycles, exec.segments));
        }
    }
    let (seconds, cycles, segments) = best.expect("at least one run");
    let mhz = cycles as f64 / seconds / 1e6;
    if args.json {
        report::line(json!({ "cycles": cycles, "segments": segments, "seconds": seconds, "mhz": mhz, "po2": args.po2 }));
    } else {
        println!("executed {cycles} cycles in {segments} segments of 2^{} in {seconds:.3} s: {mhz:.1} MHz", args.po2);
    }
    Ok(())
}
