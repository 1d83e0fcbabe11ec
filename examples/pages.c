/* pages: a memory-heavy guest. Reads a page count n (little-endian u32, at
   most 4096) and writes one word on each of n distinct 1 KiB pages, then
   reads them all back and commits their sum: n pages touched, the journal 4
   bytes, so its receipt should be no larger than a light guest's. */
#include "guest.h"

#define PAGE_WORDS 256
#define MAX_PAGES 4096

static uint32_t pages[MAX_PAGES][PAGE_WORDS];

int main(void) {
    uint32_t n;
    read_exact(&n, sizeof n);
    if (n > MAX_PAGES) {
        n = MAX_PAGES;
    }
    for (uint32_t i = 0; i < n; i++) {
        pages[i][i % PAGE_WORDS] = i * 2654435761u;
    }
    uint32_t sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        sum += pages[i][i % PAGE_WORDS];
    }
    commit_u32(sum);
    return 0;
}
