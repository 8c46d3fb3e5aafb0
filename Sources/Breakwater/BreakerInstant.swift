/// A point on a monotonic timeline, in nanoseconds from an arbitrary origin.
///
/// Breakers measure call durations and open deadlines with instants from their
/// ``BreakerClock``. Only differences between instants of the same clock are meaningful.
public struct BreakerInstant: Sendable, Hashable, Comparable {
    /// Nanoseconds since the clock's origin.
    public var nanoseconds: Int64

    /// Creates an instant `nanoseconds` after the clock's origin.
    public init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    /// The instant `duration` after this one; saturates instead of overflowing.
    public func advanced(by duration: Duration) -> BreakerInstant {
        let (sum, overflow) = nanoseconds.addingReportingOverflow(duration.nanoseconds)
        return BreakerInstant(nanoseconds: overflow ? (duration < .zero ? .min : .max) : sum)
    }

    /// The duration from this instant to `other`.
    public func duration(to other: BreakerInstant) -> Duration {
        .nanoseconds(other.nanoseconds &- nanoseconds)
    }

    public static func < (lhs: BreakerInstant, rhs: BreakerInstant) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }
}

extension Duration {
    /// The duration in whole nanoseconds, saturating at the bounds of `Int64`.
    package var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (sum, overflowAgain) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        if overflowAgain { return seconds < 0 ? .min : .max }
        return sum
    }

    /// The duration in seconds as a floating-point number.
    package var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
