//! `bento-zkvm bench …`: figures for the README and issue notes.

use std::path::PathBuf;
use std::time::Instant;

use bento_vm::segment::DEFAULT_PO2;
use bento_vm::{execute, CapturedOutput, ExecOptions};
use clap::{Args, Subcommand};
use p3_matrix::Matrix;
use serde_json::json;

use crate::execute::load_program;
use crate::report;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Executor speed on a long-running guest (segments cut, not written).
    Execute(BenchExecute),
    /// Proof-system speed on a synthetic table with a LogUp lookup.
    Stark(BenchStark),
    /// Merkle commitment speed: Poseidon2 (the configuration's hash) against Keccak-f.
    Hash(BenchHash),
    /// Prover speed: the loop example proved across segments, then verified.
    Prove(BenchProve),
    /// Recursion: runs of the loop example proved, lifted, joined and shrunk into succinct receipts.
    Recursion(BenchRecursion),
}

impl BenchCommand {
    pub fn json(&self) -> bool {
        match self {
            BenchCommand::Execute(a) => a.json,
            BenchCommand::Stark(a) => a.json,
            BenchCommand::Hash(a) => a.json,
            BenchCommand::Prove(a) => a.json,
            BenchCommand::Recursion(a) => a.json,
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
        BenchCommand::Stark(args) => bench_stark(&args),
        BenchCommand::Hash(args) => bench_hash(&args),
        BenchCommand::Prove(args) => bench_prove(&args),
        BenchCommand::Recursion(args) => bench_recursion(&args),
    }
}

fn bench_execute(args: &BenchExecute) -> Result<(), String> {
    let program = load_program(&args.elf)?;
    let input = args.iterations.to_le_bytes().to_vec();
    let mut best: Option<(f64, u64, u32)> = None;
    for _ in 0..args.runs.max(1) {
        let started = Instant::now();
        let exec = execute(
            &program,
            input.clone(),
            ExecOptions {
                po2: args.po2,
                cycle_limit: None,
            },
            &mut CapturedOutput::default(),
            |_| Ok(()),
        )
        .map_err(|e| e.to_string())?;
        let seconds = started.elapsed().as_secs_f64();
        if best.is_none_or(|(s, _, _)| seconds < s) {
            best = Some((seconds, exec.total_cycles, exec.segments));
        }
    }
    let (seconds, cycles, segments) = best.expect("at least one run");
    let mhz = cycles as f64 / seconds / 1e6;
    if args.json {
        report::line(
            json!({ "cycles": cycles, "segments": segments, "seconds": seconds, "mhz": mhz, "po2": args.po2 }),
        );
    } else {
        println!("executed {cycles} cycles in {segments} segments of 2^{} in {seconds:.3} s: {mhz:.1} MHz", args.po2);
    }
    Ok(())
}

#[derive(Args)]
pub struct BenchStark {
    /// log2 of the table's rows.
    #[arg(long, default_value_t = 20)]
    pub log_rows: usize,
    /// Columns of the table (at least 4).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(4..=4096))]
    pub cols: u64,
    #[command(flatten)]
    pub explore: Explore,
    #[arg(long)]
    pub json: bool,
}

fn bench_stark(args: &BenchStark) -> Result<(), String> {
    use bento_stark::{phases, security, synthetic, Setup};

    let parameters = args.explore.parameters();
    let setup = Setup::with(parameters);
    let instances = synthetic::instances(args.log_rows, args.cols as usize, 7);
    let airs: Vec<_> = instances.iter().map(|i| i.air.clone()).collect();
    let public: Vec<_> = instances.iter().map(|i| i.public_values.clone()).collect();
    let heights: Vec<_> = instances
        .iter()
        .map(|i| i.trace.height().trailing_zeros() as usize)
        .collect();

    phases::install();
    let (proof, split, elapsed) = phases::measure(|| bento_stark::prove(&setup, &instances));
    let proof = proof.map_err(|e| e.to_string())?;
    let proof_bytes = proof.to_bytes().len();
    let started = Instant::now();
    let bounds: Vec<_> = heights.iter().map(|&h| h..=h).collect();
    bento_stark::verify(&setup, &airs, &proof, &public, &bounds).map_err(|e| e.to_string())?;
    let verify_ms = started.elapsed().as_secs_f64() * 1e3;
    let security = security::conjectured(&setup, &security::shapes(&setup, &airs, &heights));
    let bits = security.bits;

    let rows = 1u64 << args.log_rows;
    let seconds = elapsed.as_secs_f64();
    let rows_per_second = rows as f64 / seconds;
    if args.json {
        report::line(json!({
            "log_rows": args.log_rows,
            "cols": args.cols,
            "prove_seconds": seconds,
            "rows_per_second": rows_per_second,
            "proof_bytes": proof_bytes,
            "verify_ms": verify_ms,
            "split_ms": split,
            "conjectured_security_bits": bits,
            "binding_term": security.binding,
            "log_blowup": parameters.log_blowup,
            "queries": parameters.num_queries,
        }));
    } else {
        println!("proved 2^{} rows x {} columns (plus a 2^16-row lookup table) in {seconds:.2} s: {rows_per_second:.0} rows/s", args.log_rows, args.cols);
        println!("  trace LDE and commit  {:8.0} ms", split.trace_commit_ms);
        println!("  LogUp trace           {:8.0} ms", split.logup_ms);
        println!("  quotient              {:8.0} ms", split.quotient_ms);
        println!("  FRI and opening       {:8.0} ms", split.fri_open_ms);
        println!("proof: {proof_bytes} bytes, verified in {verify_ms:.1} ms");
        println!(
            "conjectured security {bits:.1} bits (log blowup {}, {} queries; binding: {})",
            parameters.log_blowup, parameters.num_queries, security.binding
        );
    }
    Ok(())
}

#[derive(Args)]
pub struct BenchHash {
    #[arg(long, default_value_t = 20)]
    pub log_rows: usize,
    #[arg(long, default_value_t = 100)]
    pub cols: usize,
    #[arg(long)]
    pub json: bool,
}

fn bench_hash(args: &BenchHash) -> Result<(), String> {
    let f = bento_stark::hash_bench::measure(args.log_rows, args.cols);
    if args.json {
        report::line(serde_json::to_value(&f).map_err(|e| e.to_string())?);
    } else {
        println!(
            "Merkle commitment of 2^{} rows x {} columns:",
            args.log_rows, args.cols
        );
        println!(
            "  Poseidon2 (BabyBear, width 16): {:8.0} ms  {:6.0} MiB/s",
            f.poseidon2_ms, f.poseidon2_mib_per_s
        );
        println!(
            "  Keccak-f (u64 lanes):           {:8.0} ms  {:6.0} MiB/s",
            f.keccak_ms, f.keccak_mib_per_s
        );
    }
    Ok(())
}

#[derive(Args)]
pub struct BenchProve {
    #[arg(long, default_value = "examples/loop.elf")]
    pub elf: PathBuf,
    #[arg(long, default_value_t = DEFAULT_PO2, value_parser = clap::value_parser!(u32).range(14..=22))]
    pub po2: u32,
    /// Full segments to prove (the loop runs long enough to fill them).
    #[arg(long, default_value_t = 2)]
    pub segments: u32,
    #[command(flatten)]
    pub explore: Explore,
    #[arg(long)]
    pub json: bool,
}

/// The loop example's cycles per iteration (see examples/loop.c).
const LOOP_CYCLES_PER_ITERATION: u32 = 19;

/// Peak resident memory of this process, from /proc (0 where there is none).
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok());
    kb.unwrap_or(0.0) / 1024.0
}

