//! The receipt verifier as a WebAssembly module, for the npm package in
//! `verifier/` (the browser and Node). It exports a C ABI rather than
//! wasm-bindgen glue, so building it needs only cargo and the
//! `wasm32-unknown-unknown` target: the host copies a receipt and an image ID
//! into memory it allocates here, calls [`bento_verify`], and reads the
//! verdict back as JSON from [`bento_result`].
//!
//! A verdict is `{"ok":true,"receipt":<summary>}`, the summary being what
//! `bento-zkvm verify --json` prints, or `{"ok":false,"error":"…"}`; an ELF's
//! image ID comes back as `{"ok":true,"image_id":"…"}` the same way.
//!
//! Verifying a succinct receipt compiles a lift circuit for each segment
//! shape it lists that is not catalogued, tens of seconds here; the digests of their keys can be
//! taken out ([`bento_lift_digests`]) and given back to a later instance of
//! the same module ([`bento_remember_lift_digests`]).

use std::cell::RefCell;

use bento_verify::{AnyReceipt, Digest};
use serde_json::{json, Value};

thread_local! {
    /// The last call's reply, kept until the next call so the host can read it.
    static RESULT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Verifies `receipt` as a proof of a run of the image `image_id` (hex): the
/// verdict as JSON.
pub fn verify_json(receipt: &[u8], image_id: &str) -> Value {
    reply(verify(receipt, image_id).map(|summary| ("receipt", summary)))
}

/// The image ID of a guest ELF, as JSON.
pub fn image_id_json(elf: &[u8]) -> Value {
    reply(
        bento_verify::image_id(elf)
            .map(|id| ("image_id", Value::from(id.to_hex())))
            .map_err(|e| format!("not a guest program: {e}")),
    )
}

/// The lift key digests computed so far: `[{"shape":[…],"digest":"…"}]`.
pub fn lift_digests_json() -> Value {
    let known: Vec<Value> = bento_verify::lift_digests()
        .into_iter()
        .map(|(shape, digest)| json!({ "shape": shape, "digest": digest.to_hex() }))
        .collect();
    reply(Ok(("lift_digests", Value::from(known))))
}

/// Takes back what [`lift_digests_json`] gave (its `lift_digests` list).
pub fn remember_lift_digests_json(known: &[u8]) -> Value {
    let parse = || -> Result<Vec<(Vec<usize>, Digest)>, String> {
        let list: Vec<Value> = serde_json::from_slice(known).map_err(|e| e.to_string())?;
        list.iter()
            .map(|entry| {
                let shape = serde_json::from_value(entry["shape"].clone())
                    .map_err(|e| format!("a shape: {e}"))?;
                let digest = Digest::from_hex(entry["digest"].as_str().unwrap_or_default())?;
                Ok((shape, digest))
            })
            .collect()
    };
    reply(
        parse()
            .map(|known| {
                let count = known.len();
                bento_verify::remember_lift_digests(known);
                ("remembered", Value::from(count))
            })
            .map_err(|e| format!("not a list of lift key digests: {e}")),
    )
}

/// `{"ok":true,"<name>":<value>}`, or `{"ok":false,"error":"…"}`.
fn reply(result: Result<(&str, Value), String>) -> Value {
    match result {
        Ok((name, value)) => json!({ "ok": true, name: value }),
        Err(error) => json!({ "ok": false, "error": error }),
    }
}

fn verify(bytes: &[u8], image_id: &str) -> Result<Value, String> {
    let image_id =
        Digest::from_hex(image_id.trim()).map_err(|e| format!("image id {image_id:?}: {e}"))?;
    let receipt = AnyReceipt::from_bytes(bytes)?;
    receipt
        .verify(image_id)
        .map_err(|e| format!("invalid receipt: {e}"))?;
    serde_json::to_value(receipt.summary(bytes.len())).map_err(|e| e.to_string())
}

/// Allocates `len` bytes for the host to write an argument into.
#[no_mangle]
pub extern "C" fn bento_alloc(len: usize) -> *mut u8 {
    let mut buffer = Vec::<u8>::with_capacity(len);
    let ptr = buffer.as_mut_ptr();
    std::mem::forget(buffer);
    ptr
}

/// Frees what [`bento_alloc`] gave.
///
/// # Safety
/// `ptr` and `len` are a pointer and length [`bento_alloc`] returned and was
/// given, not freed before.
#[no_mangle]
pub unsafe extern "C" fn bento_free(ptr: *mut u8, len: usize) {
    drop(Vec::from_raw_parts(ptr, 0, len));
}

/// Verifies the receipt at `receipt` against the image ID (hex text) at
/// `image_id`; returns the verdict's length ([`bento_result`] points at it).
///
/// # Safety
/// Both ranges are memory the host wrote through [`bento_alloc`].
#[no_mangle]
pub unsafe extern "C" fn bento_verify(
    receipt: *const u8,
    receipt_len: usize,
    image_id: *const u8,
    image_id_len: usize,
) -> usize {
    let receipt = std::slice::from_raw_parts(receipt, receipt_len);
    let image_id = std::slice::from_raw_parts(image_id, image_id_len);
    let verdict = match std::str::from_utf8(image_id) {
        Ok(image_id) => verify_json(receipt, image_id),
        Err(_) => reply(Err("the image id is not text".into())),
    };
    keep(verdict)
}

/// The image ID of the ELF at `elf`; returns the reply's length
/// ([`bento_result`] points at it).
///
/// # Safety
/// The range is memory the host wrote through [`bento_alloc`].
#[no_mangle]
pub unsafe extern "C" fn bento_image_id(elf: *const u8, elf_len: usize) -> usize {
    keep(image_id_json(std::slice::from_raw_parts(elf, elf_len)))
}

/// The lift key digests computed so far; returns the reply's length.
#[no_mangle]
pub extern "C" fn bento_lift_digests() -> usize {
    keep(lift_digests_json())
}

/// Takes back digests [`bento_lift_digests`] gave (JSON at `known`) from an
/// instance of this same module; returns the reply's length.
///
/// # Safety
/// The range is memory the host wrote through [`bento_alloc`].
#[no_mangle]
pub unsafe extern "C" fn bento_remember_lift_digests(known: *const u8, known_len: usize) -> usize {
    keep(remember_lift_digests_json(std::slice::from_raw_parts(
        known, known_len,
    )))
}

fn keep(reply: Value) -> usize {
    RESULT.with(|r| {
        let mut r = r.borrow_mut();
        *r = reply.to_string().into_bytes();
        r.len()
    })
}

/// Where the last reply lies (valid until the next call).
#[no_mangle]
pub extern "C" fn bento_result() -> *const u8 {
    RESULT.with(|r| r.borrow().as_ptr())
}
