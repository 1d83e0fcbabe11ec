/* Entry: set the global and stack pointers (ignoring any stack a host gave
   us, so qemu and the zkVM run the same way), call main, exit with its result. */
    .section .text.start, "ax"
    .globl _start
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    la sp, __stack_top
    call main
    li a7, 93
    ecall
1:  j 1b