/// The paging table's share of a segment's committed cells: its part of the
/// proving time is estimated as that share (its trace generation is timed).
fn paging_share(traces: &[bento_stark::RowMajorMatrix<bento_stark::F>]) -> f64 {
    use bento_stark::Matrix;
    let cells = |t: &bento_stark::RowMajorMatrix<bento_stark::F>| (t.width() * t.height()) as f64;
    let all: f64 = traces.iter().map(cells).sum();
    cells(&traces[bento_circuit::air::PAGING]) / all
}

fn bench_prove(args: &BenchProve) -> Result<(), String> {
    use bento_circuit::receipt::SegmentReceipt;
    use bento_stark::{phases, Setup};

    let program = load_program(&args.elf)?;
    let capacity = bento_vm::segment::segment_capacity(args.po2);
    // Enough iterations that the last full segment is followed by a short one.
    let iterations = (u64::from(capacity) * u64::from(args.segments.max(1))
        / u64::from(LOOP_CYCLES_PER_ITERATION)) as u32;
    let setup = &Setup::with(args.explore.parameters());
    phases::install();
    let mut receipts = Vec::new();
    let mut prove_seconds = 0.0;
    let mut split = phases::Phases::default();
    let mut trace_gen_ms = 0.0;
    let mut paging_ms = 0.0;
    let options = ExecOptions {
        po2: args.po2,
        cycle_limit: None,
    };
    execute(
        &program,
        iterations.to_le_bytes().to_vec(),
        options,
        &mut CapturedOutput::default(),
        |segment| {
            if receipts.len() as u32 >= args.segments {
                return Ok(());
            }
            let started = Instant::now();
            let trace = bento_circuit::trace::build(&segment).map_err(|e| e.to_string())?;
            let trace_seconds = started.elapsed().as_secs_f64();
            let paging_share = paging_share(&trace.traces);
            let paging_gen_ms = trace.paging_time.as_secs_f64() * 1e3;
            let (proved, s, elapsed) = phases::measure(|| {
                bento_circuit::segment::prove_trace(
                    setup,
                    bento_circuit::segment::SegmentClaim::of(&segment),
                    trace,
                )
            });
            let proved = proved.map_err(|e| e.to_string())?;
            receipts.push((SegmentReceipt::new(&proved), proved));
            trace_gen_ms += trace_seconds * 1e3;
            paging_ms += paging_gen_ms + paging_share * elapsed.as_secs_f64() * 1e3;
            prove_seconds += trace_seconds + elapsed.as_secs_f64();
            split.add(&s);
            Ok(())
        },
    )
    .map_err(|e| e.to_string())?;
    let cycles: u64 = receipts
        .iter()
        .map(|(r, _)| u64::from(r.claim.cycles))
        .sum();
    let started = Instant::now();
    for (receipt, proved) in &receipts {
        if setup.is_standard() {
            receipt.verify(setup).map_err(|e| e.to_string())?;
        } else {
            // Seals under explored parameters do not deserialize as standard proofs: check the proof in memory.
            bento_circuit::segment::verify(setup, &proved.claim, &proved.proof)
                .map_err(|e| e.to_string())?;
        }
    }
    let n = receipts.len().max(1) as f64;
    let verify_ms = started.elapsed().as_secs_f64() * 1e3 / n;
    let seal_bytes = receipts.iter().map(|(r, _)| r.seal.len()).sum::<usize>() as f64 / n;
    let khz = cycles as f64 / prove_seconds / 1e3;
    let peak = peak_rss_mb();
    if args.json {
        report::line(json!({
            "po2": args.po2, "segments": receipts.len(), "cycles": cycles, "prove_seconds": prove_seconds, "khz": khz,
            "seal_bytes": seal_bytes, "verify_ms": verify_ms, "peak_rss_mb": peak,
            "split_ms": split, "trace_gen_ms": trace_gen_ms, "paging_ms": paging_ms,
        }));
    } else {
        println!(
            "proved {cycles} cycles in {} segments of 2^{} in {prove_seconds:.2} s: {khz:.1} kHz",
            receipts.len(),
            args.po2
        );
        println!("  trace generation      {trace_gen_ms:8.0} ms");
        println!("  paging (its share)    {paging_ms:8.0} ms");
        println!("  trace LDE and commit  {:8.0} ms", split.trace_commit_ms);
        println!("  LogUp trace           {:8.0} ms", split.logup_ms);
        println!("  quotient              {:8.0} ms", split.quotient_ms);
        println!("  FRI and opening       {:8.0} ms", split.fri_open_ms);
        println!("per segment: seal {seal_bytes:.0} bytes, verify {verify_ms:.1} ms");
        println!("peak memory {peak:.0} MiB");
    }
    Ok(())
}

