//! `bento-zkvm execute` and `image-id` as the orchestrator runs them.

use bento_vm::segment::Segment;

use crate::common;

use common::{assert_success, bin, example, json_lines, temp};

#[test]
fn execute_json_streams_segments_then_a_summary() {
    let dir = temp("json");
    let input = dir.join("input");
    std::fs::write(&input, 3000u32.to_le_bytes()).unwrap();
    let segments = dir.join("segments");
    let out = bin()
        .args([
            "execute",
            example("loop").to_str().unwrap(),
            "--po2",
            "14",
            "--json",
            "--input",
        ])
        .arg(&input)
        .arg("--segments-dir")
        .arg(&segments)
        .output()
        .unwrap();
    assert_success(&out);
    let lines = json_lines(&out.stdout);
    let (last, segs) = lines.split_last().unwrap();
    assert_eq!(last["type"], "done");
    assert_eq!(last["exit_code"], 0);
    assert_eq!(last["segments"].as_u64().unwrap() as usize, segs.len());
    assert!(segs.len() > 2);
    let mut total = 0;
    for (i, s) in segs.iter().enumerate() {
        assert_eq!(s["type"], "segment");
        assert_eq!(s["index"].as_u64().unwrap() as usize, i);
        let file = Segment::read_file(std::path::Path::new(s["path"].as_str().unwrap())).unwrap();
        assert_eq!(file.pre_digest().to_hex(), s["pre"].as_str().unwrap());
        assert_eq!(file.post_digest().to_hex(), s["post"].as_str().unwrap());
        total += s["cycles"].as_u64().unwrap();
    }
    assert_eq!(last["total_cycles"].as_u64().unwrap(), total);
    assert_eq!(segs[0]["pre"], last["image_id"]);
    assert_eq!(last["journal"].as_str().unwrap().len(), 8);

    let id = bin()
        .args(["image-id", example("loop").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&id.stdout).trim(),
        last["image_id"].as_str().unwrap()
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn guest_output_goes_to_the_log_and_faults_are_json_errors() {
    let dir = temp("log");
    let log = dir.join("guest.log");
    let out = bin()
        .args([
            "execute",
            example("exit_code").to_str().unwrap(),
            "--json",
            "--log",
        ])
        .arg(&log)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "exiting with code 7\n"
    );
    let lines = json_lines(&out.stdout);
    assert_eq!(lines.last().unwrap()["exit_code"], 7);
    assert_eq!(lines.last().unwrap()["journal"], hex_of(b"bye"));

    let input = dir.join("n");
    std::fs::write(&input, 100_000u32.to_le_bytes()).unwrap();
    let out = bin()
        .args([
            "execute",
            example("loop").to_str().unwrap(),
            "--json",
            "--cycle-limit",
            "100000",
            "--input",
        ])
        .arg(&input)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let lines = json_lines(&out.stdout);
    let err = lines.last().unwrap();
    assert_eq!(err["type"], "error");
    assert!(
        err["error"]
            .as_str()
            .unwrap()
            .contains("cycle limit of 100000 cycles reached"),
        "{err}"
    );

    let not_elf = dir.join("not.elf");
    std::fs::write(&not_elf, b"#!/bin/sh\necho hi\n").unwrap();
    let out = bin()
        .args(["execute", not_elf.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = &json_lines(&out.stdout)[0];
    assert!(
        err["error"].as_str().unwrap().contains("not an ELF file"),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: "));

    let out = bin()
        .args(["execute", example("fib").to_str().unwrap(), "--po2", "30"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("30"));
    let _ = std::fs::remove_dir_all(dir);
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
