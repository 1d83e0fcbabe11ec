/* exit_code: commits "bye" and exits with a non-zero code: the first input
   byte, or 7 when there is no input. */
#include "guest.h"

int main(void) {
    uint8_t code = 7;
    read_input(&code, 1);
    commit("bye", 3);
    print(FD_STDERR, "exiting with code ");
    print_u32(FD_STDERR, code);
    print(FD_STDERR, "\n");
    return code;
}
