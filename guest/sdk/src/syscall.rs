//! The zkVM's system calls: Linux riscv32 numbers in a7, arguments in a0..a2.

pub const FD_INPUT: u32 = 0;
pub const FD_STDOUT: u32 = 1;
pub const FD_STDERR: u32 = 2;
pub const FD_JOURNAL: u32 = 3;

const SYS_READ: u32 = 63;
const SYS_WRITE: u32 = 64;
const SYS_EXIT: u32 = 93;

/// At most this many bytes move per read or journal write (a guest loops).
pub const MAX_TRANSFER: usize = 4096;

#[cfg(target_arch = "riscv32")]
unsafe fn syscall3(number: u32, a0: u32, a1: u32, a2: u32) -> i32 {
    let ret: i32;
    core::arch::asm!("ecall", in("a7") number, inlateout("a0") a0 as i32 => ret, in("a1") a1, in("a2") a2, options(nostack));
    ret
}

#[cfg(not(target_arch = "riscv32"))]
unsafe fn syscall3(_number: u32, _a0: u32, _a1: u32, _a2: u32) -> i32 {
    unimplemented!("bento-guest system calls exist only in the zkVM (riscv32)")
}

/// Reads up to `buf.len()` (at most [`MAX_TRANSFER`]) bytes of input; 0 at its end.
pub fn read(buf: &mut [u8]) -> usize {
    let len = buf.len().min(MAX_TRANSFER);
    // SAFETY: the guest writes at most `len` bytes into `buf`.
    let n = unsafe { syscall3(SYS_READ, FD_INPUT, buf.as_mut_ptr() as u32, len as u32) };
    usize::try_from(n).unwrap_or(0)
}

/// Writes all of `bytes` to a file descriptor (stdout, stderr or the journal).
pub fn write_all(fd: u32, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        let len = bytes.len().min(MAX_TRANSFER);
        // SAFETY: the host only reads `len` bytes of `bytes`.
        let n = unsafe { syscall3(SYS_WRITE, fd, bytes.as_ptr() as u32, len as u32) };
        let n = usize::try_from(n).unwrap_or(0);
        if n == 0 {
            exit(crate::PANIC_EXIT_CODE);
        }
        bytes = &bytes[n..];
    }
}

/// Ends the program with `code`.
pub fn exit(code: u32) -> ! {
    // SAFETY: exit does not return.
    unsafe { syscall3(SYS_EXIT, code, 0, 0) };
    #[allow(clippy::empty_loop)]
    loop {}
}
