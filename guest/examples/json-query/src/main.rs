//! Looks a value up in a JSON document by a JSON Pointer (RFC 6901, e.g.
//! `/accounts/1/balance`), keeping the document private.
//! Input (postcard): `(document: String, pointer: String)`.
//! Journal (postcard): `(pointer: String, value: Option<String>)`, the value as
//! compact JSON text, `None` when the pointer names nothing.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::string::{String, ToString};
use bento_guest::env;
use serde_json::Value;

bento_guest::entry!(main);

fn main() {
    let (document, pointer): (String, String) = env::read();
    let document: Value = serde_json::from_str(&document).expect("the document is not JSON");
    let value = document.pointer(&pointer).map(Value::to_string);
    env::commit(&(pointer, value));
}
