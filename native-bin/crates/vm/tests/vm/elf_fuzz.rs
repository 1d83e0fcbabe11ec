//! The loader (and the executor on whatever it accepts) never panics on
//! hostile files: mutated example ELFs, damaged headers and random bytes.
//!
//! `cargo test` runs a bounded number of cases; set BENTO_FUZZ_CASES for a
//! longer run (at least a million: `BENTO_FUZZ_CASES=1000000 cargo test
//! --release -p bento-vm --test vm elf_fuzz`).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use bento_vm::asm::{self, Asm};
use bento_vm::decode::Op;
use bento_vm::exec::{execute, CapturedOutput, ExecOptions};
use bento_vm::Program;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn seeds() -> Vec<Vec<u8>> {
    let examples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../examples");
    let mut seeds: Vec<Vec<u8>> = ["fib", "sha256", "sort"]
        .iter()
        .map(|n| std::fs::read(examples.join(format!("{n}.elf"))).unwrap())
        .collect();
    let mut a = Asm::new();
    a.li(5, 100)
        .emit(asm::alu_imm(Op::Addi, 5, 5, -1))
        .emit(asm::branch(Op::Bne, 5, 0, -4))
        .li(10, 0)
        .ecall(93);
    seeds.push(a.elf(0x1000));
    seeds
}

// Offsets of header fields worth damaging (ELF header and first program headers).
const FIELDS: [usize; 24] = [
    4, 5, 6, 16, 18, 24, 28, 32, 36, 42, 44, 52, 56, 60, 64, 68, 72, 76, 84, 88, 92, 96, 100, 104,
];
const VALUES: [u32; 10] = [
    0,
    1,
    2,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    0x1000,
    0x0fff_fffc,
    0x1000_0000,
    0xffff_f000,
];

fn mutate(rng: &mut ChaCha8Rng, seed: &[u8]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    match rng.random_range(0..6) {
        0 => {
            for _ in 0..rng.random_range(1..8) {
                let at = rng.random_range(0..bytes.len());
                bytes[at] ^= 1 << rng.random_range(0..8);
            }
        }
        1 => bytes.truncate(rng.random_range(0..bytes.len())),
        2 | 3 => {
            let at = FIELDS[rng.random_range(0..FIELDS.len())];
            let value = if rng.random_bool(0.5) {
                VALUES[rng.random_range(0..VALUES.len())]
            } else {
                rng.random()
            };
            let width = if rng.random_bool(0.5) { 4 } else { 2 };
            if at + width <= bytes.len() {
                bytes[at..at + width].copy_from_slice(&value.to_le_bytes()[..width]);
            }
        }
        4 => {
            let at = rng.random_range(0..bytes.len());
            let len = rng.random_range(0..64).min(bytes.len() - at);
            rng.fill(&mut bytes[at..at + len]);
        }
        _ => {
            // Random bytes, sometimes behind a valid ELF magic and class.
            let len = rng.random_range(0..512);
            bytes = (0..len).map(|_| rng.random()).collect();
            if rng.random_bool(0.5) && len >= 8 {
                bytes[..8].copy_from_slice(b"\x7fELF\x01\x01\x01\x00");
            }
        }
    }
    bytes
}

#[test]
fn hostile_files_never_panic_the_loader_or_executor() {
    let cases: u64 = std::env::var("BENTO_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let seeds = seeds();
    let mut rng = ChaCha8Rng::seed_from_u64(0xb3e70);
    let (mut accepted, mut executed) = (0u64, 0u64);
    for case in 0..cases {
        let seed = &seeds[rng.random_range(0..seeds.len())];
        let bytes = mutate(&mut rng, seed);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let Ok(program) = Program::load(&bytes) else {
                return (false, false);
            };
            // Run what loads for a little while: the image and decoder must cope too.
            let ran = rng_free_execute(&program);
            (true, ran)
        }));
        match outcome {
            Ok((ok, ran)) => {
                accepted += u64::from(ok);
                executed += u64::from(ran);
            }
            Err(_) => {
                let path = std::env::temp_dir().join(format!("bento-elf-fuzz-case-{case}.elf"));
                std::fs::write(&path, &bytes).unwrap();
                panic!(
                    "case {case} panicked; the input is saved at {}",
                    path.display()
                );
            }
        }
    }
    eprintln!("{cases} hostile files: {accepted} loaded, {executed} ran to an exit");
    // The mutations keep some files valid, so the executor is exercised too.
    assert!(accepted > cases / 50, "only {accepted} of {cases} loaded");
}

