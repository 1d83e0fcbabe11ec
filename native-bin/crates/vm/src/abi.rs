//! The guest's system calls: their numbers, its file descriptors, and how
//! much one transfer moves (the circuit sizes its I/O rows by it).

pub const SYS_READ: u32 = 63;
pub const SYS_WRITE: u32 = 64;
pub const SYS_EXIT: u32 = 93;
pub const SYS_EXIT_GROUP: u32 = 94;
pub const FD_STDIN: u32 = 0;
pub const FD_STDOUT: u32 = 1;
pub const FD_STDERR: u32 = 2;
pub const FD_JOURNAL: u32 = 3;
/// The most bytes one `read` or journal `write` transfers.
pub const IO_CHUNK_BYTES: u32 = 4096;
