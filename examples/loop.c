/* loop: burns cycles for benchmarks. Reads an iteration count as a
   little-endian u32; each iteration mixes ALU work, a multiply and a store and
   load (19 cycles with the committed build), then the final state is
   committed. */
#include "guest.h"

static volatile uint32_t scratch[16];

int main(void) {
    uint32_t iterations;
    read_exact(&iterations, sizeof iterations);
    uint32_t x = 0x9e3779b9u;
    for (uint32_t i = 0; i < iterations; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        scratch[i & 15] = x * 0x01000193u;
        x += scratch[(i + 7) & 15];
    }
    commit_u32(x);
    return 0;
}
