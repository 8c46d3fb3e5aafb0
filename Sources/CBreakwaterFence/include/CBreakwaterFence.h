#ifndef C_BREAKWATER_FENCE_H
#define C_BREAKWATER_FENCE_H

#include <stdbool.h>

/// Registers the process for expedited private memory barriers (Linux `membarrier`); whether
/// `breakwater_process_barrier` can be used. False elsewhere, or where a sandbox forbids it.
bool breakwater_register_process_barrier(void);

/// Makes every running thread of the process execute a full memory barrier before returning.
/// Call only after `breakwater_register_process_barrier` returned true; whether it succeeded.
bool breakwater_process_barrier(void);

/// Keeps the compiler from moving memory accesses across it; emits no instruction.
static inline void breakwater_compiler_barrier(void) {
    __asm__ __volatile__("" ::: "memory");
}

#endif
