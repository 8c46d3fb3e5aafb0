import Logging
import Testing

@testable import Breakwater

/// Successes of a healthy circuit with a time-based window are counted without the breaker's lock
/// and moved into the window by the next step under it; these pin down the edges.
@Suite("Time-based window: successes counted without the lock")
struct TimeWindowStripeTests {
    let clock = ManualClock()

    /// A breaker whose slices are 333,333,333 ns: an odd width, where arithmetic on an unset
    /// slice would overflow.
    func breaker() throws -> CircuitBreaker {
        try CircuitBreaker(
            name: "stripes",
            configuration: CircuitBreakerConfiguration(
                failureRateThreshold: 0.5,
                slidingWindow: .timeBased(duration: .seconds(1), buckets: 3),
                minimumNumberOfCalls: 4
            ),
            clock: clock,
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        )
    }

    @Test("a success right after a reset, before the window saw any call, is counted")
    func successAfterResetBeforeAnyCall() throws {
        let breaker = try breaker()
        clock.advance(by: .seconds(5))
        breaker.reset()
        try breaker.run {}
        try breaker.run {}
        #expect(breaker.snapshot().window == WindowCounts(calls: 2, failures: 0, slowCalls: 0))
    }

    @Test("successes made without the lock show in the next snapshot, in their slice, and age out with it")
    func successesAgeOutWithTheirSlice() throws {
        let breaker = try breaker()
        for _ in 0..<5 {
            try breaker.run {}
        }
        #expect(breaker.snapshot().window.calls == 5)
        clock.advance(by: .milliseconds(400))
        for _ in 0..<3 {
            try breaker.run {}
        }
        #expect(breaker.snapshot().window.calls == 8)
        clock.advance(by: .milliseconds(700))
        #expect(breaker.snapshot().window.calls == 3, "the first slice has left the one-second window")
    }

    @Test("a success that would bring the window to its minimum at a failure rate over the threshold trips it")
    func successReachingTheMinimumTrips() throws {
        let breaker = try breaker()
        struct Failure: Error {}
        for _ in 0..<2 {
            _ = try? breaker.run { throw Failure() }
        }
        try breaker.run {}
        #expect(breaker.state == .closed)
        try breaker.run {}
        #expect(breaker.state == .open, "4 calls, 2 failures: a failure rate of 0.5 reaches the threshold")
    }

    @Test("a success admitted before 256 transitions or more in one slice cannot be added without the lock", arguments: [256, 512, 4_096])
    func staleSuccessAfterManyTransitionsInOneSlice(transitions: Int) throws {
        let breaker = try breaker()
        try breaker.run {}
        let stale = try breaker.acquirePermission()
        for _ in 0..<transitions {
            breaker.reset()
        }
        #expect(breaker.quietGeneration.load(ordering: .relaxed) == stale.generation &+ UInt64(transitions) &+ 1)
        // What a caller preempted between its check of the generation and its add would do.
        let stripes = try #require(breaker.successStripes)
        #expect(!stripes.add(generation: stale.generation, endedAt: clock.now.nanoseconds))
        breaker.record(.success, for: stale)
        #expect(breaker.snapshot().window.calls == 0, "a stale success does not count in the new generation")
    }
}
