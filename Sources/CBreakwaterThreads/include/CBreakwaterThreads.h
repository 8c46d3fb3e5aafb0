/// What Swift cannot say cheaply on its own: which threads are reading a breaker's published
/// observer list, with thread-local slots and a process-wide memory barrier, and a per-thread
/// counter index.
///
/// Each thread that reads takes a slot of its own, which only it writes: the process's epoch when
/// its read began, or 0 while it reads nothing. A writer that replaces a list moves the epoch on
/// and then makes every thread of the process run a full memory barrier (Linux's `membarrier`), so
/// each reader has either published its slot, which the writer will see, or will load the new
/// list; the reader itself needs no barrier (the asymmetric fences of liburcu's `memb` flavour).
/// Where that system call is missing or forbidden, readers publish their slots with a
/// sequentially consistent store instead. A list replaced in epoch e is released once no slot
/// shows a read that began in e or before. Slots are given back when their thread exits; past 256
/// threads reading at once, the others count themselves in one shared slot.
///
/// This is C because a Swift global is initialized lazily, and its check on every read cost more
/// than the read.
#ifndef C_BREAKWATER_THREADS_H
#define C_BREAKWATER_THREADS_H

#include <stdbool.h>
#include <stdint.h>

/// One reading slot per thread, alone on a 64-byte cache line: the epoch its read began in,
/// shifted left 16 bits, plus how deep its reads nest; 0 while it reads nothing.
typedef struct {
    uint64_t state;
    bool owned;
    char padding[55];
} breakwater_reading_slot_t;

/// The calling thread's slot; NULL until its first read.
extern _Thread_local breakwater_reading_slot_t *breakwater_thread_reading_slot;
/// The epoch: moved on each time a published list is replaced; starts at 1.
extern uint64_t breakwater_reading_epoch;
/// Whether writers make every thread run a barrier, so that readers need none.
extern bool breakwater_has_process_barrier;

/// Takes a slot for the calling thread, on its first read; the shared overflow slot when all are
/// taken. Given back when the thread exits.
breakwater_reading_slot_t *breakwater_claim_reading_slot(void);

/// Begins a read; pass the result to `breakwater_end_reading`. Two plain stores, no barrier, on
/// a slot of the thread's own.
static inline breakwater_reading_slot_t *breakwater_begin_reading(void) {
    breakwater_reading_slot_t *slot = breakwater_thread_reading_slot;
    if (__builtin_expect(slot == 0, 0)) {
        slot = breakwater_claim_reading_slot();
    }
    if (__builtin_expect(__atomic_load_n(&slot->owned, __ATOMIC_RELAXED), 1)) {
        uint64_t current = __atomic_load_n(&slot->state, __ATOMIC_RELAXED);
        if (current != 0) {
            // A read within a read, from an observer: the outer read's epoch stands.
            __atomic_store_n(&slot->state, current + 1, __ATOMIC_RELAXED);
        } else if (__builtin_expect(breakwater_has_process_barrier, 1)) {
            __atomic_store_n(&slot->state, __atomic_load_n(&breakwater_reading_epoch, __ATOMIC_RELAXED) << 16 | 1,
                             __ATOMIC_RELEASE);
        } else {
            __atomic_store_n(&slot->state, __atomic_load_n(&breakwater_reading_epoch, __ATOMIC_RELAXED) << 16 | 1,
                             __ATOMIC_SEQ_CST);
        }
    } else {
        // The overflow slot, shared by threads that found every slot taken: a plain count.
        __atomic_fetch_add(&slot->state, 1, __ATOMIC_SEQ_CST);
    }
    __asm__ __volatile__("" ::: "memory");
    return slot;
}

/// Ends the read that `breakwater_begin_reading` began.
static inline void breakwater_end_reading(breakwater_reading_slot_t *slot) {
    __asm__ __volatile__("" ::: "memory");
    if (__builtin_expect(__atomic_load_n(&slot->owned, __ATOMIC_RELAXED), 1)) {
        uint64_t current = __atomic_load_n(&slot->state, __ATOMIC_RELAXED);
        __atomic_store_n(&slot->state, (current & 0xFFFF) == 1 ? 0 : current - 1, __ATOMIC_RELEASE);
    } else {
        __atomic_fetch_sub(&slot->state, 1, __ATOMIC_RELEASE);
    }
}

/// Moves the epoch on after a published list was replaced (the new one must be published
/// first), runs the process-wide barrier, and returns the epoch the replaced list belongs to.
uint64_t breakwater_retire_reading_epoch(void);

/// Whether a read that began in `epoch` or before may still be going on.
bool breakwater_is_reading_since(uint64_t epoch);

/// The calling thread's per-thread counter index, plus 1; 0 until it first counts.
extern _Thread_local long breakwater_counter_cell;

static inline long breakwater_get_counter_cell(void) {
    return breakwater_counter_cell;
}

static inline void breakwater_set_counter_cell(long cell) {
    breakwater_counter_cell = cell;
}

#endif
