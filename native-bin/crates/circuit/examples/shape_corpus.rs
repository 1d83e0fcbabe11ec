//! Prints the catalogue of segment shapes (`src/shapes.rs`) that a corpus of
//! guests gives: `shape_corpus PO2,PO2,… GUEST.elf[:INPUT] …` (INPUT: a
//! file, `u32:N` for one little-endian word, or `random:N` for N bytes from a
//! fixed seed) executes each guest at each po2, builds its segments' tables, raises every variable
//! table to the height at which it costs a sixty-fourth of the CPU table
//! (never above what a verifier accepts), and prints the distinct shapes
//! with how many segments took each.

use std::collections::BTreeMap;

use bento_circuit::air::{airs, CPU};
use bento_circuit::segment::log_heights;
use bento_circuit::trace;
use bento_stark::F;
use bento_vm::{execute, CapturedOutput, ExecOptions, Program};
use p3_air::BaseAir;

fn canonical(heights: &[usize]) -> Vec<usize> {
    let widths: Vec<usize> = airs().iter().map(BaseAir::<F>::width).collect();
    let po2 = heights[CPU];
    let budget = (widths[CPU] << po2) / 64;
    let accepted = log_heights(po2 as u32);
    heights
        .iter()
        .zip(&widths)
        .zip(&accepted)
        .map(|((&h, &w), range)| {
            let floor = (0..=*range.end())
                .rev()
                .find(|&f| w << f <= budget)
                .unwrap_or(0);
            h.max(floor.clamp(*range.start(), *range.end()))
        })
        .collect()
}

fn read_input(spec: &str) -> Result<Vec<u8>, String> {
    use rand::{RngCore, SeedableRng};
    let number = |n: &str| n.parse::<u32>().map_err(|e| format!("input {spec}: {e}"));
    Ok(match spec.split_once(':') {
        _ if spec.is_empty() => Vec::new(),
        Some(("u32", n)) => number(n)?.to_le_bytes().to_vec(),
        Some(("random", n)) => {
            let mut bytes = vec![0; number(n)? as usize];
            rand_chacha::ChaCha8Rng::seed_from_u64(0).fill_bytes(&mut bytes);
            bytes
        }
        _ => std::fs::read(spec).map_err(|e| format!("{spec}: {e}"))?,
    })
}

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let po2s: Vec<u32> = args
        .next()
        .ok_or("usage: shape_corpus PO2,PO2,… GUEST.elf[:INPUT] …")?
        .split(',')
        .map(|p| p.parse().map_err(|e| format!("po2 {p}: {e}")))
        .collect::<Result<_, _>>()?;
    let guests: Vec<String> = args.collect();
    let mut shapes: BTreeMap<Vec<usize>, usize> = BTreeMap::new();
    for &po2 in &po2s {
        for guest in &guests {
            let (elf, input) = guest.split_once(':').unwrap_or((guest, ""));
            let program = Program::load(&std::fs::read(elf).map_err(|e| format!("{elf}: {e}"))?)
                .map_err(|e| format!("{elf}: {e}"))?;
            let input = read_input(input)?;
            let options = ExecOptions {
                po2,
                cycle_limit: None,
            };
            execute(
                &program,
                input,
                options,
                &mut CapturedOutput::default(),
                |segment| {
                    let t = trace::build(&segment).map_err(|e| e.to_string())?;
                    *shapes.entry(canonical(&t.log_heights())).or_default() += 1;
                    Ok(())
                },
            )
            .map_err(|e| format!("{elf} at po2 {po2}: {e}"))?;
        }
    }
    for (shape, segments) in shapes {
        let bytes: Vec<String> = shape.iter().map(|h| h.to_string()).collect();
        println!("    [{}], // {segments} segment(s)", bytes.join(", "));
    }
    Ok(())
}
