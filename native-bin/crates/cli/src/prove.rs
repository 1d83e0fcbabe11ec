//! Proving and verifying: `prove-segment`, `join`, `finalize`, `verify` (the
//! steps the task orchestrator spawns) and `prove` (all of them in one process).

use std::path::{Path, PathBuf};
use std::time::Instant;

use bento_circuit::prover::prove_program;
use bento_circuit::receipt::{Receipt, SegmentReceipt, SegmentRun};
use bento_circuit::shapes::Shaping;
use bento_recursion::succinct::{aggregate, Step, SuccinctReceipt};
use bento_stark::Setup;
use bento_verify::AnyReceipt;
use bento_vm::fsutil::write_atomic;
use bento_vm::segment::{Segment, DEFAULT_PO2};
use bento_vm::{Digest, ExecOptions};
use clap::Args;
use serde_json::{json, Value};

use crate::execute::GuestArgs;
use crate::recursion::{self, AnyRun};
use crate::report;

/// Whether segments are padded to catalogued shapes.
#[derive(Args)]
pub struct ShapeArgs {
    /// Keep every table as short as its rows allow instead of padding it to
    /// a catalogued shape: a little faster to prove, but a succinct
    /// receipt's verifier then compiles a lift circuit per segment shape.
    #[arg(long)]
    pub own_shapes: bool,
}

impl ShapeArgs {
    fn shaping(&self) -> Shaping {
        if self.own_shapes {
            Shaping::Own
        } else {
            Shaping::Catalogue
        }
    }
}

