mod common;

#[test]
fn examples_check() {
    let sort_input: Vec<u8> = (0..200u32).flat_map(|i| i.wrapping_mul(2_654_435_761).to_le_bytes()).collect();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("fib", 30u32.to_le_bytes().to_vec()),
        ("fib", vec![1, 2]),
        ("sha256", b"hello world\n".to_vec()),
        ("loop", 5000u32.to_le_bytes().to_vec()),
        ("sort", sort_input),
        ("exit_code", vec![200]),
    ];
    for (name, input) in cases {
        let (_, segs) = common::segments(&common::example(name), &input, 14);
        eprintln!("{name}: {} segments", segs.len());
        for s in &segs {
            common::check(s);
        }
    }
}
