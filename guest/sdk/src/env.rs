//! The guest's environment: its private input, its journal (the public
//! output the receipt proves), its log and its exit.
//!
//! Typed values use postcard 1.x (serde): `env::read::<T>()` takes the next
//! value from the input, `env::commit(&T)` appends one to the journal. A host
//! that writes `a` then `b` as postcard is read back by `read::<A>()` then
//! `read::<B>()`; a journal of commits of `a` then `b` decodes as `(A, B)`.

use alloc::vec::Vec;
use core::cell::RefCell;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::syscall::{self, FD_JOURNAL, FD_STDOUT, MAX_TRANSFER};

/// The input read so far and how much of it the guest has consumed.
struct Input {
    bytes: Vec<u8>,
    used: usize,
    ended: bool,
}

impl Input {
    /// Reads more input until `want` unconsumed bytes are buffered or it ends.
    fn fill(&mut self, want: usize) {
        while !self.ended && self.bytes.len() - self.used < want {
            let start = self.bytes.len();
            self.bytes.resize(start + MAX_TRANSFER, 0);
            let n = syscall::read(&mut self.bytes[start..]);
            self.bytes.truncate(start + n);
            self.ended = n == 0;
        }
    }

    fn rest(&self) -> &[u8] {
        &self.bytes[self.used..]
    }
}

/// The guest runs on one hart with no interrupts: the cell is never shared.
struct InputCell(RefCell<Input>);
unsafe impl Sync for InputCell {}

static INPUT: InputCell = InputCell(RefCell::new(Input {
    bytes: Vec::new(),
    used: 0,
    ended: false,
}));

/// Reads the next value of type `T` (postcard) from the input. Panics, ending
/// the guest with a message, if the input holds no whole `T`.
pub fn read<T: DeserializeOwned>() -> T {
    let mut input = INPUT.0.borrow_mut();
    input.fill(usize::MAX); // a value's length is known only once it is decoded
    match postcard::take_from_bytes::<T>(input.rest()) {
        Ok((value, rest)) => {
            input.used = input.bytes.len() - rest.len();
            value
        }
        Err(postcard::Error::DeserializeUnexpectedEnd) => {
            panic!(
                "env::read: the input ended before a whole {}",
                core::any::type_name::<T>()
            )
        }
        Err(e) => panic!(
            "env::read: the input is not a {} in postcard: {e}",
            core::any::type_name::<T>()
        ),
    }
}

/// Fills `buf` with the next input bytes, as they are (no encoding). Panics if
/// the input ends first.
pub fn read_slice(buf: &mut [u8]) {
    let mut input = INPUT.0.borrow_mut();
    input.fill(buf.len());
    let rest = input.rest();
    if rest.len() < buf.len() {
        panic!(
            "env::read_slice: wanted {} bytes, the input has {} left",
            buf.len(),
            rest.len()
        );
    }
    buf.copy_from_slice(&rest[..buf.len()]);
    input.used += buf.len();
}

/// The rest of the input, as it is.
pub fn read_to_end() -> Vec<u8> {
    let mut input = INPUT.0.borrow_mut();
    input.fill(usize::MAX);
    let rest = input.rest().to_vec();
    input.used = input.bytes.len();
    rest
}

/// Appends `value` (postcard) to the journal.
pub fn commit<T: Serialize + ?Sized>(value: &T) {
    match postcard::to_allocvec(value) {
        Ok(bytes) => commit_slice(&bytes),
        Err(e) => panic!("env::commit: cannot encode the value: {e}"),
    }
}

/// Appends bytes to the journal, as they are.
pub fn commit_slice(bytes: &[u8]) {
    syscall::write_all(FD_JOURNAL, bytes);
}

/// Writes a line to the guest's stdout (shown to the host, not proven).
pub fn log(message: &str) {
    syscall::write_all(FD_STDOUT, message.as_bytes());
    syscall::write_all(FD_STDOUT, b"\n");
}

/// Ends the program now with `code` (0 is success). The receipt proves the code.
pub fn exit(code: u32) -> ! {
    syscall::exit(code)
}
