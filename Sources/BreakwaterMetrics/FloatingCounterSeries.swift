/// A count that only goes up, in fractions: seconds spent, for example. One series of a
/// ``FloatingCounterFamily``.
public final class FloatingCounterSeries: Sendable {
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
