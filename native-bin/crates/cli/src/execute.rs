//! `bento-zkvm execute` and `image-id`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use bento_recursion::claim::chain_journal;
use bento_vm::abi::FD_STDOUT;
use bento_vm::segment::DEFAULT_PO2;
use bento_vm::{execute, image_id, Digest, ExecOptions, GuestOutput, Program};
use clap::Args;
use serde_json::json;

use crate::report;

/// The guest and how it runs: shared by `execute` and `prove`.
#[derive(Args)]
pub struct GuestArgs {
    /// The guest ELF (RV32IM, statically linked).
    pub elf: PathBuf,
    /// The guest's private input (read on fd 0).
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// Stop the guest with an error after this many cycles.
    #[arg(long)]
    pub cycle_limit: Option<u64>,
    /// Write the guest's stdout and stderr to this file instead of forwarding them.
    #[arg(long)]
    pub log: Option<PathBuf>,
}

impl GuestArgs {
    /// The program, its input, and where its output goes.
    pub fn open(&self, json: bool) -> Result<(Program, Vec<u8>, Forward), String> {
        Ok((
            load_program(&self.elf)?,
            read_input(self.input.as_deref())?,
            Forward::open(self.log.as_deref(), json)?,
        ))
    }
}

#[derive(Args)]
pub struct ExecuteArgs {
    #[command(flatten)]
    pub guest: GuestArgs,
    /// Segments hold at most 2^po2 cycles (minus a few rows the prover reserves).
    #[arg(long, default_value_t = DEFAULT_PO2, value_parser = clap::value_parser!(u32).range(14..=24))]
    pub po2: u32,
    /// Write each segment to this directory as it is cut.
    #[arg(long)]
    pub segments_dir: Option<PathBuf>,
    /// One JSON object per line on stdout: a line per segment, then a summary.
    #[arg(long)]
    pub json: bool,
}

pub fn load_program(path: &Path) -> Result<Program, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Program::load(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn read_input(path: Option<&Path>) -> Result<Vec<u8>, String> {
    match path {
        Some(path) => std::fs::read(path).map_err(|e| format!("input {}: {e}", path.display())),
        None => Ok(Vec::new()),
    }
}

/// Guest stdout/stderr: to a log file, or forwarded (both to stderr when stdout carries JSON).
pub enum Forward {
    Log(BufWriter<File>),
    Host { json: bool },
}

impl Forward {
    pub fn open(log: Option<&Path>, json: bool) -> Result<Forward, String> {
        Ok(match log {
            Some(path) => Forward::Log(BufWriter::new(
                File::create(path).map_err(|e| format!("guest log {}: {e}", path.display()))?,
            )),
            None => Forward::Host { json },
        })
    }

    pub fn finish(&mut self) -> Result<(), String> {
        match self {
            Forward::Log(file) => file.flush().map_err(|e| format!("guest log: {e}")),
            Forward::Host { .. } => Ok(()),
        }
    }
}

impl GuestOutput for Forward {
    fn write(&mut self, fd: u32, bytes: &[u8]) {
        let _ = match self {
            Forward::Log(file) => file.write_all(bytes),
            Forward::Host { json: false } if fd == FD_STDOUT => std::io::stdout().write_all(bytes),
            Forward::Host { .. } => std::io::stderr().write_all(bytes),
        };
    }
}

pub fn run(args: &ExecuteArgs) -> Result<(), String> {
    let (program, input, mut out) = args.guest.open(args.json)?;
    if let Some(dir) = &args.segments_dir {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let options = ExecOptions {
        po2: args.po2,
        cycle_limit: args.guest.cycle_limit,
    };
    let started = std::time::Instant::now();
    // The journal chain before each segment: what `lift` continues.
    let mut journal_chain = Digest::default();
    let result = execute(&program, input, options, &mut out, |segment| {
        let path = match &args.segments_dir {
            Some(dir) => {
                let path = dir.join(format!("{:06}.seg", segment.index));
                segment.write_file(&path).map_err(|e| e.to_string())?;
                Some(path.display().to_string())
            }
            None => None,
        };
        if args.json {
            report::line(json!({
                "type": "segment",
                "index": segment.index,
                "cycles": segment.cycles,
                "path": path,
                "pre": segment.pre_digest().to_hex(),
                "post": segment.post_digest().to_hex(),
                "exit_code": segment.exit_code,
                "journal_before": journal_chain.to_hex(),
            }));
        }
        journal_chain = chain_journal(journal_chain, &segment.journal);
        Ok(())
    });
    out.finish()?;
    let exec = result.map_err(|e| e.to_string())?;
    if args.json {
        report::line(json!({
            "type": "done",
            "exit_code": exec.exit_code,
            "total_cycles": exec.total_cycles,
            "segments": exec.segments,
            "journal": hex::encode(&exec.journal),
            "image_id": exec.image_id.to_hex(),
            "elapsed_ms": started.elapsed().as_millis() as u64,
        }));
    } else {
        println!("exit code:    {}", exec.exit_code);
        println!(
            "cycles:       {} in {} segment(s) of at most 2^{}",
            exec.total_cycles, exec.segments, args.po2
        );
        println!("image id:     {}", exec.image_id);
        println!(
            "journal:      {} bytes {}",
            exec.journal.len(),
            hex::encode(&exec.journal)
        );
        if let Ok(text) = std::str::from_utf8(&exec.journal) {
            if !text.is_empty() && text.chars().all(|c| !c.is_control() || c == '\n') {
                println!("journal text: {text}");
            }
        }
    }
    Ok(())
}

pub fn print_image_id(elf: &Path) -> Result<(), String> {
    println!("{}", image_id(&load_program(elf)?));
    Ok(())
}
