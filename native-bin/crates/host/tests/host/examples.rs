//! The example guests (`guest/examples`), built from source, executed, proved
//! and verified, each journal checked against the same computation on the host.
//! One proof per example, in segments of at most 2^20 cycles (a short run is
//! one segment, proved at the smallest size that holds it). Cycle counts and proving times
//! print with `--nocapture` (the README's examples table).

use crate::common;

use std::time::Instant;

use bento_host::{execute, image_id, ExecutorEnv, LocalProver, Prover};
use serde::de::DeserializeOwned;

/// Executes, proves and verifies; returns the journal decoded as `T`.
fn run<T: DeserializeOwned>(name: &str, env: ExecutorEnv) -> Option<T> {
    let elf = common::guest(name)?;
    let started = Instant::now();
    let session = execute(env.clone(), &elf).expect("the guest runs");
    let execute_ms = started.elapsed().as_millis();
    assert_eq!(session.exit_code, 0, "{name} exit code");
    let started = Instant::now();
    let info = LocalProver.prove(env, &elf).expect("the guest proves");
    let prove_s = started.elapsed().as_secs_f64();
    info.receipt
        .verify(image_id(&elf).unwrap())
        .expect("the receipt verifies");
    assert_eq!(
        info.receipt.journal, session.journal,
        "{name}: the proved journal is the executed one"
    );
    assert_eq!(info.stats.cycles, session.cycles);
    println!("example {name}: {} cycles, {} segment(s), executed in {execute_ms} ms, proved in {prove_s:.1} s", session.cycles, session.segments);
    Some(info.receipt.journal.decode().expect("the journal decodes"))
}

fn env() -> bento_host::ExecutorEnvBuilder {
    ExecutorEnv::builder().segment_po2(20)
}

#[test]
fn sha256_of_the_input() {
    use sha2::{Digest, Sha256};
    let input: Vec<u8> = (0..1000u32).map(|i| (i * 7 + 3) as u8).collect();
    let Some(journal) = run::<[u8; 32]>("sha256", env().write_slice(&input).build()) else {
        return;
    };
    assert_eq!(journal, <[u8; 32]>::from(Sha256::digest(&input)));
}

#[test]
fn ed25519_signature_check() {
    use ed25519_dalek::{Signer, SigningKey};
    let key = SigningKey::from_bytes(&[0x42; 32]);
    let public = key.verifying_key().to_bytes();
    let message = b"pay 10 to bob".to_vec();
    let signature = key.sign(&message).to_bytes().to_vec();
    let mut forged = signature.clone();
    forged[5] ^= 1;
    let Some(journal) = run::<([u8; 32], Vec<u8>, bool)>(
        "ed25519",
        env()
            .write(&(public, &message, &signature))
            .unwrap()
            .build(),
    ) else {
        return;
    };
    assert_eq!(journal, (public, message.clone(), true));
    // A forged signature is refused (executed only: one proof per example).
    let elf = common::guest("ed25519").unwrap();
    let session = execute(
        env().write(&(public, &message, &forged)).unwrap().build(),
        &elf,
    )
    .unwrap();
    assert_eq!(
        session
            .journal
            .decode::<([u8; 32], Vec<u8>, bool)>()
            .unwrap(),
        (public, message, false)
    );
}

#[test]
fn json_document_query() {
    let document = r#"{"bank":"b","accounts":[{"name":"alice","balance":17},{"name":"bob","balance":4200,"tags":["vip"]}]}"#;
    let pointer = "/accounts/1";
    let host = serde_json::from_str::<serde_json::Value>(document)
        .unwrap()
        .pointer(pointer)
        .map(|v| v.to_string());
    assert!(host.is_some());
    let input = (document.to_string(), pointer.to_string());
    let Some(journal) =
        run::<(String, Option<String>)>("json-query", env().write(&input).unwrap().build())
    else {
        return;
    };
    assert_eq!(journal, (pointer.to_string(), host));
}

#[test]
fn merkle_inclusion() {
    use sha2::{Digest, Sha256};
    let hash = |parts: &[&[u8]]| -> [u8; 32] {
        let mut h = Sha256::new();
        parts.iter().for_each(|p| h.update(p));
        h.finalize().into()
    };
    // A tree of 16 leaves; prove leaf 11.
    let leaves: Vec<Vec<u8>> = (0..16u8)
        .map(|i| format!("leaf number {i}").into_bytes())
        .collect();
    let mut level: Vec<[u8; 32]> = leaves.iter().map(|l| hash(&[&[0], l])).collect();
    let index = 11usize;
    let mut siblings = Vec::new();
    let mut at = index;
    while level.len() > 1 {
        siblings.push(level[at ^ 1]);
        level = level
            .chunks(2)
            .map(|pair| hash(&[&[1], &pair[0], &pair[1]]))
            .collect();
        at /= 2;
    }
    let root = level[0];
    let input = (leaves[index].clone(), index as u64, siblings);
    let Some(journal) = run::<([u8; 32], [u8; 32])>("merkle", env().write(&input).unwrap().build())
    else {
        return;
    };
    assert_eq!(journal, (root, hash(&[&[0], &leaves[index]])));
}
