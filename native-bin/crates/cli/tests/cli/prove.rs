//! The proving commands as the orchestrator spawns them: execute into
//! segments, prove each, join, finalize, verify; and `prove` in one process.

use crate::common;

use std::path::{Path, PathBuf};

use common::{assert_success, bin, example, json_lines, temp};

fn image_id(elf: &Path) -> String {
    let out = bin().arg("image-id").arg(elf).output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// `verify RECEIPT --image-id ID --json`.
fn verify(receipt: &Path, id: &str) -> std::process::Output {
    bin()
        .arg("verify")
        .arg(receipt)
        .args(["--image-id", id, "--json"])
        .output()
        .unwrap()
}

/// `join LEFT RIGHT --out OUT` (with `--shapes` for recursion runs).
fn join(left: &Path, right: &Path, out: &Path, shapes: Option<&Path>) -> std::process::Output {
    let mut cmd = bin();
    cmd.arg("join").arg(left).arg(right).arg("--out").arg(out);
    if let Some(shapes) = shapes {
        cmd.arg("--shapes").arg(shapes);
    }
    cmd.output().unwrap()
}

/// `finalize ROOT --journal JOURNAL --image-id ID --out OUT`.
fn finalize(root: &Path, journal: &Path, id: &str, out: &Path) -> std::process::Command {
    let mut cmd = bin();
    cmd.arg("finalize")
        .arg(root)
        .arg("--journal")
        .arg(journal)
        .args(["--image-id", id, "--out"])
        .arg(out);
    cmd
}

/// Joins `runs` left to right (in `dir`): the root's path, or the output of
/// the first join refused.
fn join_all(
    dir: &Path,
    runs: &[PathBuf],
    shapes: Option<&Path>,
) -> Result<PathBuf, std::process::Output> {
    let mut root = runs[0].clone();
    for (i, right) in runs.iter().enumerate().skip(1) {
        let joined = dir.join(format!("join-{i}"));
        let out = join(&root, right, &joined, shapes);
        if !out.status.success() {
            return Err(out);
        }
        root = joined;
    }
    Ok(root)
}

/// Joins `runs` left to right (in `dir`), then finalizes the root into
/// `dir/receipt`: the root's path and finalize's output.
fn join_all_and_finalize(
    dir: &Path,
    runs: &[PathBuf],
    shapes: Option<&Path>,
    journal: &Path,
    id: &str,
) -> (PathBuf, std::process::Output) {
    let root = join_all(dir, runs, shapes)
        .unwrap_or_else(|out| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    let out = finalize(&root, journal, id, &dir.join("receipt"))
        .arg("--json")
        .output()
        .unwrap();
    assert_success(&out);
    (root, out)
}

/// The orchestrator's first steps: `execute` the `loop` example into
/// segments at po2 14, then `prove-segment` each. The segment receipts'
/// paths, execute's segment lines, its last line and the journal's path.
struct Proved {
    receipts: Vec<PathBuf>,
    segments: Vec<serde_json::Value>,
    done: serde_json::Value,
    journal: PathBuf,
}

fn execute_and_prove_segments(dir: &Path, elf: &Path, iterations: u32) -> Proved {
    let input = dir.join("input");
    std::fs::write(&input, iterations.to_le_bytes()).unwrap();
    let segments = dir.join("segments");
    let out = bin()
        .args(["execute", "--po2", "14", "--json", "--segments-dir"])
        .arg(&segments)
        .arg("--input")
        .arg(&input)
        .arg(elf)
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut lines = json_lines(&out.stdout);
    let done = lines.pop().unwrap();
    let journal = dir.join("journal");
    std::fs::write(
        &journal,
        hex::decode(done["journal"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    let count = done["segments"].as_u64().unwrap() as usize;
    assert!(count >= 2);
    let segment_lines: Vec<_> = lines
        .into_iter()
        .filter(|l| l["type"] == "segment")
        .collect();
    assert_eq!(segment_lines.len(), count);

    let mut receipts = Vec::new();
    for i in 0..count {
        let out_path = dir.join(format!("{i}.rcpt"));
        let out = bin()
            .arg("prove-segment")
            .arg(segments.join(format!("{i:06}.seg")))
            .arg("--out")
            .arg(&out_path)
            .arg("--json")
            .output()
            .unwrap();
        assert_success(&out);
        let last = json_lines(&out.stdout).pop().unwrap();
        assert_eq!(last["type"], "done");
        assert!(last["seal_bytes"].as_u64().unwrap() > 0);
        receipts.push(out_path);
    }
    Proved {
        receipts,
        segments: segment_lines,
        done,
        journal,
    }
}

#[test]
fn segments_prove_join_finalize_and_verify() {
    let dir = temp("orchestrated");
    let elf = example("loop");
    let Proved {
        receipts,
        done,
        journal,
        ..
    } = execute_and_prove_segments(&dir, &elf, 1500);
    let count = receipts.len();
    // Joining out of order is refused.
    let refused = bin()
        .arg("join")
        .arg(&receipts[1])
        .arg(&receipts[0])
        .arg("--out")
        .arg(dir.join("bad"))
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("error:"));
    let id = image_id(&elf);
    let (root, _) = join_all_and_finalize(&dir, &receipts, None, &journal, &id);
    let receipt = dir.join("receipt");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("receipt.json")).unwrap()).unwrap();
    assert_eq!(summary["segments"].as_u64().unwrap() as usize, count);
    assert_eq!(summary["journal_hex"], done["journal"]);

    let out = verify(&receipt, &id);
    assert!(out.status.success());
    let verdict = json_lines(&out.stdout).pop().unwrap();
    assert_eq!(verdict["valid"], true);
    assert_eq!(verdict["receipt"]["exit_code"], 0);

    // Another image ID, a finalize with the wrong journal, and garbage are all refused.
    let other = image_id(&example("fib"));
    let out = bin()
        .arg("verify")
        .arg(&receipt)
        .args(["--image-id", &other])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid receipt"));
    std::fs::write(dir.join("wrong-journal"), b"nope").unwrap();
    let out = finalize(&root, &dir.join("wrong-journal"), &id, &dir.join("r2"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(!dir.join("r2").exists());
    std::fs::write(dir.join("garbage"), b"BENTORCT\x01garbage").unwrap();
    let out = bin()
        .arg("verify")
        .arg(dir.join("garbage"))
        .args(["--image-id", &id, "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_lines(&out.stdout).pop().unwrap()["type"], "error");
    let _ = std::fs::remove_dir_all(dir);
}

/// `prove` of the sha256 example on "abc" at po2 14 (with `options`) into
/// `dir/receipt`: the receipt's path and the JSON lines printed.
fn prove_sha256(dir: &Path, options: &[&str]) -> (PathBuf, Vec<serde_json::Value>) {
    let input = dir.join("input");
    std::fs::write(&input, b"abc").unwrap();
    let receipt = dir.join("receipt");
    let out = bin()
        .arg("prove")
        .arg(example("sha256"))
        .arg("--input")
        .arg(&input)
        .args(["--po2", "14", "--json"])
        .args(options)
        .arg("--out")
        .arg(&receipt)
        .output()
        .unwrap();
    assert_success(&out);
    (receipt, json_lines(&out.stdout))
}

#[test]
fn prove_in_one_process_writes_a_verifiable_receipt() {
    let dir = temp("prove");
    let elf = example("sha256");
    let (receipt, lines) = prove_sha256(&dir, &[]);
    assert!(lines.iter().any(|l| l["type"] == "segment"));
    let done = lines.last().unwrap();
    assert_eq!(
        done["receipt"]["journal_hex"],
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    let out = bin()
        .arg("verify")
        .arg(&receipt)
        .args(["--image-id", &image_id(&elf)])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("valid receipt"));
    // A missing ELF is a clear error, not a panic.
    let out = bin()
        .args(["prove", "/nonexistent.elf", "--out"])
        .arg(dir.join("x"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: /nonexistent.elf"));
    let _ = std::fs::remove_dir_all(dir);
}

/// The receipts the audit forged against format 1, made again by bento-forge's
/// tests: `verify` refuses the ones of formats 2 to 4 by version and the
/// current ones as proofs that do not verify.
#[test]
fn verify_refuses_the_audit_forgeries() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../forge/fixtures");
    for name in ["null-page", "above-guest-memory"] {
        let id = std::fs::read_to_string(fixtures.join(format!("{name}.image-id"))).unwrap();
        for (file, why) in [
            (format!("{name}.receipt"), "does not verify"),
            (
                format!("{name}.format2.receipt"),
                "format 2 is not supported",
            ),
            (
                format!("{name}.format3.receipt"),
                "format 3 is not supported",
            ),
            (
                format!("{name}.format4.receipt"),
                "format 4 is not supported",
            ),
        ] {
            let out = bin()
                .args(["verify", "--image-id", id.trim()])
                .arg(fixtures.join(&file))
                .output()
                .unwrap();
            assert!(!out.status.success(), "{file}: a forged receipt verifies");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.contains(why), "{file}: {stderr}");
        }
    }
}

#[test]
fn prove_succinct_writes_one_recursion_proof_that_verify_accepts() {
    let dir = temp("succinct");
    let elf = example("sha256");
    let (receipt, lines) = prove_sha256(&dir, &["--succinct"]);
    let steps: Vec<&str> = lines
        .iter()
        .filter(|l| l["type"] == "recursion")
        .map(|l| l["step"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["lift", "shrink"]);
    let done = lines.last().unwrap();
    assert_eq!(done["receipt"]["kind"], "succinct");
    assert_eq!(done["receipt"]["segments"], 1);
    assert_eq!(
        done["receipt"]["journal_hex"],
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    let id = image_id(&elf);
    let out = verify(&receipt, &id);
    assert!(out.status.success());
    let verdict = json_lines(&out.stdout).pop().unwrap();
    assert_eq!(verdict["valid"], true);
    assert_eq!(verdict["receipt"]["kind"], "succinct");

    // Another image and a flipped byte of the proof are refused.
    assert!(!verify(&receipt, &image_id(&example("fib")))
        .status
        .success());
    let bytes = std::fs::read(&receipt).unwrap();
    let mut flipped = bytes.clone();
    let at = bytes.len() / 2;
    flipped[at] ^= 1;
    std::fs::write(dir.join("flipped"), &flipped).unwrap();
    let out = verify(&dir.join("flipped"), &id);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_lines(&out.stdout).pop().unwrap()["type"], "error");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn segments_lift_join_and_finalize_into_a_succinct_receipt() {
    let dir = temp("orchestrated-succinct");
    let elf = example("loop");
    let proved = execute_and_prove_segments(&dir, &elf, 1500);
    let count = proved.receipts.len();

    // Each segment lifted, continuing the journal chain execute printed.
    let mut lifts = Vec::new();
    let mut shapes: Vec<serde_json::Value> = Vec::new();
    for (i, (receipt, line)) in proved.receipts.iter().zip(&proved.segments).enumerate() {
        let out_path = dir.join(format!("{i}.lift"));
        let out = bin()
            .arg("lift")
            .arg(receipt)
            .args(["--journal-before", line["journal_before"].as_str().unwrap()])
            .arg("--out")
            .arg(&out_path)
            .arg("--json")
            .output()
            .unwrap();
        assert_success(&out);
        let done = json_lines(&out.stdout).pop().unwrap();
        assert_eq!(done["index"], i);
        if let Some(next) = proved.segments.get(i + 1) {
            assert_eq!(done["journal_after"], next["journal_before"]);
        }
        // Each shape with its lift key's digest, as the engine gathers them: hints for the joins.
        assert_eq!(done["key"].as_str().map(str::len), Some(64), "{done}");
        if !shapes.iter().any(|s| s["shape"] == done["shape"]) {
            shapes.push(serde_json::json!({ "shape": done["shape"], "key": done["key"] }));
        }
        lifts.push(out_path);
    }
    let shapes_path = dir.join("shapes.json");
    std::fs::write(&shapes_path, serde_json::to_vec(&shapes).unwrap()).unwrap();

    let refused = |out: std::process::Output, what: &str| {
        assert!(!out.status.success(), "{what}: accepted");
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(stderr.contains("error:"), "{what}: {stderr}");
        stderr
    };
    // Out of order, without the shapes, under another job's shapes, or
    // mixed with a segment receipt: refused, nothing written.
    let bad = dir.join("bad");
    let stderr = refused(
        join(&lifts[1], &lifts[0], &bad, Some(&shapes_path)),
        "swapped",
    );
    assert!(stderr.contains("not adjacent"), "{stderr}");
    refused(join(&lifts[0], &lifts[1], &bad, None), "no shapes");
    let other_shapes = dir.join("other-shapes.json");
    std::fs::write(&other_shapes, b"[[14,14,6,14,14,14,14,14,14,16,8]]").unwrap();
    refused(
        join(&lifts[0], &lifts[1], &bad, Some(&other_shapes)),
        "other shapes",
    );
    std::fs::write(&other_shapes, b"{not json").unwrap();
    refused(
        join(&lifts[0], &lifts[1], &bad, Some(&other_shapes)),
        "not json",
    );
    refused(
        join(&lifts[0], &proved.receipts[1], &bad, Some(&shapes_path)),
        "mixed",
    );
    assert!(!bad.exists());

    // A wrong key hint (a prover's, never a verifier's) makes no receipt:
    // a join refuses a run whose key is not in its control tree, or
    // finalize refuses the root, whose control tree no verifier builds.
    let mut wrong = shapes.clone();
    wrong[0]["key"] = serde_json::json!("00".repeat(32));
    let wrong_path = dir.join("wrong-shapes.json");
    std::fs::write(&wrong_path, serde_json::to_vec(&wrong).unwrap()).unwrap();
    let wrong_dir = dir.join("wrong");
    std::fs::create_dir(&wrong_dir).unwrap();
    match join_all(&wrong_dir, &lifts, Some(&wrong_path)) {
        Err(out) => {
            let stderr = refused(out, "a join under a wrong key hint");
            assert!(stderr.contains("not in the control tree"), "{stderr}");
        }
        Ok(root) => {
            let out = finalize(
                &root,
                &proved.journal,
                &image_id(&elf),
                &wrong_dir.join("receipt"),
            )
            .output()
            .unwrap();
            refused(out, "a root joined under a wrong key hint");
        }
    }
    assert!(!wrong_dir.join("receipt").exists());

    let id = image_id(&elf);
    let (_, out) = join_all_and_finalize(&dir, &lifts, Some(&shapes_path), &proved.journal, &id);
    let receipt = dir.join("receipt");
    let summary = json_lines(&out.stdout).pop().unwrap()["receipt"].clone();
    assert_eq!(summary["kind"], "succinct");
    assert_eq!(summary["segments"].as_u64().unwrap() as usize, count);
    assert_eq!(summary["journal_hex"], proved.done["journal"]);
    assert_eq!(summary["cycles"], proved.done["total_cycles"]);

    let out = verify(&receipt, &id);
    assert!(out.status.success());
    assert_eq!(json_lines(&out.stdout).pop().unwrap()["valid"], true);

    // A root that is not the whole run (its first segment only) has no exit.
    let out = finalize(&lifts[0], &proved.journal, &id, &dir.join("r2"))
        .output()
        .unwrap();
    let stderr = refused(out, "partial root");
    assert!(stderr.contains("exit"), "{stderr}");
    assert!(!dir.join("r2").exists());
    let _ = std::fs::remove_dir_all(dir);
}
