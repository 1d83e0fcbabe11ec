//! `bento-zkvm`: the native side of Local Bento. Every command prints a human
//! summary, or with `--json` one JSON object per line on stdout (progress and
//! results as they happen, then a final line; an error is a line of its own
//! and a non-zero exit status).

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod bench;
mod execute;
mod prove;
mod recursion;
mod report;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "bento-zkvm",
    version,
    about = "Execute, prove and verify RV32IM guest programs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a guest and cut its execution into segments.
    Execute(execute::ExecuteArgs),
    /// Print the image ID of a guest program.
    ImageId {
        /// The guest ELF.
        elf: std::path::PathBuf,
    },
    /// Prove one segment file into a segment receipt.
    ProveSegment(prove::ProveSegmentArgs),
    /// Lift a segment receipt into a recursion proof of that segment.
    Lift(recursion::LiftArgs),
    /// Join two adjacent runs, segment receipts or recursion runs (the right continues the left).
    Join(prove::JoinArgs),
    /// Assemble and verify the full receipt from the joined segment receipts.
    Finalize(prove::FinalizeArgs),
    /// Verify a receipt against an image ID (exit status 0 only if valid).
    Verify(prove::VerifyArgs),
    /// Execute and prove a guest in one process, writing its receipt.
    Prove(prove::ProveArgs),
    /// Benchmarks that print figures.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
}

/// With BENTO_EXIT_WITH_PARENT=1 (set by the engine), a child whose parent
/// died exits instead of proving for nobody: a killed engine leaves no
/// orphaned provers behind.
fn exit_with_parent() {
    if std::env::var_os("BENTO_EXIT_WITH_PARENT").is_none_or(|v| v != "1") {
        return;
    }
    let parent = std::os::unix::process::parent_id();
    std::thread::spawn(move || loop {
        std::thread::sleep(std::time::Duration::from_millis(200));
        if std::os::unix::process::parent_id() != parent {
            std::process::exit(137);
        }
    });
}

// A build that unifies bento-forge's features (`cargo build --workspace`)
// would link the executor's forging mode into this binary: refuse to compile.
const _: () = assert!(!bento_vm::relax::FORGING, "bento-zkvm must not be built with bento-vm's `forge` feature: build the default members (no --workspace)");

/// A reader that stops early (`bento-zkvm verify … | head`) ends this
/// process as it ends any Unix tool, instead of a print panicking on the
/// closed pipe.
fn end_quietly_on_closed_pipe() {
    // SAFETY: setting a signal's disposition to its default, before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    end_quietly_on_closed_pipe();
    exit_with_parent();
    let cli = Cli::parse();
    let (json, result) = match cli.command {
        Command::Execute(args) => (args.json, execute::run(&args)),
        Command::ImageId { elf } => (false, execute::print_image_id(&elf)),
        Command::ProveSegment(args) => (args.json, prove::prove_segment(&args)),
        Command::Lift(args) => (args.json, recursion::lift(&args)),
        Command::Join(args) => (args.json, prove::join(&args)),
        Command::Finalize(args) => (args.json, prove::finalize(&args)),
        Command::Verify(args) => (args.json, prove::verify(&args)),
        Command::Prove(args) => (args.json, prove::prove(&args)),
        Command::Bench(cmd) => (cmd.json(), bench::run(cmd)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            report::error(json, &message);
            ExitCode::FAILURE
        }
    }
}
