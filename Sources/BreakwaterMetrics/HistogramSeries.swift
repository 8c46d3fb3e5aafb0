import Breakwater

/// A distribution of observed values, latencies for example, in buckets. One series of a
/// ``HistogramFamily``.
///
/// Each bucket counts the observations that fell into it alone; a scrape adds them up. The
/// cumulative counts it renders therefore never decrease and the `+Inf` bucket always equals
/// `_count`, even while other threads observe, which the strict OpenMetrics parser insists on.
public final class HistogramSeries: Sendable {
    let labelPairs: [UInt8]
    /// The upper bounds, increasing, without `+Inf`.
    let upperBounds: [Double]
    /// One counter per bound, and one more for the observations above the last.
    let buckets: AtomicCounters
    private let total = AtomicDouble()
    /// The latest exemplar of each bucket.
    let exemplars = ExemplarSlots()

    init(labelPairs: [UInt8], upperBounds: [Double]) {
        self.labelPairs = labelPairs
        self.upperBounds = upperBounds
        buckets = AtomicCounters(count: upperBounds.count + 1)
    }

    /// Records one observation of `value`.
    public func observe(_ value: Double) {
        buckets.increment(bucket(of: value))
        total.add(value)
    }

    /// Records one observation of `duration`, in seconds.
    public func observe(_ duration: Duration) {
        observe(duration.seconds)
    }

    /// Records one observation of `value` made in `trace`, which becomes the exemplar of its
    /// bucket (rendered in OpenMetrics only) until another observation in that bucket brings one.
    public func observe(_ value: Double, exemplar trace: TraceReference) {
        let index = bucket(of: value)
        exemplars.record(trace, value: value, at: index, of: buckets.count)
        buckets.increment(index)
        total.add(value)
    }

    /// The index of the bucket `value` falls in; the last for values above every bound and NaN.
    private func bucket(of value: Double) -> Int {
        var index = 0
        while index < upperBounds.count, !(value <= upperBounds[index]) {
            index += 1
        }
        return index
    }

    /// The sum of the observed values.
    public var sum: Double {
        total.load()
    }

    /// The number of observations.
    public var count: UInt64 {
        (0..<buckets.count).reduce(0) { $0 &+ buckets.load($1) }
    }
}