#[derive(Args)]
pub struct ProveSegmentArgs {
    /// A segment file written by `execute --segments-dir`.
    pub segment: PathBuf,
    #[command(flatten)]
    pub shapes: ShapeArgs,
    /// Where to write the result (a JSON summary goes beside a receipt).
    #[arg(long)]
    pub out: PathBuf,
    /// JSON lines on stdout: progress, then the result (errors too).
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct JoinArgs {
    /// Two segment receipts (or composite runs), or two recursion runs.
    pub left: PathBuf,
    pub right: PathBuf,
    /// For recursion runs: the job's segment shapes, a JSON list of the
    /// `shape` each `lift --json` printed.
    #[arg(long)]
    pub shapes: Option<PathBuf>,
    /// Where to write the result (a JSON summary goes beside a receipt).
    #[arg(long)]
    pub out: PathBuf,
    /// JSON lines on stdout: progress, then the result (errors too).
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct FinalizeArgs {
    /// The root of the join tree: the whole execution's segment receipts, or
    /// its recursion run (which gives a succinct receipt).
    pub root: PathBuf,
    /// The journal the execution committed.
    #[arg(long)]
    pub journal: PathBuf,
    #[arg(long)]
    pub image_id: String,
    /// Aggregate the segment proofs into one recursion proof (a succinct receipt).
    #[arg(long)]
    pub succinct: bool,
    /// Where to write the result (a JSON summary goes beside a receipt).
    #[arg(long)]
    pub out: PathBuf,
    /// JSON lines on stdout: progress, then the result (errors too).
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct VerifyArgs {
    pub receipt: PathBuf,
    /// The image ID the receipt must be for (`bento-zkvm image-id <elf>`).
    /// The receipt may be composite or succinct.
    #[arg(long)]
    pub image_id: String,
    /// JSON lines on stdout: progress, then the result (errors too).
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct ProveArgs {
    #[command(flatten)]
    pub guest: GuestArgs,
    /// Segments hold at most 2^po2 cycles.
    #[arg(long, default_value_t = DEFAULT_PO2, value_parser = clap::value_parser!(u32).range(14..=22))]
    pub po2: u32,
    /// Aggregate the segment proofs into one recursion proof (a succinct receipt).
    #[arg(long)]
    pub succinct: bool,
    #[command(flatten)]
    pub shapes: ShapeArgs,
    /// Where to write the result (a JSON summary goes beside a receipt).
    #[arg(long)]
    pub out: PathBuf,
    /// JSON lines on stdout: progress, then the result (errors too).
    #[arg(long)]
    pub json: bool,
}

pub(crate) fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

pub(crate) fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    write_atomic(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

pub(crate) fn parse_digest(what: &str, hex: &str) -> Result<Digest, String> {
    Digest::from_hex(hex).map_err(|e| format!("{what} {hex:?}: {e}"))
}

/// The composite receipt aggregated into a succinct one, with each step reported.
fn aggregate_reporting(receipt: &Receipt, json: bool) -> Result<SuccinctReceipt, String> {
    aggregate(receipt, |step| {
        let (line, text) = match step {
            Step::Lifted { index, ms } => (
                json!({ "type": "recursion", "step": "lift", "index": index, "ms": ms.round() }),
                format!("segment {index} lifted in {ms:.0} ms"),
            ),
            Step::Joined { first, last, ms } => (
                json!({ "type": "recursion", "step": "join", "first": first, "last": last, "ms": ms.round() }),
                format!("segments {first}..={last} joined in {ms:.0} ms"),
            ),
            Step::Shrunk { ms } => (
                json!({ "type": "recursion", "step": "shrink", "ms": ms.round() }),
                format!("shrunk in {ms:.0} ms"),
            ),
        };
        if json {
            report::line(line);
        } else {
            eprintln!("{text}");
        }
    })
    .map_err(|e| format!("aggregating the receipt: {e}"))
}

fn summary_json(receipt: &AnyReceipt, encoded_len: usize) -> Value {
    serde_json::to_value(receipt.summary(encoded_len)).expect("summaries serialize")
}

/// Writes the receipt and its JSON summary beside it (`<out>.json`).
fn write_receipt(path: &Path, receipt: &AnyReceipt) -> Result<Value, String> {
    let bytes = receipt.to_bytes();
    write(path, &bytes)?;
    let summary = summary_json(receipt, bytes.len());
    let json_path = PathBuf::from(format!("{}.json", path.display()));
    write(&json_path, format!("{summary:#}\n").as_bytes())?;
    Ok(summary)
}

fn print_summary(summary: &Value) {
    println!(
        "image id:   {}",
        summary["image_id"].as_str().unwrap_or_default()
    );
    println!("exit code:  {}", summary["exit_code"]);
    println!(
        "cycles:     {} in {} segment(s) of 2^{}",
        summary["cycles"], summary["segments"], summary["po2"]
    );
    println!(
        "receipt:    {}",
        summary["kind"].as_str().unwrap_or_default()
    );
    println!(
        "journal:    {}",
        summary["journal_hex"].as_str().unwrap_or_default()
    );
    if let Some(text) = summary["journal_text"].as_str().filter(|t| !t.is_empty()) {
        println!("journal text: {text}");
    }
    println!(
        "size:       {} bytes ({} seal)",
        summary["bytes"], summary["seal_bytes"]
    );
}

pub fn prove_segment(args: &ProveSegmentArgs) -> Result<(), String> {
    let segment = Segment::read_file(&args.segment)
        .map_err(|e| format!("{}: {e}", args.segment.display()))?;
    if args.json {
        report::line(
            json!({ "type": "progress", "stage": "proving", "index": segment.index, "cycles": segment.cycles }),
        );
    }
    let started = Instant::now();
    let receipt = SegmentReceipt::prove(Setup::standard(), &segment, args.shapes.shaping())
        .map_err(|e| e.to_string())?;
    let prove_ms = started.elapsed().as_millis() as u64;
    let seal_bytes = receipt.seal.len();
    let claim = receipt.claim.clone();
    write(&args.out, &SegmentRun::single(receipt).to_bytes())?;
    if args.json {
        report::line(json!({
            "type": "done", "index": claim.index, "cycles": claim.cycles, "po2": claim.po2,
            "seal_bytes": seal_bytes, "prove_ms": prove_ms,
            "pre": claim.pre_digest().to_hex(), "post": claim.post_digest().to_hex(), "out": args.out.display().to_string(),
        }));
    } else {
        println!(
            "segment {}: {} cycles proved in {prove_ms} ms; seal {seal_bytes} bytes",
            claim.index, claim.cycles
        );
    }
    Ok(())
}

pub fn join(args: &JoinArgs) -> Result<(), String> {
    let (left, right) = match (AnyRun::read(&args.left)?, AnyRun::read(&args.right)?) {
        (AnyRun::Composite(l), AnyRun::Composite(r)) => (l, r),
        (AnyRun::Recursion(l), AnyRun::Recursion(r)) => {
            return recursion::join(&l, &r, args.shapes.as_deref(), &args.out, args.json)
        }
        _ => return Err("a segment receipt and a recursion run cannot be joined".into()),
    };
    let run = SegmentRun::join(left, right).map_err(|e| e.to_string())?;
    let (first, last) = (
        run.segments[0].claim.index,
        run.segments[run.segments.len() - 1].claim.index,
    );
    write(&args.out, &run.to_bytes())?;
    if args.json {
        report::line(
            json!({ "type": "done", "first": first, "last": last, "out": args.out.display().to_string() }),
        );
    } else {
        println!("joined segments {first}..={last}");
    }
    Ok(())
}

pub fn finalize(args: &FinalizeArgs) -> Result<(), String> {
    let journal = read(&args.journal)?;
    let image_id = parse_digest("image id", &args.image_id)?;
    let run = match AnyRun::read(&args.root)? {
        AnyRun::Composite(run) => run,
        AnyRun::Recursion(root) => {
            let started = Instant::now();
            let receipt = root
                .finish(image_id, journal)
                .map_err(|e| format!("the succinct receipt does not verify: {e}"))?;
            if args.json {
                report::line(
                    json!({ "type": "recursion", "step": "shrink", "ms": started.elapsed().as_millis() as u64 }),
                );
            }
            return finish_receipt(args, &AnyReceipt::Succinct(Box::new(receipt)));
        }
    };
    let receipt = run
        .finalize(Setup::standard(), image_id, journal)
        .map_err(|e| format!("the receipt does not verify: {e}"))?;
    let receipt = if args.succinct {
        AnyReceipt::Succinct(Box::new(aggregate_reporting(&receipt, args.json)?))
    } else {
        AnyReceipt::Composite(receipt)
    };
    finish_receipt(args, &receipt)
}

fn finish_receipt(args: &FinalizeArgs, receipt: &AnyReceipt) -> Result<(), String> {
    let summary = write_receipt(&args.out, receipt)?;
    if args.json {
        report::line(
            json!({ "type": "done", "receipt": summary, "out": args.out.display().to_string() }),
        );
    } else {
        print_summary(&summary);
    }
    Ok(())
}

pub fn verify(args: &VerifyArgs) -> Result<(), String> {
    let image_id = parse_digest("image id", &args.image_id)?;
    let bytes = read(&args.receipt)?;
    let receipt =
        AnyReceipt::from_bytes(&bytes).map_err(|e| format!("{}: {e}", args.receipt.display()))?;
    let started = Instant::now();
    receipt
        .verify(image_id)
        .map_err(|e| format!("{}: invalid receipt: {e}", args.receipt.display()))?;
    let verify_ms = started.elapsed().as_secs_f64() * 1e3;
    let summary = summary_json(&receipt, bytes.len());
    if args.json {
        report::line(
            json!({ "type": "done", "valid": true, "verify_ms": verify_ms, "receipt": summary }),
        );
    } else {
        println!("valid receipt ({verify_ms:.1} ms)");
        print_summary(&summary);
    }
    Ok(())
}

pub fn prove(args: &ProveArgs) -> Result<(), String> {
    let (program, input, mut out) = args.guest.open(args.json)?;
    let options = ExecOptions {
        po2: args.po2,
        cycle_limit: args.guest.cycle_limit,
    };
    let started = Instant::now();
    let mut last = Instant::now();
    let result = prove_program(
        Setup::standard(),
        &program,
        input,
        options,
        // Only a succinct receipt's verifier gains from catalogued shapes.
        if args.succinct {
            args.shapes.shaping()
        } else {
            Shaping::Own
        },
        &mut out,
        |claim, receipt| {
            let ms = last.elapsed().as_millis() as u64;
            last = Instant::now();
            if args.json {
                report::line(json!({
                    "type": "segment", "index": claim.index, "cycles": claim.cycles,
                    "seal_bytes": receipt.seal.len(), "prove_ms": ms, "exit_code": claim.exit_code,
                }));
            } else {
                eprintln!(
                    "segment {}: {} cycles proved in {ms} ms",
                    claim.index, claim.cycles
                );
            }
        },
    );
    out.finish()?;
    let (_, receipt) = result.map_err(|e| format!("{}: {e}", args.guest.elf.display()))?;
    let receipt = if args.succinct {
        AnyReceipt::Succinct(Box::new(aggregate_reporting(&receipt, args.json)?))
    } else {
        AnyReceipt::Composite(receipt)
    };
    let summary = write_receipt(&args.out, &receipt)?;
    let elapsed_ms = started.elapsed().as_millis() as u64;
    if args.json {
        report::line(
            json!({ "type": "done", "receipt": summary, "elapsed_ms": elapsed_ms, "out": args.out.display().to_string() }),
        );
    } else {
        print_summary(&summary);
        println!(
            "proved in {:.1} s; receipt written to {}",
            elapsed_ms as f64 / 1e3,
            args.out.display()
        );
    }
    Ok(())
}
