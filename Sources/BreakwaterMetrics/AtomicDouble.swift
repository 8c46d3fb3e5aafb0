import Synchronization

/// A `Double` updated atomically, stored as its bit pattern.
struct AtomicDouble: ~Copyable, Sendable {
    private let bits: Atomic<UInt64>

    init(_ value: Double = 0) {
        bits = Atomic(value.bitPattern)
    }

    func load() -> Double {
        Double(bitPattern: bits.load(ordering: .relaxed))
    }

    func store(_ value: Double) {
        bits.store(value.bitPattern, ordering: .relaxed)
    }

    /// Adds `amount` with a compare-and-exchange loop.
    func add(_ amount: Double) {
        var current = bits.load(ordering: .relaxed)
        while true {
            let next = (Double(bitPattern: current) + amount).bitPattern
            let (exchanged, original) = bits.compareExchange(
                expected: current, desired: next, ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }
}

/// A fixed number of atomic counters allocated together: the buckets of a histogram.
final class AtomicCounters: Sendable {
    let count: Int
    nonisolated(unsafe) private let storage: UnsafeMutablePointer<Atomic<UInt64>>

    init(count: Int) {
        self.count = count
        storage = .allocate(capacity: count)
        for index in 0..<count {
            (storage + index).initialize(to: Atomic(0))
        }
    }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    func increment(_ index: Int) {
        storage[index].wrappingAdd(1, ordering: .relaxed)
    }

    func load(_ index: Int) -> UInt64 {
        storage[index].load(ordering: .relaxed)
    }
}
