/// A value that goes up and down: a state, a rate, a queue length. One series of a
/// ``GaugeFamily``.
public final class GaugeSeries: Sendable {
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
