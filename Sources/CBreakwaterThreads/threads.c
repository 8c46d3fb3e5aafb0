#include "CBreakwaterThreads.h"

_Thread_local long breakwater_reading_slot = 0;
_Thread_local long breakwater_counter_cell = 0;

#if defined(__linux__)
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

bool breakwater_register_process_barrier(void) {
    long supported = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    if (supported < 0 || !(supported & MEMBARRIER_CMD_PRIVATE_EXPEDITED)) {
        return false;
    }
    return syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
}

bool breakwater_process_barrier(void) {
    return syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0;
}
#else
bool breakwater_register_process_barrier(void) {
    return false;
}

bool breakwater_process_barrier(void) {
    return false;
}
#endif
