import Synchronization

/// A count that only goes up: calls made, bytes sent. One series of a ``CounterFamily``.
///
/// Keep the counter a family gives you and increment it directly: that is one relaxed atomic add,
/// with no lock and no lookup.
public final class Counter: Sendable {
    let labelPairs: [UInt8]
    private let total = Atomic<UInt64>(0)

    init(labelPairs: [UInt8]) {
        self.labelPairs = labelPairs
    }

    /// Adds `amount`, by default 1.
    public func increment(by amount: UInt64 = 1) {
        total.wrappingAdd(amount, ordering: .relaxed)
    }

    /// The current count.
    public var value: UInt64 {
        total.load(ordering: .relaxed)
    }

    func store(_ count: UInt64) {
        total.store(count, ordering: .relaxed)
    }
}

/// A count that only goes up, in fractions: seconds spent, for example. One series of a
/// ``FloatingCounterFamily``.
public final class FloatingCounter: Sendable {
    let labelPairs: [UInt8]
    private let total = AtomicDouble()

    init(labelPairs: [UInt8]) {
        self.labelPairs = labelPairs
    }

    /// Adds `amount`. A negative or NaN amount is ignored: a counter never goes down.
    public func increment(by amount: Double) {
        guard amount > 0 else { return }
        total.add(amount)
    }

    /// The current total.
    public var value: Double {
        total.load()
    }

    func store(_ value: Double) {
        total.store(value)
    }
}

/// A value that goes up and down: a state, a rate, a queue length. One series of a
/// ``GaugeFamily``.
public final class Gauge: Sendable {
    let labelPairs: [UInt8]
    private let current = AtomicDouble()

    init(labelPairs: [UInt8]) {
        self.labelPairs = labelPairs
    }

    /// Sets the value.
    public func set(_ value: Double) {
        current.store(value)
    }

    /// Adds `amount`, by default 1.
    public func increment(by amount: Double = 1) {
        current.add(amount)
    }

    /// Subtracts `amount`, by default 1.
    public func decrement(by amount: Double = 1) {
        current.add(-amount)
    }

    /// The current value.
    public var value: Double {
        current.load()
    }
}
