//! Commits the SHA-256 of its whole input (raw bytes) to the journal, as 32 raw bytes.

#![no_std]
#![no_main]

use bento_guest::env;
use sha2::{Digest, Sha256};

bento_guest::entry!(main);

fn main() {
    let input = env::read_to_end();
    let digest = Sha256::digest(&input);
    env::commit_slice(&digest);
}
