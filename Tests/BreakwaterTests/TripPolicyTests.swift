import Testing

@testable import Breakwater

@Suite("When the circuit trips")
struct TripPolicyTests {
    @Test("by default, 5 consecutive failures open the circuit")
    func defaultConsecutiveFailures() throws {
        let fixture = try Fixture()
        fixture.fail(count: 4)
        #expect(fixture.breaker.state == .closed)
        fixture.fail()
        #expect(fixture.breaker.state == .open)
        #expect(fixture.observer.transitions.map(\.reason) == [.consecutiveFailures(5)])
    }

    @Test("a success ends a run of failures")
    func successResetsRun() throws {
        let fixture = try Fixture(CircuitBreakerConfiguration(consecutiveFailureThreshold: 3))
        fixture.fail(count: 2)
        try fixture.succeed()
        fixture.fail(count: 2)
        #expect(fixture.breaker.state == .closed)
        #expect(fixture.breaker.snapshot().consecutiveFailures == 2)
        fixture.fail()
        #expect(fixture.breaker.state == .open)
    }

    @Test("the failure rate over a count-based window opens the circuit at its threshold")
    func failureRateCountWindow() throws {
        let fixture = try Fixture(
            CircuitBreakerConfiguration(failureRateThreshold: 0.5, slidingWindow: .countBased(size: 10), minimumNumberOfCalls: 10))
        try fixture.succeed(count: 6)
        fixture.fail(count: 3)
        #expect(fixture.breaker.state == .closed)
        #expect(fixture.breaker.snapshot().failureRate == nil, "9 calls are below the minimum of 10")
        fixture.fail()
        #expect(fixture.breaker.snapshot().failureRate == 0.4)
        #expect(fixture.breaker.state == .closed)
        fixture.fail()
        // The window keeps the last 10 calls: the oldest success fell out, so 5 of 10 failed.
        #expect(fixture.breaker.state == .open)
        #expect(fixture.observer.transitions.first?.reason == .failureRate(0.5))
    }

    @Test("a count-based window forgets the oldest calls")
    func countWindowSlides() throws {
        let fixture = try Fixture(
            CircuitBreakerConfiguration(failureRateThreshold: 0.5, slidingWindow: .countBased(size: 4), minimumNumberOfCalls: 4))
        fixture.fail()
        try fixture.succeed(count: 4)
        let snapshot = fixture.breaker.snapshot()
        #expect(snapshot.window == WindowCounts(calls: 4, failures: 0, slowCalls: 0))
        #expect(snapshot.failureRate == 0)
    }

    @Test("a window full of successes stays exact while successes pass it by without the lock")
    func quietWindow() throws {
        let fixture = try Fixture(
            CircuitBreakerConfiguration(failureRateThreshold: 0.5, slidingWindow: .countBased(size: 4), minimumNumberOfCalls: 4))
        try fixture.succeed(count: 14)
        #expect(fixture.breaker.quietGeneration.load(ordering: .relaxed) != 0, "successes now change nothing")
        fixture.fail()
        #expect(fixture.breaker.quietGeneration.load(ordering: .relaxed) == 0)
        try fixture.succeed(count: 3)
        #expect(fixture.breaker.snapshot().window == WindowCounts(calls: 4, failures: 1, slowCalls: 0))
        try fixture.succeed()
        #expect(fixture.breaker.snapshot().window == WindowCounts(calls: 4, failures: 0, slowCalls: 0))
        fixture.fail(count: 2)
        #expect(fixture.breaker.state == .open, "2 failures in the last 4 calls")
        #expect(fixture.observer.outcomes.count == 21)
    }

    @Test("no rate counts below the minimum number of calls")
    func minimumNumberOfCalls() throws {
        let fixture = try Fixture(
            CircuitBreakerConfiguration(failureRateThreshold: 0.5, slidingWindow: .countBased(size: 100), minimumNumberOfCalls: 20))
        fixture.fail(count: 19)
        #expect(fixture.breaker.state == .closed)
        fixture.fail()
        #expect(fixture.breaker.state == .open)
    }

    @Test("a count-based window smaller than the minimum uses its size")
    func minimumCappedByWindow() throws {
        let fixture = try Fixture(
            CircuitBreakerConfiguration(failureRateThreshold: 1, slidingWindow: .countBased(size: 3), minimumNumberOfCalls: 50))
        fixture.fail(count: 3)
        #expect(fixture.breaker.state == .open)
    }

    @Test("a time-based window counts only the calls of its duration")
    func failureRateTimeWindow() throws {
        let fixture = try Fixture(
            CircuitBreakerConfiguration(
                failureRateThreshold: 0.5,
                slidingWindow: .timeBased(duration: .seconds(10), buckets: 10),
                minimumNumberOfCalls: 4))
        fixture.fail(count: 3)
        fixture.clock.advance(by: .seconds(11))
        #expect(fixture.breaker.snapshot().window.calls == 0, "the failures aged out")
        try fixture.succeed(count: 2)
        fixture.fail(count: 1)
        #expect(fixture.breaker.state == .closed)
        fixture.fail(count: 1)
        #expect(fixture.breaker.state == .open)
        #expect(fixture.observer.transitions.first?.reason == .failureRate(0.5))
    }

