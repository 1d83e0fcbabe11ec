//! The runtime a guest links: `_start` (stack), the heap, and the panic handler.

use core::fmt::Write;

use embedded_alloc::LlffHeap;

use crate::{io, syscall, PANIC_EXIT_CODE};

core::arch::global_asm!(
    ".section .text._start, \"ax\"",
    ".globl _start",
    "_start:",
    "    la sp, __stack_top",
    "    call {start}",
    start = sym start,
);

extern "C" {
    static mut __heap_start: u8;
    static mut __heap_end: u8;
}

extern "Rust" {
    /// Defined by `bento_guest::entry!`.
    fn __bento_main();
}

#[global_allocator]
static HEAP: LlffHeap = LlffHeap::empty();

/// One hart, no interrupts: a critical section needs no locking.
struct SingleHart;
critical_section::set_impl!(SingleHart);

unsafe impl critical_section::Impl for SingleHart {
    unsafe fn acquire() -> critical_section::RawRestoreState {}
    unsafe fn release(_: critical_section::RawRestoreState) {}
}

extern "C" fn start() -> ! {
    // SAFETY: the linker script places the heap between these symbols, above
    // everything else the program uses; this runs once, before any allocation.
    unsafe {
        let start = core::ptr::addr_of_mut!(__heap_start) as usize;
        let end = core::ptr::addr_of_mut!(__heap_end) as usize;
        HEAP.init(start, end - start);
        __bento_main();
    }
    syscall::exit(0)
}

/// The message on stderr, then exit with [`PANIC_EXIT_CODE`]. Allocation
/// failures come here too (Rust's default handler panics with their size).
#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    let mut err = io::stderr();
    let _ = match info.location() {
        Some(at) => writeln!(
            err,
            "panicked at {}:{}:{}:\n{}",
            at.file(),
            at.line(),
            at.column(),
            info.message()
        ),
        None => writeln!(err, "panicked:\n{}", info.message()),
    };
    syscall::exit(PANIC_EXIT_CODE)
}
