//! `default_prover()` finds a running daemon (`bento serve`) through the data
//! directory's daemon.json and proves there: the receipt verifies here, and a
//! guest panic comes back as the job's error with the guest's message. Needs
//! node and the built CLI (`npm run build`; `npm test` builds first).

use crate::common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};

use bento_host::{default_prover, image_id, Error, ExecutorEnv, Receipt};

/// The daemon and its stdout, held open for as long as it runs (it writes more).
struct Daemon(Child, BufReader<ChildStdout>);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn cli() -> Option<std::path::PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..");
    let built = root.join("dist/core/cli/main.js").exists()
        && Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
    if built {
        return Some(root.join("bin/bento.js"));
    }
    assert!(
        std::env::var("CI").map_or(true, |v| v != "true"),
        "under CI the CLI is built (npm test builds it) and node is present"
    );
    eprintln!("skipped: node or the built CLI (npm run build) is missing");
    None
}

#[test]
fn default_prover_proves_on_the_running_daemon() {
    let Some(elf) = common::guest("faults") else {
        return;
    };
    let Some(bento) = cli() else { return };
    let home = std::env::temp_dir().join(format!("bento-host-daemon-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).unwrap();
    let child = Command::new("node")
        .arg(&bento)
        .args(["serve", "--port", "0"])
        .env("BENTO_HOME", &home)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node runs");
    let mut child = child;
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut daemon = Daemon(child, stdout);
    // The daemon says it listens once daemon.json is written.
    let mut first = String::new();
    daemon.1.read_line(&mut first).unwrap();
    assert!(first.starts_with("bento daemon listening"), "{first}");
    // SAFETY: this test binary runs this one test; nothing reads the environment concurrently.
    unsafe { std::env::set_var("BENTO_HOME", &home) };

    let prover = default_prover();
    assert!(
        prover
            .name()
            .starts_with("the local daemon at http://127.0.0.1:"),
        "{}",
        prover.name()
    );
    let env = ExecutorEnv::builder()
        .write(&9u32)
        .unwrap()
        .segment_po2(14)
        .build();
    let info = prover.prove(env, &elf).expect("the daemon proves");
    info.receipt.verify(image_id(&elf).unwrap()).unwrap();
    // The daemon makes its default kind, a succinct receipt; its file reads back as one.
    assert_eq!(info.receipt.kind(), "succinct");
    let read = Receipt::from_bytes(&info.receipt.to_bytes()).unwrap();
    assert_eq!(read.kind(), "succinct");
    read.verify(image_id(&elf).unwrap()).unwrap();
    assert_eq!(
        (
            info.receipt.exit_code,
            info.receipt.journal.decode::<u32>().unwrap()
        ),
        (0, 9)
    );
    assert!(info.stats.cycles > 0);

    let panics = ExecutorEnv::builder().write(&0u32).unwrap().build();
    let err = prover
        .prove(panics, &elf)
        .err()
        .expect("a panic is not proved");
    assert!(matches!(err, Error::GuestPanicked(_)), "{err}");
    assert_eq!(err.to_string(), "the guest panicked: panicked at tests/faults/src/main.rs:27:14: the guest gave up on mode 0");

    drop(daemon);
    let _ = std::fs::remove_dir_all(&home);
}
