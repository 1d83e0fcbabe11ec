#include "guest.h"

#include <string.h>

static long syscall3(long number, long a0, long a1, long a2) {
    register long r_a0 __asm__("a0") = a0;
    register long r_a1 __asm__("a1") = a1;
    register long r_a2 __asm__("a2") = a2;
    register long r_a7 __asm__("a7") = number;
    __asm__ volatile("ecall" : "+r"(r_a0) : "r"(r_a1), "r"(r_a2), "r"(r_a7) : "memory");
    return r_a0;
}

long sys_read(int fd, void *buf, size_t len) { return syscall3(63, fd, (long)buf, (long)len); }

long sys_write(int fd, const void *buf, size_t len) { return syscall3(64, fd, (long)buf, (long)len); }

void sys_exit(int code) {
    syscall3(93, code, 0, 0);
    __builtin_unreachable();
}

size_t read_input(void *buf, size_t cap) {
    size_t done = 0;
    while (done < cap) {
        long n = sys_read(FD_INPUT, (char *)buf + done, cap - done);
        if (n <= 0) break;
        done += (size_t)n;
    }
    return done;
}

void read_exact(void *buf, size_t len) {
    if (read_input(buf, len) != len) {
        print(FD_STDERR, "input ended early\n");
        sys_exit(101);
    }
}

void commit(const void *buf, size_t len) {
    size_t done = 0;
    while (done < len) {
        long n = sys_write(FD_JOURNAL, (const char *)buf + done, len - done);
        if (n <= 0) sys_exit(102);
        done += (size_t)n;
    }
}

void commit_u32(uint32_t value) {
    uint8_t bytes[4] = {value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff, value >> 24};
    commit(bytes, 4);
}

void print(int fd, const char *text) { sys_write(fd, text, strlen(text)); }

void print_u32(int fd, uint32_t value) {
    char digits[11];
    int i = 10;
    digits[i] = 0;
    do {
        digits[--i] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    print(fd, digits + i);
}
