import Synchronization

/// A count that only goes up: calls made, bytes sent. One series of a ``CounterFamily``.
///
/// Keep the counter a family gives you and increment it directly: that is one relaxed atomic add,
/// with no lock and no lookup.
public final class CounterSeries: Sendable {
    let labelPairs: [UInt8]
    private let total = Atomic<UInt64>(0)
    /// The latest exemplar.
    let exemplars = ExemplarSlots()

    init(labelPairs: [UInt8]) {
        self.labelPairs = labelPairs
    }

    /// Adds `amount`, by default 1.
    public func increment(by amount: UInt64 = 1) {
        total.wrappingAdd(amount, ordering: .relaxed)
    }

    /// Adds `amount`, counted in `trace`, which becomes the counter's exemplar (rendered in
    /// OpenMetrics only) until the next increment that brings one.
    public func increment(by amount: UInt64 = 1, exemplar trace: TraceReference) {
        exemplars.record(trace, value: Double(amount), at: 0, of: 1)
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
