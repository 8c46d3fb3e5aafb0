import CBreakwaterThreads
import Synchronization

/// Eight atomic counters, each alone on a 64-byte cache line, and a counter for each thread:
/// state that every call writes, spread so that calls on different threads write different lines.
struct PerThreadCells: ~Copyable, Sendable {
    static let count = 8

    private let c0 = PaddedCounter(), c1 = PaddedCounter(), c2 = PaddedCounter(), c3 = PaddedCounter()
    private let c4 = PaddedCounter(), c5 = PaddedCounter(), c6 = PaddedCounter(), c7 = PaddedCounter()

    @inline(__always)
    func withCell<Result>(_ index: Int, _ body: (borrowing Atomic<UInt64>) -> Result) -> Result {
        switch index & 7 {
        case 0: body(c0.value)
        case 1: body(c1.value)
        case 2: body(c2.value)
        case 3: body(c3.value)
        case 4: body(c4.value)
        case 5: body(c5.value)
        case 6: body(c6.value)
        default: body(c7.value)
        }
    }

    /// The counter of the calling thread: threads take the counters in turn, the first time they
    /// ask, and keep theirs, so up to eight threads never share one.
    @inline(__always)
    static func index() -> Int {
        let stored = breakwater_get_counter_cell()
        if stored != 0 {
            return stored &- 1
        }
        let index = next.wrappingAdd(1, ordering: .relaxed).oldValue & (count - 1)
        breakwater_set_counter_cell(index &+ 1)
        return index
    }

    /// The next index to hand out.
    private static let next = Atomic<Int>(0)
}

private struct PaddedCounter: ~Copyable, Sendable {
    let value = Atomic<UInt64>(0)
    private let padding: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0)
}
