import Breakwater

/// Calls through synthetic circuits named like real dependencies (`dependency-0001`, ...), so that
/// every family of the breaker metrics contract has samples: successes, failures, timeouts and
/// ignored calls with durations across the histogram's buckets, slow calls, rejections, and
/// circuits in every state a service usually shows (mostly closed, some open, a few forced open
/// or disabled).
///
/// Durations are reported through the two-step API rather than measured, and the registry runs on
/// a ``ManualClock`` that never moves, so the exposition is the same on every run and an open
/// circuit stays open while the load test runs.
enum SyntheticTraffic {
    /// Rate policies as a typical service sets them, plus a consecutive-failure policy that the
    /// circuits meant to open trip.
    static let configuration = CircuitBreakerConfiguration(
        consecutiveFailureThreshold: 10,
        failureRateThreshold: 0.5,
        slowCallRateThreshold: 0.8,
        slowCallDurationThreshold: .milliseconds(500),
        slidingWindow: .countBased(size: 100),
        minimumNumberOfCalls: 10
    )

    /// How many circuits ended up in each state that is not closed.
    struct Summary {
        var open = 0
        var forcedOpen = 0
        var disabled = 0
    }

    /// Call durations in milliseconds, across the buckets of `HistogramBuckets.latency`
    /// (1 ms to 10 s) and beyond it; 700 ms and up are over the slow-call threshold.
    private static let durations: [Int] = [0, 2, 4, 8, 15, 30, 70, 150, 300, 700, 1_500, 3_000, 7_000, 12_000, 20, 45]

    /// Creates `breakers` circuits in `registry` and makes their calls.
    static func drive(breakers: Int, in registry: CircuitBreakerRegistry) throws -> Summary {
        var summary = Summary()
        for index in 1...breakers {
            let breaker = try registry.breaker(named: name(index))
            makeCalls(through: breaker, index: index)
            if index % 10 == 0 {
                trip(breaker)
            } else if index % 50 == 25 {
                breaker.forceOpen(reason: "maintenance window")
                record(.success, through: breaker, milliseconds: 0)
            } else if index % 50 == 45 {
                breaker.disable(reason: "dependency retired")
            }
            switch breaker.state {
            case .open: summary.open += 1
            case .forcedOpen: summary.forcedOpen += 1
            case .disabled: summary.disabled += 1
            default: break
            }
        }
        return summary
    }

    /// `dependency-0001`, `dependency-0002`, ...: four digits at least, so they sort as numbers.
    static func name(_ index: Int) -> String {
        let digits = String(index)
        return "dependency-" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// 40 calls: mostly successes, a failure in 8, a timeout in 20, an ignored call in 13, each
    /// taking a duration from ``durations`` shifted by the circuit's index.
    private static func makeCalls(through breaker: CircuitBreaker, index: Int) {
        for call in 0..<40 {
            let milliseconds = durations[(index + call) % durations.count]
            let completion: CallCompletion =
                if call % 20 == 19 { .timeout }
                else if call % 8 == 7 { .failure }
                else if call % 13 == 12 { .ignored }
                else { .success }
            record(completion, through: breaker, milliseconds: milliseconds)
        }
    }

    /// Opens the circuit with failures in a row, then has a few calls rejected.
    private static func trip(_ breaker: CircuitBreaker) {
        for _ in 0..<10 {
            record(.failure, through: breaker, milliseconds: 5)
        }
        for _ in 0..<3 {
            record(.success, through: breaker, milliseconds: 1)
        }
    }

    /// Records one call that ended with `completion` after `milliseconds`, or its rejection.
    private static func record(_ completion: CallCompletion, through breaker: CircuitBreaker, milliseconds: Int) {
        do {
            let permission = try breaker.acquirePermission()
            breaker.record(completion, for: permission, duration: .milliseconds(milliseconds))
        } catch {
            // Rejected: the breaker has counted it.
        }
    }
}
