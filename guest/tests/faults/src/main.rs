//! Fails as asked, so tests can check what a user sees. Input (postcard): a
//! `u32` mode: 0 panics with a message, 1 runs out of heap, 2 reads a value
//! past the end of the input, 3 overflows the stack, anything else commits it.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec;
use bento_guest::env;

bento_guest::entry!(main);

#[inline(never)]
fn deep(n: u32) -> u32 {
    if n == u32::MAX {
        return 0;
    }
    let frame = core::hint::black_box([n; 64]);
    frame[(n % 64) as usize].wrapping_add(deep(n + 1))
}

fn main() {
    let mode: u32 = env::read();
    match mode {
        0 => panic!("the guest gave up on mode {mode}"),
        1 => {
            let big = core::hint::black_box(vec![1u8; 512 << 20]);
            env::commit(&big.len());
        }
        2 => {
            let more: u64 = env::read();
            env::commit(&more);
        }
        3 => env::commit(&deep(0)),
        _ => env::commit(&mode),
    }
}