fn rng_free_execute(program: &Program) -> bool {
    let options = ExecOptions {
        po2: 14,
        cycle_limit: Some(20_000),
    };
    execute(
        program,
        vec![1, 2, 3, 4],
        options,
        &mut CapturedOutput::default(),
        |_| Ok(()),
    )
    .is_ok()
}

#[test]
fn malformed_files_get_errors_that_name_the_problem() {
    let fib = &seeds()[0];
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (vec![], "not an ELF file"),
        (
            b"hello world, this is not an ELF file at all.....".to_vec(),
            "not an ELF file",
        ),
        (
            {
                let mut b = fib.clone();
                b[4] = 2;
                b
            },
            "not an ELF file",
        ), // class 64 with 32-bit headers
        (
            {
                let mut b = fib.clone();
                b[18] = 62;
                b
            },
            "not a RISC-V program (ELF machine 62",
        ),
        (
            {
                let mut b = fib.clone();
                b[16] = 3;
                b
            },
            "not an executable (ELF type 3",
        ),
        (
            {
                let mut b = fib.clone();
                b[36] = 1;
                b
            },
            "compressed instructions",
        ),
        (
            {
                let mut b = fib.clone();
                b[36] = 4;
                b
            },
            "floating-point",
        ),
        (fib[..200].to_vec(), "not an ELF file"),
    ];
    for (bytes, expected) in cases {
        let err = Program::load(&bytes).unwrap_err().to_string();
        assert!(
            err.contains(expected),
            "{err:?} should mention {expected:?}"
        );
    }
    // Segments: outside guest memory, overlapping, beyond the file, entry off the code.
    let code = [0x73u8, 0, 0, 0];
    assert!(Program::load(&asm::elf(0, &code, 4))
        .unwrap_err()
        .to_string()
        .contains("outside guest memory"));
    assert!(Program::load(&asm::elf(0x0fff_fff0, &code, 0x20))
        .unwrap_err()
        .to_string()
        .contains("outside guest memory"));
    let mut two = asm::elf(0x10000, &code, 0x2000);
    two[44] = 2; // phnum = 2: the second header (zeros) is PT_NULL and ignored
    assert!(Program::load(&two).is_ok());
    let mut overlap = asm::elf(0x10000, &code, 0x2000);
    let ph: Vec<u8> = overlap[52..84].to_vec();
    overlap[84..116].copy_from_slice(&ph);
    overlap[44] = 2;
    assert!(Program::load(&overlap)
        .unwrap_err()
        .to_string()
        .contains("overlap"));
    let mut beyond = asm::elf(0x10000, &code, 0x2000);
    beyond[52 + 16..52 + 20].copy_from_slice(&0x5000u32.to_le_bytes());
    beyond[52 + 20..52 + 24].copy_from_slice(&0x8000u32.to_le_bytes());
    assert!(Program::load(&beyond)
        .unwrap_err()
        .to_string()
        .contains("beyond the end of the file"));
    let mut entry = asm::elf(0x10000, &code, 0x2000);
    entry[24..28].copy_from_slice(&0x20000u32.to_le_bytes());
    assert!(Program::load(&entry)
        .unwrap_err()
        .to_string()
        .contains("not inside an executable segment"));
    entry[24..28].copy_from_slice(&0x10002u32.to_le_bytes());
    assert!(Program::load(&entry)
        .unwrap_err()
        .to_string()
        .contains("not 4-byte aligned"));
}