/// Other FRI parameters to explore (proofs made with them are not under the
/// standard configuration, and the standard verifier refuses them).
#[derive(Args)]
pub struct Explore {
    /// Another log blowup.
    #[arg(long)]
    pub log_blowup: Option<usize>,
    /// Another number of FRI queries.
    #[arg(long)]
    pub queries: Option<usize>,
    /// Other grinding before the queries, in bits.
    #[arg(long)]
    pub query_pow_bits: Option<usize>,
}

impl Explore {
    /// The standard parameters with the explored ones in their place.
    fn parameters(&self) -> bento_stark::config::Parameters {
        let mut parameters = bento_stark::PARAMETERS;
        parameters.log_blowup = self.log_blowup.unwrap_or(parameters.log_blowup);
        parameters.num_queries = self.queries.unwrap_or(parameters.num_queries);
        parameters.query_pow_bits = self.query_pow_bits.unwrap_or(parameters.query_pow_bits);
        parameters
    }
}

#[derive(Args)]
pub struct BenchRecursion {
    #[arg(long, default_value = "examples/loop.elf")]
    pub elf: PathBuf,
    #[arg(long, default_value_t = DEFAULT_PO2, value_parser = clap::value_parser!(u32).range(14..=22))]
    pub po2: u32,
    /// Segment counts to measure, each a run of its own (the figures should stay flat).
    #[arg(long, value_delimiter = ',', default_value = "1,4")]
    pub segments: Vec<u32>,
    #[arg(long)]
    pub json: bool,
}

