import Synchronization

/// Successes of a healthy circuit with a time-based window, counted without the breaker's lock.
///
/// While the circuit is healthy (see ``CircuitBreakerStateMachine/isQuiet``), a success that is
/// not slow cannot trip it; it only adds to the calls of the window's newest slice. Recording it under the lock would make every
/// call of a time-based window write the lock's cache line, and two cores would take turns on it.
/// Instead each thread adds to one of eight counters, each on a cache line of its own, which it
/// picks the first time it counts. Whoever takes the lock first moves the counts into the window
/// (``drain(into:)``), so everything that reads the window under the lock sees them.
///
/// A counter holds `tag << 12 | count`: the tag names the generation (its low 28 bits) and the
/// window slice (its low 23 bits) the counter takes successes for, and an add succeeds only while
/// the tag is the one the caller expects. The lock holder re-tags the counters for the next slice
/// or generation, and seals them while the circuit is not healthy, so a success that raced a
/// transition fails its add and is recorded under the lock, where the state machine judges it.
final class SuccessStripes: Sendable {
    /// Eight counters on cache lines of their own.
    private let cells = PerThreadCells()
    /// The slice the counters take successes for now: successes ending in it may be added.
    private let primedSlice = Atomic<Int64>(.min)
    /// The width of a slice in nanoseconds.
    private let sliceWidth: Int64

    /// The tag of a sealed counter: no caller ever expects it.
    private static let sealed: UInt64 = 1 << 63

    init(sliceWidth: Int64) {
        self.sliceWidth = sliceWidth
        for index in 0..<PerThreadCells.count {
            cells.withCell(index) { $0.store(Self.sealed, ordering: .relaxed) }
        }
    }

    // MARK: Without the lock

    /// Counts a success of `generation` that ended at `end`; `false` when it must be recorded
    /// under the lock instead (another slice, another generation, or sealed counters).
    @inline(__always)
    func add(generation: UInt64, endedAt end: Int64) -> Bool {
        let slice = primedSlice.load(ordering: .relaxed)
        guard slice != .min else { return false }
        let start = slice &* sliceWidth
        guard end >= start, end &- start < sliceWidth else { return false }
        let expected = Self.tag(generation: generation, slice: slice)
        return cells.withCell(PerThreadCells.index()) { cell in
            var value = cell.load(ordering: .relaxed)
            while value >> Self.countBits == expected, value & Self.countMask != Self.countMask {
                let (exchanged, current) = cell.compareExchange(
                    expected: value, desired: value &+ 1, ordering: .relaxed
                )
                if exchanged { return true }
                value = current
            }
            return false
        }
    }

    // MARK: Under the breaker's lock

    /// Moves every count into `machine`'s window, leaving the counters' tags as they are.
    func drain(into machine: inout CircuitBreakerStateMachine) {
        for index in 0..<PerThreadCells.count {
            cells.withCell(index) { cell in
                let value = cell.load(ordering: .relaxed)
                let count = value & Self.countMask
                guard value & Self.sealed == 0, count > 0 else { return }
                // Subtract what was read rather than store zero: adds that land meanwhile stay.
                cell.wrappingSubtract(count, ordering: .relaxed)
                machine.absorbSuccesses(Int(count), sliceTag: Int64((value >> Self.countBits) & Self.sliceMask))
            }
        }
    }

    /// Tags the counters for `slice` of `machine`'s generation, or seals them when `slice` is
    /// `nil`. Counts still in them are the machine's when their generation is its own (successes
    /// that raced the step before this); a generation ago, they raced a transition and are dropped.
    func prime(_ machine: inout CircuitBreakerStateMachine, slice: Int64?) {
        let generationTag = machine.generation & Self.generationMask
        let tag = slice.map { Self.tag(generation: machine.generation, slice: $0) << Self.countBits } ?? Self.sealed
        if cells.withCell(0, { $0.load(ordering: .relaxed) }) & ~Self.countMask == tag {
            return
        }
        primedSlice.store(.min, ordering: .relaxed)
        for index in 0..<PerThreadCells.count {
            let previous = cells.withCell(index) { $0.exchange(tag, ordering: .relaxed) }
            let count = previous & Self.countMask
            if previous & Self.sealed == 0, count > 0, previous >> (Self.countBits + Self.sliceBits) == generationTag {
                machine.absorbSuccesses(Int(count), sliceTag: Int64((previous >> Self.countBits) & Self.sliceMask))
            }
        }
        if let slice {
            primedSlice.store(slice, ordering: .relaxed)
        }
    }

    // A counter, from its high bit down: sealed (1 bit), generation (28), slice (23), count (12).

    /// The bits of the count under the tag. A full counter sends successes to the lock, which
    /// empties it: one lock in 4,095 successes of a thread.
    private static let countBits: UInt64 = 12
    private static let countMask: UInt64 = 1 << countBits - 1
    private static let sliceBits: UInt64 = 23
    /// The slice bits of a tag.
    static let sliceMask: UInt64 = 1 << sliceBits - 1
    /// The generation bits of a tag: a success admitted in one generation could be added to
    /// another of the same 28 low bits, which takes 268 million transitions within one slice
    /// between a caller's check of its generation and its add.
    private static let generationMask: UInt64 = 1 << 28 - 1

    private static func tag(generation: UInt64, slice: Int64) -> UInt64 {
        (generation & generationMask) << sliceBits | UInt64(bitPattern: slice) & sliceMask
    }
}
