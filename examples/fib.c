/* fib: reads n as a little-endian u32, commits fib(n) mod 2^32 as a little-endian u32. */
#include "guest.h"

int main(void) {
    uint32_t n;
    read_exact(&n, sizeof n);
    uint32_t a = 0, b = 1;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t next = a + b;
        a = b;
        b = next;
    }
    commit_u32(a);
    return 0;
}