/// The mean, or None for no values.
fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// The weakest conjectured security of the recursion proofs: lift and join
/// (the standard configuration at the recursion shape) and shrink (the succinct one).
fn recursion_security_bits() -> Result<f64, String> {
    use bento_recursion::config::succinct_setup;
    use bento_recursion::succinct::circuits;
    use bento_stark::Setup;
    let c = circuits();
    let join = c.join().map_err(|e| e.to_string())?.circuit();
    let shrink = c.shrink().map_err(|e| e.to_string())?.circuit();
    Ok(join
        .security(Setup::standard())
        .bits
        .min(shrink.security(succinct_setup()).bits))
}

fn bench_recursion(args: &BenchRecursion) -> Result<(), String> {
    use bento_circuit::prover::prove_program;
    use bento_circuit::shapes::Shaping;
    use bento_recursion::succinct::{aggregate, Step, SuccinctReceipt};
    use bento_stark::Setup;

    let program = load_program(&args.elf)?;
    let capacity = u64::from(bento_vm::segment::segment_capacity(args.po2));
    let security_bits = recursion_security_bits()?;
    for &n in &args.segments {
        // The loop fills n segments, the last to about seven eighths.
        let cycles = capacity * u64::from(n.max(1)) - capacity / 8;
        let iterations = (cycles / u64::from(LOOP_CYCLES_PER_ITERATION)) as u32;
        let started = Instant::now();
        let (_, composite) = prove_program(
            Setup::standard(),
            &program,
            iterations.to_le_bytes().to_vec(),
            ExecOptions {
                po2: args.po2,
                cycle_limit: None,
            },
            Shaping::Catalogue,
            &mut CapturedOutput::default(),
            |_, _| {},
        )
        .map_err(|e| e.to_string())?;
        let prove_ms = started.elapsed().as_secs_f64() * 1e3;
        let (mut lifts, mut joins, mut shrink_ms) = (Vec::new(), Vec::new(), 0.0);
        let succinct = aggregate(&composite, |step| match step {
            Step::Lifted { ms, .. } => lifts.push(ms),
            Step::Joined { ms, .. } => joins.push(ms),
            Step::Shrunk { ms } => shrink_ms = ms,
        })
        .map_err(|e| e.to_string())?;
        let bytes = succinct.to_bytes();
        let read = SuccinctReceipt::from_bytes(&bytes).map_err(|e| e.to_string())?;
        // Verifying compiles the circuits it checks against once per process;
        // a verifier that stays up (the daemon) keeps them.
        let started = Instant::now();
        read.verify(composite.image_id).map_err(|e| e.to_string())?;
        let first_verify_ms = started.elapsed().as_secs_f64() * 1e3;
        let started = Instant::now();
        read.verify(composite.image_id).map_err(|e| e.to_string())?;
        let verify_ms = started.elapsed().as_secs_f64() * 1e3;
        let segments = composite.segments.len();
        let segment_ms = prove_ms / segments as f64;
        let lift_ms = mean(&lifts).unwrap_or_default();
        let join_ms = mean(&joins);
        let peak = peak_rss_mb();
        if args.json {
            report::line(json!({
                "po2": args.po2, "segments": segments, "cycles": succinct.claim.cycles,
                "segment_prove_ms": segment_ms, "lift_ms": lift_ms, "lift_ratio": lift_ms / segment_ms,
                "join_ms": join_ms, "shrink_ms": shrink_ms, "succinct_bytes": bytes.len(),
                "composite_bytes": composite.to_bytes().len(), "verify_ms": verify_ms,
                "first_verify_ms": first_verify_ms, "security_bits": security_bits, "peak_rss_mb": peak,
            }));
        } else {
            println!(
                "{segments} segment(s) of 2^{}: proved at {segment_ms:.0} ms a segment; lift {lift_ms:.0} ms ({:.0}%), join {}, shrink {shrink_ms:.0} ms",
                args.po2,
                100.0 * lift_ms / segment_ms,
                join_ms.map_or("-".to_string(), |ms| format!("{ms:.0} ms")),
            );
            println!(
                "  succinct receipt {} bytes (composite {}); verified in {verify_ms:.1} ms ({first_verify_ms:.0} ms the first time, compiling the circuits); {security_bits:.1} bits; peak memory {peak:.0} MiB",
                bytes.len(),
                composite.to_bytes().len()
            );
        }
    }
    Ok(())
}
