//! Differential tests against qemu-riscv32 (Debian's qemu-user): the example
//! guests and thousands of random straight-line and looping programs must give
//! the same exit code, stdout and journal in both. Skipped, with a printed
//! reason, where qemu-riscv32 is not installed.

use crate::support;

use std::path::PathBuf;

use support::{
    instruction_program, qemu_available, random_program, run_ours, run_qemu, run_qemu_elf, temp_dir,
};

#[test]
fn example_guests_match_qemu() {
    if !qemu_available() {
        return;
    }
    let dir = temp_dir("examples");
    let examples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../examples");
    let sort_input: Vec<u8> = (0..2000u32)
        .flat_map(|i| i.wrapping_mul(2_654_435_761).to_le_bytes())
        .collect();
    let big: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 256) as u8).collect();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("fib", 30u32.to_le_bytes().to_vec()),
        ("fib", 1000u32.to_le_bytes().to_vec()),
        ("fib", vec![1, 2]), // too short: exits with code 101
        ("sha256", b"hello world\n".to_vec()),
        ("sha256", vec![]),
        ("sha256", big),
        ("loop", 5000u32.to_le_bytes().to_vec()),
        ("sort", sort_input),
        ("sort", vec![1, 2, 3]),
        ("exit_code", vec![]),
        ("exit_code", vec![200]),
    ];
    for (name, input) in cases {
        let path = examples.join(format!("{name}.elf"));
        let ours = run_ours(&std::fs::read(&path).unwrap(), &input);
        let theirs = run_qemu(&path, &input, &dir);
        assert_eq!(ours, theirs, "{name} with {} input bytes", input.len());
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn random_programs_match_qemu() {
    if !qemu_available() {
        return;
    }
    let count: u64 = std::env::var("BENTO_QEMU_PROGRAMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let dir = temp_dir("random");
    let threads = 4;
    std::thread::scope(|scope| {
        for t in 0..threads {
            let dir = &dir;
            scope.spawn(move || {
                for seed in (t..count).step_by(threads as usize) {
                    let (elf, input) = random_program(seed);
                    let ours = run_ours(&elf, &input);
                    let theirs = run_qemu_elf(&elf, &input, dir, &format!("p{seed}.elf"));
                    // Compared piecewise: a full dump of two journals buries the difference.
                    assert_eq!(
                        ours.exit_code, theirs.exit_code,
                        "exit code, random program seed {seed}"
                    );
                    assert_eq!(
                        ours.stdout, theirs.stdout,
                        "stdout, random program seed {seed}"
                    );
                    assert!(
                        ours.journal == theirs.journal,
                        "journal differs, random program seed {seed}"
                    );
                }
            });
        }
    });
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn instruction_program_matches_qemu() {
    if !qemu_available() {
        return;
    }
    let dir = temp_dir("instructions");
    let (elf, input) = instruction_program();
    let ours = run_ours(&elf, &input);
    let theirs = run_qemu_elf(&elf, &input, &dir, "instructions.elf");
    assert_eq!(ours, theirs);
    assert!(
        ours.journal.len() > 10_000,
        "the program records its results"
    );
    let _ = std::fs::remove_dir_all(dir);
}
