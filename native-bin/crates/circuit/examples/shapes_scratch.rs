use bento_vm::exec::{execute, CapturedOutput, ExecOptions};
use bento_vm::Program;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let program = Program::load(&std::fs::read(&args[1]).unwrap()).unwrap();
    let input: Vec<u8> = if args.len() > 3 {
        args[3].parse::<u32>().unwrap().to_le_bytes().to_vec()
    } else {
        vec![]
    };
    let po2: u32 = args[2].parse().unwrap();
    let mut segs = Vec::new();
    execute(
        &program,
        input,
        ExecOptions {
            po2,
            cycle_limit: None,
        },
        &mut CapturedOutput::default(),
        |s| {
            segs.push(s);
            Ok(())
        },
    )
    .unwrap();
    for s in segs.iter().take(3) {
        let t = bento_circuit::trace::build(s).unwrap();
        let v: Vec<String> = t
            .traces
            .iter()
            .zip(bento_circuit::air::TABLE_NAMES)
            .map(|(m, n)| {
                format!(
                    "{n}:{}x2^{}",
                    m.width,
                    (m.values.len() / m.width).trailing_zeros()
                )
            })
            .collect();
        let cells: usize = t
            .traces
            .iter()
            .map(|m| m.width * (m.values.len() / m.width))
            .sum();
        println!("{} cells=2^{:.2}", v.join(" "), (cells as f64).log2());
    }
}
