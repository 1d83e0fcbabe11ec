//! Write Local Bento guests in Rust.
//!
//! A guest is a `no_std` binary for `riscv32im-unknown-none-elf`:
//!
//! ```ignore
//! #![no_std]
//! #![no_main]
//! bento_guest::entry!(main);
//! fn main() {
//!     let n: u32 = bento_guest::env::read();
//!     bento_guest::env::commit(&(n * 2));
//! }
//! ```
//!
//! The SDK brings the program's start (stack, heap), a panic handler (the
//! message on stderr, exit code [`PANIC_EXIT_CODE`]) and [`env`]: typed input
//! and journal in postcard's format, which `bento-host` shares.

#![no_std]

extern crate alloc;

pub mod env;
pub mod io;
mod syscall;

#[cfg(all(target_arch = "riscv32", target_os = "none"))]
mod rt;

/// The exit code of a guest that panicked (or ran out of memory, or read past
/// its input): Rust's own code for a panicking process. Local Bento reports a
/// job whose guest exits with it and printed a panic message as failed.
pub const PANIC_EXIT_CODE: u32 = 101;

/// Declares the guest's `main` (a `fn()`); the program exits 0 when it returns.
#[macro_export]
macro_rules! entry {
    ($path:path) => {
        #[no_mangle]
        fn __bento_main() {
            let main: fn() = $path;
            main()
        }
    };
}
