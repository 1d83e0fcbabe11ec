//! The guest's stdout and stderr (shown to the host, not proven), with
//! `print!`-style macros.

use core::fmt;

use crate::syscall::{write_all, FD_STDERR, FD_STDOUT};

/// A writer on stdout or stderr; it allocates nothing, so a panic handler can use it.
pub struct Stream(u32);

/// The guest's stdout.
pub fn stdout() -> Stream {
    Stream(FD_STDOUT)
}

/// The guest's stderr.
pub fn stderr() -> Stream {
    Stream(FD_STDERR)
}

impl fmt::Write for Stream {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        write_all(self.0, s.as_bytes());
        Ok(())
    }
}

/// Prints to the guest's stdout.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => {{
        let _ = core::fmt::Write::write_fmt(&mut $crate::io::stdout(), format_args!($($arg)*));
    }};
}

/// Prints a line to the guest's stdout.
#[macro_export]
macro_rules! println {
    ($($arg:tt)*) => {{
        let _ = core::fmt::Write::write_fmt(&mut $crate::io::stdout(), format_args!("{}\n", format_args!($($arg)*)));
    }};
}

/// Prints a line to the guest's stderr.
#[macro_export]
macro_rules! eprintln {
    ($($arg:tt)*) => {{
        let _ = core::fmt::Write::write_fmt(&mut $crate::io::stderr(), format_args!("{}\n", format_args!($($arg)*)));
    }};
}
