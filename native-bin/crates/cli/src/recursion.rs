//! The recursion steps as the orchestrator spawns them: `lift` one segment
//! receipt, `join` two recursion runs (the same command joins composite
//! runs), and `finalize` the root into a succinct receipt.

use std::path::Path;
use std::time::Instant;

use bento_circuit::receipt::{FileError, SegmentRun};
use bento_recursion::run::RecursionRun;
use bento_vm::Digest;
use clap::Args;
use serde_json::json;

use crate::prove::{parse_digest, read, write};
use crate::report;

#[derive(Args)]
pub struct LiftArgs {
    /// A segment receipt written by `prove-segment`.
    pub segment: std::path::PathBuf,
    /// The journal chain of the segments before this one (`execute --json`
    /// prints it with each segment); the first segment's is all zeros.
    #[arg(long, default_value_t = Digest::default().to_hex())]
    pub journal_before: String,
    /// Where to write the recursion run.
    #[arg(long)]
    pub out: std::path::PathBuf,
    /// JSON lines on stdout: progress, then the result (errors too).
    #[arg(long)]
    pub json: bool,
}

/// A partial result of either kind, as `join` and `finalize` read it.
pub enum AnyRun {
    Composite(SegmentRun),
    Recursion(Box<RecursionRun>),
}

impl AnyRun {
    pub fn read(path: &Path) -> Result<AnyRun, String> {
        let bytes = read(path)?;
        let run = match SegmentRun::from_bytes(&bytes) {
            Err(FileError::BadMagic(_)) => RecursionRun::from_bytes(&bytes)
                .map(|r| AnyRun::Recursion(Box::new(r)))
                .map_err(|e| match e {
                    FileError::BadMagic(_) => {
                        "not a segment receipt or a recursion run (bad magic)".to_string()
                    }
                    e => e.to_string(),
                }),
            other => other.map(AnyRun::Composite).map_err(|e| e.to_string()),
        };
        run.map_err(|e| format!("{}: {e}", path.display()))
    }
}

pub fn lift(args: &LiftArgs) -> Result<(), String> {
    let journal_before = parse_digest("journal chain", &args.journal_before)?;
    let context = |e: String| format!("{}: {e}", args.segment.display());
    let AnyRun::Composite(run) = AnyRun::read(&args.segment)? else {
        return Err(context("a recursion run is lifted already".into()));
    };
    let [segment] = &run.segments[..] else {
        return Err(context(format!(
            "holds {} segments; lift takes one segment's receipt",
            run.segments.len()
        )));
    };
    let proved = segment.proved().map_err(|e| context(e.to_string()))?;
    if args.json {
        report::line(
            json!({ "type": "progress", "stage": "lifting", "index": proved.claim.index }),
        );
    }
    let started = Instant::now();
    let lifted = RecursionRun::lift(&proved, journal_before).map_err(|e| context(e.to_string()))?;
    let lift_ms = started.elapsed().as_millis() as u64;
    let bytes = lifted.to_bytes();
    write(&args.out, &bytes)?;
    if args.json {
        report::line(json!({
            "type": "done", "index": lifted.first, "cycles": lifted.claim.cycles,
            "shape": lifted.shapes[0], "key": lifted.lift_key_digest().map(Digest::to_hex),
            "journal_after": lifted.claim.journal[1].to_hex(),
            "lift_ms": lift_ms, "bytes": bytes.len(), "out": args.out.display().to_string(),
        }));
    } else {
        println!(
            "segment {} lifted in {lift_ms} ms; {} bytes",
            lifted.first,
            bytes.len()
        );
    }
    Ok(())
}

/// One of a job's segment shapes in a shapes file: its tables' log2
/// heights, or those with its lift key's digest, as `lift --json` prints
/// them (`{"shape": [...], "key": "..."}`: a hint that spares the join
/// compiling that lift circuit).
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum ShapeEntry {
    Plain(Vec<usize>),
    Hinted { shape: Vec<usize>, key: String },
}

/// A job's segment shapes, and the lift key digests given for some of them.
pub struct JobShapes {
    pub shapes: Vec<Vec<usize>>,
    pub hints: Vec<(Vec<usize>, Digest)>,
}

/// Reads a job's segment shapes, with the key hints the file gives.
pub fn read_shapes(path: &Path) -> Result<JobShapes, String> {
    let bytes = read(path)?;
    let entries: Vec<ShapeEntry> = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{}: not a list of shapes: {e}", path.display()))?;
    let mut job = JobShapes {
        shapes: Vec::with_capacity(entries.len()),
        hints: Vec::new(),
    };
    for entry in entries {
        match entry {
            ShapeEntry::Plain(shape) => job.shapes.push(shape),
            ShapeEntry::Hinted { shape, key } => {
                let key = Digest::from_hex(&key)
                    .map_err(|e| format!("{}: a lift key: {e}", path.display()))?;
                job.hints.push((shape.clone(), key));
                job.shapes.push(shape);
            }
        }
    }
    Ok(job)
}

/// Joins two recursion runs under the job's shapes.
pub fn join(
    left: &RecursionRun,
    right: &RecursionRun,
    shapes: Option<&Path>,
    out: &Path,
    json: bool,
) -> Result<(), String> {
    let shapes =
        shapes.ok_or("joining recursion runs needs --shapes (the job's segment shapes)")?;
    let job = read_shapes(shapes)?;
    let started = Instant::now();
    let joined = RecursionRun::join(&job.shapes, &job.hints, left, right).map_err(|e| {
        format!(
            "joining segments {}..={} and {}..={}: {e}",
            left.first, left.last, right.first, right.last
        )
    })?;
    let join_ms = started.elapsed().as_millis() as u64;
    let bytes = joined.to_bytes();
    write(out, &bytes)?;
    if json {
        report::line(json!({
            "type": "done", "first": joined.first, "last": joined.last, "join_ms": join_ms,
            "bytes": bytes.len(), "out": out.display().to_string(),
        }));
    } else {
        println!(
            "joined segments {}..={} in {join_ms} ms; {} bytes",
            joined.first,
            joined.last,
            bytes.len()
        );
    }
    Ok(())
}
