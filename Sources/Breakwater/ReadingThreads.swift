import CBreakwaterThreads
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Which threads are reading a published observer list now: how ``PublishedObservers`` knows when
/// a list it replaced can be released, at the cost of two plain stores per read.
///
/// Each thread that reads takes a slot of its own, which only it writes: the process's epoch when
/// its read began, or 0 while it reads nothing. A writer that replaces a list moves the epoch on
/// and then makes every thread of the process run a full memory barrier (Linux's `membarrier`), so
/// each reader has either published its slot, which the writer will see, or will load the new
/// list; the reader itself needs no barrier (the asymmetric fences of liburcu's `memb` flavour).
/// Where that system call is missing or forbidden, readers publish their slots with a
/// sequentially consistent store instead. A list replaced in epoch *e* is released once no slot
/// shows a read that began in *e* or before.
enum ReadingThreads {
    /// Begins a read on the calling thread; pass the result to ``end(_:)``.
    @inline(__always)
    static func begin() -> Int {
        let index = slotIndex()
        guard index >= 0 else {
            table.overflow.add(1, ordering: .sequentiallyConsistent)
            return index
        }
        table.withSlot(index) { slot in
            let current = slot.load(ordering: .relaxed)
            if current != 0 {
                // A read within a read, from an observer: the outer read's epoch stands.
                slot.store(current &+ 1, ordering: .relaxed)
            } else if table.hasProcessBarrier {
                slot.store(table.epoch.load(ordering: .relaxed) << 16 | 1, ordering: .releasing)
            } else {
                slot.store(table.epoch.load(ordering: .relaxed) << 16 | 1, ordering: .sequentiallyConsistent)
            }
        }
        breakwater_compiler_barrier()
        return index
    }

    /// Ends the read that `begin()` began.
    @inline(__always)
    static func end(_ index: Int) {
        guard index >= 0 else {
            table.overflow.subtract(1, ordering: .releasing)
            return
        }
        table.withSlot(index) { slot in
            let current = slot.load(ordering: .relaxed)
            slot.store(current & 0xFFFF == 1 ? 0 : current &- 1, ordering: .releasing)
        }
    }

    /// Moves the epoch on after a list was replaced, and returns the epoch the replaced list
    /// belongs to. The new list must be published before.
    static func retire() -> UInt64 {
        let epoch = table.epoch.wrappingAdd(1, ordering: .sequentiallyConsistent).oldValue
        if table.hasProcessBarrier {
            _ = breakwater_process_barrier()
        }
        return epoch
    }

    /// Whether a read that began in `epoch` or before may still be going on.
    static func isReading(since epoch: UInt64) -> Bool {
        if table.overflow.load(ordering: .sequentiallyConsistent) > 0 { return true }
        let claimed = table.claimed.load(ordering: .acquiring)
        for index in 0..<claimed {
            let slot = table.withSlot(index) { $0.load(ordering: .sequentiallyConsistent) }
            if slot != 0 && slot >> 16 <= epoch { return true }
        }
        return false
    }

    private static let table = SlotTable()

    /// The slot of the calling thread, taken on its first read and given back when it exits; -1
    /// when every slot is taken, and the thread counts itself in the shared overflow counter.
    @inline(__always)
    private static func slotIndex() -> Int {
        let stored = breakwater_get_reading_slot()
        if stored != 0 {
            return stored &- 2
        }
        let index = table.claim()
        breakwater_set_reading_slot(index &+ 2)
        // Only for its destructor, which gives the slot back when the thread exits.
        pthread_setspecific(SlotTable.key, UnsafeRawPointer(bitPattern: index &+ 2))
        return index
    }
}

/// The slots: each alone on a 64-byte cache line, in memory allocated once for the process and
/// never freed. `@unchecked Sendable` for that memory, which holds only atomics.
private final class SlotTable: @unchecked Sendable {
    static let count = 256

    private struct Slot: ~Copyable {
        let state = Atomic<UInt64>(0)
        let owned = Atomic<Bool>(false)
        private let padding: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
    }

    private let slots: UnsafeMutablePointer<Slot>
    let epoch = Atomic<UInt64>(1)
    /// Reads by threads that found no free slot.
    let overflow = Atomic<Int>(0)
    /// One past the highest slot ever taken: writers look no further.
    let claimed = Atomic<Int>(0)
    let hasProcessBarrier = breakwater_register_process_barrier()

    /// Gives a thread's slot back when it exits.
    static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { stored in
            guard let stored else { return }
            let index = Int(bitPattern: stored) &- 2
            if index >= 0 {
                ReadingThreads.release(index)
            }
        }
        return key
    }()

    init() {
        slots = .allocate(capacity: Self.count)
        for index in 0..<Self.count {
            (slots + index).initialize(to: Slot())
        }
    }

    func withSlot<Result>(_ index: Int, _ body: (borrowing Atomic<UInt64>) -> Result) -> Result {
        body(slots[index].state)
    }

    /// Takes a free slot; -1 when there is none.
    func claim() -> Int {
        for index in 0..<Self.count where slots[index].owned.compareExchange(
            expected: false, desired: true, ordering: .acquiringAndReleasing
        ).exchanged {
            var high = claimed.load(ordering: .relaxed)
            while high < index + 1 {
                let (exchanged, current) = claimed.compareExchange(
                    expected: high, desired: index + 1, ordering: .releasing)
                if exchanged { break }
                high = current
            }
            return index
        }
        return -1
    }

    func release(_ index: Int) {
        slots[index].state.store(0, ordering: .releasing)
        slots[index].owned.store(false, ordering: .releasing)
    }
}

extension ReadingThreads {
    /// Gives back the slot of a thread that exits.
    fileprivate static func release(_ index: Int) {
        table.release(index)
    }
}