    @Test("a time-based window drops one bucket at a time")
    func timeWindowBuckets() throws {
        let fixture = try Fixture(
            CircuitBreakerConfiguration(
                failureRateThreshold: 1, slidingWindow: .timeBased(duration: .seconds(4), buckets: 4), minimumNumberOfCalls: 100))
        for _ in 0..<4 {
            try fixture.breaker.run { fixture.clock.advance(by: .seconds(1)) }
        }
        #expect(fixture.breaker.snapshot().window.calls == 4)
        fixture.clock.advance(by: .seconds(1))
        #expect(fixture.breaker.snapshot().window.calls == 3)
        fixture.clock.advance(by: .seconds(2))
        #expect(fixture.breaker.snapshot().window.calls == 1)
        fixture.clock.advance(by: .seconds(1))
        #expect(fixture.breaker.snapshot().window.calls == 0)
    }

    @Test("a time-based window's memory does not grow with the call volume")
    func timeWindowConstantMemory() {
        var window = TimeWindow(duration: .seconds(60), buckets: 6)
        for call in 0..<100_000 {
            window.record(WindowSample(failed: call % 3 == 0, slow: false), at: BreakerInstant(nanoseconds: Int64(call) * 1_000_000))
        }
        // 100 s of calls, one per millisecond: the window holds the last 50 to 60 s of them.
        #expect((50_000...60_000).contains(window.counts.calls))
    }

    @Test("the slow-call rate opens the circuit; calls longer than the threshold are slow")
    func slowCallRate() throws {
        let fixture = try Fixture(
            CircuitBreakerConfiguration(
                slowCallRateThreshold: 0.5, slowCallDurationThreshold: .seconds(2),
                slidingWindow: .countBased(size: 4), minimumNumberOfCalls: 4))
        try fixture.succeed(count: 2, taking: .seconds(2))
        #expect(fixture.breaker.snapshot().window.slowCalls == 0, "exactly the threshold is not slow")
        try fixture.succeed(count: 1, taking: .seconds(3))
        #expect(fixture.breaker.state == .closed)
        try fixture.succeed(count: 1, taking: .seconds(3))
        #expect(fixture.breaker.state == .open)
        #expect(fixture.observer.transitions.first?.reason == .slowCallRate(0.5))
    }

    @Test("slow failures count both as failures and as slow calls")
    func slowFailures() throws {
        let fixture = try Fixture(
            CircuitBreakerConfiguration(failureRateThreshold: 1, slowCallRateThreshold: 1, slowCallDurationThreshold: .seconds(1)))
        fixture.fail(count: 2, taking: .seconds(5))
        #expect(fixture.breaker.snapshot().window == WindowCounts(calls: 2, failures: 2, slowCalls: 2))
    }

    @Test("combined policies: whichever threshold is reached first opens the circuit")
    func combinedPolicies() throws {
        let configuration = CircuitBreakerConfiguration(
            consecutiveFailureThreshold: 3, failureRateThreshold: 0.9, slowCallRateThreshold: 0.9,
            slidingWindow: .countBased(size: 10), minimumNumberOfCalls: 10)
        let consecutive = try Fixture(configuration)
        consecutive.fail(count: 3)
        #expect(consecutive.observer.transitions.first?.reason == .consecutiveFailures(3))

        let rate = try Fixture(configuration)
        for _ in 0..<5 {
            rate.fail(count: 2)
            try rate.succeed()
        }
        #expect(rate.breaker.state == .closed, "failure rate 10/15 windowed to below 0.9, never 3 in a row")
    }

    @Test("ignored errors count neither as failure nor as success")
    func ignoredErrors() throws {
        let fixture = try Fixture(CircuitBreakerConfiguration(consecutiveFailureThreshold: 2))
        fixture.fail()
        #expect(throws: CancellationError.self) {
            try fixture.breaker.run { throw CancellationError() }
        }
        fixture.fail()
        #expect(fixture.breaker.state == .open, "the cancellation did not end the run of failures")
        #expect(fixture.observer.outcomes == [.failure, .ignored, .failure])
    }

    @Test("a custom predicate decides which errors count")
    func customPredicate() throws {
        let fixture = try Fixture(
            CircuitBreakerConfiguration(consecutiveFailureThreshold: 1, isFailure: { ($0 as? DependencyError)?.code != 404 }))
        #expect(throws: DependencyError.self) {
            try fixture.breaker.run { () throws(DependencyError) in throw DependencyError(code: 404) }
        }
        #expect(fixture.breaker.state == .closed)
        fixture.fail()
        #expect(fixture.breaker.state == .open)
    }

    @Test("a result can count as a failure and is still returned")
    func resultPredicate() throws {
        let fixture = try Fixture(CircuitBreakerConfiguration(consecutiveFailureThreshold: 2))
        for _ in 0..<2 {
            let status = try fixture.breaker.run(failureWhen: { $0 >= 500 }) { 503 }
            #expect(status == 503)
        }
        #expect(fixture.breaker.state == .open)
        #expect(fixture.observer.outcomes == [.failure, .failure])
    }
}
