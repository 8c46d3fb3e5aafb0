/// What Swift cannot say on its own: a process-wide memory barrier and thread-local variables.
#ifndef C_BREAKWATER_THREADS_H
#define C_BREAKWATER_THREADS_H

#include <stdbool.h>

/// Registers the process for expedited private memory barriers (Linux `membarrier`); whether
/// `breakwater_process_barrier` can be used. False elsewhere, or where a sandbox forbids it.
bool breakwater_register_process_barrier(void);

/// Makes every running thread of the process execute a full memory barrier before returning.
/// Call only after `breakwater_register_process_barrier` returned true; whether it succeeded.
bool breakwater_process_barrier(void);

/// The calling thread's reading slot, plus 2 (1: no slot was free); 0 until it first reads.
extern _Thread_local long breakwater_reading_slot;

static inline long breakwater_get_reading_slot(void) {
    return breakwater_reading_slot;
}

static inline void breakwater_set_reading_slot(long slot) {
    breakwater_reading_slot = slot;
}

/// The calling thread's per-thread counter, plus 1; 0 until it first counts.
extern _Thread_local long breakwater_counter_cell;

static inline long breakwater_get_counter_cell(void) {
    return breakwater_counter_cell;
}

static inline void breakwater_set_counter_cell(long cell) {
    breakwater_counter_cell = cell;
}

/// Keeps the compiler from moving memory accesses across it; emits no instruction.
static inline void breakwater_compiler_barrier(void) {
    __asm__ __volatile__("" ::: "memory");
}

#endif
