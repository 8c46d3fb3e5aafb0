#include "CBreakwaterThreads.h"

#include <pthread.h>

#if defined(__linux__)
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

enum { slot_count = 256 };

_Thread_local breakwater_reading_slot_t *breakwater_thread_reading_slot = 0;
_Thread_local long breakwater_counter_cell = 0;
uint64_t breakwater_reading_epoch = 1;
bool breakwater_has_process_barrier = false;

static breakwater_reading_slot_t slots[slot_count] __attribute__((aligned(64)));
/// Shared by threads that found every slot taken; never owned.
static breakwater_reading_slot_t overflow_slot __attribute__((aligned(64)));
/// One past the highest slot ever taken: writers look no further.
static long claimed = 0;

static pthread_once_t setup_once = PTHREAD_ONCE_INIT;
static pthread_key_t exit_key;

/// Gives a thread's slot back when the thread exits; a read made later in its exit counts in the
/// overflow slot.
static void release_slot(void *slot) {
    breakwater_reading_slot_t *owned = slot;
    breakwater_thread_reading_slot = &overflow_slot;
    __atomic_store_n(&owned->state, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&owned->owned, false, __ATOMIC_RELEASE);
}

static bool register_process_barrier(void) {
#if defined(__linux__)
    long supported = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    if (supported < 0 || !(supported & MEMBARRIER_CMD_PRIVATE_EXPEDITED)) {
        return false;
    }
    return syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
#else
    return false;
#endif
}

static void setup(void) {
    pthread_key_create(&exit_key, release_slot);
    __atomic_store_n(&breakwater_has_process_barrier, register_process_barrier(), __ATOMIC_RELEASE);
}

breakwater_reading_slot_t *breakwater_claim_reading_slot(void) {
    pthread_once(&setup_once, setup);
    breakwater_reading_slot_t *slot = &overflow_slot;
    for (long index = 0; index < slot_count; index++) {
        bool expected = false;
        if (__atomic_compare_exchange_n(&slots[index].owned, &expected, true, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_RELAXED)) {
            long high = __atomic_load_n(&claimed, __ATOMIC_RELAXED);
            while (high < index + 1 &&
                   !__atomic_compare_exchange_n(&claimed, &high, index + 1, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
            }
            slot = &slots[index];
            pthread_setspecific(exit_key, slot);
            break;
        }
    }
    breakwater_thread_reading_slot = slot;
    return slot;
}

uint64_t breakwater_retire_reading_epoch(void) {
    pthread_once(&setup_once, setup);
    uint64_t replaced_in = __atomic_fetch_add(&breakwater_reading_epoch, 1, __ATOMIC_SEQ_CST);
#if defined(__linux__)
    if (breakwater_has_process_barrier) {
        syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
    }
#endif
    return replaced_in;
}

bool breakwater_is_reading_since(uint64_t epoch) {
    if (__atomic_load_n(&overflow_slot.state, __ATOMIC_SEQ_CST) != 0) {
        return true;
    }
    long high = __atomic_load_n(&claimed, __ATOMIC_ACQUIRE);
    for (long index = 0; index < high; index++) {
        uint64_t state = __atomic_load_n(&slots[index].state, __ATOMIC_SEQ_CST);
        if (state != 0 && state >> 16 <= epoch) {
            return true;
        }
    }
    return false;
}
