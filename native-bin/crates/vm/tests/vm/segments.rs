//! Segments: cutting an execution at different sizes gives the same result,
//! consecutive segments chain, and each segment replays from its own data.

use std::path::PathBuf;

use bento_vm::exec::{execute, replay, CapturedOutput, ExecOptions};
use bento_vm::image_id;
use bento_vm::segment::{segment_capacity, Segment, SegmentFileError};
use bento_vm::Program;

fn example(name: &str) -> Program {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../examples")
        .join(format!("{name}.elf"));
    Program::load(&std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .unwrap()
}

fn run(program: &Program, input: &[u8], po2: u32) -> (bento_vm::Execution, Vec<Segment>) {
    let mut segments = Vec::new();
    let exec = execute(
        program,
        input.to_vec(),
        ExecOptions {
            po2,
            cycle_limit: None,
        },
        &mut CapturedOutput::default(),
        |s| {
            segments.push(s);
            Ok(())
        },
    )
    .expect("runs");
    (exec, segments)
}

#[test]
fn po2_14_and_20_agree_and_segments_chain() {
    let program = example("loop");
    let input = 20_000u32.to_le_bytes();
    let (small, small_segments) = run(&program, &input, 14);
    let (large, large_segments) = run(&program, &input, 20);
    assert_eq!(small.journal, large.journal);
    assert_eq!(small.exit_code, large.exit_code);
    assert_eq!(small.total_cycles, large.total_cycles);
    assert_eq!(small.image_id, large.image_id);
    assert_eq!(small.image_id, image_id(&program));
    assert!(small.segments > 10, "{} segments", small.segments);
    assert_eq!(large.segments, 1);

    for segments in [&small_segments, &large_segments] {
        assert_eq!(segments[0].pre_digest(), small.image_id);
        for pair in segments.windows(2) {
            assert_eq!(pair[0].post_digest(), pair[1].pre_digest());
            assert_eq!(pair[0].exit_code, None);
        }
        for s in segments {
            assert!(s.cycles <= segment_capacity(s.po2));
        }
        assert_eq!(
            segments.iter().map(|s| u64::from(s.cycles)).sum::<u64>(),
            small.total_cycles
        );
        let journal: Vec<u8> = segments.iter().flat_map(|s| s.journal.clone()).collect();
        assert_eq!(journal, small.journal);
        assert_eq!(segments.last().unwrap().exit_code, Some(0));
    }
    // The final states agree whatever the segment size.
    assert_eq!(
        small_segments.last().unwrap().post_digest(),
        large_segments.last().unwrap().post_digest()
    );
}

#[test]
fn every_segment_replays_to_its_recorded_post_state() {
    let program = example("sort");
    let input: Vec<u8> = (0..3000u32)
        .rev()
        .flat_map(|i| (i.wrapping_mul(2_654_435_761)).to_le_bytes())
        .collect();
    let (exec, segments) = run(&program, &input, 14);
    assert!(segments.len() > 5);
    let mut journal = Vec::new();
    for s in &segments {
        // Through the file format, as the prover receives it.
        let s = Segment::from_bytes(&s.to_bytes()).unwrap();
        let r = replay(&s, &mut CapturedOutput::default()).unwrap();
        assert_eq!(
            (r.post_pc, r.post_root, r.exit_code, r.cycles),
            (s.post_pc, s.post_root, s.exit_code, s.cycles),
            "segment {}",
            s.index
        );
        assert_eq!(r.journal, s.journal);
        journal.extend(r.journal);
    }
    assert_eq!(journal, exec.journal);
}

#[test]
fn a_segment_with_a_missing_or_altered_page_does_not_replay() {
    let program = example("fib");
    let (_, segments) = run(&program, &25u32.to_le_bytes(), 14);
    let mut s = segments[0].clone();
    s.pages[0].words[3] ^= 1;
    assert!(replay(&s, &mut CapturedOutput::default()).is_err());
    let mut s = segments[0].clone();
    s.pages.remove(0);
    assert!(replay(&s, &mut CapturedOutput::default()).is_err());
}

#[test]
fn segment_files_round_trip_and_reject_garbage() {
    let program = example("fib");
    let (_, segments) = run(&program, &10u32.to_le_bytes(), 14);
    let bytes = segments[0].to_bytes();
    assert_eq!(Segment::from_bytes(&bytes).unwrap(), segments[0]);
    assert!(matches!(
        Segment::from_bytes(b"nonsense"),
        Err(SegmentFileError::BadMagic)
    ));
    let mut other_version = bytes.clone();
    other_version[8] = 9;
    assert!(matches!(
        Segment::from_bytes(&other_version),
        Err(SegmentFileError::Version(9))
    ));
    for cut in [9, 12, bytes.len() / 2, bytes.len() - 1] {
        assert!(Segment::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(Segment::from_bytes(&longer).is_err());
}

#[test]
fn the_image_id_depends_on_code_and_data() {
    let fib = example("fib");
    let mut patched = fib.clone();
    patched.segments[0].data[100] ^= 1;
    assert_ne!(image_id(&fib), image_id(&patched));
    assert_ne!(image_id(&fib), image_id(&example("loop")));
    assert_eq!(image_id(&fib), image_id(&example("fib")));
}

#[test]
fn short_segments_take_the_smallest_po2_that_holds_them() {
    let elf = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../examples/loop.elf"
    ))
    .unwrap();
    let program = bento_vm::Program::load(&elf).unwrap();
    let mut po2s = Vec::new();
    let options = bento_vm::ExecOptions {
        po2: 16,
        cycle_limit: None,
    };
    // About two and a half segments of 2^16.
    let input = (2 * 65_536 / 19 + 1000u32).to_le_bytes().to_vec();
    bento_vm::execute(
        &program,
        input,
        options,
        &mut bento_vm::CapturedOutput::default(),
        |s| {
            assert!(s.cycles <= bento_vm::segment::segment_capacity(s.po2));
            po2s.push(s.po2);
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(po2s, vec![16, 16, 15]);
}
