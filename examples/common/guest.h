/* The guest side of Local Bento's ABI (Linux riscv32 syscall numbers):
   read(0) is the private input, write(1|2) is unproven stdout/stderr,
   write(3) appends to the journal (public output), exit ends the program.
   read and journal writes may transfer fewer bytes than asked (at most 4096
   per call, as on a pipe); the helpers below loop. */
#ifndef BENTO_GUEST_H
#define BENTO_GUEST_H

#include <stddef.h>
#include <stdint.h>

#define FD_INPUT 0
#define FD_STDOUT 1
#define FD_STDERR 2
#define FD_JOURNAL 3

long sys_read(int fd, void *buf, size_t len);
long sys_write(int fd, const void *buf, size_t len);
void sys_exit(int code) __attribute__((noreturn));

/* Reads up to cap bytes of input, until the input ends; returns how many. */
size_t read_input(void *buf, size_t cap);
/* Reads exactly len bytes of input, or exits with code 101 if it ends first. */
void read_exact(void *buf, size_t len);
/* Appends bytes to the journal. */
void commit(const void *buf, size_t len);
void commit_u32(uint32_t value);
/* Writes a string to stdout or stderr (not proven). */
void print(int fd, const char *text);
void print_u32(int fd, uint32_t value);

#endif
