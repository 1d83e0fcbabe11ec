//! The step records the prover rebuilds its trace from agree with execution.

use std::path::PathBuf;

use bento_vm::exec::{execute, replay_traced, CapturedOutput, ExecOptions};
use bento_vm::trace::StepLog;
use bento_vm::Program;

#[test]
fn steps_chain_and_account_for_every_cycle() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../examples/sort.elf");
    let program = Program::load(&std::fs::read(path).unwrap()).unwrap();
    let input: Vec<u8> = (0..300u32).rev().flat_map(|i| i.to_le_bytes()).collect();
    let mut segments = Vec::new();
    let exec = execute(
        &program,
        input,
        ExecOptions {
            po2: 14,
            cycle_limit: None,
        },
        &mut CapturedOutput::default(),
        |s| {
            segments.push(s);
            Ok(())
        },
    )
    .unwrap();
    let mut journal = Vec::new();
    for seg in &segments {
        let mut log = StepLog::default();
        replay_traced(seg, &mut CapturedOutput::default(), &mut log).unwrap();
        let rows: usize = log
            .steps
            .iter()
            .map(|s| 1 + s.syscall.as_ref().map_or(0, |c| c.io.len()))
            .sum();
        assert_eq!(rows as u32, seg.cycles);
        assert_eq!(log.steps[0].pc, seg.pre_pc);
        for pair in log.steps.windows(2) {
            assert_eq!(pair[0].next_pc, pair[1].pc);
        }
        assert_eq!(log.steps.last().unwrap().next_pc, seg.post_pc);
        for step in &log.steps {
            if step.instr.rd == 0 {
                assert_eq!((step.rd_old, step.rd_new), (0, 0));
            }
            if let Some(call) = &step.syscall {
                if call.number == 64 {
                    journal.extend(call.io.iter().map(|b| b.byte));
                }
                for b in &call.io {
                    let shift = 8 * (b.addr & 3);
                    assert_eq!((b.new_word >> shift) as u8, b.byte);
                }
            }
        }
    }
    assert_eq!(journal, exec.journal);
}
