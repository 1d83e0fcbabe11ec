//! Verifies an Ed25519 signature (RFC 8032, strict: no malleable signatures).
//! Input (postcard): `(public_key: [u8; 32], message: Vec<u8>, signature: Vec<u8>)` (64 bytes).
//! Journal (postcard): `(public_key: [u8; 32], message: Vec<u8>, valid: bool)`.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use bento_guest::env;
use ed25519_dalek::{Signature, VerifyingKey};

bento_guest::entry!(main);

fn main() {
    let (key, message, signature): ([u8; 32], Vec<u8>, Vec<u8>) = env::read();
    let verifying_key =
        VerifyingKey::from_bytes(&key).expect("the public key is not an Ed25519 point");
    let valid = Signature::from_slice(&signature)
        .is_ok_and(|s| verifying_key.verify_strict(&message, &s).is_ok());
    env::commit(&(key, message, valid));
}
