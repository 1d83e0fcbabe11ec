/* sort: reads little-endian u32 words until the input ends (at most 256 Ki
   words), sorts them ascending (heapsort) and commits them. */
#include "guest.h"

#define MAX_WORDS (256 * 1024)
static uint32_t words[MAX_WORDS];

static void sift_down(uint32_t *a, size_t start, size_t end) {
    size_t root = start;
    while (2 * root + 1 < end) {
        size_t child = 2 * root + 1;
        if (child + 1 < end && a[child] < a[child + 1]) child++;
        if (a[root] >= a[child]) return;
        uint32_t t = a[root];
        a[root] = a[child];
        a[child] = t;
        root = child;
    }
}

int main(void) {
    size_t bytes = read_input(words, sizeof words);
    if (bytes % 4 != 0) {
        print(FD_STDERR, "sort: input is not a whole number of 4-byte words\n");
        return 2;
    }
    size_t n = bytes / 4;
    for (size_t i = n / 2; i-- > 0;) sift_down(words, i, n);
    for (size_t end = n; end > 1; end--) {
        uint32_t t = words[0];
        words[0] = words[end - 1];
        words[end - 1] = t;
        sift_down(words, 0, end - 1);
    }
    commit(words, n * 4);
    print(FD_STDOUT, "sorted ");
    print_u32(FD_STDOUT, (uint32_t)n);
    print(FD_STDOUT, " words\n");
    return 0;
}
