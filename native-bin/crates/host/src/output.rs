//! The guest's stdout and stderr in process: forwarded to the host's, with
//! stderr's tail kept to explain a panic.

use std::io::Write;

use bento_vm::abi::{FD_STDERR, FD_STDOUT};
use bento_vm::GuestOutput;

use crate::{Error, PANIC_EXIT_CODE};

const TAIL_BYTES: usize = 4096;

#[derive(Default)]
pub struct Forward {
    stderr_tail: Vec<u8>,
}

impl GuestOutput for Forward {
    fn write(&mut self, fd: u32, bytes: &[u8]) {
        if fd == FD_STDOUT {
            let _ = std::io::stdout().write_all(bytes);
        } else if fd == FD_STDERR {
            let _ = std::io::stderr().write_all(bytes);
            self.stderr_tail.extend_from_slice(bytes);
            let excess = self.stderr_tail.len().saturating_sub(TAIL_BYTES);
            self.stderr_tail.drain(..excess);
        }
    }
}

impl Forward {
    /// The guest's panic, if it exited as `bento-guest` does after one.
    pub fn panic(&self, exit_code: u32) -> Option<Error> {
        panic_message(exit_code, &String::from_utf8_lossy(&self.stderr_tail))
    }
}

/// A panic is exit code 101 after a `panicked at …` report on stderr; the
/// error carries the report's message.
pub fn panic_message(exit_code: u32, stderr: &str) -> Option<Error> {
    if exit_code != PANIC_EXIT_CODE {
        return None;
    }
    let at = stderr
        .rfind("panicked at ")
        .or_else(|| stderr.rfind("panicked:"))?;
    let report = stderr[at..].trim_end();
    Some(Error::GuestPanicked(report.replacen(":\n", ": ", 1)))
}
