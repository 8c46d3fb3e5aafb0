/// The source of time for a ``CircuitBreaker``.
///
/// The default is ``SystemClock``. Tests inject a ``ManualClock`` so that open durations,
/// time-based windows and call timeouts pass in virtual time, without sleeping.
public protocol BreakerClock: Sendable {
    /// The current instant, precise enough to measure a call's duration.
    var now: BreakerInstant { get }

    /// The current instant, possibly a few milliseconds behind ``now``.
    ///
    /// Breakers read it to decide whether an open circuit's wait is over, on every rejected call,
    /// where a precise reading would cost more than the rest of the rejection.
    var coarseNow: BreakerInstant { get }

    /// Seconds since the Unix epoch, to timestamp state transitions for people and dashboards.
    var unixTime: Double { get }

    /// Suspends until `deadline`, or throws `CancellationError` when the task is cancelled.
    func sleep(until deadline: BreakerInstant) async throws
}

extension BreakerClock {
    public var coarseNow: BreakerInstant { now }

    /// Suspends for `duration`, or throws `CancellationError` when the task is cancelled.
    func sleep(for duration: Duration) async throws {
        try await sleep(until: now.advanced(by: duration))
    }
}
