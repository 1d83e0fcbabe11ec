//! Proving and verifying: `prove-segment`, `join`, `finalize`, `verify` (the
//! steps the task orchestrator spawns) and `prove` (all of them in one process).

use std::path::{Path, PathBuf};
use std::time::Instant;

use bento_circuit::prover::prove_program;
use bento_circuit::receipt::{Receipt, SegmentReceipt, SegmentRun};
use bento_stark::Setup;
use bento_vm::fsutil::write_atomic;
use bento_vm::segment::{Segment, DEFAULT_PO2};
use bento_vm::{Digest, ExecOptions};
use clap::Args;
use serde_json::{json, Value};

use crate::execute::GuestArgs;
use crate::report;

#[derive(Args)]
pub struct ProveSegmentArgs {
    /// A segment file written by `execute --segments-dir`.
    pub segment: PathBuf,
    /// Where to write the result (a JSON summary goes beside a receipt).
    #[arg(long)]
    pub out: PathBuf,
    /// JSON lines on stdout: progress, then the result (errors too).
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct JoinArgs {
    pub left: PathBuf,
    pub right: PathBuf,
    /// Where to write the result (a JSON summary goes beside a receipt).
    #[arg(long)]
    pub out: PathBuf,
    /// JSON lines on stdout: progress, then the result (errors too).
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct FinalizeArgs {
    /// The segment receipts of the whole execution (the root of the join tree).
    pub root: PathBuf,
    /// The journal the execution committed.
    #[arg(long)]
    pub journal: PathBuf,
    #[arg(long)]
    pub image_id: String,
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
    /// Where to write the result (a JSON summary goes beside a receipt).
    #[arg(long)]
    pub out: PathBuf,
    /// JSON lines on stdout: progress, then the result (errors too).
    #[arg(long)]
    pub json: bool,
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    write_atomic(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

fn read_run(path: &Path) -> Result<SegmentRun, String> {
    SegmentRun::from_bytes(&read(path)?).map_err(|e| format!("{}: {e}", path.display()))
}

fn parse_image_id(hex: &str) -> Result<Digest, String> {
    Digest::from_hex(hex).map_err(|e| format!("image id {hex:?}: {e}"))
}

/// Writes the receipt and its JSON summary beside it (`<out>.json`).
fn write_receipt(path: &Path, receipt: &Receipt) -> Result<Value, String> {
    let bytes = receipt.to_bytes();
    write(path, &bytes)?;
    let summary = serde_json::to_value(receipt.summary(bytes.len())).expect("summaries serialize");
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
    let receipt = SegmentReceipt::prove(Setup::standard(), &segment).map_err(|e| e.to_string())?;
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
    let run = SegmentRun::join(read_run(&args.left)?, read_run(&args.right)?)
        .map_err(|e| e.to_string())?;
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
    let run = read_run(&args.root)?;
    let journal = read(&args.journal)?;
    let image_id = parse_image_id(&args.image_id)?;
    let receipt = run
        .finalize(Setup::standard(), image_id, journal)
        .map_err(|e| format!("the receipt does not verify: {e}"))?;
    let summary = write_receipt(&args.out, &receipt)?;
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
    let image_id = parse_image_id(&args.image_id)?;
    let bytes = read(&args.receipt)?;
    let receipt =
        Receipt::from_bytes(&bytes).map_err(|e| format!("{}: {e}", args.receipt.display()))?;
    let started = Instant::now();
    receipt
        .verify(Setup::standard(), image_id)
        .map_err(|e| format!("{}: invalid receipt: {e}", args.receipt.display()))?;
    let verify_ms = started.elapsed().as_secs_f64() * 1e3;
    let summary = serde_json::to_value(receipt.summary(bytes.len())).expect("summaries serialize");
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
