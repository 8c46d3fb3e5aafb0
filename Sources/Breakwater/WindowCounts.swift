/// The calls a breaker's sliding window holds.
public struct WindowCounts: Sendable, Hashable {
    /// Calls recorded in the window: successes and failures (timeouts count as failures).
    public var calls: Int = 0
    /// Calls that failed or timed out.
    public var failures: Int = 0
    /// Calls slower than the slow-call duration threshold, successful or not.
    public var slowCalls: Int = 0

    /// Creates counts; all zero by default.
    public init(calls: Int = 0, failures: Int = 0, slowCalls: Int = 0) {
        self.calls = calls
        self.failures = failures
        self.slowCalls = slowCalls
    }

    /// Calls that succeeded.
    public var successes: Int { calls - failures }

    /// The failure rate from 0 to 1, or `nil` below `minimumCalls` calls.
    public func failureRate(minimumCalls: Int) -> Double? {
        calls >= minimumCalls && calls > 0 ? Double(failures) / Double(calls) : nil
    }

    /// The slow-call rate from 0 to 1, or `nil` below `minimumCalls` calls.
    public func slowCallRate(minimumCalls: Int) -> Double? {
        calls >= minimumCalls && calls > 0 ? Double(slowCalls) / Double(calls) : nil
    }

    mutating func add(_ sample: WindowSample) {
        calls += 1
        if sample.failed { failures += 1 }
        if sample.slow { slowCalls += 1 }
    }

    mutating func subtract(_ other: WindowCounts) {
        calls -= other.calls
        failures -= other.failures
        slowCalls -= other.slowCalls
    }
}

/// One recorded call, as a window keeps it.
struct WindowSample: Hashable {
    var failed: Bool
    var slow: Bool

    init(failed: Bool, slow: Bool) {
        self.failed = failed
        self.slow = slow
    }

    init(bits: UInt8) {
        self.init(failed: bits & 1 != 0, slow: bits & 2 != 0)
    }

    var bits: UInt8 { (failed ? 1 : 0) | (slow ? 2 : 0) }

    var counts: WindowCounts {
        var counts = WindowCounts()
        counts.add(self)
        return counts
    }
}
