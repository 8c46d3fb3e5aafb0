import Breakwater
import Synchronization

/// The last exemplar of each bucket of a series (one slot for a counter): the value observed, when,
/// and the trace it was observed in.
struct Exemplar: Sendable, Hashable {
    var trace: TraceReference
    var value: Double
    /// Seconds since 1970 (rendered to the microsecond).
    var timestamp: Double
}

/// A series' exemplars, each slot holding the latest. A series that never gets an exemplar keeps
/// an empty array, which allocates nothing; the slots are made at the first exemplar.
struct ExemplarSlots: ~Copyable, Sendable {
    private let slots = Guarded<[Exemplar?]>([])
    /// Set once the slots are made, so that a scrape skips the lock of a series without any.
    private let made = Atomic<Bool>(false)

    /// Keeps `trace` with `value`, observed now, in slot `index` of `count`.
    func record(_ trace: TraceReference, value: Double, at index: Int, of count: Int) {
        // The wall-clock time, so that a trace can be found by when it ran.
        let exemplar = Exemplar(trace: trace, value: value, timestamp: SystemClock().unixTime)
        slots.withLock { slots in
            if slots.isEmpty {
                slots = Array(repeating: nil, count: count)
                made.store(true, ordering: .releasing)
            }
            slots[index] = exemplar
        }
    }

    /// Every slot, empty when no exemplar was ever recorded.
    func all() -> [Exemplar?] {
        guard made.load(ordering: .acquiring) else { return [] }
        return slots.withLock { $0 }
    }
}
